"""The slow page of tests/support/race_case.py (a module of its own: pytest imports the case
under another name than the URL resolver would, and the events must be one)."""

from __future__ import annotations

import threading
import time

from django.http import StreamingHttpResponse
from django.urls import path

from tests.support.budget import HANG_S

HOLD_S = 2.0
request_started = threading.Event()
test_ended = threading.Event()


def users(request):
    from django.contrib.auth.models import User

    def rows():
        for n, user in enumerate(User.objects.iterator(chunk_size=1)):
            if n == 0:  # the cursor is open now: hold it past the test's end
                request_started.set()
                test_ended.wait(HANG_S)
                time.sleep(HOLD_S)
            yield f"{user.username}\n".encode()

    return StreamingHttpResponse(rows(), content_type="text/plain")


urlpatterns = [path("users/", users)]
