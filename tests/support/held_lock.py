"""Another request holding a row lock, in a thread of its own (PostgreSQL lock tests): it takes
the lock, says so, keeps it for a while, does its own work, then commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


@contextmanager
def other_request(
    lock: Callable[[], Any], work: Callable[[], Any], hold_s: float = 0.5
) -> Iterator[dict[str, Any]]:
    """Runs `lock()` then, `hold_s` later, `work()` in one transaction of a thread of its own,
    and yields once the lock is taken. On leaving: the thread is joined and any failure in it
    raised. The yielded dict holds `work`'s result ("result") and when it returned, before its
    commit released the lock ("done", time.monotonic())."""
    held = threading.Event()
    out: dict[str, Any] = {}
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                lock()
                held.set()
                time.sleep(hold_s)
                out["result"] = work()
                out["done"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 (raised in the test's thread below)
            failures.append(exc)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert held.wait(10), "the other request never took its lock"
        yield out
    finally:
        thread.join(10)
    if failures:
        raise failures[0]
