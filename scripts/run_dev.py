"""`make run`: the development server, a Celery worker and Celery beat; Ctrl-C stops all three.

Uses Redis at REDIS_URL when it answers; otherwise kombu's filesystem transport in .run/broker,
so that a real worker process still grades without Redis.

The three run as separate children in one process group of their own (supervise): when one of
them exits, or this process is stopped, the whole group is stopped, and on Linux a child dies
with this process even when it is SIGKILLed. Beat runs under an exclusive lock
(.run/celerybeat.lock) that it holds for its lifetime, so two schedulers never run at once.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RUN = ROOT / ".run"
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "localhost", parsed.port or 6379), 1
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_open(host: str, port: int) -> bool:
    """Whether something accepts connections at host:port (the dev server, once it listens)."""
    try:
        with socket.create_connection((host, port), 0.5):
            return True
    except OSError:
        return False


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    redis_url = env.get("REDIS_URL", "redis://localhost:6379/0")
    if "CELERY_BROKER_URL" in env:
        mode = f"broker from CELERY_BROKER_URL ({env['CELERY_BROKER_URL']})"
    elif redis_reachable(redis_url):
        env["CELERY_BROKER_URL"] = redis_url
        mode = f"Redis at {redis_url}"
    else:
        broker_dir = RUN / "broker"
        broker_dir.mkdir(parents=True, exist_ok=True)
        (RUN / "broker-processed").mkdir(parents=True, exist_ok=True)
        (RUN / "broker-control").mkdir(parents=True, exist_ok=True)
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_FILESYSTEM_DIR"] = str(broker_dir)
        mode = (
            f"no Redis at {redis_url}: filesystem broker in {broker_dir} "
            "(a real worker still grades)"
        )

    banner = "\n".join(
        [
            "",
            "=" * 72,
            f"Partial Credit is running at http://{HOST}:{PORT}/",
            f"Grading worker: {mode}",
            "Logins: student1, student2, student3, ta, instructor; password: partial-credit-demo",
            "Site admin (/admin/, in no course): admin; same password",
            "Press Ctrl-C to stop the server, the worker and the scheduler.",
            "=" * 72,
            "",
        ]
    )
    print("Starting the server, the grading worker and the scheduler...", flush=True)
    return supervise(
        commands(RUN / "celerybeat-schedule"),
        env=env,
        banner=banner,
        ready=lambda: port_open(HOST, int(PORT)),
    )


def commands(schedule: Path) -> dict[str, list[str]]:
    """The children: the worker and beat as processes of their own (not `worker -B`, whose
    embedded scheduler outlives a killed worker and then runs twice beside the next one)."""
    celery = [PY, "-m", "celery", "-A", "config.celery_app"]
    return {
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [*celery, "beat", "--loglevel=INFO", "-s", str(schedule)],
        "server": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    }


class BeatLocked(Exception):
    """Another scheduler holds the beat lock: starting a second would send every periodic task
    twice."""


def beat_lock(path: Path) -> int:
    """An exclusive lock on `path`, held by the returned descriptor. The beat child inherits it,
    so the lock lasts as long as that scheduler does, whatever becomes of this process."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise BeatLocked(
            f"A Celery beat of another `make run` is still running (process group {holder}), "
            f"maybe left over from one that was killed. Stop it (kill -TERM -{holder}) and "
            "start again."
        ) from None
    return fd


def _die_with_parent(parent: int) -> Callable[[], None]:
    """Run in each child before it starts: Linux sends it SIGTERM when this process dies, even
    by SIGKILL, so no child outlives the supervisor (elsewhere, the beat lock still keeps a
    second scheduler from starting)."""

    def arm() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the supervisor died before the request took hold
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def supervise(
    children: dict[str, list[str]],
    *,
    env: dict[str, str],
    banner: str = "",
    lock_path: Path | None = None,
    grace: float = 10.0,
    ready: Callable[[], bool] | None = None,
) -> int:
    """Start `children` in one process group of their own and watch them; when one exits, or
    this process is interrupted (Ctrl-C, SIGTERM, SIGHUP), stop the whole group: SIGTERM, then
    SIGKILL after `grace` seconds, grandchildren (the worker's pool, runserver's) included.

    The child named "beat" runs only under the beat lock (`lock_path`); while another scheduler
    holds it nothing is started and the exit status is 2. `banner` is printed once `ready()`
    says so (the server accepts connections: a URL printed earlier would be refused if opened at
    once), or at once without `ready`."""
    lock_path = lock_path or RUN / "celerybeat.lock"
    try:
        lock = beat_lock(lock_path) if "beat" in children else None
    except BeatLocked as exc:
        print(exc, file=sys.stderr, flush=True)
        return 2
    procs: dict[str, subprocess.Popen[bytes]] = {}
    group = 0  # the first child leads a new process group; the others join it
    arm = _die_with_parent(os.getpid())

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    try:
        for name, argv in children.items():
            procs[name] = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                env=env,
                process_group=group,
                preexec_fn=arm,  # this process runs no threads, so preexec_fn is safe
                pass_fds=(lock,) if name == "beat" and lock is not None else (),
            )
            group = group or procs[name].pid
        if lock is not None:  # who holds the lock, for the message of a refused second start
            os.ftruncate(lock, 0)
            os.pwrite(lock, str(group).encode(), 0)
        shown = not banner
        while all(proc.poll() is None for proc in procs.values()):
            if not shown and (ready is None or ready()):
                print(banner, flush=True)
                shown = True
            time.sleep(0.2)
        exited = [name for name, proc in procs.items() if proc.poll() is not None]
        print(f"{', '.join(exited)} stopped: stopping the others.", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        _stop_group(group, procs.values(), grace)
        if lock is not None:
            os.close(lock)


def _stop_group(group: int, procs: Iterable[subprocess.Popen[bytes]], grace: float) -> None:
    if not group:
        return
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            break  # nobody left in the group
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass


if __name__ == "__main__":
    RUN.mkdir(exist_ok=True)
    sys.exit(main())
