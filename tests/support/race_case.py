"""The teardown race of a live-server test, reproduced: run on its own (SQLite) by
tests/test_live_server_drain.py, with and without the drain of tests/support/live_server.py.

The first test leaves a request in the server (race_urls.py): a streamed list of users whose
cursor stays open until HOLD_S after the test ended (the flush that ends the test comes within
milliseconds; with the drain, which waits for the request, the request ends by itself first).
Without the drain the flush meets the open cursor ("database table is locked") and leaves the
test's rows; the second test then creates the same usernames.
"""

from __future__ import annotations

import threading
import urllib.request

import pytest

from tests.support.budget import HANG_S
from tests.support.race_urls import request_started, test_ended


@pytest.fixture
def two_users():
    from django.contrib.auth.models import User

    User.objects.create(username="ada")
    User.objects.create(username="grace")


@pytest.fixture
def slow_request_in_flight(live_server, two_users):
    """Starts the slow request and waits until the server is inside it; at teardown (before the
    live server's own), says that the test has ended."""
    thread = threading.Thread(
        target=lambda: urllib.request.urlopen(live_server.url + "/users/", timeout=HANG_S).read(),
        daemon=True,
    )
    thread.start()
    assert request_started.wait(HANG_S)
    yield
    test_ended.set()


@pytest.mark.urls("tests.support.race_urls")
def test_a_request_still_in_flight_when_the_test_ends(slow_request_in_flight):
    pass


def test_the_next_test_starts_from_an_empty_database(transactional_db, two_users):
    from django.contrib.auth.models import User

    assert User.objects.count() == 2
