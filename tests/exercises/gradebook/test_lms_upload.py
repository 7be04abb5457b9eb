"""Hostile and odd gradebook files uploaded to the LMS round trip: every malformed file is
answered 400 with a message in the user's language, never a 500; odd but valid files (old Mac
line ends, UTF-16 without a byte order mark) are filled; the work is bounded."""

from __future__ import annotations

import base64
import csv
import html
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook import lms
from exercises.gradebook.lms import ExportColumn, ExportStudent, fill_lms_export
from tests import factories
from tests.support.budget import HANG_S

pytestmark = pytest.mark.django_db

HEADER = "Student,ID,SIS Login ID,Section,Week 1\r\n"
BEN = "Ben Lee,77,ben@example.edu,A,\r\n"
QUERY = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="


@pytest.fixture
def fill(client):
    """Posts a file to the round trip as the course's instructor; Ben has 2 points on Week 1."""
    course = factories.course(code="calc")
    prof = factories.user(username="prof")
    membership_create(course=course, user=prof, role=Membership.Role.INSTRUCTOR)
    ben = factories.student(in_course=course, username="ben@example.edu")
    week1 = factories.problem_set(in_course=course)
    week1.title_en = "Week 1"
    week1.save()
    factories.graded(
        factories.instance(for_item=factories.item(in_set=week1), for_student=ben), "3x^2 + y"
    )
    client.force_login(prof)
    url = reverse("gradebook:course-grades-fill", args=[course.pk]) + QUERY

    def post(content: bytes, language: str = "en"):
        client.cookies["django_language"] = language
        upload = SimpleUploadedFile("grades.csv", content, "text/csv")
        return client.post(url, {"gradebook": upload})

    return post


def error_of(response) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def filled_file(response) -> bytes:
    href = re.search(r'href="data:text/csv;base64,([^"]+)"', response.content.decode())
    return base64.b64decode(href.group(1))


