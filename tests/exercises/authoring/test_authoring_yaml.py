"""YAML import and export: round trip, the documented example, per-item errors, all or nothing."""

from __future__ import annotations

import copy
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
        "show_plots": True,
        "show_hints": True,
        "vector_credit": "per_component",
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
        "'chain', 'slope', 'loss', 'gradient', 'second', 'fixed' or 'parts'",
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
        "'chain', 'slope', 'loss', 'gradient', 'second', 'fixed' or 'parts'",
        "templates[0].config: '{zz}' is not a parameter",
        "problem_sets[0].items[0].template: 'missing' is not a template of this file",
    ]
    assert ProblemTemplate.objects.filter(course=target).count() == 0
    assert ProblemSet.objects.filter(course=target).count() == 0


# --- Through the upload page: every problem named by its path, nothing written -------------


def _file(
    *, template: dict | None = None, problem_set: dict | None = None, item: dict | None = None
):
    """A valid file (a code family template in one set) with `template`, `problem_set` and
    `item` merged into its entries."""
    return {
        "format": "partial-credit/1",
        "templates": [
            {
                "slug": "ok",
                "family": "fixed",
                "title_en": "A",
                "title_ko": "A",
                "published": True,
                "config": dict(factories.TOY1),
                **(template or {}),
            }
        ],
        "problem_sets": [
            {
                "title_en": "Week 1",
                "title_ko": "1주차",
                "position": 0,
                "opens_at": None,
                "due_at": "2026-03-09T23:59:00+00:00",
                "items": [{"template": "ok", "points": "1.00", **(item or {})}],
                **(problem_set or {}),
            }
        ],
    }


def test_a_failing_check_leaves_the_template_unpublished(django_capture_on_commit_callbacks):
    """The checks run after the import, as in the editor: a template whose check fails stays
    a draft (and its check says why), whatever its family; one that passes is published."""
    broken = {**TOY, "task": "value", "at": {"x": "0", "y": "1"}, "function": "{a}/x + y"}
    broken["constraints"] = []
    data = _file()
    data["problem_sets"] = []
    data["templates"].append(
        {**copy.deepcopy(data["templates"][0]), "slug": "bad", "family": "custom", "config": broken}
    )
    text = yaml.safe_dump(data)
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
    said = client.get(done["Location"]).content.decode()
    created = ProblemTemplate.objects.filter(course=target).count()
    assert f"Imported: {created} templates created, 0 updated, 1 set." in said  # not "1 sets"


def test_reimport_updates_titles_but_not_the_config_of_a_template_in_a_set():
    course, _ = _course_with_content()
    data = yaml.safe_load(course_export_yaml(course=course))
    data["templates"][2]["title_en"] = "Toy #1, renamed"
    data["problem_sets"] = []
    result = course_import_yaml(course=course, text=yaml.safe_dump(data, allow_unicode=True))
    # the renamed one; the course's other template is in the file as it is (not counted)
    assert (result.templates_created, result.templates_updated) == (0, 1)
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


