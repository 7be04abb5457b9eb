"""YAML import and export: round trip, the documented example, per-item errors, all or nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from exercises.authoring.models import (
    GradingPolicy,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    TemplateCheck,
)
from exercises.authoring.services.problem_sets import problem_set_create, problem_set_item_add
from exercises.authoring.services.templates import custom_template_create, template_publish
from exercises.authoring.services.yaml_io import (
    ImportFailed,
    course_export_yaml,
    course_import_yaml,
)
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.services import item_tolerance_set
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[3] / "docs" / "yaml-format.md"


def _doc_example() -> str:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[0]


def _course_with_content():
    course = factories.course()
    tpl = custom_template_create(
        course=course, slug="toy-1", title_en="Toy #1", title_ko="토이 1", config=TOY
    )
    TemplateCheck.objects.create(template=tpl, version=1, seeds_total=50, status="passed")
    tpl = template_publish(template=tpl)
    draft = custom_template_create(
        course=course, slug="draft", title_en="Draft", title_ko="초안", config=TOY
    )
    ps = problem_set_create(
        course=course,
        title_en="Week 1",
        title_ko="1주차",
        due_at=datetime(2026, 3, 9, 23, 59, tzinfo=UTC),
        opens_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )
    problem_set_item_add(problem_set=ps, template=tpl, points=Decimal("2"), max_attempts=4)
    lib_item = problem_set_item_add(
        problem_set=ps,
        template=factories.template(slug="lib-toy"),
        late_until=datetime(2026, 3, 11, tzinfo=UTC),
        late_penalty=Decimal("0.25"),
    )
    # As on the wrong-answers page: the item's own tolerance, not the template's config.
    item_tolerance_set(item=lib_item, tolerance=0.02, requested_by=None)
    return course, draft


def test_export_import_export_is_identical():
    course, _ = _course_with_content()
    exported = course_export_yaml(course=course)
    data = yaml.safe_load(exported)
    assert [t["slug"] for t in data["templates"]] == ["draft", "lib-toy", "toy-1"]
    assert data["problem_sets"][0]["items"][0] == {
        "template": "toy-1",
        "points": "2.00",
        "max_attempts": 4,
        "due_at": None,
        "late_until": None,
        "late_penalty": "0.500",
        "show_plots": True,
        "tolerance": None,
    }
    assert data["problem_sets"][0]["items"][1]["tolerance"] == 0.02
    assert "tolerance: 0.02\n" in exported
    target = factories.course()
    result = course_import_yaml(course=target, text=exported)
    assert (result.templates_created, result.problem_sets_created) == (2, 1)
    assert course_export_yaml(course=target) == exported
    policies = GradingPolicy.objects.filter(item__problem_set__course=target)
    assert list(policies.values_list("item__template__slug", "tolerance")) == [("lib-toy", 0.02)]
    imported = ProblemTemplate.objects.get(course=target, slug="toy-1")
    assert (imported.published, imported.config) == (True, TOY)
    assert ProblemTemplate.objects.get(course=target, slug="draft").published is False
    # the library template is shared, not copied
    assert ProblemTemplate.objects.filter(slug="lib-toy").count() == 1


def test_the_documented_example_imports_and_publishes():
    course = factories.course()
    result = course_import_yaml(course=course, text=_doc_example())
    assert (result.templates_created, result.problem_sets_created) == (2, 1)
    ps = ProblemSet.objects.get(course=course)
    assert ps.title_ko == "1주차: 편미분"
    slugs = list(ps.items.order_by("position").values_list("template__slug", flat=True))
    assert slugs == ["toy-1-polynomial", "toy-2-gaussian-slope"]
    assert all(t.published for t in ProblemTemplate.objects.filter(course=course))


def test_errors_are_reported_per_item_and_nothing_is_imported():
    course, _ = _course_with_content()
    data = yaml.safe_load(course_export_yaml(course=course))
    data["templates"][0]["config"] = {**TOY, "function": "{a} x + {zz} y"}
    data["templates"][2]["family"] = "nonesuch"
    data["problem_sets"][0]["items"][1]["max_attempts"] = 0
    data["problem_sets"][0]["items"][0]["template"] = "missing"
    data["problem_sets"][0]["items"][0]["tolerance"] = 0.9
    data["problem_sets"][0]["due_at"] = "next tuesday"
    target = factories.course()
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=target, text=yaml.safe_dump(data, allow_unicode=True))
    assert exc.value.errors == [
        "templates[0] (draft): '{zz}' is not a parameter",
        "templates[2] (toy-1): unknown family 'nonesuch'",
        "problem_sets[0] (Week 1): due_at: give a date and time with a time zone, "
        "e.g. 2026-03-02T23:59:00Z",
        "problem_sets[0] (Week 1): items[0]: template 'missing' is not in this file",
        "problem_sets[0] (Week 1): items[0]: tolerance must be null or a number from 0 to 0.5",
        "problem_sets[0] (Week 1): items[1]: max_attempts must be a whole number from 1 to 100",
    ]
    assert ProblemTemplate.objects.filter(course=target).count() == 0
    assert ProblemSet.objects.filter(course=target).count() == 0


def test_a_failing_check_rolls_back_the_whole_import():
    broken = {**TOY, "task": "value", "at": {"x": "0", "y": "1"}, "function": "{a}/x + y"}
    broken["constraints"] = []
    text = yaml.safe_dump(
        {
            "format": "partial-credit/1",
            "templates": [
                {
                    "slug": "ok",
                    "family": "fixed",
                    "title_en": "A",
                    "title_ko": "A",
                    "published": True,
                    "config": factories.TOY1,
                },
                {
                    "slug": "bad",
                    "family": "custom",
                    "title_en": "B",
                    "title_ko": "B",
                    "published": True,
                    "config": broken,
                },
            ],
            "problem_sets": [],
        }
    )
    course = factories.course()
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=course, text=text)
    assert exc.value.errors == ["templates[1] (bad): the check failed (seeds 1, 2, 3, 4, 5)"]
    assert ProblemTemplate.objects.filter(course=course).count() == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[1, 2", "not YAML"),
        ("format: other/1\n", "the file must be a mapping with format: partial-credit/1"),
        ("!!python/object/apply:os.system ['true']\n", "not YAML"),
        ("format: partial-credit/1\nextra: 1\n", "unknown top-level keys ['extra']"),
    ],
)
def test_malformed_files_are_refused(text, error):
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=factories.course(), text=text)
    assert exc.value.errors[0].startswith(error)


def test_export_download_and_import_upload_views(client):
    course, _ = _course_with_content()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    target = factories.course()
    membership_create(course=target, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    response = client.get(reverse("authoring:course-export", args=[course.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{course.code}.yaml"'
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("c.yaml", b"format: partial-credit/1\ntemplates: [{slug: x}]\n")
    page = client.post(reverse("authoring:course-import", args=[target.pk]), {"file": bad})
    assert page.status_code == 400
    assert "templates[0]: missing keys" in page.content.decode()
    good = SimpleUploadedFile("c.yaml", response.content)
    done = client.post(reverse("authoring:course-import", args=[target.pk]), {"file": good})
    assert done["Location"] == reverse("authoring:course-authoring", args=[target.pk])
    assert ProblemSetItem.objects.filter(problem_set__course=target).count() == 2


def test_reimport_updates_titles_but_not_the_config_of_a_template_in_a_set():
    course, _ = _course_with_content()
    data = yaml.safe_load(course_export_yaml(course=course))
    data["templates"][2]["title_en"] = "Toy #1, renamed"
    data["problem_sets"] = []
    result = course_import_yaml(course=course, text=yaml.safe_dump(data, allow_unicode=True))
    assert (result.templates_created, result.templates_updated) == (0, 2)
    tpl = ProblemTemplate.objects.get(course=course, slug="toy-1")
    assert (tpl.title_en, tpl.version, tpl.published) == ("Toy #1, renamed", 1, True)
    data["templates"][2]["config"] = {**TOY, "wrt": ["y"]}
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=course, text=yaml.safe_dump(data, allow_unicode=True))
    assert exc.value.errors == [
        "templates[2] (toy-1): this course's template is in a problem set, so its function and "
        "task cannot change; give the changed one a new slug"
    ]
    assert ProblemTemplate.objects.get(pk=tpl.pk).config == TOY


def test_show_plots_goes_through_export_and_import_and_must_be_a_boolean():
    course, _ = _course_with_content()
    item = course.problem_sets.first().items.order_by("position").first()
    item.show_plots = False
    item.save()
    exported = course_export_yaml(course=course)
    assert "show_plots: false\n" in exported
    target = factories.course()
    course_import_yaml(course=target, text=exported)
    copied = target.problem_sets.first().items.order_by("position").first()
    assert copied.show_plots is False
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(
            course=factories.course(),
            text=exported.replace("show_plots: false", "show_plots: maybe"),
        )
    assert any("show_plots must be true or false" in e for e in failed.value.errors)
