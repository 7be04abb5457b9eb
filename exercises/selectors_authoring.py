"""Reads for the instructor's editor: only the courses the user teaches, fixed query counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Q, QuerySet

from exercises.models import Course, ProblemSet, ProblemSetItem, ProblemTemplate, TemplateCheck
from exercises.selectors import staff_courses


def staff_templates(*, user: Any) -> QuerySet[ProblemTemplate]:
    """Custom templates of the courses the user teaches (the ones they may edit)."""
    return ProblemTemplate.objects.filter(course__in=staff_courses(user=user)).select_related(
        "course"
    )


def viewable_templates(*, user: Any) -> QuerySet[ProblemTemplate]:
    """What the editor may show: the user's courses' templates, and the read-only library to
    anyone who teaches a course. Never to a student: a preview shows the key of their problem."""
    teaches = staff_courses(user=user)
    return ProblemTemplate.objects.filter(
        Q(course__in=teaches) | (Q(course__isnull=True) & Exists(teaches))
    ).select_related("course")


def staff_problem_sets(*, user: Any) -> QuerySet[ProblemSet]:
    return ProblemSet.objects.filter(course__in=staff_courses(user=user)).select_related("course")


def staff_items(*, user: Any) -> QuerySet[ProblemSetItem]:
    return ProblemSetItem.objects.filter(
        problem_set__course__in=staff_courses(user=user)
    ).select_related("problem_set__course", "template")


def usable_templates(*, course: Course) -> QuerySet[ProblemTemplate]:
    """Published templates a set of this course may use: the library and its own."""
    return ProblemTemplate.objects.filter(
        Q(course__isnull=True) | Q(course=course), published=True
    ).order_by("course_id", "slug")


def course_authoring(*, course: Course) -> dict[str, Any]:
    """The course's templates, the library, and its sets with item counts: three queries."""
    templates = list(ProblemTemplate.objects.filter(course=course).order_by("slug"))
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
