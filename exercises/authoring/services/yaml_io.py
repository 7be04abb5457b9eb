"""YAML export and import of a course's templates and problem sets (schema: docs/yaml-format.md).

Only yaml.safe_dump and yaml.safe_load are used. An import is checked whole before anything is
written, and written in one transaction: a file with any error changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.dateparse import parse_datetime

from exercises.authoring.generators import FAMILIES
from exercises.authoring.generators.custom import TemplateError, validate
from exercises.authoring.models import (
    GradingPolicy,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    TemplateCheck,
)
from exercises.authoring.selectors import item_tolerance
from exercises.authoring.services.checks import template_check_run
from exercises.authoring.tolerance import MAX_TOLERANCE
from exercises.courses.models import Course

FORMAT = "partial-credit/1"
MAX_YAML_BYTES = 512 * 1024
TEMPLATE_KEYS = {"slug", "family", "title_en", "title_ko", "published", "config"}
SET_KEYS = {"title_en", "title_ko", "position", "opens_at", "due_at", "items"}
ITEM_KEYS = {
    "template",
    "points",
    "max_attempts",
    "due_at",
    "late_until",
    "late_penalty",
    "tolerance",
    "show_plots",
}


class ImportFailed(Exception):
    """The file was not imported; `errors` lists every problem, each naming its item."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    templates_created: int
    templates_updated: int
    problem_sets_created: int


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


def course_export_yaml(*, course: Course) -> str:
    return yaml.safe_dump(
        course_export_data(course=course), sort_keys=False, allow_unicode=True, width=100
    )


def _date(value: Any, where: str, errors: list[str], required: bool = False) -> datetime | None:
    if value is None and not required:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
    if parsed is None or parsed.tzinfo is None:
        errors.append(f"{where}: give a date and time with a time zone, e.g. 2026-03-02T23:59:00Z")
        return None
    return parsed


def _decimal(value: Any, where: str, errors: list[str], low: str, high: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{where}: not a number")
        return Decimal("0")
    if not Decimal(low) <= number <= Decimal(high):
        errors.append(f"{where}: must be between {low} and {high}")
    return number


def _check_template(entry: Any, where: str, course: Course, errors: list[str]) -> None:
    if not isinstance(entry, dict):
        errors.append(f"{where}: expected a mapping")
        return
    unknown = set(entry) - TEMPLATE_KEYS
    missing = {"slug", "family", "title_en", "title_ko", "config"} - set(entry)
    if unknown or missing:
        errors.append(
            f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}"
            if unknown
            else f"{where}: missing keys {sorted(missing)}"
        )
        return
    slug = str(entry["slug"])
    if not slug or len(slug) > 80 or not all(c.isalnum() or c in "-_" for c in slug):
        errors.append(f"{where}: slug '{slug}' may use letters, digits, - and _ only")
    if entry["family"] not in FAMILIES:
        errors.append(f"{where} ({slug}): unknown family '{entry['family']}'")
    elif not isinstance(entry["config"], dict):
        errors.append(f"{where} ({slug}): config must be a mapping")
    elif entry["family"] == "custom":
        try:
            validate(entry["config"])
        except TemplateError as exc:
            errors.append(f"{where} ({slug}): {exc}")
    own = ProblemTemplate.objects.filter(slug=slug, course=course).first()
    changed = own is not None and (own.family, own.config) != (entry["family"], entry["config"])
    if changed and own is not None and own.items.exists():
        errors.append(
            f"{where} ({slug}): this course's template is in a problem set, so its function and "
            "task cannot change; give the changed one a new slug"
        )
    library = ProblemTemplate.objects.filter(slug=slug, course__isnull=True).first()
    if library is not None and entry["family"] != "custom":
        if (library.family, library.config) != (entry["family"], entry["config"]):
            errors.append(f"{where} ({slug}): a library template has this slug with other content")


def _check_set(entry: Any, where: str, slugs: set[str], errors: list[str]) -> None:
    if not isinstance(entry, dict):
        errors.append(f"{where}: expected a mapping")
        return
    unknown = set(entry) - SET_KEYS
    missing = {"title_en", "title_ko", "due_at", "items"} - set(entry)
    if unknown or missing:
        errors.append(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        return
    where = f"{where} ({entry['title_en']})"
    opens = _date(entry.get("opens_at"), f"{where}: opens_at", errors)
    due = _date(entry["due_at"], f"{where}: due_at", errors, required=True)
    if opens and due and opens > due:
        errors.append(f"{where}: opens_at is after due_at")
    if not isinstance(entry["items"], list):
        errors.append(f"{where}: items must be a list")
        return
    for j, item in enumerate(entry["items"]):
        at = f"{where}: items[{j}]"
        if not isinstance(item, dict) or set(item) - ITEM_KEYS or "template" not in item:
            errors.append(f"{at}: expected a mapping with 'template' and the keys {ITEM_KEYS}")
            continue
        if str(item["template"]) not in slugs:
            errors.append(f"{at}: template '{item['template']}' is not in this file")
        _decimal(item.get("points", "1"), f"{at}: points", errors, "0", "9999")
        _decimal(item.get("late_penalty", "0.5"), f"{at}: late_penalty", errors, "0", "1")
        if not isinstance(item.get("show_plots", True), bool):
            errors.append(f"{at}: show_plots must be true or false")
        attempts = item.get("max_attempts", 3)
        if not isinstance(attempts, int) or not 1 <= attempts <= 100:
            errors.append(f"{at}: max_attempts must be a whole number from 1 to 100")
        _date(item.get("due_at"), f"{at}: due_at", errors)
        _date(item.get("late_until"), f"{at}: late_until", errors)
        tolerance = item.get("tolerance")
        if tolerance is not None and (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, int | float)
            or not 0 <= tolerance <= MAX_TOLERANCE
        ):
            errors.append(f"{at}: tolerance must be null or a number from 0 to {MAX_TOLERANCE}")


