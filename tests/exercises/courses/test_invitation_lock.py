"""Two clicks on "Send invitations" at the same instant store one invitation per student
(PostgreSQL's row lock on the course; SQLite serializes writers by itself)."""

from __future__ import annotations

import pytest

from exercises.courses.models import Course, Invitation
from exercises.courses.services.invitations import roster_invitations_queue
from exercises.courses.services.roster import roster_import
from tests import factories
from tests.support.held_lock import other_request

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROSTER = "name,email\nAnn Lee,ann@example.edu\nBen Kim,ben@example.edu\n"


def test_a_second_click_waits_for_the_first_and_queues_nothing_new(require_postgres):
    course = factories.course()
    roster_import(course=course, text=ROSTER)
    teacher = factories.user()

    def click() -> object:
        return roster_invitations_queue(
            course=course, site_url="http://testserver", requested_by=teacher
        )

    def lock() -> None:  # the first click, between its lock and its commit
        list(Course.objects.select_for_update().filter(pk=course.pk))

    with other_request(lock, click) as first:
        second = click()
    # without the lock the second click read no invitation and stored its own: two emails
    assert Invitation.objects.count() == 2
    assert second.ids == first["result"].ids  # the first's, still waiting: sent once
