"""Two answers of one student to one problem are numbered one after the other (PostgreSQL's
row lock on the instance; SQLite serializes writers by itself)."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from exercises.authoring.models import ProblemInstance
from exercises.practice.services import submission_create
from grading.models import Submission
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_submit_waits_for_the_instance_lock_and_takes_the_next_attempt(require_postgres):
    inst = factories.toy_instance(max_attempts=100)
    held = threading.Event()
    committed: dict[str, float] = {}
    failures: list[BaseException] = []

    def other_submit() -> None:
        # another request holding the instance's lock while it stores attempt 1
        try:
            with transaction.atomic():
                list(ProblemInstance.objects.select_for_update().filter(pk=inst.pk))
                held.set()
                time.sleep(0.5)
                Submission.objects.create(
                    instance=inst, attempt=1, answer="2x", queued_at=timezone.now()
                )
                # before the commit: the lock is released only after this
                committed["before"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 (reported by the test below)
            failures.append(exc)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_submit)
    thread.start()
    assert held.wait(10)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        mine = submission_create(instance=inst, answer="3x")
    finished = time.monotonic()
    thread.join(10)
    assert failures == []
    # without the lock it would have read no attempts, taken number 1 and hit the unique
    # constraint (an error page for the student)
    assert mine.attempt == 2
    assert finished > committed["before"]
    assert list(Submission.objects.order_by("attempt").values_list("attempt", "answer")) == [
        (1, "2x"),
        (2, "3x"),
    ]
