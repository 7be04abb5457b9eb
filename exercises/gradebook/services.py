"""Writes for staff running a class: regrade an item, change its tolerance and regrade it; keep
the ids an LMS file taught us; a student's exceptions (extensions, excused problems) and score
overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from exercises.authoring.errors import Refused
from exercises.authoring.generators.parts import template_part_count
from exercises.authoring.models import (
    GradingPolicy,
    ProblemSet,
    ProblemSetItem,
    ScoreOverride,
    ScoreOverrideEvent,
    StudentException,
    StudentSetException,
)
from exercises.authoring.tolerance import MAX_TOLERANCE, template_tolerance
from exercises.courses.models import Course, Membership
from exercises.courses.text import LINE_BREAKS, untypable
from exercises.gradebook.lms import FilledExport
from exercises.gradebook.models import LmsColumnLink, LmsStudentLink
from exercises.lti.services.passback import passback_record
from exercises.lti.tasks import passback_enqueue
from grading.models import REASON_TOLERANCE, RegradeJob, Submission
from grading.tasks import regrade_job_run_task


def regrade_job_create(*, item: ProblemSetItem, requested_by: Any, reason: str = "") -> RegradeJob:
    """A job for the item's graded submissions, queued once the transaction commits."""
    total = Submission.objects.filter(instance__item=item, status=Submission.Status.GRADED).count()
    job = RegradeJob.objects.create(
        item=item, requested_by=requested_by, reason=reason[:200], total=total
    )
    transaction.on_commit(lambda: regrade_job_run_task.delay(job.pk))
    return job


@transaction.atomic
def item_tolerance_set(*, item: ProblemSetItem, tolerance: float, requested_by: Any) -> RegradeJob:
    """Change the item's tolerance and regrade its submissions under it."""
    if not 0 <= tolerance <= MAX_TOLERANCE:
        raise ValueError(f"tolerance must be between 0 and {MAX_TOLERANCE}")
    policy = GradingPolicy.objects.select_for_update().filter(item=item).first()
    old = policy.tolerance if policy is not None else template_tolerance(item.template.config)
    GradingPolicy.objects.update_or_create(item=item, defaults={"tolerance": tolerance})
    return regrade_job_create(
        item=item,
        requested_by=requested_by,
        reason=REASON_TOLERANCE % {"old": f"{old:g}", "new": f"{tolerance:g}"},
    )


@transaction.atomic
def lms_links_record(*, course: Course, filled: FilledExport) -> None:
    """Keep what a filled LMS file taught us (its item ids and points, its ids for our students)
    so that the next direct export for that LMS writes them. Only this course's sets and
    students: the keys come from export_scores of the same course."""
    sets = {str(pk) for pk in ProblemSet.objects.filter(course=course).values_list("pk", flat=True)}
    for key in sets & (set(filled.column_ids) | set(filled.column_points)):
        LmsColumnLink.objects.update_or_create(
            problem_set_id=int(key),
            lms=filled.lms,
            defaults={
                "lms_id": filled.column_ids.get(key, "")[:1000],
                "points_possible": filled.column_points.get(key),
            },
        )
    students = {
        str(pk)
        for pk in Membership.objects.filter(
            course=course, role=Membership.Role.STUDENT
        ).values_list("user_id", flat=True)
    }
    for user_key, ids in filled.student_ids.items():
        if user_key not in students:
            continue
        for id_key, value in ids.items():
            LmsStudentLink.objects.update_or_create(
                course=course, user_id=int(user_key), key=id_key, defaults={"value": value[:255]}
            )


# ------------------------------------------------------------ exceptions and overrides

MAX_REASON = 500  # characters of an override's reason
MAX_ATTEMPTS = 100  # as an item's own limit


NOT_A_STUDENT = gettext_noop("This person is not a student of the course.")
LATE_BEFORE_DUE = gettext_noop("The late window must not end before the due date.")
BAD_ATTEMPTS = gettext_noop("Attempts must be a whole number from 1 to %(max)s.")
NOTHING_GRANTED = gettext_noop(
    "Give a due date, a late window, a number of attempts, or excuse the problem."
)
NO_REASON = gettext_noop("Give a reason for the override.")
REASON_TOO_LONG = gettext_noop("The reason is longer than %(max)s characters.")
REASON_CONTROL = gettext_noop("The reason contains a character that cannot be typed.")
BAD_SCORE = gettext_noop("The score must be a number from 0 to %(points)s, the problem's points.")
NO_OVERRIDE = gettext_noop("There is no override to remove.")


