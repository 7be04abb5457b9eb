"""The check refuses variants an instructor would not publish (issue #16): a constant function,
a key of 0, a key equal to the function or to another typical mistake, parameters that make the
problem lose a variable, and too few different keys across the seeds; each with its seed."""

from __future__ import annotations

import pytest

from exercises.authoring.models import TemplateCheck
from exercises.authoring.services.checks import PublishRefused, template_check_run, template_publish
from exercises.authoring.services.degenerate import degenerate_problems, too_few_variants
from exercises.authoring.services.templates import custom_template_create
from grading.engine import Task, key_of
from tests import factories

XY = ("x", "y")


def _problems(function: str, wrt: tuple[str, ...] = ("x",), **task: object) -> list[str]:
    t = Task(variables=XY, function=function, wrt=wrt, **task)  # type: ignore[arg-type]
    return [p["en"] for p in degenerate_problems(task=t, key=key_of(t), generic=None)]


def test_a_fair_variant_has_no_problem():
    assert _problems("3x^3 + 2xy - y") == []
    assert _problems("x^2 y^3", wrt=("x", "y")) == []
    assert _problems("x^2 + y^2", wrt=(), gradient=True) == []


@pytest.mark.parametrize(
    ("function", "wrt", "extra", "reason"),
    [
        ("(0) e^x", ("x",), {}, "the function is constant (f = (0) e^x)"),
        ("(3)^2 + 1", ("x",), {}, "the function is constant"),
        ("(0) e^x", ("x",), {"at": (("x", "1"), ("y", "0"))}, "the function is constant"),
        ("x^2 + 1", ("y",), {}, "the key is 0"),
        ("x^2", (), {"gradient": True}, None),
        ("(2) e^x", ("x",), {}, "the key equals the function"),
        ("e^x + y", ("x",), {"at": (("x", "0"), ("y", "0"))}, "the key equals the function"),
        ("x + y", ("x",), {}, "differentiating by y instead of x is marked right"),
        ("y e^x", ("x", "x"), {}, "the key equals f_x"),
    ],
)
def test_a_degenerate_variant_is_named(function, wrt, extra, reason):
    found = _problems(function, wrt, **extra)
    if reason is None:  # f = x^2 has gradient <2x, 0>: not all zero, and copying f is no vector
        assert found == []
    else:
        assert any(reason in text for text in found), found


def test_a_korean_reason_goes_with_each():
    t = Task(variables=XY, function="(2) e^x", wrt=("x",))
    [problem] = degenerate_problems(task=t, key=key_of(t), generic=None)
    assert "정답 식이 함수와 같아서" in problem["ko"]


def test_parameters_that_drop_a_variable_collapse_the_problem():
    generic = (("x", "y", "a", "b"), "(a) x^2 y + (b) x", ("x",))
    t = Task(variables=XY, function="(0) x^2 y + (3) x", wrt=("x",))
    [problem] = degenerate_problems(task=t, key=key_of(t), generic=generic)
    assert problem["en"].endswith("the function no longer depends on y")
    # a = 0 drops a term but the key 2x y^3 still depends on both variables: fine
    generic = (("x", "y", "a"), "(a) x^2 y + x^2 y^3", ("x",))
    t = Task(variables=XY, function="(0) x^2 y + x^2 y^3", wrt=("x",))
    assert degenerate_problems(task=t, key=key_of(t), generic=generic) == []
    generic = (("x", "y", "a"), "(a) x^2 y + x + 2y", ("x",))
    t = Task(variables=XY, function="(0) x^2 y + x + 2y", wrt=("x",))
    [problem] = degenerate_problems(task=t, key=key_of(t), generic=generic)
    assert problem["en"].endswith("the key no longer depends on x, y")


