"""A real Celery worker process grading through real Redis and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

from config.celery_app import app
from exercises.models import Submission
from exercises.services import submission_create, submission_requeue_stuck
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def broker(require_redis, require_postgres):
    """Point this process at Redis with a private queue, undo afterwards."""
    queue = f"grading-test-{uuid.uuid4().hex[:8]}"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=require_redis, task_default_queue=queue)
    app._pool = None  # reconnect with the new broker URL
    yield {"queue": queue, "redis": require_redis}
    app.conf.update(saved)
    app._pool = None


@pytest.fixture
def start_worker(broker):
    procs: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=broker["redis"],
            CELERY_QUEUE=broker["queue"],
            CELERY_TASK_ALWAYS_EAGER="false",
        )
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config.celery_app",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "-Q",
                broker["queue"],
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_graded(pk: int, timeout: float = 60.0) -> Submission:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sub = Submission.objects.get(pk=pk)
        if sub.status in ("graded", "error"):
            return sub
        time.sleep(0.05)
    raise AssertionError(
        f"submission {pk} still {Submission.objects.get(pk=pk).status} after {timeout}s"
    )


def test_worker_grades_a_submission_queued_on_commit(start_worker):
    worker = start_worker()
    inst = factories.toy_instance()
    # Warm-up: the first task pays for the worker's start and imports.
    first = submission_create(instance=inst, answer="x")
    assert _wait_graded(first.pk).status == "graded", worker
    started = time.monotonic()
    sub = submission_create(instance=inst, answer="3x^2 + y")
    graded = _wait_graded(sub.pk, timeout=10)
    elapsed = time.monotonic() - started
    assert (graded.status, graded.equivalent, graded.score) == ("graded", True, 2)
    assert elapsed < 1.0, f"graded in {elapsed:.2f}s"


def test_queued_message_survives_until_a_worker_starts(start_worker):
    inst = factories.toy_instance()
    sub = submission_create(instance=inst, answer="3x^2 + y")  # no worker yet: it waits in Redis
    time.sleep(0.3)
    assert Submission.objects.get(pk=sub.pk).status == "queued"
    start_worker()
    assert _wait_graded(sub.pk).equivalent is True


def test_requeue_recovers_a_lost_submission(start_worker, settings):
    settings.GRADING_STUCK_AFTER_SECONDS = 0
    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):  # the message is lost
        sub = submission_create(instance=inst, answer="3x^2 + y")
    Submission.objects.filter(pk=sub.pk).update(status="grading")  # its worker died mid-way
    start_worker()
    assert submission_requeue_stuck() == [sub.pk]
    graded = _wait_graded(sub.pk)
    assert (graded.status, graded.equivalent, graded.requeue_count) == ("graded", True, 1)