def _refused(yaml_upload, data) -> str:
    course, response = yaml_upload(data)
    assert response.status_code == 400
    assert not ProblemTemplate.objects.filter(course=course).exists()
    assert not ProblemSet.objects.filter(course=course).exists()
    return response.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({**_file(), "extra": 1}, "extra: unknown key"),
        (_file(template={"colour": "red"}), "templates[0].colour: unknown key"),
        (
            _file(template={"config": {**factories.TOY1, "nope": 1}}),
            "templates[0].config.nope: unknown key",
        ),
        (
            _file(
                template={
                    "family": "custom",
                    "config": {**TOY, "parameters": [{"name": "a", "min": 1, "max": 2, "x": 0}]},
                }
            ),
            "templates[0].config.parameters[0].x: unknown key",
        ),
        (_file(template={"family": "polynomial", "config": {"y0": 1}}), "config.y0: unknown key"),
        (_file(problem_set={"hidden": True}), "problem_sets[0].hidden: unknown key"),
        (_file(item={"weight": 2}), "problem_sets[0].items[0].weight: unknown key"),
    ],
)
def test_an_unknown_key_is_refused_with_its_path(yaml_upload, data, error):
    assert error in _refused(yaml_upload, data)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_file(problem_set={"opens_at": "2026-13-45"}), "problem_sets[0].opens_at: not a real"),
        (
            _file(problem_set={"due_at": "2026-02-30T10:00:00Z"}),
            "problem_sets[0].due_at: not a real date and time",
        ),
        (_file(problem_set={"due_at": "2026-03-09T23:59:00"}), "due_at: give a time zone"),
        (_file(problem_set={"due_at": 1767225600}), "due_at: give a date and time with a time"),
        (_file(problem_set={"position": "abc"}), "problem_sets[0].position: must be a whole"),
        (_file(problem_set={"position": 10**22}), "problem_sets[0].position: must be at most 9999"),
        (_file(item={"points": float("nan")}), "items[0].points: must be a finite number"),
        (_file(item={"points": "1e400"}), "items[0].points: must be at most 9999"),
        (_file(item={"max_attempts": True}), "items[0].max_attempts: must be a whole number"),
        (_file(item={"late_penalty": "2"}), "items[0].late_penalty: must be at most 1"),
        (_file(item={"tolerance": True}), "items[0].tolerance: must be a number"),
        (
            _file(item={"late_until": "2026-03-01T00:00:00Z"}),
            "items[0].late_until: before the due date",
        ),
        (_file(template={"title_en": "x" * 201}), "templates[0].title_en: at most 200 characters"),
        (_file(template={"title_ko": "a\0b"}), "templates[0].title_ko: contains a control"),
        (
            _file(template={"config": {**factories.TOY1, "function": "x\0"}}),
            "templates[0].config.function: contains a control",
        ),
        (_file(template={"slug": "한글"}), "templates[0].slug: use letters, digits, - and _"),
        (_file(template={"published": "yes"}), "templates[0].published: must be true or false"),
        (
            _file(template={"published": False}),
            "items[0].template: &#x27;ok&#x27; is not published",
        ),
    ],
)
def test_a_bad_value_is_refused_with_its_path(yaml_upload, data, error):
    assert error in _refused(yaml_upload, data)


def test_the_messages_are_in_korean_for_a_korean_instructor(yaml_upload, client):
    client.cookies["django_language"] = "ko"
    page = _refused(yaml_upload, _file(item={"weight": 2, "max_attempts": 0}))
    assert "problem_sets[0].items[0].weight: 알 수 없는 키" in page
    assert "problem_sets[0].items[0].max_attempts: 1 이상이어야 합니다" in page


@pytest.mark.services
def test_on_postgresql_a_long_title_or_a_nul_is_refused_not_a_500(yaml_upload, require_postgres):
    """PostgreSQL refuses what SQLite stores: a title over 200 characters (varchar(200)) and a
    NUL in text or in jsonb; the import must say so before writing."""
    data = _file(template={"title_en": "x" * 201, "config": {**factories.TOY1, "fname": "\0"}})
    page = _refused(yaml_upload, data)
    assert "templates[0].title_en: at most 200 characters" in page
    data = _file(template={"config": {**factories.TOY1, "function_latex": "x\0"}})
    assert "templates[0].config.function_latex: contains a control character" in _refused(
        yaml_upload, data
    )


def test_an_import_returns_at_once_and_its_checks_run_in_the_background(
    yaml_upload, client, django_capture_on_commit_callbacks
):
    """N templates: the page answers before any check runs (each is queued after commit);
    then each runs, and those marked published: true are published when theirs passes."""
    data = _file()
    data["templates"] += [
        {**data["templates"][0], "slug": "ok-y", "config": {**factories.TOY1, "wrt": ["y"]}},
        {**copy.deepcopy(data["templates"][0]), "slug": "draft", "published": False},
    ]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        course, response = yaml_upload(data)
    assert response.status_code == 302, re.findall(r"<li>(.*?)</li>", response.content.decode())
    templates = ProblemTemplate.objects.filter(course=course)
    checks = TemplateCheck.objects.filter(template__course=course)
    assert len(queued) == 3
    assert not templates.filter(published=True).exists()
    assert set(checks.values_list("status", flat=True)) == {"queued"}
    # the course page says so, and polls each check's progress as the editor does
    page = client.get(response["Location"]).content.decode()
    assert "3 templates are being checked in the background" in page
    for t in templates:
        assert reverse("authoring:template-check", args=[t.pk]) + "?compact=1" in page
    for callback in queued:
        callback()
    assert set(checks.values_list("status", flat=True)) == {"passed"}
    assert dict(templates.values_list("slug", "published")) == {
        "ok": True,
        "ok-y": True,
        "draft": False,
    }
    polled = client.get(reverse("authoring:template-check", args=[templates[0].pk]), {"compact": 1})
    assert 'data-status="check-passed"' in polled.content.decode()


