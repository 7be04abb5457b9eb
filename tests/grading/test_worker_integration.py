"""A real Celery worker process grading through real Redis (or the filesystem broker) and
PostgreSQL."""

from __future__ import annotations

import os
import signal
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
def broker(request, require_postgres, tmp_path):
    """Point this process at a broker with a private queue (Redis unless parametrized with
    "filesystem", the mode `make run` falls back to without Redis); undo afterwards."""
    kind = getattr(request, "param", "redis")
    queue = f"grading-test-{uuid.uuid4().hex[:8]}"
    env: dict[str, str] = {"CELERY_QUEUE": queue}
    if kind == "redis":
        url = request.getfixturevalue("require_redis")
        options: dict[str, object] = {"visibility_timeout": 300}
    else:
        folder = tmp_path / "broker"
        for sub in ("", "-processed", "-control"):
            Path(f"{folder}{sub}").mkdir()
        url = "filesystem://"
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": f"{folder}-processed",
            "control_folder": f"{folder}-control",
            "store_processed": False,
            "polling_interval": 0.05,
        }
        env["CELERY_FILESYSTEM_DIR"] = str(folder)
    env["CELERY_BROKER_URL"] = url
    keys = ("task_always_eager", "broker_url", "task_default_queue", "broker_transport_options")
    saved = {k: app.conf[k] for k in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=url,
        task_default_queue=queue,
        broker_transport_options=options,
    )
    _reset_connections()
    yield {"queue": queue, "env": env}
    app.conf.update(saved)
    _reset_connections()


def _reset_connections() -> None:
    """Drop pooled broker connections and producers so the next send uses the new broker."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(broker):
    procs: list[subprocess.Popen[str]] = []

    def start(app_module: str = "config.celery_app", **extra_env: str) -> subprocess.Popen[str]:
        env = dict(os.environ, **extra_env)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=_database_url(),
            CELERY_TASK_ALWAYS_EAGER="false",
        )
        env.update(broker["env"])
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app_module,
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


@pytest.mark.parametrize("broker", ["filesystem"], indirect=True)
def test_worker_grades_without_redis_through_the_filesystem_broker(start_worker):
    start_worker()
    inst = factories.toy_instance()
    sub = submission_create(instance=inst, answer="3x^2 + y")
    graded = _wait_graded(sub.pk)
    assert (graded.status, graded.equivalent) == ("graded", True)


def test_a_killed_worker_process_loses_no_submission(start_worker, tmp_path):
    """acks_late + reject_on_worker_lost: the message of a task whose process died is
    delivered again and graded, not lost."""
    marker = tmp_path / "first-task-pid"
    start_worker("tests.support.slow_worker", PC_TEST_SLOW_MARKER=str(marker))
    inst = factories.toy_instance()
    sub = submission_create(instance=inst, answer="3x^2 + y")
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the worker never started the task"
    os.kill(int(marker.read_text()), signal.SIGKILL)
    graded = _wait_graded(sub.pk)
    assert (graded.status, graded.equivalent, graded.requeue_count) == ("graded", True, 0)
