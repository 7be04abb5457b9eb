"""Two answers of one student to one problem are numbered one after the other (PostgreSQL's
row lock on the instance; SQLite serializes writers by itself)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.utils import timezone

from exercises.authoring.models import ProblemInstance
from exercises.practice.services import submission_create
from grading.models import Submission
from tests import factories
from tests.support.held_lock import other_request

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_submit_waits_for_the_instance_lock_and_takes_the_next_attempt(require_postgres):
    inst = factories.toy_instance(max_attempts=100)

    def first_attempt() -> None:  # another request storing attempt 1 under the instance's lock
        Submission.objects.create(instance=inst, attempt=1, answer="2x", queued_at=timezone.now())

    def lock() -> None:
        list(ProblemInstance.objects.select_for_update().filter(pk=inst.pk))

    with other_request(lock, first_attempt) as other:
        with mock.patch("grading.tasks.submission_grade_task.delay"):
            mine = submission_create(instance=inst, answer="3x")
        finished = time.monotonic()
    # without the lock it would have read no attempts, taken number 1 and hit the unique
    # constraint (an error page for the student)
    assert mine.attempt == 2
    assert finished > other["done"]
    assert list(Submission.objects.order_by("attempt").values_list("attempt", "answer")) == [
        (1, "2x"),
        (2, "3x"),
    ]
