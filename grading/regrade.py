"""Regrade jobs: after an item's tolerance (or key) changes, grade its graded submissions again.

A job walks the item's graded submissions in id order and records, per submission, the new
verdict and score, the change (old -> new) if any, and its cursor, all in one transaction. A
second, redelivered or resumed run continues after the cursor, so no submission is regraded twice
by one job and no score is counted twice: a submission's score is replaced, never added to.
Each step beats the job's heartbeat; beat's sweep resumes a job whose heartbeat stopped (its
worker died: exercises/jobs.py).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from exercises.authoring.scoring import verdict_credit
from exercises.jobs import jobs_resume_stuck
from exercises.lti.services.passback import passback_record
from grading.engine import grade
from grading.models import ERROR_GAVE_UP, RegradeJob, Submission
from grading.services import instance_prepared, submission_score, submission_task, verdict_data


def _pending_ids(job: RegradeJob) -> list[int]:
    return list(
        Submission.objects.filter(
            instance__item_id=job.item_id, status=Submission.Status.GRADED, pk__gt=job.cursor
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def regrade_job_run(*, job_id: int) -> RegradeJob:
    """Run (or continue) a job; a finished job is returned unchanged."""
    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        if job.status == RegradeJob.Status.QUEUED:
            job.status = RegradeJob.Status.RUNNING
            job.started_at = timezone.now()
        job.total = job.done + len(_pending_ids(job))
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "started_at", "total", "heartbeat_at"])

    for submission_id in _pending_ids(job):
        submission = Submission.objects.select_related(
            "instance__item__grading_policy", "instance__student"
        ).get(pk=submission_id)
        # The engine runs outside any transaction: it is pure and may take a while.
        verdict = grade(
            submission_task(submission=submission),
            submission.answer,
            seed=submission.instance.seed,
            prepared=instance_prepared(instance=submission.instance),
        )
        credit = verdict_credit(
            verdict=verdict, vector_credit=submission.instance.item.vector_credit
        )
        new_score = submission_score(submission=submission, verdict=verdict)
        with transaction.atomic():
            job = RegradeJob.objects.select_for_update().get(pk=job_id)
            if job.cursor >= submission_id or job.finished:
                continue  # another run of this job got here first
            current = Submission.objects.select_for_update().get(pk=submission_id)
            if current.score != new_score or current.equivalent != verdict.equivalent:
                job.changes = [
                    *job.changes,
                    {
                        "submission": current.pk,
                        "student": submission.instance.student.get_username(),
                        "attempt": current.attempt,
                        "answer": current.answer,
                        "old_score": str(current.score),
                        "new_score": str(new_score),
                        "old_equivalent": current.equivalent,
                        "new_equivalent": verdict.equivalent,
                    },
                ]
            current.verdict = verdict_data(verdict=verdict, credit=credit)
            current.equivalent = verdict.equivalent
            current.method = verdict.method
            current.score = new_score
            current.graded_at = timezone.now()
            current.save(update_fields=["verdict", "equivalent", "method", "score", "graded_at"])
            passback_record(  # the LMS's copy of the new score
                student_id=submission.instance.student_id,
                set_id=submission.instance.item.problem_set_id,
            )
            job.done += 1
            job.cursor = submission_id
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["changes", "done", "cursor", "heartbeat_at"])

    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().get(pk=job_id)
        if not job.finished:
            job.status = RegradeJob.Status.DONE
            job.total = max(job.total, job.done)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "total", "finished_at"])
    return job


def regrade_job_mark_failed(*, job_id: int, detail: str) -> None:
    RegradeJob.objects.filter(pk=job_id).exclude(status=RegradeJob.Status.DONE).update(
        status=RegradeJob.Status.FAILED, error_detail=detail[:500], finished_at=timezone.now()
    )


def regrade_job_resume_stuck(*, now: datetime | None = None) -> list[int]:
    """The ids of unfinished jobs whose worker died, marked resumed, for the sweep task to send
    again (each continues from its cursor); one resumed too often is failed instead."""

    def give_up(job: RegradeJob) -> None:
        job.status, job.error_detail, job.finished_at = RegradeJob.Status.FAILED, ERROR_GAVE_UP, now
        job.save(update_fields=["status", "error_detail", "finished_at"])

    now = now or timezone.now()
    pending = RegradeJob.objects.filter(
        status__in=[RegradeJob.Status.QUEUED, RegradeJob.Status.RUNNING]
    )
    return jobs_resume_stuck(pending=pending, give_up=give_up, now=now)
