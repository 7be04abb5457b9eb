"""Celery app for tests: the first task sleeps, so that a test can kill the worker mid-task."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_prerun

from config.celery_app import app

__all__ = ["app"]


@task_prerun.connect
def _first_task_hangs(**_: Any) -> None:
    marker = os.environ.get("PC_TEST_SLOW_MARKER")
    if marker and not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))  # the pool process running the task
        time.sleep(60)
