"""Thin Celery tasks: ids in, time limits, acks late, retries; the work is in services."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from exercises.services import submission_requeue_stuck
from grading.regrade import regrade_job_mark_failed, regrade_job_run
from grading.services import submission_grade_record, submission_mark_error


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
    try:
        submission_grade_record(submission_id=submission_id)
    except SoftTimeLimitExceeded:
        submission_mark_error(submission_id=submission_id, detail="grading took too long")


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def submission_requeue_stuck_task() -> int:
    return len(submission_requeue_stuck())


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
        regrade_job_mark_failed(job_id=job_id, detail="the regrade took too long")
