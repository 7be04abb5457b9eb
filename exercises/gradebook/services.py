"""Writes for staff running a class: regrade an item, change its tolerance and regrade it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from exercises.authoring.models import GradingPolicy, ProblemSetItem
from exercises.authoring.tolerance import MAX_TOLERANCE, template_tolerance
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
