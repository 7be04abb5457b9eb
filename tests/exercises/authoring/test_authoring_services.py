"""Authoring services: the custom family, checks, the publish gate, problem sets, duplication."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from exercises.authoring.generators import generate, statement_of, task_of
from exercises.authoring.generators.custom import TemplateError, custom, sample_values, validate
from exercises.authoring.models import (
    GradingPolicy,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    TemplateCheck,
)
from exercises.authoring.services.checks import rewrite_key, seed_problems, template_check_run
from exercises.authoring.services.problem_sets import (
    ItemRefused,
    problem_set_duplicate,
    problem_set_item_add,
    problem_set_item_move,
    problem_set_item_remove,
)
from exercises.authoring.services.templates import (
    PublishRefused,
    custom_template_create,
    custom_template_update,
    template_check_start,
    template_publish,
    template_variant,
)
from exercises.gradebook.services import item_tolerance_set
from grading.engine import grade, key_of
from tests import factories
from tests.support.budget import HANG_S

TOY = {
    "function": "{a} x^3 + {b} x y - {c} y",
    "variables": ["x", "y"],
    "parameters": [
        {"name": "a", "min": 1, "max": 9, "exclude": []},
        {"name": "b", "min": -5, "max": 5, "exclude": [0]},
        {"name": "c", "min": 1, "max": 9, "exclude": []},
    ],
    "constraints": ["a != c", "a + c > 2"],
    "task": "partial",
    "wrt": ["x"],
    "notation": "subscript",
}


def test_substitution_wraps_values_so_precedence_holds():
    config = {**TOY, "function": "x^{a} - {b} x y", "parameters": TOY["parameters"][:2]}
    config["constraints"], config["wrt"] = [], ["y"]
    seen_negative = False
    for seed in range(1, 30):
        params = generate(family="custom", config=config, version=1, seed=seed)
        a, b = params["values"]["a"], params["values"]["b"]
        seen_negative |= b < 0
        assert params["function"] == f"x^({a}) - ({b}) x y"
        # f_y = -b x: with b = -3, "- (-3) x y" is + 3xy, never "x^a - -3 x y" misread
        assert grade(task_of(params), f"{-b}*x").equivalent is True
    assert seen_negative


def test_constraints_hold_for_every_sampled_variant():
    for seed in range(200):
        values = sample_values(random.Random(seed), TOY)
        assert values["a"] != values["c"]
        assert values["a"] + values["c"] > 2
        assert values["b"] != 0
        assert -5 <= values["b"] <= 5


def test_same_seed_same_variant_and_other_seed_may_differ():
    one = generate(family="custom", config=TOY, version=3, seed=11)
    assert one == generate(family="custom", config=TOY, version=3, seed=11)
    assert {
        str(generate(family="custom", config=TOY, version=3, seed=s)["values"]) for s in range(20)
    } != {str(one["values"])}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"function": "{a} x^3 + {z} y"}, "'{z}' is not a parameter"),
        ({"constraints": ["a + c"]}, "write exactly one of"),
        ({"constraints": ["a < c < b"]}, "write exactly one of"),
        ({"constraints": ["a !="]}, "constraint 'a !=': a side of != is empty"),
        ({"constraints": ["  <= c"]}, "a side of <= is empty"),
        ({"constraints": ["__import__('os') > 1"]}, "constraint"),
        ({"parameters": [{"name": "x", "min": 1, "max": 2}]}, "cannot be a parameter name"),
        ({"parameters": [{"name": "a", "min": 3, "max": 1}]}, "need min <= max"),
        ({"parameters": [{"name": "a", "min": 0, "max": 0, "exclude": [0]}]}, "every value"),
        ({"wrt": ["z"]}, "undeclared variable"),
        ({"task": "value"}, "give the point a value"),
        ({"function": "{a} x^3 +* y"}, "the function does not read"),
    ],
)
def test_invalid_configs_are_refused_with_a_reason(change, message):
    config = {**TOY, **change}
    if "parameters" in change and "function" not in change:
        config["function"] = "{a} x^2 y"
        config["constraints"] = []
    with pytest.raises(TemplateError) as exc:
        validate(config)
    assert message in str(exc.value)


def test_unsatisfiable_constraints_say_so():
    config = {**TOY, "constraints": ["a > 20"]}
    with pytest.raises(TemplateError, match="no parameter values met the constraints"):
        custom(random.Random(1), config)


def test_value_task_point_uses_parameters_and_custom_statements():
    config = {
        **TOY,
        "task": "value",
        "at": {"x": "{a}/2", "y": "-1"},
        "statement_en": "Let f = {function}. Find f_x at x = {a}/2, y = -1.",
        "statement_ko": "f = {function} 일 때 ...",
    }
    params = generate(family="custom", config=config, version=1, seed=2)
    a = params["values"]["a"]
    assert params["at"]["y"] == "-1"
    assert params["at"]["x"] == (str(a // 2) if a % 2 == 0 else f"{a}/2")
    assert statement_of(params, "en").startswith("Let f = ")
    assert f"x = {a}/2" in statement_of(params, "en")
    assert statement_of(params, "ko").endswith("일 때 ...")
    assert key_of(task_of(params)).is_number


def test_the_function_in_a_custom_statement_is_shown_as_maths():
    """{function} is the function's LaTeX: wrapped in \\( \\) in prose, as is where the author
    already wrote it inside \\( \\)."""
    config = {
        **TOY,
        "statement_en": "Find the partial of {function} in x.",
        "statement_ko": "\\(f(x, y) = {function}\\) 일 때 f_x 를 구하시오.",
    }
    params = generate(family="custom", config=config, version=1, seed=3)
    latex = params["function_latex"]
    assert "^{3}" in latex
    assert statement_of(params, "en") == f"Find the partial of \\({latex}\\) in x."
    assert statement_of(params, "ko") == f"\\(f(x, y) = {latex}\\) 일 때 f_x 를 구하시오."
    assert generate(family="custom", config=config, version=1, seed=3) == params


def test_gradient_and_mixed_tasks_make_keys():
    grad = generate(family="custom", config={**TOY, "task": "gradient"}, version=1, seed=1)
    assert key_of(task_of(grad)).is_vector
    mixed = generate(family="custom", config={**TOY, "wrt": ["x", "y"]}, version=1, seed=1)
    assert key_of(task_of(mixed)).text == str(mixed["values"]["b"])


def test_rewrite_is_equivalent_and_written_differently():
    params = generate(family="custom", config=TOY, version=1, seed=4)
    task = task_of(params)
    key = key_of(task)
    rewrite = rewrite_key(key, task.variables)
    assert rewrite.replace(" ", "") != key.text.replace(" ", "")
    assert grade(task, rewrite, seed=4).equivalent is True


def test_a_seed_that_makes_no_variant_is_reported():
    tpl = ProblemTemplate(family="custom", version=1, config={**TOY, "constraints": ["a > 9"]})
    problems, slowest = seed_problems(template=tpl, seed=1)
    why = "no parameter values met the constraints in 200 draws"
    why_ko = "매개변수 값을 200번 뽑는 동안 제약 조건을 만족하는 값을 찾지 못했습니다"
    assert problems == [
        {"en": f"the variant cannot be made: {why}", "ko": f"변형을 만들 수 없습니다: {why_ko}"}
    ]
    assert slowest == 0.0


@pytest.mark.django_db
def test_check_passes_and_then_publishing_is_allowed():
    course = factories.course()
    tpl = custom_template_create(
        course=course, slug="toy", title_en="Toy", title_ko="토이", config=TOY
    )
    with pytest.raises(PublishRefused):
        template_publish(template=tpl)
    check = TemplateCheck.objects.create(template=tpl, version=tpl.version, seeds_total=5)
    check = template_check_run(check_id=check.pk)
    assert (check.status, check.seeds_done, check.failures) == ("passed", 5, [])
    assert 0 < check.max_elapsed_ms < HANG_S * 1000
    assert template_publish(template=tpl).published is True
    # a second run of a finished check changes nothing
    assert template_check_run(check_id=check.pk).seeds_done == 5


@pytest.mark.django_db
def test_failing_check_lists_seeds_and_blocks_publishing():
    course = factories.course()
    broken = {**TOY, "task": "value", "at": {"x": "0", "y": "1"}, "function": "{a}/x + y"}
    broken["constraints"] = []
    tpl = custom_template_create(
        course=course, slug="bad", title_en="Bad", title_ko="나쁨", config=broken
    )
    check = TemplateCheck.objects.create(template=tpl, version=1, seeds_total=3)
    check = template_check_run(check_id=check.pk)
    assert check.status == "failed"
    assert [f["seed"] for f in check.failures] == [1, 2, 3]
    assert check.failures[0]["problems"] == [
        {
            "code": "key-invalid",
            "en": "The answer key could not be computed: the key is not real and finite",
            "ko": "정답을 계산할 수 없습니다: 정답이 유한한 실수가 아닙니다",
        }
    ]
    # each failing seed keeps its parameter values, to be shown with it
    assert set(check.failures[0]["values"]) == {"a", "b", "c"}
    with pytest.raises(PublishRefused):
        template_publish(template=tpl)
    assert ProblemTemplate.objects.get(pk=tpl.pk).published is False


@pytest.mark.django_db
def test_editing_the_config_bumps_the_version_and_unpublishes(django_capture_on_commit_callbacks):
    course = factories.course()
    tpl = custom_template_create(course=course, slug="t", title_en="T", title_ko="T", config=TOY)
    with django_capture_on_commit_callbacks(execute=True):
        check = template_check_start(template=tpl, seeds=3)
    assert TemplateCheck.objects.get(pk=check.pk).status == "passed"
    template_publish(template=tpl)
    same = custom_template_update(template=tpl, title_en="T2", title_ko="T2", config=dict(TOY))
    assert (same.version, same.published, same.title_en) == (1, True, "T2")
    changed = custom_template_update(
        template=tpl, title_en="T2", title_ko="T2", config={**TOY, "wrt": ["y"]}
    )
    assert (changed.version, changed.published) == (2, False)
    with pytest.raises(PublishRefused):
        template_publish(template=changed)


@pytest.mark.django_db
def test_preview_variant_has_statement_and_key():
    tpl = factories.template()
    variant = template_variant(template=tpl, seed=3)
    assert variant.key is not None
    assert variant.key.text == "3*x^2 + y"
    assert "x^3 + xy - y" in variant.statement_en


def _published_custom(course):
    tpl = custom_template_create(
        course=course, slug=f"c{course.pk}", title_en="C", title_ko="C", config=TOY
    )
    TemplateCheck.objects.create(template=tpl, version=1, seeds_total=1, status="passed")
    return template_publish(template=tpl)


@pytest.mark.django_db
def test_only_published_templates_of_the_course_or_library_can_be_added():
    course, other = factories.course(), factories.course()
    ps = factories.problem_set(in_course=course)
    draft = custom_template_create(course=course, slug="d", title_en="D", title_ko="D", config=TOY)
    with pytest.raises(ItemRefused, match="not published"):
        problem_set_item_add(problem_set=ps, template=draft)
    with pytest.raises(ItemRefused, match="another course"):
        problem_set_item_add(problem_set=ps, template=_published_custom(other))
    first = problem_set_item_add(problem_set=ps, template=factories.template())
    second = problem_set_item_add(
        problem_set=ps, template=_published_custom(course), points=Decimal("3")
    )
    assert (first.position, second.position, second.points) == (0, 1, Decimal("3"))
    assert ProblemSetItem.objects.filter(problem_set=ps).count() == 2


@pytest.mark.django_db
def test_moving_items_renumbers_positions():
    ps = factories.problem_set(in_course=factories.course())
    a, b, c = (problem_set_item_add(problem_set=ps, template=factories.template()) for _ in "abc")
    problem_set_item_move(item=c, offset=-1)
    order = list(ps.items.order_by("position").values_list("pk", flat=True))
    assert order == [a.pk, c.pk, b.pk]
    problem_set_item_move(item=a, offset=-1)  # already first: no change
    assert list(ps.items.order_by("position").values_list("pk", flat=True)) == order


@pytest.mark.django_db
def test_an_opened_item_cannot_be_removed():
    inst = factories.toy_instance()
    with pytest.raises(ItemRefused):
        problem_set_item_remove(item=inst.item)
    assert ProblemSetItem.objects.filter(pk=inst.item_id).exists()


@pytest.mark.django_db
def test_duplicate_copies_items_not_instances():
    inst = factories.toy_instance(points=Decimal("2"), max_attempts=5)
    ps = inst.item.problem_set
    plain = factories.item(in_set=ps, tpl=inst.template)
    item_tolerance_set(item=inst.item, tolerance=0.02, requested_by=None)
    target = factories.course()
    copy = problem_set_duplicate(problem_set=ps, course=target)
    assert (copy.course, copy.title_en, copy.due_at) == (target, "Set (copy)", ps.due_at)
    item, copied_plain = copy.items.order_by("position", "id")
    assert (item.template_id, item.points, item.max_attempts) == (inst.template_id, 2, 5)
    # The tolerance set on the wrong-answers page goes with the item; no override stays none.
    assert item.grading_policy.tolerance == 0.02
    assert copied_plain.position == plain.position
    assert not GradingPolicy.objects.filter(item=copied_plain).exists()
    assert item.instances.count() == 0
    assert ProblemSet.objects.count() == 2


@pytest.mark.django_db
def test_points_default_to_the_templates_suggestion():
    course = factories.course()
    tpl = custom_template_create(
        course=course, slug="p", title_en="P", title_ko="P", config={**TOY, "points": "2.5"}
    )
    TemplateCheck.objects.create(template=tpl, version=1, seeds_total=1, status="passed")
    tpl = template_publish(template=tpl)
    ps = factories.problem_set(in_course=course)
    assert problem_set_item_add(problem_set=ps, template=tpl).points == Decimal("2.5")
    assert problem_set_item_add(problem_set=ps, template=factories.template()).points == 1


@pytest.mark.django_db
def test_a_template_in_a_set_keeps_its_config_and_its_instances_regenerate():
    from exercises.authoring.services.instances import instance_get_or_create, instance_regenerate

    course = factories.course()
    tpl = _published_custom(course)
    item = problem_set_item_add(problem_set=factories.problem_set(in_course=course), template=tpl)
    inst = instance_get_or_create(item=item, student=factories.student(in_course=course))
    assert (inst.template_version, inst.params["family"]) == (1, "custom")
    assert instance_regenerate(instance=inst) == inst.params
    with pytest.raises(TemplateError, match="make a copy"):
        custom_template_update(
            template=tpl, title_en="C", title_ko="C", config={**TOY, "wrt": ["y"]}
        )
    renamed = custom_template_update(template=tpl, title_en="New", title_ko="새", config=TOY)
    assert (renamed.version, renamed.published, renamed.title_en) == (1, True, "New")


@pytest.mark.django_db
def test_a_course_template_of_a_code_family_is_published_only_after_a_passing_check():
    """A code family's config can be as wrong as a custom one's (a YAML import makes them)."""
    course = factories.course()
    tpl = custom_template_create(
        course=course,
        slug="fixed",
        title_en="F",
        title_ko="F",
        config=dict(factories.TOY1),
        family="fixed",
    )
    assert tpl.published is False
    with pytest.raises(PublishRefused):
        template_publish(template=tpl)
    TemplateCheck.objects.create(template=tpl, version=1, seeds_total=1, status="passed")
    assert template_publish(template=tpl).published is True
