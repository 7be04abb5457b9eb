"""Beat schedules that send their sweep only when there is something to sweep.

A sweep sent every few seconds costs, each time, a message through the broker and a task in a
worker, whether or not it finds anything. `when_due` runs on beat's own clock like a plain
interval, but at each due time beat first asks a cheap question of the database itself (one
indexed query: is anything due?) and sends the task only when the answer is yes. So with no LMS
registered, or nothing pending, the sweep costs the workers and the broker nothing, and when
rows are due it is sent at the same interval as before: the retry guarantees are unchanged.

If the question cannot be answered (the database is down, or anything else fails), beat sends
the task as it always did: the worker's sweep is the judge, the question only saves its cost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import schedstate, schedule

logger = logging.getLogger(__name__)


def _anything_due(check: str) -> bool:
    """The answer of the function at dotted path `check` (True when it cannot be had)."""
    try:
        import django
        from django.apps import apps

        if not apps.ready:  # beat loads Django's settings, not always its apps
            django.setup()
        from django.db import close_old_connections, connection
        from django.utils.module_loading import import_string

        if not connection.in_atomic_block:  # (beat never is; a test's transaction is)
            close_old_connections()  # as around a request: a broken or too old one goes
        return bool(import_string(check)())
    except Exception:  # noqa: BLE001 (never stop beat; the task decides)
        logger.warning("beat could not ask %s; sending the sweep anyway", check, exc_info=True)
        return True


class when_due(schedule):  # noqa: N801 (named like Celery's own schedules)
    """Every `run_every`, but only when `check` (the dotted path of a function of no arguments
    that reads the database) says there is something to do; else asked again `run_every`
    later."""

    def __init__(
        self,
        run_every: float | timedelta | None = None,
        check: str = "",
        relative: bool = False,
        nowfun: Any = None,
        app: Any = None,
    ) -> None:
        super().__init__(run_every, relative=relative, nowfun=nowfun, app=app)
        self.check = check

    def is_due(self, last_run_at: datetime) -> tuple[bool, float]:
        state = super().is_due(last_run_at)
        if not state.is_due or not self.check or _anything_due(self.check):
            return state
        return schedstate(is_due=False, next=self.seconds)

    def __reduce__(self) -> tuple[Any, ...]:  # beat keeps its schedule in a shelve (pickle)
        return self.__class__, (self.run_every, self.check, self.relative, self.nowfun)

    def __eq__(self, other: Any) -> bool:
        return super().__eq__(other) and getattr(other, "check", None) == self.check

    def __hash__(self) -> int:
        return hash((self.run_every, self.check))

    def __repr__(self) -> str:
        return f"<freq: {self.human_seconds}, when {self.check}>"
