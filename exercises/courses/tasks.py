"""Thin Celery tasks of the courses room: send a stored invitation email, retried while the
mail server refuses (exercises.courses.services.invitations)."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task

from exercises.broker import send_each
from exercises.courses.services.invitations import MAX_TRIES, InvitationNotSent, invitation_send


@shared_task(
    acks_late=True,
    autoretry_for=(InvitationNotSent,),
    max_retries=MAX_TRIES,  # the service marks it failed after MAX_TRIES sends, before this
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    soft_time_limit=60,
    time_limit=90,
)
def invitation_send_task(invitation_id: int) -> str:
    return invitation_send(invitation_id=invitation_id)


def invitations_enqueue(invitation_ids: Iterable[int]) -> int:
    """Hand stored invitations to the workers; how many were handed (the rest stay pending and
    go with the next click, which sends the waiting ones again)."""
    return send_each(invitation_send_task, invitation_ids, what="invitation")
