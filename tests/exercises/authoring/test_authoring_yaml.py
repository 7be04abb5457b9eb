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


def test_export_import_export_is_identical(django_capture_on_commit_callbacks):
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
        "tolerance": None,
    }
    assert data["problem_sets"][0]["items"][1]["tolerance"] == 0.02
    assert "tolerance: 0.02\n" in exported
    target = factories.course()
    with django_capture_on_commit_callbacks(execute=True):  # the checks, eager in tests
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


def test_the_documented_example_imports_and_publishes(django_capture_on_commit_callbacks):
    course = factories.course()
    with django_capture_on_commit_callbacks(execute=True):
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
        "templates[2].family: must be one of: 'custom', 'polynomial', 'gaussian', 'rational', "
        "'chain', 'slope', 'loss', 'gradient', 'second' or 'fixed'",
        "problem_sets[0].due_at: not a real date and time, e.g. 2026-03-02T23:59:00Z",
        "problem_sets[0].items[0].tolerance: must be at most 0.5",
        "problem_sets[0].items[1].max_attempts: must be at least 1",
        "templates[0].config: '{zz}' is not a parameter",
    ]
    data["problem_sets"][0]["due_at"] = "2026-03-09T23:59:00Z"
    data["problem_sets"][0]["items"][0]["tolerance"] = 0.1
    data["problem_sets"][0]["items"][1]["max_attempts"] = 1
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=target, text=yaml.safe_dump(data, allow_unicode=True))
    assert exc.value.errors == [
        "templates[2].family: must be one of: 'custom', 'polynomial', 'gaussian', 'rational', "
        "'chain', 'slope', 'loss', 'gradient', 'second' or 'fixed'",
        "templates[0].config: '{zz}' is not a parameter",
        "problem_sets[0].items[0].template: 'missing' is not a template of this file",
    ]
    assert ProblemTemplate.objects.filter(course=target).count() == 0
    assert ProblemSet.objects.filter(course=target).count() == 0


def test_a_failing_check_leaves_the_template_unpublished(django_capture_on_commit_callbacks):
    """The checks run after the import, as in the editor: a template whose check fails stays
    a draft (and its check says why), whatever its family; one that passes is published."""
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
    with django_capture_on_commit_callbacks(execute=True):
        result = course_import_yaml(course=course, text=text)
    assert (result.templates_created, result.checks_started) == (2, 2)
    templates = ProblemTemplate.objects.filter(course=course)
    assert dict(templates.values_list("slug", "published")) == {"ok": True, "bad": False}
    bad = TemplateCheck.objects.get(template__slug="bad", template__course=course)
    assert (bad.status, bad.publish_on_pass) == ("failed", True)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[1, 2", "not YAML"),
        ("format: other/1\n", "format: must be one of: 'partial-credit/1'"),
        ("- format: partial-credit/1\n", "the file: must be a mapping with format"),
        ("!!python/object/apply:os.system ['true']\n", "not YAML"),
        ("format: partial-credit/1\nextra: 1\n", "extra: unknown key"),
    ],
)
def test_malformed_files_are_refused(text, error):
    with pytest.raises(ImportFailed) as exc:
        course_import_yaml(course=factories.course(), text=text)
    assert exc.value.errors[0].startswith(error)


def test_export_download_and_import_upload_views(client, django_capture_on_commit_callbacks):
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
    assert "templates[0].family: missing (required)" in page.content.decode()
    good = SimpleUploadedFile("c.yaml", response.content)
    with django_capture_on_commit_callbacks(execute=True):
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
        "templates[2]: this course's template is in a problem set, so its function and "
        "task cannot change; give the changed one a new slug"
    ]
    assert ProblemTemplate.objects.get(pk=tpl.pk).config == TOY
