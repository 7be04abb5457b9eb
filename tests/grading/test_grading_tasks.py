"""The Celery tasks are thin and configured to survive lost workers and slow grading."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from config.celery_app import app
from exercises.practice.services import submission_create
from grading.models import Submission
from grading.tasks import submission_grade_task, submission_requeue_stuck_task
from tests import factories


def test_grade_task_options():
    task = submission_grade_task
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert (task.soft_time_limit, task.time_limit) == (10, 15)
    assert task.max_retries == 5


def test_beat_schedules_the_requeue_task():
    entry = app.conf.beat_schedule["requeue-stuck-submissions"]
    assert entry["task"] == submission_requeue_stuck_task.name
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_grade_task_runs_the_service():
    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="3x^2+y")
    submission_grade_task.apply(args=(sub.pk,)).get()
    sub.refresh_from_db()
    assert (sub.status, sub.equivalent) == ("graded", True)


@pytest.mark.django_db
def test_soft_time_limit_marks_an_error_without_a_verdict():
    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="3x^2+y")
    with mock.patch("grading.tasks.submission_grade_record", side_effect=SoftTimeLimitExceeded()):
        submission_grade_task.apply(args=(sub.pk,)).get()
    sub.refresh_from_db()
    assert (sub.status, sub.verdict, sub.error_detail) == ("error", None, "grading took too long")
    assert Submission.objects.count() == 1
