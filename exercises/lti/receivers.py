"""Receivers of the signals that rooms below send (they may not import this room): connected
in LtiConfig.ready."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from exercises.authoring.signals import set_totals_changed
from exercises.lti.services.passback import passback_set_record
from exercises.lti.tasks import passback_enqueue


@receiver(set_totals_changed, dispatch_uid="lti-set-totals-changed")
def send_new_set_totals(*, problem_set_id: int, **kwargs: Any) -> None:
    """An item of the set was retired, added, removed or re-pointed: the LMSs get each
    student's new total (sent now; with the broker down, by beat's sweep)."""
    passback_enqueue(passback_set_record(set_id=problem_set_id))
