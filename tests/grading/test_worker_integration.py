"""A real Celery worker process grading through real Redis (or the filesystem broker) and
PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

from config.celery_app import app
from exercises.gradebook.services import regrade_job_create
from exercises.practice.services import submission_create
from grading.models import RegradeJob, Submission
from grading.tasks import regrade_job_resume_stuck_task, submission_requeue_stuck_task
from tests import factories
from tests.support.budget import HANG_S

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
    if kind in ("redis", "private-redis"):
        fixture = "require_redis" if kind == "redis" else "private_redis"
        url = request.getfixturevalue(fixture)
        if kind == "private-redis":
            url = url.url
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
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    yield start
    # The test is over: nothing is asked of the worker any more, so it and its pool children are
    # killed at once. (A warm or cold shutdown waited 2.5-7 s per worker for billiard's pool
    # join and the broker's poll; its own session lets one signal reach the whole group.)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=HANG_S)


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
    graded = _wait_graded(sub.pk, timeout=HANG_S)
    elapsed = time.monotonic() - started
    assert (graded.status, graded.equivalent, graded.score) == ("graded", True, 2)
    # How fast is bench-deadline's question; here: graded by the worker, not left queued.
    assert elapsed < HANG_S, f"graded in {elapsed:.2f}s"


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
    assert submission_requeue_stuck_task() == [sub.pk]
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


def test_the_sweep_resumes_a_regrade_whose_worker_was_killed(start_worker, tmp_path, settings):
    """Issue #12 item 9: the whole worker is SIGKILLed mid-regrade, so its message waits in
    Redis for the visibility timeout (300 s here). Beat's sweep resumes the job with another
    worker long before, from its cursor: what the dead worker did is not done again."""
    settings.JOB_STUCK_AFTER_SECONDS = 0
    marker = tmp_path / "first-task-pid"
    dead = start_worker("tests.support.slow_worker", PC_TEST_SLOW_MARKER=str(marker))
    inst = factories.toy_instance()
    item, course = inst.item, inst.item.problem_set.course
    others = [
        factories.instance(for_item=item, for_student=factories.student(in_course=course))
        for _ in range(2)
    ]
    subs = [factories.graded(i, a) for i, a in zip([inst, *others], ["3x^2 + y", "x", "3x^2+y"])]
    job = regrade_job_create(item=item, requested_by=None)  # sent to the slow worker
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the worker never started the regrade"
    # as if the dead worker had regraded the first submission before it died
    RegradeJob.objects.filter(pk=job.pk).update(status="running", done=1, cursor=subs[0].pk)
    dead.kill()  # the main process first: nobody is left to hand the message back
    dead.wait(timeout=HANG_S)
    os.kill(int(marker.read_text()), signal.SIGKILL)
    start_worker()
    assert regrade_job_resume_stuck_task() == [job.pk]
    deadline = time.monotonic() + HANG_S
    while RegradeJob.objects.get(pk=job.pk).status != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.resume_count) == ("done", 3, 3, 1)
    graded_at = [Submission.objects.get(pk=s.pk).graded_at for s in subs]
    assert graded_at[0] == subs[0].graded_at  # the dead worker's share is not done again
    assert graded_at[1] > subs[1].graded_at and graded_at[2] > subs[2].graded_at


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and start."""

    def __init__(self, binary: str, port: int, folder: Path) -> None:
        self.binary, self.port, self.folder = binary, port, folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from tests.conftest import redis_available

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if redis_available(self.url):
                return
            time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    from tests.conftest import require_service

    binary = shutil.which("redis-server")
    require_service(
        "redis-server", binary is not None, "install it (apt-get install -y redis-server)."
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = PrivateRedis(str(binary), port, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("broker", ["private-redis"], indirect=True)
def test_redis_restart_during_a_burst_loses_nothing(start_worker, private_redis, settings):
    """Redis stops mid-burst and comes back: answers made meanwhile are stored as "queued"
    (no error page), and the sweep gets them graded once Redis is back; none graded twice."""
    settings.GRADING_STUCK_AFTER_SECONDS = 0
    start_worker()
    inst = factories.toy_instance(max_attempts=50)
    before = submission_create(instance=inst, answer="3x^2")
    assert _wait_graded(before.pk).status == "graded"

    private_redis.stop()
    _reset_connections()
    during = [submission_create(instance=inst, answer=f"{k}x^2 + y") for k in (4, 5, 6)]
    assert [Submission.objects.get(pk=s.pk).status for s in during] == ["queued"] * 3

    private_redis.start()
    _reset_connections()
    requeued = submission_requeue_stuck_task()
    assert sorted(requeued) == sorted(s.pk for s in during)
    graded = [_wait_graded(s.pk) for s in during]
    assert [(g.status, g.requeue_count) for g in graded] == [("graded", 1)] * 3
    assert Submission.objects.filter(instance=inst).count() == 4
