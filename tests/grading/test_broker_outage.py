"""With the broker down, a submission is still stored, the student sees "queued", and the
requeue sweep sends it once the broker is back."""

from __future__ import annotations

import time

import pytest

from config.celery_app import app
from exercises.practice.services import submission_create
from grading.models import Submission
from grading.tasks import submission_requeue_stuck_task
from tests import factories
from tests.support.budget import HANG_S

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


@pytest.fixture
def broker_down():
    """Point the Celery app at a broker that refuses connections, for real (no mocks)."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = DEAD_BROKER, False  # tests run eager
    _drop_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _drop_connections()


def _drop_connections() -> None:
    # Celery keeps pooled connections and producers; drop them so the next send dials anew
    app._pool = None
    app.amqp._producer_pool = None


def test_submit_with_the_broker_down_stores_and_says_queued(
    broker_down, django_capture_on_commit_callbacks
):
    inst = factories.toy_instance()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_create(instance=inst, answer="3x^2 + y")
    assert time.monotonic() - started < HANG_S  # the request does not hang on the broker
    sub.refresh_from_db()
    assert sub.status == Submission.Status.QUEUED
    assert Submission.objects.count() == 1


def test_the_sweep_picks_it_up_later(broker_down, django_capture_on_commit_callbacks, settings):
    inst = factories.toy_instance()
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_create(instance=inst, answer="3x^2 + y")
    settings.GRADING_STUCK_AFTER_SECONDS = 0  # it is stuck from now on
    requeued = submission_requeue_stuck_task()  # still down: stays queued, no error
    assert requeued == [sub.pk]
    sub.refresh_from_db()
    assert (sub.status, sub.requeue_count) == (Submission.Status.QUEUED, 1)