@pytest.mark.parametrize("flag", ["show_plots", "show_hints"])
def test_an_item_flag_goes_through_export_import_and_duplicate_and_must_be_a_boolean(
    yaml_upload, flag
):
    from exercises.authoring.services.problem_sets import problem_set_duplicate

    course, _ = _course_with_content()
    item = course.problem_sets.first().items.order_by("position").first()
    setattr(item, flag, False)
    item.save()
    exported = course_export_yaml(course=course)
    assert f"{flag}: false\n" in exported
    target = factories.course()
    course_import_yaml(course=target, text=exported)
    copied = target.problem_sets.first().items.order_by("position").first()
    assert getattr(copied, flag) is False
    duplicate = problem_set_duplicate(problem_set=course.problem_sets.first())
    assert getattr(duplicate.items.order_by("position").first(), flag) is False
    page = _refused(yaml_upload, exported.replace(f"{flag}: false", f"{flag}: maybe"))
    assert f"items[0].{flag}: must be true or false" in page


# ---------------------------------------------------------------- multi-part problems


def _course_with_parts():
    course = factories.course()
    tpl = factories.course_parts_template(course)
    TemplateCheck.objects.create(template=tpl, version=1, seeds_total=50, status="passed")
    tpl = template_publish(template=tpl)
    ps = problem_set_create(
        course=course, title_en="W", title_ko="주", due_at=datetime(2026, 3, 9, tzinfo=UTC)
    )
    problem_set_item_add(problem_set=ps, template=tpl, points=Decimal("3"))
    return course


def test_a_multi_part_template_goes_through_export_and_import_unchanged(
    django_capture_on_commit_callbacks,
):
    exported = course_export_yaml(course=_course_with_parts())
    data = yaml.safe_load(exported)
    (entry,) = data["templates"]
    assert entry["family"] == "parts"
    assert entry["config"] == factories.TOY2_PARTS
    target = factories.course()
    with django_capture_on_commit_callbacks(execute=False):  # its check is not run here
        result = course_import_yaml(course=target, text=exported)
    assert (result.templates_created, result.problem_sets_created) == (1, 1)
    imported = ProblemTemplate.objects.get(course=target, slug="toy-2-parts")
    assert (imported.family, imported.config, imported.published) == (
        "parts",
        factories.TOY2_PARTS,
        False,  # published once its check passes, as any imported template
    )
    again = yaml.safe_load(course_export_yaml(course=target))
    assert again["templates"][0] == {**entry, "published": False}
    assert again["problem_sets"][0]["items"] == data["problem_sets"][0]["items"]