def _check_student(*, course_id: int, student: Any) -> None:
    enrolled = Membership.objects.filter(
        course_id=course_id, user=student, role=Membership.Role.STUDENT
    ).exists()
    if not enrolled:
        raise Refused(NOT_A_STUDENT)


def _passback_on_commit(*, student_id: int, set_ids: set[int]) -> None:
    """The student's new score on each set for the LMSs that hold it, in this transaction's
    outbox (exercises.lti), sent once it commits: as a regrade does."""
    changed: list[int] = []
    for set_id in sorted(set_ids):
        changed += passback_record(student_id=student_id, set_id=set_id)
    if changed:
        transaction.on_commit(lambda: passback_enqueue(changed))


@dataclass(frozen=True)
class Grant:
    """A student's own terms as staff grant them (a StudentException or a StudentSetException):
    a due date, a late window's end, a number of attempts, the problem excused. Empty values
    keep the terms they stand in for; granted_by is who gives them."""

    granted_by: Any
    due_at: datetime | None = None
    late_until: datetime | None = None
    max_attempts: int | None = None
    excused: bool = False

    def fields(self) -> dict[str, Any]:
        """The fields to store; Refused when nothing is granted or the attempts are outside
        1..MAX_ATTEMPTS."""
        if (
            self.due_at is None
            and self.late_until is None
            and self.max_attempts is None
            and not self.excused
        ):
            raise Refused(NOTHING_GRANTED)
        if self.max_attempts is not None and not 1 <= self.max_attempts <= MAX_ATTEMPTS:
            raise Refused(BAD_ATTEMPTS, max=MAX_ATTEMPTS)
        return {
            "due_at": self.due_at,
            "late_until": self.late_until,
            "max_attempts": self.max_attempts,
            "excused": self.excused,
            "granted_by": self.granted_by,
        }


@transaction.atomic
def student_exception_set(
    *,
    items: list[ProblemSetItem],
    student: Any,
    grant: Grant,
) -> list[StudentException]:
    """Give a student their own terms (the grant) on these items (a set's, or one). Empty values
    keep the item's own.
    Refused (nothing changed) for anyone not a student of the course, a late window ending
    before the due date, attempts outside 1..MAX_ATTEMPTS, or nothing given."""
    terms = grant.fields()
    due_at, late_until, excused = grant.due_at, grant.late_until, grant.excused
    result = []
    changed_sets: set[int] = set()
    for item in items:
        _check_student(course_id=item.problem_set.course_id, student=student)
        if late_until is not None and late_until < (due_at or item.effective_due_at):
            raise Refused(LATE_BEFORE_DUE)
        before = StudentException.objects.filter(item=item, student=student).first()
        if (before is not None and before.excused) != excused:
            changed_sets.add(item.problem_set_id)
        exception, _ = StudentException.objects.update_or_create(
            item=item,
            student=student,
            defaults=terms,
        )
        result.append(exception)
    _passback_on_commit(student_id=student.pk, set_ids=changed_sets)
    return result


@transaction.atomic
def student_exception_clear(*, items: list[ProblemSetItem], student: Any) -> int:
    """The student back on the items' own terms; how many exceptions were removed."""
    for item in items:
        _check_student(course_id=item.problem_set.course_id, student=student)
    found = StudentException.objects.filter(item__in=items, student=student)
    changed_sets = set(found.filter(excused=True).values_list("item__problem_set_id", flat=True))
    removed, _ = found.delete()
    _passback_on_commit(student_id=student.pk, set_ids=changed_sets)
    return removed


