"""A database that is briefly unavailable gets a clear page, not a stack trace or a blank 500;
a request body larger than its URL takes is refused (413) before it is read."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone

from exercises.authoring.services.yaml_io import MAX_YAML_BYTES
from exercises.courses.services.roster import MAX_ROSTER_BYTES
from exercises.gradebook.lms import MAX_LMS_FILE_BYTES

logger = logging.getLogger(__name__)


class TimeZoneResetMiddleware:
    """Each request starts and ends in the site's time zone: a view of a course activates the
    course's (`exercises.courses.selectors.course_zone`) for its forms and dates, and that
    choice must not outlive the request in the worker thread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s", exception)
        # every write runs in a transaction, so nothing was half-written
        response = render(request, "errors/503.html", status=503)
        response["Retry-After"] = "10"
        return response


# The views that take an upload, by URL name, and the most their file may need; the form
# around it gets REQUEST_BODY_MAX_BYTES more. The roster's second step posts the checked text
# back percent-encoded, at most three bytes for each of the file's.
UPLOAD_BODY_BYTES = {
    "courses:course-roster-import": 3 * MAX_ROSTER_BYTES,
    "authoring:course-import": MAX_YAML_BYTES,
    "gradebook:course-grades-fill": MAX_LMS_FILE_BYTES,
}


def _declared_length(request: HttpRequest) -> int | None:
    """The body's length as the client announced it; None when it is not known in advance
    (chunked). A missing or malformed Content-Length is 0: Django then reads nothing."""
    length = request.META.get("CONTENT_LENGTH")
    if not length:
        return None if request.META.get("HTTP_TRANSFER_ENCODING") else 0
    try:
        return max(int(length), 0)
    except ValueError:
        return 0


def body_limit(request: HttpRequest) -> int:
    """The most this request's body may hold: small, unless a logged-in user posts to an
    upload view (or a staff member to the admin)."""
    small: int = settings.REQUEST_BODY_MAX_BYTES
    if not request.user.is_authenticated:
        return small
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return small
    if match.view_name in UPLOAD_BODY_BYTES:
        return small + UPLOAD_BODY_BYTES[match.view_name]
    if match.namespace == "admin" and request.user.is_staff:
        return max(small, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return small


class RequestBodyLimitMiddleware:
    """Refuses (413), before anything reads it, a body whose announced length (Content-Length)
    is more than its URL takes, and a body whose length is not announced (chunked)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length is None or length > settings.REQUEST_BODY_MAX_BYTES:
            limit = body_limit(request)
            if length is None or length > limit:
                return render(request, "errors/413.html", {"limit": limit}, status=413)
        return self.get_response(request)
