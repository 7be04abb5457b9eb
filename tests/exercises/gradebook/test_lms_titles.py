"""The export page offers the whole course, and LMS files do not change with the UI language."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.exercises.gradebook.test_lms_views import _download, course_scores  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _korean(course_scores):  # noqa: F811
    week1 = course_scores["week1"]
    week1.title_ko = "1주차"
    week1.save()
    return week1


def test_the_export_form_offers_the_whole_course_first(client, course_scores):  # noqa: F811
    client.force_login(course_scores["prof"])
    url = reverse("gradebook:course-grades-export", args=[course_scores["course"].pk])
    body = client.get(url).content.decode()
    select = re.search(r'<select name="problem_set"[^>]*>(.*?)</select>', body, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options[0] == ("", "All problem sets of the course")
    assert [title for _, title in options[1:]] == ["Week 1", "Week 2"]


def test_columns_keep_their_title_in_the_korean_ui(client, course_scores):  # noqa: F811
    _korean(course_scores)
    client.force_login(course_scores["prof"])
    client.cookies["django_language"] = "ko"
    _, canvas = _download(client, course_scores["course"], lms="canvas")
    assert canvas.splitlines()[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Week 1"


def test_a_file_with_the_korean_title_is_filled(client, course_scores):  # noqa: F811
    """A column exported under the set's Korean title (before titles were fixed) still
    matches, whatever the UI language of the fill."""
    _korean(course_scores)
    client.force_login(course_scores["prof"])
    original = (
        "Student,ID,SIS User ID,SIS Login ID,Section,1주차\r\n"
        "    Points Possible,,,,,5\r\n"
        "Ben Lee,77,2024002,ben@example.edu,A,\r\n"
    )
    url = reverse("gradebook:course-grades-fill", args=[course_scores["course"].pk])
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    for language in ("en", "ko"):
        client.cookies["django_language"] = language
        upload = SimpleUploadedFile("canvas.csv", original.encode(), "text/csv")
        response = client.post(url + query, {"gradebook": upload})
        assert response.status_code == 200
        href = re.search(r'href="data:text/csv;base64,([^"]+)"', response.content.decode())
        filled = base64.b64decode(href.group(1)).decode()
        assert filled.splitlines()[2] == "Ben Lee,77,2024002,ben@example.edu,A,5"
