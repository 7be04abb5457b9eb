"""Reads for the instructor's editor: only the courses the user teaches, fixed query counts."""

from __future__ import annotations

import copy
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from exercises.authoring.models import (
    GradingPolicy,
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    TemplateCheck,
    TemplateVersion,
)
from exercises.authoring.tolerance import template_tolerance
from exercises.courses.models import Course, Membership
from exercises.courses.selectors import STAFF_ROLES, courses_taught, is_instructor


def staff_templates(*, user: Any, instructor_only: bool = False) -> QuerySet[ProblemTemplate]:
    """Custom templates of the courses the user teaches (the ones they may edit); with
    `instructor_only`, of the courses they are an instructor of (publishing decides what
    students may be asked: README "Roles")."""
    courses = courses_taught(user=user, instructor_only=instructor_only)
    return ProblemTemplate.objects.filter(course__in=courses).select_related("course")


def viewable_templates(*, user: Any) -> QuerySet[ProblemTemplate]:
    """What the editor may show: the user's courses' templates, and the read-only library to
    anyone who teaches a course. Never to a student: a preview shows the key of their problem."""
    teaches = courses_taught(user=user)
    return ProblemTemplate.objects.filter(
        Q(course__in=teaches) | (Q(course__isnull=True) & Exists(teaches))
    ).select_related("course")


def staff_problem_sets(*, user: Any) -> QuerySet[ProblemSet]:
    return ProblemSet.objects.filter(course__in=courses_taught(user=user)).select_related("course")


def set_items(*, problem_set: ProblemSet) -> list[ProblemSetItem]:
    """The set's items in order, each with `opened`: whether a student has opened it (it can
    then be retired, not removed)."""
    opened = ProblemInstance.objects.filter(item=OuterRef("pk"))
    items = problem_set.items.select_related("template").annotate(opened=Exists(opened))
    return list(items.order_by("position", "id"))


def set_started(*, problem_set: ProblemSet) -> bool:
    """Whether a student has opened any problem of the set."""
    return ProblemInstance.objects.filter(item__problem_set=problem_set).exists()


def may_change_set(*, user: Any, problem_set: ProblemSet) -> bool:
    """Who may change a set (titles, dates, items and their rules): its course's instructors;
    its TAs only until a student has opened one of its problems (from then on, what students
    are asked is the instructor's to change). TAs never release or hide a set: may_release_sets.
    """
    if is_instructor(user=user, course=problem_set.course):
        return True
    role = Membership.objects.filter(course=problem_set.course_id, user=user).values("role")
    is_ta = role.filter(role=Membership.Role.TA).exists()
    return is_ta and not set_started(problem_set=problem_set)


def may_release_sets(*, user: Any, course: Course) -> bool:
    """Releasing a set to students (or hiding it again) is the instructors' call."""
    return is_instructor(user=user, course=course)


def items_taught(*, user: Any, instructor_only: bool = False) -> QuerySet[ProblemSetItem]:
    """Items of the courses where the user is an instructor (or a TA, unless instructor_only)."""
    roles = [Membership.Role.INSTRUCTOR] if instructor_only else list(STAFF_ROLES)
    return (
        ProblemSetItem.objects.filter(
            problem_set__course__memberships__user=user,
            problem_set__course__memberships__role__in=roles,
        )
        .select_related("problem_set__course", "template")
        .distinct()
    )


def usable_templates(*, course: Course) -> QuerySet[ProblemTemplate]:
    """Published templates a set of this course may use: the library and its own."""
    return ProblemTemplate.objects.filter(
        Q(course__isnull=True) | Q(course=course), published=True
    ).order_by("course_id", "slug")


def course_authoring(*, course: Course) -> dict[str, Any]:
    """The course's templates (with the status of their current version's latest check),
    the library, and its sets with item counts: three queries."""
    latest = TemplateCheck.objects.filter(
        template=OuterRef("pk"), version=OuterRef("version")
    ).order_by("-created_at", "-id")
    templates = list(
        ProblemTemplate.objects.filter(course=course)
        .annotate(
            check_status=Subquery(latest.values("status")[:1]),
        )
        .order_by("slug")
    )
    library = list(ProblemTemplate.objects.filter(course__isnull=True).order_by("slug"))
    sets = list(
        ProblemSet.objects.filter(course=course)
        .annotate(n_items=Count("items"))
        .order_by("position", "due_at", "id")
    )
    return {"templates": templates, "library": library, "sets": sets}


def latest_check(*, template: ProblemTemplate) -> TemplateCheck | None:
    return (
        TemplateCheck.objects.filter(template=template, version=template.version)
        .order_by("-created_at", "-id")
        .first()
    )


def check_failure_rows(*, check: TemplateCheck) -> list[dict[str, Any]]:
    """The failing seeds of a check for display: each with its parameter values, and runs of
    consecutive seeds that failed alike without values (no variant could be drawn) as one row,
    so that an impossible constraint is one line, not fifty."""
    rows: list[dict[str, Any]] = []
    for failure in check.failures:
        seed, values = failure.get("seed"), failure.get("values") or {}
        problems = list(failure.get("problems") or [])
        last = rows[-1] if rows else None
        if (
            last is not None
            and not values
            and not last["values"]
            and last["problems"] == problems
            and last["last"] == seed - 1
        ):
            last["last"] = seed
            continue
        rows.append({"first": seed, "last": seed, "values": values, "problems": problems})
    for row in rows:
        first, last = row["first"], row["last"]
        row["seeds"] = str(first) if first == last else f"{first}–{last}"
        if not first:
            row["seeds"] = gettext("all seeds")  # a reason about the check as a whole
        row["values_text"] = ", ".join(f"{k} = {v}" for k, v in row["values"].items())
    return rows


def item_tolerance(*, item: ProblemSetItem) -> float | None:
    """The tolerance the instructor set on the item (its policy), or None: the template's."""
    try:
        return item.grading_policy.tolerance
    except GradingPolicy.DoesNotExist:
        return None


def item_tolerance_in_force(*, item: ProblemSetItem) -> float:
    """The tolerance the item's answers are graded under: its own, else its template's."""
    tolerance = item_tolerance(item=item)
    return template_tolerance(item.template.config) if tolerance is None else tolerance


def template_at_version(*, template: ProblemTemplate, version: int) -> ProblemTemplate | None:
    """The template as it was at `version`: itself at its current version; else an unsaved copy
    with the family and config it had then (TemplateVersion); None when that version was not
    kept (replaced before versions were kept)."""
    if version == template.version:
        return template
    old = TemplateVersion.objects.filter(template=template, version=version).first()
    if old is None:
        return None
    then = copy.copy(template)  # for reading only: never saved
    then.family, then.config, then.version = old.family, old.config, version
    return then
