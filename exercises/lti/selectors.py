"""Reads of the lti room: registrations, what a course is linked to, a student's score on a
set (the gradebook's rule, exercises.authoring.scoring), the passback status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from lti_tool.models import LtiContext, LtiRegistration, LtiUser

from exercises.authoring.models import ProblemSet, ProblemSetItem
from exercises.authoring.scoring import (
    GRADED_ROW_COLUMNS,
    item_counts,
    own_points,
    scored_pairs,
    set_points,
    set_scores,
)
from exercises.authoring.terms import score_adjustments
from exercises.courses.models import Course
from exercises.lti.models import LtiIdentity, ScorePassback
from grading.models import Submission


def registrations() -> QuerySet[LtiRegistration]:
    return LtiRegistration.objects.order_by("name", "pk")


def registration_contexts(*, registration: LtiRegistration) -> QuerySet[LtiContext]:
    return (
        LtiContext.objects.filter(deployment__registration=registration)
        .select_related("deployment", "course_link__course")
        .order_by("title", "pk")
    )


def course_contexts(*, course: Course) -> QuerySet[LtiContext]:
    """The LMS courses that launch into this course."""
    return (
        LtiContext.objects.filter(course_link__course=course)
        .select_related("deployment__registration")
        .order_by("pk")
    )


@dataclass(frozen=True)
class SetScore:
    given: Decimal
    maximum: Decimal
    completed: bool  # every item of the set has a graded attempt


def student_set_score(*, student_id: int, problem_set_id: int) -> SetScore:
    """A student's score on a set: the best graded attempt of each item, late penalty
    applied, or the item's override, excused items and unscored retired ones left out, as
    the LMS files count it
    (exercises.authoring.scoring); 0 when nothing is graded yet."""
    items = {item.pk: item for item in ProblemSetItem.objects.filter(problem_set_id=problem_set_id)}
    graded = list(
        Submission.objects.filter(
            instance__student_id=student_id,
            instance__item_id__in=list(items),
            status=Submission.Status.GRADED,
            score__isnull=False,
        ).values(*GRADED_ROW_COLUMNS)
    )
    adjustments = score_adjustments(item_ids=list(items), student_id=student_id)
    scores = set_scores(items=items, graded=graded, adjustments=adjustments)
    scored = scored_pairs(graded=graded, adjustments=adjustments)
    counted = {
        pk
        for pk, item in items.items()
        if item_counts(
            retired=item.retired,
            excused=(student_id, pk) in adjustments.excused,
            scored=(student_id, pk) in scored,
        )
    }
    own = own_points(items=items, students=[student_id], scored=scored, adjustments=adjustments)
    return SetScore(
        given=scores.get((student_id, problem_set_id), Decimal("0")),
        # excused problems and unscored retired ones are out of the maximum too (AGS takes a
        # maximum per score)
        maximum=own.get((student_id, problem_set_id), Decimal("0")),
        completed=bool(counted) and counted <= {pk for _, pk in scored},
    )


def set_total_points(*, problem_set: ProblemSet) -> Decimal:
    items = ProblemSetItem.objects.filter(problem_set=problem_set)
    return set_points(items=items).get(problem_set.pk, Decimal("0"))


@dataclass
class PassbackRow:
    passback: ScorePassback
    name: str
    email: str  # as the LMS gave it (kept on django-lti's LtiUser)


def course_passbacks(*, course: Course) -> list[PassbackRow]:
    """Every score of the course's students in the outbox, with its status."""
    rows = list(
        ScorePassback.objects.filter(problem_set__course=course, version__gt=0)
        .select_related("student", "problem_set", "context__deployment__registration")
        .order_by("student__last_name", "student__first_name", "student_id", "problem_set_id")
    )
    lms_users = {
        (u.registration.issuer, u.sub): u
        for u in LtiUser.objects.filter(sub__in={r.sub for r in rows}).select_related(
            "registration"
        )
    }
    result = []
    for row in rows:
        lms_user: Any = lms_users.get((row.context.deployment.registration.issuer, row.sub))
        result.append(
            PassbackRow(
                passback=row,
                name=row.student.get_full_name() or row.student.get_username(),
                email=lms_user.email if lms_user else "",
            )
        )
    return result


def _due(now: datetime) -> QuerySet[ScorePassback]:
    return ScorePassback.objects.filter(
        status__in=[ScorePassback.Status.PENDING, ScorePassback.Status.FAILED],
        version__gt=0,
        next_attempt_at__lte=now,
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def passbacks_due(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Outbox rows to send now: pending, or failed and waited their backoff; none that a
    sender holds."""
    due = _due(now or timezone.now()).order_by("next_attempt_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


def passbacks_any_due() -> bool:
    """Whether the sweep would find a row to send now (beat asks before it sends the sweep:
    config/beat.py); one indexed query."""
    return _due(timezone.now()).exists()


def identity_of(*, user: Any, issuer: str) -> LtiIdentity | None:
    return LtiIdentity.objects.filter(user=user, issuer=issuer).first()
