"""Thin Celery tasks of the lti room: send a score from the outbox, and beat's sweep.

grading.tasks hands a graded submission's new scores here (passback_enqueue); with
the broker down nothing is lost: the rows stay in the outbox and the sweep sends them."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task

from exercises.broker import send_each
from exercises.lti.selectors import passbacks_due
from exercises.lti.services.passback import passback_send


@shared_task(acks_late=True, soft_time_limit=150, time_limit=180)
def passback_send_task(passback_id: int) -> str:
    return passback_send(passback_id=passback_id)


def passback_enqueue(passback_ids: Iterable[int]) -> None:
    """Hand rows to the workers; with the broker down they wait for the sweep."""
    send_each(passback_send_task, passback_ids, what="score")


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def passback_sweep_task() -> list[int]:
    """Beat's sweep: scores never sent, or failed and due again, go to the workers."""
    due = passbacks_due()
    passback_enqueue(due)
    return due
