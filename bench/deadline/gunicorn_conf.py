"""gunicorn hooks for the deadline bench (`gunicorn -c`): each sync worker appends, per request,
the CPU it spent on it (the process's CPU time from before the request is parsed to after the
response is written; a sync worker serves one request at a time) to BENCH_REQUEST_CPU_LOG.pid."""

from __future__ import annotations

import os
import time
from typing import Any

_LOG = os.environ.get("BENCH_REQUEST_CPU_LOG", "")
_out: dict[str, Any] = {}


def pre_request(worker: Any, req: Any) -> None:
    worker.bench_cpu0 = time.process_time()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if not _LOG:
        return
    used = time.process_time() - getattr(worker, "bench_cpu0", time.process_time())
    out = _out.get("file")
    if out is None:
        out = _out["file"] = open(f"{_LOG}.{os.getpid()}", "a", buffering=1)  # noqa: SIM115
    status = getattr(resp, "status_code", 0)
    out.write(f"{time.time():.4f} {req.method} {req.path} {status} {used * 1000:.3f}\n")