def test_too_few_keys_across_seeds_names_the_seeds_that_share_one():
    variants = {str(s): [f"({s % 3}) e^x + (1)", f"{s % 3}*exp(x)"] for s in range(1, 51)}
    [problem] = too_few_variants(variants=variants, seeds=50)
    assert "only 3 different key(s) across 50 seeds" in problem["en"]
    assert "0*exp(x): 3, 6, 9" in problem["en"]
    assert "정답 식이 3가지뿐입니다" in problem["ko"]
    # a fixed problem (one function) is not "too few", nor are enough keys
    fixed = {str(s): ["x^2", "2*x"] for s in range(1, 51)}
    assert too_few_variants(variants=fixed, seeds=50) == []
    many = {str(s): [f"({s}) x^2", f"{2 * s}*x"] for s in range(1, 51)}
    assert too_few_variants(variants=many, seeds=50) == []


@pytest.mark.django_db
def test_the_issue_template_fails_its_check_with_its_seeds_and_cannot_be_published():
    config = {
        "function": "{a} e^x",
        "variables": ["x", "y"],
        "parameters": [{"name": "a", "min": 0, "max": 3, "exclude": []}],
        "task": "partial",
        "wrt": ["x"],
    }
    tpl = custom_template_create(
        course=factories.course(), slug="aex", title_en="a e^x", title_ko="a e^x", config=config
    )
    check = TemplateCheck.objects.create(template=tpl, version=tpl.version, seeds_total=50)
    check = template_check_run(check_id=check.pk)
    assert check.status == "failed"
    by_seed = {f["seed"]: f for f in check.failures}
    assert {1, 6, 10} <= set(by_seed)
    assert by_seed[1]["values"] == {"a": 0}
    assert "the function is constant" in by_seed[1]["problems"][0]["en"]
    assert "함수가 상수입니다" in by_seed[1]["problems"][0]["ko"]
    # every other seed's key is the function itself
    assert len([s for s in by_seed if s]) == 50
    assert "only 4 different key(s)" in by_seed[0]["problems"][0]["en"]
    assert check.failing_seeds == 50
    with pytest.raises(PublishRefused):
        template_publish(template=tpl)


@pytest.mark.django_db
def test_no_student_gets_a_degenerate_variant_of_a_library_template(client):
    """A library template (no course) is never checked before students open it: with a = 0
    its function is constant. Each student opening it through the page gets a = 1, the next
    fair seed, the same on every open."""
    from django.urls import reverse

    from exercises.authoring.models import ProblemInstance
    from exercises.authoring.services.templates import problem_template_upsert

    config = {
        "function": "{a} x^2 y",
        "variables": ["x", "y"],
        "parameters": [{"name": "a", "min": 0, "max": 1, "exclude": []}],
        "task": "partial",
        "wrt": ["x"],
    }
    tpl = problem_template_upsert(
        slug="library-ax2y", family="custom", title_en="a x^2 y", title_ko="a x^2 y", config=config
    )
    assert tpl.course is None
    tpl.published = True  # as a library template shipped with the code would be
    tpl.save()
    course = factories.course()
    item = factories.item(in_set=factories.problem_set(in_course=course), tpl=tpl)
    students = [factories.student(in_course=course) for _ in range(10)]
    for student in students:
        client.force_login(student)
        response = client.get(reverse("practice:item-open", args=[item.pk]))
        assert response.status_code == 302, response.status_code
    values = [
        p["values"]["a"]
        for p in ProblemInstance.objects.filter(item=item).values_list("params", flat=True)
    ]
    assert values == [1] * len(students)
    # the first seed tried for some of them gave a = 0 (else this test would prove nothing)
    from exercises.authoring.generators import generate
    from exercises.authoring.services.instances import _seed_for

    first = [
        generate(
            family="custom",
            config=config,
            version=tpl.version,
            seed=_seed_for(item_id=item.pk, student_id=s.pk, attempt=0),
        )["values"]["a"]
        for s in students
    ]
    assert 0 in first
    assert len(set(ProblemInstance.objects.filter(item=item).values_list("seed", flat=True))) > 1
