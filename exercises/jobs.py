"""Background jobs that lose their worker are noticed and resumed (issue #12 item 9).

A long job (a regrade, a template check) beats a heartbeat after each step. A worker killed
mid-job leaves it "queued" or "running" with a heartbeat that stops; its broker message comes
back only after the broker's visibility timeout (minutes). Beat's sweep of each job kind
(grading.tasks, exercises.authoring.tasks) calls jobs_resume_stuck every JOB_SWEEP_SECONDS: a
job whose heartbeat is older than JOB_STUCK_AFTER_SECONDS is resumed (the sweep task sends it
to the workers again; the job continues from its own progress: a regrade from its cursor, a
check from seeds_done), and one resumed JOB_MAX_RESUMES times already is given up as failed
instead of looping. A run that is in fact still alive and gets a second one meanwhile is safe:
each step is recorded under the job's row lock, and a step already recorded is not done again.

Shared by the two kinds, whose models live in different rooms; it imports only Django.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class ResumableJob(models.Model):
    """A job's liveness: when its run last made progress, and how often the sweep resumed it."""

    heartbeat_at = models.DateTimeField(default=timezone.now)
    resume_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


Job = TypeVar("Job", bound=ResumableJob)


def jobs_resume_stuck(
    *,
    pending: models.QuerySet[Job],
    give_up: Callable[[Job], None],
    now: datetime | None = None,
) -> list[int]:
    """Of `pending` (the unfinished jobs of one kind), those whose heartbeat stopped: mark them
    resumed (a fresh heartbeat, one more resume) and return their ids, for the caller's task to
    send once this commits; `give_up(job)` saves as failed, under its row lock, a job already
    resumed JOB_MAX_RESUMES times."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_STUCK_AFTER_SECONDS)
    resumed: list[int] = []
    with transaction.atomic():
        stuck = pending.select_for_update(skip_locked=True).filter(heartbeat_at__lt=cutoff)
        for job in stuck:
            if job.resume_count >= settings.JOB_MAX_RESUMES:
                give_up(job)
                continue
            type(job).objects.filter(pk=job.pk).update(
                heartbeat_at=now, resume_count=F("resume_count") + 1
            )
            resumed.append(job.pk)
    return resumed


def jobs_send(job_ids: list[int], task: Any) -> list[int]:
    """For a sweep task, after its service committed: send each resumed job's run task."""
    for job_id in job_ids:
        task.delay(job_id)
    return job_ids
