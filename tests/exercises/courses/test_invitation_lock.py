"""Two clicks on "Send invitations" at the same instant store one invitation per student
(PostgreSQL's row lock on the course; SQLite serializes writers by itself)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from exercises.courses.models import Course, Invitation
from exercises.courses.services.invitations import roster_invitations_queue
from exercises.courses.services.roster import roster_import
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROSTER = "name,email\nAnn Lee,ann@example.edu\nBen Kim,ben@example.edu\n"


def test_a_second_click_waits_for_the_first_and_queues_nothing_new(require_postgres):
    course = factories.course()
    roster_import(course=course, text=ROSTER)
    teacher = factories.user()
    held = threading.Event()
    failures: list[BaseException] = []
    first: dict[str, object] = {}

    def first_click() -> None:
        # the first click, between its lock and its commit
        try:
            with transaction.atomic():
                list(Course.objects.select_for_update().filter(pk=course.pk))
                held.set()
                time.sleep(0.5)
                first["queued"] = roster_invitations_queue(
                    course=course, site_url="http://testserver", requested_by=teacher
                )
        except BaseException as exc:  # noqa: BLE001 (reported by the test below)
            failures.append(exc)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=first_click)
    thread.start()
    assert held.wait(10)
    second = roster_invitations_queue(
        course=course, site_url="http://testserver", requested_by=teacher
    )
    thread.join(10)
    assert failures == []
    # without the lock the second click read no invitation and stored its own: two emails
    assert Invitation.objects.count() == 2
    assert second.ids == first["queued"].ids  # the first's, still waiting: sent once