def _load(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_YAML_BYTES:
        raise ImportFailed([f"the file is larger than {MAX_YAML_BYTES // 1024} KiB"])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed([f"not YAML: {exc}"]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed([f"the file must be a mapping with format: {FORMAT}"])
    unknown = set(data) - {"format", "templates", "problem_sets"}
    if unknown:
        raise ImportFailed([f"unknown top-level keys {sorted(unknown)}"])
    return data


def _upsert_template(entry: dict[str, Any], course: Course) -> tuple[ProblemTemplate, bool]:
    """The template to use for an entry, and whether it was created."""
    if entry["family"] != "custom":
        library = ProblemTemplate.objects.filter(slug=entry["slug"], course__isnull=True).first()
        if library is not None:
            return library, False
    existing = ProblemTemplate.objects.filter(slug=entry["slug"], course=course).first()
    if existing is None:
        created = ProblemTemplate.objects.create(
            course=course,
            slug=entry["slug"],
            family=entry["family"],
            config=entry["config"],
            title_en=entry["title_en"],
            title_ko=entry["title_ko"],
            published=entry["family"] != "custom" and bool(entry.get("published", True)),
        )
        return created, True
    if (existing.family, existing.config) != (entry["family"], entry["config"]):
        existing.version += 1
        existing.family, existing.config = entry["family"], entry["config"]
        existing.published = entry["family"] != "custom" and bool(entry.get("published", True))
    existing.title_en, existing.title_ko = entry["title_en"], entry["title_ko"]
    existing.save()
    return existing, False


def _publish_checked(template: ProblemTemplate, where: str, errors: list[str]) -> None:
    """Publish an imported custom template the way the editor does: after a passing check."""
    passed = TemplateCheck.objects.filter(
        template=template, version=template.version, status=TemplateCheck.Status.PASSED
    ).exists()
    if not passed:
        check = TemplateCheck.objects.create(
            template=template, version=template.version, seeds_total=50
        )
        check = template_check_run(check_id=check.pk)
        if check.status != TemplateCheck.Status.PASSED:
            seeds = ", ".join(str(f["seed"]) for f in check.failures[:5])
            errors.append(f"{where} ({template.slug}): the check failed (seeds {seeds})")
            return
    template.published = True
    template.save(update_fields=["published", "updated_at"])


def course_import_yaml(*, course: Course, text: str) -> ImportResult:
    """Import templates (created or updated by slug) and sets (always created) into `course`."""
    data = _load(text)
    errors: list[str] = []
    templates = data.get("templates") or []
    sets = data.get("problem_sets") or []
    if not isinstance(templates, list) or not isinstance(sets, list):
        raise ImportFailed(["templates and problem_sets must be lists"])
    for i, entry in enumerate(templates):
        _check_template(entry, f"templates[{i}]", course, errors)
    slugs = {str(e.get("slug")) for e in templates if isinstance(e, dict)}
    if len(slugs) != len(templates):
        errors.append("templates: two entries have the same slug")
    for i, entry in enumerate(sets):
        _check_set(entry, f"problem_sets[{i}]", slugs, errors)
    if errors:
        raise ImportFailed(errors)
    created = updated = 0
    with transaction.atomic():
        by_slug: dict[str, ProblemTemplate] = {}
        for i, entry in enumerate(templates):
            template, was_created = _upsert_template(entry, course)
            created += was_created
            updated += not was_created and template.course_id == course.pk
            if template.family == "custom" and entry.get("published"):
                _publish_checked(template, f"templates[{i}]", errors)
            by_slug[template.slug] = template
        for i, entry in enumerate(sets):
            for j, item in enumerate(entry["items"]):
                if not by_slug[str(item["template"])].published:
                    errors.append(
                        f"problem_sets[{i}] ({entry['title_en']}): items[{j}]: "
                        f"template '{item['template']}' is not published"
                    )
        if errors:
            raise ImportFailed(errors)  # leaving the atomic block rolls back every write
        for entry in sets:
            ps = ProblemSet.objects.create(
                course=course,
                title_en=entry["title_en"],
                title_ko=entry["title_ko"],
                position=int(entry.get("position", 0)),
                opens_at=_date(entry.get("opens_at"), "", []),
                due_at=_date(entry["due_at"], "", [], required=True),
            )
            created_items = ProblemSetItem.objects.bulk_create(
                ProblemSetItem(
                    problem_set=ps,
                    template=by_slug[str(item["template"])],
                    position=position,
                    points=Decimal(str(item.get("points", "1"))),
                    max_attempts=item.get("max_attempts", 3),
                    due_at=_date(item.get("due_at"), "", []),
                    late_until=_date(item.get("late_until"), "", []),
                    late_penalty=Decimal(str(item.get("late_penalty", "0.5"))),
                    show_plots=item.get("show_plots", True),
                )
                for position, item in enumerate(entry["items"])
            )
            GradingPolicy.objects.bulk_create(
                GradingPolicy(item=created, tolerance=float(item["tolerance"]))
                for created, item in zip(created_items, entry["items"], strict=True)
                if item.get("tolerance") is not None
            )
    return ImportResult(created, updated, len(sets))
