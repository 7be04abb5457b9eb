"""Writes for staff running a class: regrade an item, change its tolerance and regrade it, keep
the ids an LMS file taught us."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from exercises.authoring.models import GradingPolicy, ProblemSet, ProblemSetItem
from exercises.authoring.tolerance import MAX_TOLERANCE, template_tolerance
from exercises.courses.models import Course, Membership
from exercises.gradebook.lms import FilledExport
from exercises.gradebook.models import LmsColumnLink, LmsStudentLink
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
