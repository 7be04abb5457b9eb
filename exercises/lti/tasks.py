"""Thin Celery tasks of the lti room: send a score from the outbox, and beat's sweep.

grading.tasks hands a graded submission's new scores here (passback_enqueue); with
the broker down nothing is lost: the rows stay in the outbox and the sweep sends them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task
from kombu.exceptions import OperationalError

from exercises.lti.selectors import passbacks_due
from exercises.lti.services.passback import passback_send

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=150, time_limit=180)
def passback_send_task(passback_id: int) -> str:
    return passback_send(passback_id=passback_id)


def passback_enqueue(passback_ids: Iterable[int]) -> None:
    """Hand rows to the workers; with the broker down they wait for the sweep."""
    for passback_id in passback_ids:
        try:
            passback_send_task.delay(passback_id)
        except (OperationalError, ConnectionError, OSError):
            logger.warning("broker unavailable: score %s waits for the sweep", passback_id)
            return


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def passback_sweep_task() -> list[int]:
    """Beat's sweep: scores never sent, or failed and due again, go to the workers."""
    due = passbacks_due()
    passback_enqueue(due)
    return due
