"""Thin Celery tasks of the authoring room (the 50-seed check): ids in, time limits; the work is
in services."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from exercises.authoring.models import TemplateCheck
from exercises.authoring.services.checks import template_check_resume_stuck, template_check_run
from exercises.jobs import jobs_send


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=330,
    autoretry_for=(DatabaseError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def template_check_run_task(check_id: int) -> None:
    try:
        template_check_run(check_id=check_id)
    except SoftTimeLimitExceeded:
        TemplateCheck.objects.filter(pk=check_id).update(
            status=TemplateCheck.Status.FAILED,
            failures=[{"seed": 0, "problems": ["the check took over 300 s"]}],
        )


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def template_check_resume_stuck_task() -> list[int]:
    """Beat's sweep: checks whose worker died are sent again; each continues after seeds_done."""
    return jobs_send(template_check_resume_stuck(), template_check_run_task)