@transaction.atomic
def student_set_exception_set(
    *,
    problem_set: ProblemSet,
    student: Any,
    grant: Grant,
) -> StudentSetException:
    """Give a student their own terms on every problem of a set, the problems added to it
    later included (a StudentSetException, read by exercises.authoring.terms). They replace
    the student's own terms on each problem of the set (those exceptions are removed), so
    that the whole set is on one set of terms. Refused (nothing changed) as
    student_exception_set is; a late window is checked against each present problem's due
    date and the set's."""
    terms = grant.fields()
    due_at, late_until, excused = grant.due_at, grant.late_until, grant.excused
    _check_student(course_id=problem_set.course_id, student=student)
    if late_until is not None:
        dues = [due_at] if due_at is not None else [problem_set.due_at]
        if due_at is None:
            dues += [i.due_at for i in problem_set.items.all() if i.due_at is not None]
        if any(late_until < due for due in dues):
            raise Refused(LATE_BEFORE_DUE)
    before = StudentSetException.objects.filter(problem_set=problem_set, student=student).first()
    own = StudentException.objects.filter(item__problem_set=problem_set, student=student)
    excused_before = (before is not None and before.excused) or own.filter(excused=True).exists()
    own.delete()
    exception, _ = StudentSetException.objects.update_or_create(
        problem_set=problem_set,
        student=student,
        defaults=terms,
    )
    if excused_before or excused:
        _passback_on_commit(student_id=student.pk, set_ids={problem_set.pk})
    return exception


@transaction.atomic
def student_set_exception_clear(*, problem_set: ProblemSet, student: Any) -> int:
    """The student back on the set's own terms, on every problem (the whole set's exception
    and each problem's); how many exceptions were removed."""
    _check_student(course_id=problem_set.course_id, student=student)
    whole = StudentSetException.objects.filter(problem_set=problem_set, student=student)
    own = StudentException.objects.filter(item__problem_set=problem_set, student=student)
    excused = whole.filter(excused=True).exists() or own.filter(excused=True).exists()
    removed = whole.delete()[0] + own.delete()[0]
    if excused:
        _passback_on_commit(student_id=student.pk, set_ids={problem_set.pk})
    return removed


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Refused(NO_REASON)
    if len(reason) > MAX_REASON:
        raise Refused(REASON_TOO_LONG, max=MAX_REASON)
    if untypable(reason, allowed=LINE_BREAKS):  # a text box sends CR LF
        raise Refused(REASON_CONTROL)
    return reason


def earned_score(*, item: ProblemSetItem, student: Any) -> Decimal | None:
    """The best graded score of the student's attempts on the item (None: nothing graded)."""
    graded = Submission.objects.filter(
        instance__item=item, instance__student=student, status=Submission.Status.GRADED
    )
    if template_part_count(family=item.template.family, config=item.template.config) > 1:
        # a multi-part problem: the sum of each part's best
        per_part = graded.order_by().values("part").annotate(best=Max("score"))
        bests = [row["best"] for row in per_part if row["best"] is not None]
        return sum((Decimal(b) for b in bests), Decimal("0.00")) if bests else None
    best = graded.aggregate(best=Max("score"))["best"]
    return None if best is None else Decimal(best)


@transaction.atomic
def score_override_set(
    *, item: ProblemSetItem, student: Any, score: Decimal | None, reason: str, by: Any
) -> ScoreOverrideEvent:
    """Set the student's score on the item by hand (None: remove the override, back to what
    the attempts earned), with a reason, kept in the audit trail (who, when, old -> new); the
    LMSs that hold the set's score get the new one. Refused (nothing changed) for anyone not a
    student of the course, a score outside 0..the item's points or with more than two
    decimals, no reason or one over MAX_REASON characters, or no override to remove."""
    _check_student(course_id=item.problem_set.course_id, student=student)
    reason = _check_reason(reason)
    if score is not None:
        if not score.is_finite() or not 0 <= score <= item.points or score != round(score, 2):
            raise Refused(BAD_SCORE, points=format(item.points.normalize(), "f"))
    current = ScoreOverride.objects.select_for_update().filter(item=item, student=student).first()
    earned = earned_score(item=item, student=student)
    old = current.score if current is not None else earned
    if score is None:
        if current is None:
            raise Refused(NO_OVERRIDE)
        current.delete()
        new = earned
    else:
        ScoreOverride.objects.update_or_create(
            item=item, student=student, defaults={"score": score, "reason": reason, "set_by": by}
        )
        new = score
    event = ScoreOverrideEvent.objects.create(
        item=item,
        student=student,
        old_score=old,
        new_score=new,
        removed=score is None,
        reason=reason,
        by=by,
    )
    _passback_on_commit(student_id=student.pk, set_ids={item.problem_set_id})
    return event
