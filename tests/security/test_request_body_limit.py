"""Request bodies larger than their URL takes are refused (413) before they are read
(config/middleware.py); the upload views still get files up to their own caps."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse

from exercises.authoring.services.yaml_io import MAX_YAML_BYTES, course_export_yaml
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.courses.services.roster import MAX_ROSTER_BYTES
from exercises.gradebook.lms import MAX_LMS_FILE_BYTES
from tests import factories

pytestmark = pytest.mark.django_db

SMALL = settings.REQUEST_BODY_MAX_BYTES
BOUNDARY = "----partial-credit-test"


class CountingInput(io.RawIOBase):
    """wsgi.input for a multipart body with a `size`-byte file part, made as it is read; counts
    the bytes handed out."""

    def __init__(self, size: int) -> None:
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="username"\r\n\r\nstudent3\r\n'
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def _bytes(self, start: int, stop: int) -> bytes:
        body_end = self.length - len(self.tail)
        zeros = max(0, min(stop, body_end) - max(start, len(self.head)))
        tail = self.tail[max(start, body_end) - body_end : max(stop, body_end) - body_end]
        return self.head[start:stop] + bytes(zeros) + tail

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.length - self.read_bytes)
        buffer[:n] = self._bytes(self.read_bytes, self.read_bytes + n)
        self.read_bytes += n
        return n


def _wsgi(path: str, body: CountingInput, **environ: str) -> tuple[str, bytes]:
    status_seen: list[str] = []
    env = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "198.51.100.1",
        # a CSRF cookie, as any client can have: without one the CSRF check refuses unread
        "HTTP_COOKIE": "csrftoken=" + "a" * 32,
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **environ,
    }
    chunks = WSGIHandler()(env, lambda status, headers: status_seen.append(status))
    return status_seen[0], b"".join(chunks)


def test_a_20_mb_post_to_the_login_page_is_refused_unread():
    body = CountingInput(20 * 1024 * 1024)
    status, page = _wsgi(reverse("login"), body)
    assert status.startswith("413")
    assert body.read_bytes == 0
    assert "This page takes at most 64" in page.decode()


def test_a_body_of_unannounced_length_is_refused_unread():
    body = CountingInput(1024)
    status, _page = _wsgi(
        reverse("login"), body, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert status.startswith("413")
    assert body.read_bytes == 0


def test_a_small_multipart_login_is_still_read():
    # the counting input itself: a body under the limit reaches the login form
    body = CountingInput(100)
    status, _page = _wsgi(reverse("login"), body)
    assert status.startswith("403")  # no CSRF token: it was read and checked
    assert body.read_bytes == body.length


@pytest.fixture
def instructor():
    course = factories.course()
    user = factories.user()
    membership_create(course=course, user=user, role=Membership.Role.INSTRUCTOR)
    client = Client()
    client.force_login(user)
    return {"course": course, "user": user, "client": client}


def _upload(client: Client, url: str, field: str, size: int, content: bytes = b""):
    data = content + b"#" * (size - len(content))
    return client.post(url, {field: SimpleUploadedFile("f.csv", data, "text/csv")})


def _upload_urls(course_pk: int) -> list[tuple[str, str, int]]:
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    return [
        # the roster's second step posts the checked text back percent-encoded
        (reverse("courses:course-roster-import", args=[course_pk]), "roster", 3 * MAX_ROSTER_BYTES),
        (reverse("authoring:course-import", args=[course_pk]), "file", MAX_YAML_BYTES),
        (
            reverse("gradebook:course-grades-fill", args=[course_pk]) + query,
            "gradebook",
            MAX_LMS_FILE_BYTES,
        ),
    ]


def test_a_yaml_file_as_large_as_its_cap_is_imported(instructor):
    course = instructor["course"]
    text = course_export_yaml(course=course).encode()
    url = reverse("authoring:course-import", args=[course.pk])
    done = _upload(instructor["client"], url, "file", MAX_YAML_BYTES, text + b"\n")
    assert done.status_code == 302
    assert done["Location"] == reverse("authoring:course-authoring", args=[course.pk])


def test_files_just_over_their_cap_reach_their_view_and_its_own_message(instructor):
    client, course = instructor["client"], instructor["course"]
    roster, _yaml, lms = _upload_urls(course.pk)
    assert roster[2] > MAX_ROSTER_BYTES
    refused = _upload(client, roster[0], roster[1], MAX_ROSTER_BYTES + 1, b"name,email\n")
    assert refused.status_code == 400
    assert "Save the roster as a UTF-8 CSV file (at most 1 MB)." in refused.content.decode()
    header = b"Student,ID,SIS Login ID,Section,Week 1\n"
    refused = _upload(client, lms[0], lms[1], MAX_LMS_FILE_BYTES + 1, header)
    assert refused.status_code == 400
    assert "the gradebook file is larger than 5 MB" in refused.content.decode()


def test_bodies_over_an_upload_views_cap_are_refused(instructor):
    for url, field, takes in _upload_urls(instructor["course"].pk):
        refused = _upload(instructor["client"], url, field, takes + SMALL + 1)
        assert refused.status_code == 413, url


def test_only_a_logged_in_user_may_send_an_upload_view_more_than_the_small_limit(instructor):
    for url, field, _cap in _upload_urls(instructor["course"].pk):
        assert _upload(Client(), url, field, SMALL + 1).status_code == 413, url


def test_forms_without_an_upload_take_only_the_small_limit(instructor):
    refused = instructor["client"].post(reverse("courses:course-join"), {"code": "x" * (SMALL + 1)})
    assert refused.status_code == 413
    client = Client()
    client.cookies["django_language"] = "ko"
    refused = client.post(reverse("login"), {"username": "x" * SMALL, "password": "y"})
    assert refused.status_code == 413
    assert "요청이 너무 큽니다" in refused.content.decode()
