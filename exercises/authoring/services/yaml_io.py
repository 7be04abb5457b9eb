"""YAML export and import of a course's templates and problem sets (docs/yaml-format.md).

The export uses yaml.safe_dump. An import is read and checked whole (authoring.yaml_schema, then
against the course) before anything is written, and written in one transaction through the
editor's services: a file with any error changes nothing. Templates are stored unpublished and
checked by the background job, as in the editor; those marked `published: true` are published
when their check passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from exercises.authoring.generators.custom import TemplateError, validate
from exercises.authoring.generators.parts import parts_validate, refused_where
from exercises.authoring.models import ProblemSet, ProblemSetItem, ProblemTemplate, TemplateCheck
from exercises.authoring.selectors import item_tolerance
from exercises.authoring.services.problem_sets import problem_set_create, problem_set_item_copy
from exercises.authoring.services.templates import (
    custom_template_create,
    custom_template_update,
    template_check_start,
    template_publish,
)
from exercises.authoring.yaml_schema import (
    FORMAT,
    MAX_YAML_BYTES,
    CourseFile,
    ImportFailed,
    TemplateEntry,
    load,
    parse,
    problem,
)
from exercises.courses.models import Course
from grading.engine import ParseError
from grading.engine import parse as parse_expression

__all__ = [
    "MAX_YAML_BYTES",
    "ImportFailed",
    "ImportResult",
    "course_export_data",
    "course_export_yaml",
    "course_import_yaml",
]


@dataclass(frozen=True)
class ImportResult:
    templates_created: int
    templates_updated: int
    problem_sets_created: int
    checks_started: int


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def course_export_data(*, course: Course) -> dict[str, Any]:
    """The course's own templates, the library templates its sets use, and its sets."""
    sets = list(
        ProblemSet.objects.filter(course=course)
        .prefetch_related(
            Prefetch("items", ProblemSetItem.objects.select_related("template", "grading_policy"))
        )
        .order_by("position", "due_at", "id")
    )
    used = {it.template_id for ps in sets for it in ps.items.all()}
    templates = ProblemTemplate.objects.filter(Q(course=course) | Q(pk__in=used)).order_by("slug")
    return {
        "format": FORMAT,
        "templates": [
            {
                "slug": t.slug,
                "family": t.family,
                "title_en": t.title_en,
                "title_ko": t.title_ko,
                "published": t.published,
                "config": t.config,
            }
            for t in templates
        ],
        "problem_sets": [
            {
                "title_en": ps.title_en,
                "title_ko": ps.title_ko,
                "position": ps.position,
                "opens_at": _when(ps.opens_at),
                "due_at": _when(ps.due_at),
                "items": [
                    {
                        "template": it.template.slug,
                        "points": str(it.points),
                        "max_attempts": it.max_attempts,
                        "due_at": _when(it.due_at),
                        "late_until": _when(it.late_until),
                        "late_penalty": str(it.late_penalty),
                        "show_plots": it.show_plots,
                        "show_hints": it.show_hints,
                        "vector_credit": it.vector_credit,
                        # The instructor's override on the wrong-answers page; null: the
                        # template's config decides.
                        "tolerance": item_tolerance(item=it),
                    }
                    for it in sorted(ps.items.all(), key=lambda i: (i.position, i.pk))
                ],
            }
            for ps in sets
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Writes a value seen twice twice: the import refuses anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def course_export_yaml(*, course: Course) -> str:
    return yaml.dump(
        course_export_data(course=course),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


class _Targets:
    """Where each template entry goes: a library template it names (code families), the
    course's template of that slug (updated), or a new one; read in three queries."""

    def __init__(self, course: Course, entries: list[TemplateEntry]) -> None:
        slugs = [e.slug for e in entries]
        self.library = {
            t.slug: t for t in ProblemTemplate.objects.filter(course__isnull=True, slug__in=slugs)
        }
        self.own = {
            t.slug: t for t in ProblemTemplate.objects.filter(course=course, slug__in=slugs)
        }
        self.in_sets = set(
            ProblemSetItem.objects.filter(template__in=self.own.values()).values_list(
                "template__slug", flat=True
            )
        )

    def library_of(self, entry: TemplateEntry) -> ProblemTemplate | None:
        return self.library.get(entry.slug) if entry.family != "custom" else None

    def changes(self, entry: TemplateEntry) -> bool:
        """Whether the course's template of this slug gets a new version from the entry."""
        own = self.own.get(entry.slug)
        return own is not None and (own.family, own.config) != (entry.family, entry.config)

    def differs(self, entry: TemplateEntry) -> bool:
        """Whether the course's template of this slug is changed by the entry at all (its
        content or its titles): an unchanged one is not counted as updated."""
        own = self.own.get(entry.slug)
        return own is not None and (
            self.changes(entry) or (own.title_en, own.title_ko) != (entry.title_en, entry.title_ko)
        )

    def ends_published(self, entry: TemplateEntry) -> bool:
        """Published after the import (or once its check passes, for `published: true`)."""
        if self.library_of(entry) is not None or entry.published:
            return True
        own = self.own.get(entry.slug)
        return own is not None and own.published and not self.changes(entry)


def _fixed_function_problem(config: dict[str, Any]) -> TemplateError | None:
    """Why a `fixed` template's function does not read with its variables, or None. (The
    50-seed check would fail it too, but only after the import had made the template.)"""
    variables = tuple(str(v) for v in config.get("variables", ["x", "y"]))
    try:
        parse_expression(str(config.get("function", "")), variables)
    except ParseError as exc:
        return TemplateError(gettext_noop("the function does not read: %(why)s"), why=exc.msg)
    return None


def _template_problems(course_file: CourseFile, targets: _Targets) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for i, entry in course_file.templates:
        at = f"templates[{i}]"
        if entry.slug in seen:
            errors.append(problem(f"{at}.slug", _("another template of this file has this slug")))
        seen.add(entry.slug)
        if entry.family in ("custom", "parts"):
            try:
                (validate if entry.family == "custom" else parts_validate)(entry.config)
            except TemplateError as exc:
                errors.append(problem(_config_path(f"{at}.config", exc), str(exc)))
        elif entry.family == "fixed":  # its function as the engine reads it, as custom's is
            why = _fixed_function_problem(entry.config)
            if why is not None:
                errors.append(problem(f"{at}.config.function", str(why)))
        library = targets.library_of(entry)
        if library is not None and (library.family, library.config) != (
            entry.family,
            entry.config,
        ):
            errors.append(
                problem(at, _("a ready template has this slug with other content; rename yours"))
            )
        elif library is None and targets.changes(entry) and entry.slug in targets.in_sets:
            errors.append(
                problem(
                    at,
                    _(
                        "this course's template is in a problem set, so its function and task "
                        "cannot change; give the changed one a new slug"
                    ),
                )
            )
    return errors


def _config_path(path: str, error: TemplateError) -> str:
    """Where in a config its refusal points: a part's key when it is about one part."""
    where = refused_where(error)
    if where is None:
        return path
    part, key = where
    return f"{path}.parts[{part}]" + (f".{key}" if key else "")


def _set_problems(course_file: CourseFile, targets: _Targets) -> list[str]:
    errors: list[str] = []
    entries = {e.slug: e for _i, e in course_file.templates}
    for i, ps in course_file.problem_sets:
        at = f"problem_sets[{i}]"
        if ps.opens_at is not None and ps.opens_at > ps.due_at:
            errors.append(problem(f"{at}.opens_at", _("after due_at")))
        for j, item in enumerate(ps.items):
            where = f"{at}.items[{j}]"
            entry = entries.get(item.template)
            if item.template not in course_file.slugs:
                errors.append(
                    problem(
                        f"{where}.template",
                        _("'%(slug)s' is not a template of this file") % {"slug": item.template},
                    )
                )
            elif entry is not None and not targets.ends_published(entry):
                errors.append(
                    problem(
                        f"{where}.template",
                        _("'%(slug)s' is not published: mark it published: true")
                        % {"slug": item.template},
                    )
                )
            if item.late_until is not None and item.late_until < (item.due_at or ps.due_at):
                errors.append(problem(f"{where}.late_until", _("before the due date")))
    return errors


def _check_or_publish(template: ProblemTemplate, publish: bool) -> bool:
    """Start a check of the template's version unless one that will do exists; publish a
    version that passed, when asked. Whether a check was started."""
    if template.published:
        return False
    checks = TemplateCheck.objects.filter(template=template, version=template.version)
    if publish and checks.filter(status=TemplateCheck.Status.PASSED).exists():
        template_publish(template=template)
        return False
    waiting = checks.filter(status__in=[TemplateCheck.Status.QUEUED, TemplateCheck.Status.RUNNING])
    if (waiting.filter(publish_on_pass=True) if publish else checks).exists():
        return False
    template_check_start(template=template, publish_on_pass=publish)
    return True


def _write_template(entry: TemplateEntry, course: Course, targets: _Targets) -> ProblemTemplate:
    library = targets.library_of(entry)
    if library is not None:
        return library
    title_en, title_ko, family, config = entry.title_en, entry.title_ko, entry.family, entry.config
    own = targets.own.get(entry.slug)
    if own is not None:
        return custom_template_update(
            template=own, title_en=title_en, title_ko=title_ko, config=config, family=family
        )
    return custom_template_create(
        course=course,
        slug=entry.slug,
        title_en=title_en,
        title_ko=title_ko,
        config=config,
        family=family,
    )


def course_import_yaml(*, course: Course, text: str) -> ImportResult:
    """Import templates (created or updated by slug) and sets (always created) into `course`;
    ImportFailed lists every problem of the file, each with its path, and nothing is written."""
    course_file = parse(load(text))
    targets = _Targets(course, [entry for _i, entry in course_file.templates])
    errors = [
        *course_file.errors,
        *_template_problems(course_file, targets),
        *_set_problems(course_file, targets),
    ]
    if errors:
        raise ImportFailed(errors)
    created = updated = checks = 0
    with transaction.atomic():
        by_slug: dict[str, ProblemTemplate] = {}
        for _i, entry in course_file.templates:
            differs = targets.differs(entry)  # read before the write changes it
            template = _write_template(entry, course, targets)
            if template.course_id == course.pk:
                created += entry.slug not in targets.own
                updated += differs
                checks += _check_or_publish(template, entry.published)
            by_slug[entry.slug] = template
        for _i, ps in course_file.problem_sets:
            problem_set = problem_set_create(
                course=course,
                title_en=ps.title_en,
                title_ko=ps.title_ko,
                due_at=ps.due_at,
                position=ps.position,
                opens_at=ps.opens_at,
            )
            for position, item in enumerate(ps.items):
                problem_set_item_copy(
                    problem_set=problem_set,
                    template=by_slug[item.template],
                    position=position,
                    fields=item,
                    tolerance=item.tolerance,
                )
    return ImportResult(created, updated, len(course_file.problem_sets), checks)