def _parts_file(**config_changes) -> str:
    config = {**copy.deepcopy(factories.TOY2_PARTS), **config_changes}
    return yaml.safe_dump(
        {
            "format": "partial-credit/1",
            "templates": [
                {
                    "slug": "p",
                    "family": "parts",
                    "title_en": "P",
                    "title_ko": "P",
                    "config": config,
                }
            ],
        },
        allow_unicode=True,
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"base": "parts"}, "templates[0].config.base: must be one of"),
        ({"parts": [{"wrt": ["x"]}]}, "templates[0].config.parts: at least 2 entries"),
        (
            {"parts": [{"wrt": ["x"]}, {"wrt": ["x"], "carry_share": 2}]},
            "templates[0].config.parts[1].carry_share: must be at most 1",
        ),
        (
            {"parts": [{"wrt": ["x"]}, {"wrt": ["x"], "eval": "1"}]},
            "templates[0].config.parts[1].eval: unknown key",
        ),
        ({"at_point": True}, "templates[0].config.at_point: unknown key"),  # not a fixed key
        (
            {"parts": [{"wrt": ["x"]}, {"wrt": ["x"], "weight": 2}]},
            "templates[0].config.parts[1].wrt: part 2: asks the same as part 1",
        ),
        (
            {"parts": [{"wrt": ["x"]}, {"wrt": ["x"], "at": {"x": "{a}", "y": "1"}}]},
            "templates[0].config.parts[1].at: part 2: the point's x = {a} is not a number",
        ),
        (
            {"parts": [{"wrt": ["x"]}, {"wrt": ["x"], "carry_from": 0}]},
            "templates[0].config.parts[1].carry_from: part 2: carry_from names an earlier part",
        ),
    ],
)
def test_a_bad_parts_config_is_refused_with_its_path(changes, error):
    course = factories.course()
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text=_parts_file(**changes))
    assert any(e.startswith(error) for e in failed.value.errors), failed.value.errors
    assert not ProblemTemplate.objects.filter(course=course).exists()


def test_a_parts_check_reports_a_part_whose_variant_is_unusable():
    from exercises.authoring.services.checks import seed_report

    config = copy.deepcopy(factories.TOY2_PARTS)
    config["parts"][1]["at"] = {"x": "1", "y": "1"}  # f_x = f_y there: wrong variable passes
    tpl = custom_template_create(
        course=factories.course(),
        slug="p",
        title_en="P",
        title_ko="P",
        config=config,
        family="parts",
    )
    problems = seed_report(template=tpl, seed=1).problems
    assert [p["en"][:7] for p in problems] == ["part 2:"]
    assert problems[0]["ko"].startswith("소문항 2:")


def test_the_template_page_previews_each_part_with_its_key(client):
    course = _course_with_parts()
    tpl = ProblemTemplate.objects.get(course=course, slug="toy-2-parts")
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    page = client.get(reverse("authoring:template-preview", args=[tpl.pk]), {"seed": "3"})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<li data-part="') == 3
    assert "the value \\(f_{x}(1, 2)\\)" in text and "-14*exp(-5)" in text
    assert "-7*exp(-2)" in text  # (c), the slope of the slice
    assert "carries forward (a) for 0.5 of its points" in text
    edit = client.get(reverse("authoring:template-edit", args=[tpl.pk]))
    assert edit.status_code == 200 and edit.content.decode().count('<li data-part="') == 3


def test_the_set_editor_marks_a_multi_part_item(client):
    course = _course_with_parts()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    problem_set = ProblemSet.objects.get(course=course)
    page = client.get(reverse("authoring:set-edit", args=[problem_set.pk])).content
    assert 'data-parts="3">3 parts: the points are shared by weight' in page.decode()


def test_vector_credit_goes_through_export_import_and_duplicate_and_must_be_a_choice(
    yaml_upload, django_capture_on_commit_callbacks
):
    from exercises.authoring.services.problem_sets import problem_set_duplicate

    course, _ = _course_with_content()
    first, second = course.problem_sets.first().items.order_by("position")[:2]
    first.vector_credit = "all_or_nothing"
    first.save()
    exported = course_export_yaml(course=course)
    assert "vector_credit: all_or_nothing\n" in exported
    assert "vector_credit: per_component\n" in exported  # the second item: the default
    target = factories.course()
    with django_capture_on_commit_callbacks(execute=True):  # the checks, eager in tests
        course_import_yaml(course=target, text=exported)
    copied = list(target.problem_sets.first().items.order_by("position"))
    assert [it.vector_credit for it in copied] == ["all_or_nothing", "per_component"]
    assert course_export_yaml(course=target) == exported
    duplicate = problem_set_duplicate(problem_set=course.problem_sets.first())
    assert [it.vector_credit for it in duplicate.items.order_by("position")] == [
        "all_or_nothing",
        "per_component",
    ]
    # left out: per component
    without = re.sub(r"\n *vector_credit: all_or_nothing\n", "\n", exported)
    assert "vector_credit: all_or_nothing" not in without
    other = factories.course()
    course_import_yaml(course=other, text=without)
    assert {
        it.vector_credit for it in ProblemSetItem.objects.filter(problem_set__course=other)
    } == {"per_component"}
    # anything else is refused with the choices, and nothing is imported
    before = ProblemSetItem.objects.count()
    page = _refused(yaml_upload, exported.replace("all_or_nothing", "half"))
    assert "items[0].vector_credit: must be one of: " in page
    assert "per_component" in page and "all_or_nothing" in page
    assert ProblemSetItem.objects.count() == before


