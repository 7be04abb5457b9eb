"""A retired problem (taken out of a set after students opened it) counts for nothing for a
student without a score on it, and keeps counting for one who has a score: in the gradebook,
the LMS files and the LTI passback alike (exercises.authoring.scoring.item_counts)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories

pytestmark = pytest.mark.django_db

RIGHT, WRONG = "3x^2 + y", "3x^2"


@pytest.fixture
def klass(client):
    course = factories.course()
    instructor = factories.user()
    membership_create(course=course, user=instructor, role=Membership.Role.INSTRUCTOR)
    problem_set = factories.problem_set(in_course=course)
    kept = factories.item(in_set=problem_set, points=Decimal("2"))
    retired = factories.item(in_set=problem_set, points=Decimal("3"))
    ann, ben, cat = (factories.student(in_course=course, username=n) for n in ("ann", "ben", "cat"))
    factories.graded(factories.instance(for_item=kept, for_student=ann), RIGHT)
    factories.graded(factories.instance(for_item=retired, for_student=ann), RIGHT)  # 3 of 3
    factories.graded(factories.instance(for_item=kept, for_student=ben), RIGHT)  # never opens it
    factories.graded(factories.instance(for_item=kept, for_student=cat), WRONG)
    factories.instance(for_item=retired, for_student=cat)  # opened, never answered
    client.force_login(instructor)
    response = client.post(
        reverse("authoring:item-change", args=[retired.pk]), {"action": "retire"}
    )
    assert response.status_code == 302
    retired.refresh_from_db()
    assert retired.retired
    return {"course": course, "set": problem_set, "retired": retired, "client": client}


def _cells(html, username):
    """The set total and the total of a student's row, as the page shows them."""
    row = re.search(rf'<tr>\s*<th scope="row"[^>]*><a [^>]*>{username}</a>.*?</tr>', html, re.S)
    assert row is not None, username
    cell = r'class="(?:set-total|total)">([\d.]+) <span class="muted small">/ ([\d.]+)'
    return re.findall(cell, row.group(0))


def test_the_gradebook_leaves_a_retired_problem_out_unless_the_student_has_a_score(klass):
    html = (
        klass["client"]
        .get(reverse("gradebook:course-gradebook", args=[klass["course"].pk]))
        .content.decode()
    )
    assert 'data-status="retired"' in html  # its column says it is retired
    # the set's points possible: only the problem still in it
    assert re.search(r'Set 1 total</a> <span class="muted small">/ 2.00</span>', html)
    assert _cells(html, "ann") == [("5.00", "5.00"), ("5.00", "5.00")]  # keeps what she earned
    assert _cells(html, "ben") == [("2.00", "2.00"), ("2.00", "2.00")]  # never opened it
    assert _cells(html, "cat") == [("0.00", "2.00"), ("0.00", "2.00")]  # opened, no score


def test_the_student_drill_down_follows_the_same_rule(klass):
    cat = Membership.objects.get(course=klass["course"], user__username="cat").user
    html = (
        klass["client"]
        .get(reverse("gradebook:course-gradebook-student", args=[klass["course"].pk, cat.pk]))
        .content.decode()
    )
    assert "0.00 / 2.00" in html


def test_lms_files_leave_a_retired_problem_out_unless_the_student_has_a_score(klass):
    url = reverse("gradebook:course-grades-download", args=[klass["course"].pk])
    query = {"lms": "canvas", "attempt": "best", "late_penalty": "yes", "problem_set": ""}
    response = klass["client"].get(url, query)
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "2"
    scores = {row[0]: row[-1] for row in rows[2:]}
    # ann: 5 of her own 5 points is all of the column's 2; ben 2 of 2; cat 0 of 2
    assert scores == {"ann": "2", "ben": "2", "cat": "0"}
