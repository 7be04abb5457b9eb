"""`make run`: the development server plus a Celery worker; Ctrl-C stops both.

Uses Redis at REDIS_URL when it answers; otherwise kombu's filesystem transport in .run/broker,
so that a real worker process still grades without Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")


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
        broker_dir = ROOT / ".run" / "broker"
        broker_dir.mkdir(parents=True, exist_ok=True)
        (ROOT / ".run" / "broker-processed").mkdir(parents=True, exist_ok=True)
        (ROOT / ".run" / "broker-control").mkdir(parents=True, exist_ok=True)
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_FILESYSTEM_DIR"] = str(broker_dir)
        mode = (
            f"no Redis at {redis_url}: filesystem broker in {broker_dir} "
            "(a real worker still grades)"
        )

    worker = subprocess.Popen(  # noqa: S603
        [
            PY,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "-B",
            "--loglevel=INFO",
            "--concurrency=2",
            "-s",
            str(ROOT / ".run" / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
    )
    server = subprocess.Popen(  # noqa: S603
        [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], cwd=ROOT, env=env
    )
    time.sleep(1.5)
    print("\n" + "=" * 72)
    print(f"Partial Credit is running at http://{HOST}:{PORT}/")
    print(f"Grading worker: {mode}")
    print("Logins: student1, student2, student3, ta, instructor; password: partial-credit-demo")
    print("Site admin (/admin/, in no course): admin; same password")
    print("Press Ctrl-C to stop the server and the worker.")
    print("=" * 72 + "\n", flush=True)

    def stop(*_: object) -> None:
        for proc in (server, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        while server.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


if __name__ == "__main__":
    (ROOT / ".run").mkdir(exist_ok=True)
    sys.exit(main())