@pytest.mark.parametrize(
    "function", ["__import__('os').system('id')", "3x^^2 + y", "x + z", "lambda: 1"]
)
def test_a_fixed_template_whose_function_does_not_read_is_refused_at_import(function):
    """It was made as a draft and failed its 50-seed check afterwards (nothing ran: the engine
    reads it); now the import names it, as it does a custom template's function."""
    course = factories.course()
    data = _file(template={"config": {**factories.TOY1, "function": function}})
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text=yaml.safe_dump(data, allow_unicode=True))
    [error] = [e for e in failed.value.errors if e.startswith("templates[0].config.function")]
    assert "the function does not read:" in error
    assert not ProblemTemplate.objects.filter(course=course).exists()
    assert course_import_yaml(course=course, text=yaml.safe_dump(_file(), allow_unicode=True))


def test_a_yaml_error_says_where_in_the_readers_language():
    """Where, and what for the problems a file typed by hand meets, in the reader's language
    (PyYAML words them in English only; a Korean sentence held them in English); a 5,000-digit
    number no longer shows Python's own advice about its limit."""
    from django.utils import translation

    course = factories.course()
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text="format: partial-credit/1\ntemplates: [1, 2\n")
    assert failed.value.errors == [
        "not YAML at line 3, column 1: expected ',' or ']', but got the end of the file"
    ]
    with pytest.raises(ImportFailed) as failed:  # PyYAML's '?', a token's name, in words
        course_import_yaml(course=course, text="- a\nb: c\n")
    assert failed.value.errors == [
        "not YAML at line 2, column 1: expected <block end>, but found a key"
    ]
    with translation.override("ko"):
        for text, says in [
            ("format: partial-credit/1\ntemplates: [1, 2\n", "3번째 줄 1번째 글자에서 YAML로 "
             "읽을 수 없습니다 (',' 또는 ']'가 있어야 하는 곳에 다른 내용이 있습니다: 파일의 끝)"),
            ("format: a: b\n", "여기에는 '키: 값'의 ':'를 쓸 수 없습니다"),
            ("format: x\n\t- y\n", "여기에 올 수 없는 문자가 있습니다: '\\t'"),
            ("- a\nb: c\n", "끝나야 하는 곳에 다른 내용이 있습니다: 키. 들여쓰기를 확인하세요"),
            ("format: 'x' y\n", "다른 내용이 있습니다: 값."),  # PyYAML's '<scalar>'
            ("format: x\n---\nb: 2\n", "파일에 문서가 둘 이상 있습니다"),
        ]:  # fmt: skip
            with pytest.raises(ImportFailed) as failed:
                course_import_yaml(course=course, text=text)
            error = failed.value.errors[0]
            assert says in error, failed.value.errors
            # no English word of PyYAML's, none of its token names, no brackets in brackets
            assert not re.search(r"[a-z]{3,}|<[a-z ]+>", error), error
            assert error.count("(") == 1, error
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text="format: partial-credit/1\nx: " + "9" * 5000)
    assert failed.value.errors == ["a number has more than 4,300 digits"]


def test_reimporting_an_unchanged_export_updates_nothing():
    """It said "0 templates created, 3 updated" of a file that changed nothing."""
    course, _ = _course_with_content()
    data = yaml.safe_load(course_export_yaml(course=course))
    data["problem_sets"] = []
    result = course_import_yaml(course=course, text=yaml.safe_dump(data, allow_unicode=True))
    assert (result.templates_created, result.templates_updated) == (0, 0)
