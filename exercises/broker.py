"""Handing stored work to the workers while the broker may be down (Redis restarting).

The work itself is stored first (an outbox row, an invitation); a task message only says "do
row N". When the broker refuses a message the row stays stored, and what sends it again (beat's
sweep, the next click) finds it: nothing is lost, and the caller carries on.

Shared by the rooms' task modules; it imports only kombu.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# what sending a task message raises while the broker cannot take it
BROKER_DOWN = (OperationalError, ConnectionError, OSError)


def send_each(task: Any, ids: Iterable[int], *, what: str) -> int:
    """`task.delay(id)` for each id in order, until the broker refuses one: that one and the
    rest stay stored and wait. How many were handed. `what` names the rows in the log line
    ("broker unavailable: <what> <id> waits")."""
    handed = 0
    for row_id in ids:
        try:
            task.delay(row_id)
        except BROKER_DOWN:
            logger.warning("broker unavailable: %s %s waits", what, row_id)
            break
        handed += 1
    return handed