def test_old_mac_line_ends_are_read_and_kept(fill):
    response = fill((HEADER + BEN).replace("\r\n", "\r").encode())
    assert response.status_code == 200
    assert "canvas file: 1 cell filled." in response.content.decode()
    assert (
        filled_file(response)
        == (HEADER + BEN).replace("\r\n", "\r").replace("A,\r", "A,2\r").encode()
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_with_or_without_bom_is_filled_in_its_own_encoding(fill, encoding):
    response = fill((HEADER + BEN).encode(encoding))
    assert response.status_code == 200, error_of(response)
    assert filled_file(response) == (HEADER + BEN.replace("A,\r", "A,2\r")).encode(encoding)


def test_a_header_only_file_is_filled_with_nothing_and_says_who_is_missing(fill):
    response = fill(HEADER.encode())
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "canvas file: 0 cells filled." in body
    assert "student 'ben@example.edu': not in the canvas file" in body


TOO_MANY_ROWS = HEADER + "x,1,x@example.edu,A,\r\n" * 100_000
A_LONG_CELL = HEADER + BEN + 'Kim,78,kim@example.edu,A,"' + "x" * 200_000 + '"\r\n'
AN_OPEN_QUOTE = HEADER + '"Kim,78,kim@example.edu,A,\r\n' + BEN * 8000

MALFORMED = [
    (
        b"   \r\n , \r\n",
        "the gradebook file is empty",
        "성적표 파일이 비어 있습니다",
    ),
    (
        bytes(range(256)) * 20,
        "the gradebook file is not UTF-8 or UTF-16 text",
        "성적표 파일이 UTF-8이나 UTF-16 텍스트가 아닙니다",
    ),
    (
        HEADER.encode() + b"Ben\x00,77\r\n",
        "the gradebook file contains null characters",
        "성적표 파일에 널 문자가 있어 CSV 파일이 아닙니다",
    ),
    (
        TOO_MANY_ROWS.encode(),
        "the gradebook file has more than 10000 rows",
        "성적표 파일의 행이 10000개를 넘습니다",
    ),
    (
        (HEADER.rstrip() + ",x" * 5000 + "\r\n").encode(),
        "row 1 has more than 1000 columns",
        "1행의 열이 1000개를 넘습니다",
    ),
    (
        ("Student," + "a" * 2000 + ",Section\r\n").encode(),
        "row 1, column 2: the column title is longer than 1000 characters",
        "1행 2열: 열 제목이 1000자보다 깁니다",
    ),
    (
        b"Name,Score\r\nKim,1\r\n",
        "not a Canvas, Moodle, Blackboard or Brightspace gradebook export header",
        "첫 줄이 Canvas, Moodle, Blackboard, Brightspace에서 내보낸 성적표의 열 이름이 아닙니다",
    ),
    (
        b"x" * (lms.MAX_LMS_FILE_BYTES + 1),
        "the gradebook file is larger than 5 MB",
        "성적표 파일이 5 MB보다 큽니다",
    ),
]


@pytest.mark.parametrize(
    ("content", "english", "korean"), MALFORMED, ids=[english[:40] for _, english, _ in MALFORMED]
)
def test_a_malformed_file_is_refused_with_a_message_in_the_users_language(
    fill, content, english, korean
):
    response = fill(content)
    assert response.status_code == 400
    assert english in error_of(response)
    response = fill(content, language="ko")
    assert response.status_code == 400
    assert korean in error_of(response)


def test_an_empty_upload_is_refused_by_the_form(fill):
    response = fill(b"")
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Bounded work. Titles and cells that made the header and row regexes backtrack (cubic for a
# Blackboard title of spaces, quadratic for a Canvas "Muted" cell) took minutes; HANG_S only
# catches such runaway work, it is no speed target.

STUDENTS = [ExportStudent(key="s1", name="Ben", username="ben", email="ben@example.edu")]
COLUMNS = [ExportColumn(key="p1", title="Week 1")]


@pytest.mark.parametrize(
    "text",
    [
        # Blackboard: every title 999 characters of spaces between two letters.
        "Last Name,First Name,Username,"
        + ",".join("a" + " " * 997 + "b" for _ in range(900))
        + "\r\n",
        # Brightspace: the same for "... Points Grade".
        "Username," + ",".join("a" + " " * 997 + "b" for _ in range(900)) + " Points Grade\r\n",
        # Canvas: rows whose first cell is 130000 spaces before a letter.
        HEADER + (" " * 130_000 + "x,77,ben,A,\r\n") * 30,
    ],
    ids=["blackboard-titles", "brightspace-titles", "canvas-cells"],
)
def test_long_runs_of_spaces_take_bounded_work(text):
    started = time.perf_counter()
    try:
        fill_lms_export(text, {}, students=STUDENTS, columns=COLUMNS)
    except lms.FillError:
        pass
    assert time.perf_counter() - started < HANG_S


def test_a_cell_longer_than_128_kib_is_read(fill):
    """An LMS export may carry long feedback: a cell is bounded by the file (5 MB), not by the
    csv module's default 128 KiB, which the module raised to the file's limit."""
    assert csv.field_size_limit() >= lms.MAX_LMS_FILE_BYTES
    response = fill(A_LONG_CELL.encode())
    assert response.status_code == 200, error_of(response)
    assert (
        filled_file(response)
        # the long cell needs no quotes, so the csv writer leaves them off
        == A_LONG_CELL.replace("ben@example.edu,A,\r", "ben@example.edu,A,2\r")
        .replace('"', "")
        .encode()
    )


CSV_PIECES = [
    HEADER,
    BEN,
    "Email address,First name,Quiz: Week 1 (Real)\n",
    "OrgDefinedId,Username,Week 1 Points Grade,End-of-Line Indicator\r\n",
    "Last Name,First Name,Username,Week 1 [Total Pts: 5 Score] |123\r\n",
    "    Points Possible,,,,5\r\n",
    "Muted",
    ",",
    ";",
    "\t",
    '"',
    "\r",
    "\n",
    "\r\n",
    " ",
    "\x00",
    "\ufeff",
    "김민지",
    "é",
    "ben@example.edu",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp949"]

uploads = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        lambda pieces, encoding: "".join(pieces).encode(encoding, errors="replace"),
        st.lists(st.one_of(st.sampled_from(CSV_PIECES), st.text(max_size=20)), max_size=60),
        st.sampled_from(ENCODINGS),
    ),
)


@settings(
    max_examples=150,
    deadline=None,  # wall-clock speed is bench/'s job; HANG_S below catches unbounded work
    derandomize=True,  # the same examples on every run, as in the answer fuzz tests
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=uploads)
def test_fuzzed_uploads_never_crash(fill, content):
    started = time.perf_counter()
    response = fill(content)  # the test client raises whatever the view does not catch
    assert time.perf_counter() - started < HANG_S
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        body = response.content.decode()
        assert error_of(response) or "errorlist" in body
