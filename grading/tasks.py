"""Thin Celery tasks: ids in, time limits, acks late, retries; the work is in services.

The layers above (practice, gradebook) hand work to the workers through this module only:
services never import their tasks, so imports point one way."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.result import EagerResult
from django.conf import settings
from django.db import DatabaseError
from kombu.exceptions import OperationalError

from exercises.authoring.services.instances import instance_worked_record
from exercises.jobs import jobs_send
from exercises.lti.tasks import passback_enqueue, passback_sweep_task
from grading.models import ERROR_TOO_LONG
from grading.regrade import regrade_job_mark_failed, regrade_job_resume_stuck, regrade_job_run
from grading.services import (
    submission_grade_record,
    submission_mark_error,
    submission_requeue_stuck,
)

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.GRADING_SOFT_TIME_LIMIT,
    time_limit=settings.GRADING_HARD_TIME_LIMIT,
    autoretry_for=(DatabaseError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def submission_grade_task(self, submission_id: int) -> None:  # type: ignore[no-untyped-def]
    changed: list[int] = []
    try:
        submission_grade_record(submission_id=submission_id, passbacks=changed)
    except SoftTimeLimitExceeded:
        submission_mark_error(submission_id=submission_id, detail="grading took too long")
        return
    # the new score, if it changed one an LMS holds, goes back to it (no query where no LMS is
    # involved: the outbox rows the verdict changed came back from recording it)
    passback_enqueue(changed)


def submission_grade_enqueue(submission_id: int) -> bool:
    """Hand a stored submission to the workers. With the broker down (Redis restarting) the
    submission stays stored and "queued"; beat's requeue sweep sends it once the broker is back,
    and the student sees "queued", not an error page.

    True when the task ran inline, here and now (Celery's eager mode: tests, a dev setting)."""
    try:
        result = submission_grade_task.delay(submission_id)
    except (OperationalError, ConnectionError, OSError):
        logger.warning("broker unavailable: submission %s waits for the sweep", submission_id)
        return False
    return isinstance(result, EagerResult)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def instance_worked_task(instance_id: int) -> None:
    """A new variant's worked solution and hints, derived off the student's request."""
    instance_worked_record(instance_id=instance_id)


def instance_worked_enqueue(instance_id: int) -> None:
    """Have a worker derive a variant's worked solution and hints. With the broker down nothing
    breaks: the result region derives what it shows when it is not kept (as for variants made
    before it was), and the next open of the problem sends it again."""
    try:
        instance_worked_task.delay(instance_id)
    except (OperationalError, ConnectionError, OSError):
        logger.warning("broker unavailable: instance %s's worked solution waits", instance_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def submission_requeue_stuck_task() -> list[int]:
    """Beat's sweep: submissions stuck in queued/grading are sent to the workers again."""
    requeued = submission_requeue_stuck()
    for submission_id in requeued:
        submission_grade_enqueue(submission_id)
    return requeued


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REGRADE_SOFT_TIME_LIMIT,
    time_limit=settings.REGRADE_SOFT_TIME_LIMIT + 30,
    autoretry_for=(DatabaseError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def regrade_job_run_task(job_id: int) -> None:
    try:
        regrade_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        regrade_job_mark_failed(job_id=job_id, detail=ERROR_TOO_LONG)
    # Scores the regrade changed, for the LMSs that hold them (in the outbox since each
    # submission's new verdict was recorded).
    passback_sweep_task.delay()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def regrade_job_resume_stuck_task() -> list[int]:
    """Beat's sweep: regrades whose worker died are sent again; each continues from its cursor."""
    return jobs_send(regrade_job_resume_stuck(), regrade_job_run_task)
