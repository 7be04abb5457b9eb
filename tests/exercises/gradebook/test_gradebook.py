"""The gradebook: instructors and TAs only, best score per item, constant queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.selectors import gradebook_rows
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_with_scores():
    c = factories.course()
    ta = factories.user(username="ta")
    membership_create(course=c, user=ta, role=Membership.Role.TA)
    ps = factories.problem_set(in_course=c)
    first, second = factories.item(in_set=ps), factories.item(in_set=ps, points=Decimal("3"))
    ann = factories.student(in_course=c, username="ann")
    ben = factories.student(in_course=c, username="ben")
    factories.graded(factories.instance(for_item=first, for_student=ann), "x")
    factories.graded(factories.instance(for_item=first, for_student=ann), "3x^2 + y")
    factories.graded(factories.instance(for_item=second, for_student=ben), "3x^2 + y")
    return {"course": c, "ta": ta, "ann": ann, "ben": ben, "set": ps}


def test_gradebook_rows_hold_best_scores(course_with_scores):
    book = gradebook_rows(course=course_with_scores["course"])
    assert [r.student.username for r in book.rows] == ["ann", "ben"]
    assert [r.scores for r in book.rows] == [[Decimal("2.00"), None], [None, Decimal("3.00")]]
    assert [r.total for r in book.rows] == [Decimal("2.00"), Decimal("3.00")]
    assert book.max_total == Decimal("5.00")


def test_ta_sees_the_gradebook_with_constant_queries(client, course_with_scores):
    client.force_login(course_with_scores["ta"])
    url = reverse("gradebook:course-gradebook", args=[course_with_scores["course"].pk])
    with CaptureQueriesContext(connection) as few:
        body = client.get(url).content.decode()
    assert '<th scope="row">ann</th>' in body
    for _ in range(3):
        student = factories.student(in_course=course_with_scores["course"])
        factories.item(in_set=course_with_scores["set"])
        factories.graded(
            factories.instance(
                for_item=factories.item(in_set=course_with_scores["set"]), for_student=student
            ),
            "x",
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_students_and_outsiders_get_404(client, course_with_scores):
    url = reverse("gradebook:course-gradebook", args=[course_with_scores["course"].pk])
    client.force_login(course_with_scores["ann"])
    assert client.get(url).status_code == 404
    client.force_login(factories.user())
    assert client.get(url).status_code == 404


def test_dashboard_links_the_gradebook_for_staff_only(client, course_with_scores):
    url = reverse("gradebook:course-gradebook", args=[course_with_scores["course"].pk])
    client.force_login(course_with_scores["ta"])
    assert url in client.get(reverse("practice:dashboard")).content.decode()
    client.force_login(course_with_scores["ann"])
    assert url not in client.get(reverse("practice:dashboard")).content.decode()


def test_cells_carry_attempts_and_items_their_statistics(course_with_scores):
    book = gradebook_rows(course=course_with_scores["course"])
    assert [[(c.attempts, c.solved) for c in r.cells] for r in book.rows] == [
        [(2, True), (0, False)],
        [(0, False), (1, True)],
    ]
    assert [(s.attempted, s.correct, s.median_attempts) for s in book.stats] == [
        (1, 1, 2),
        (1, 1, 1),
    ]


def test_gradebook_page_shows_statistics_and_links_wrong_answers(client, course_with_scores):
    client.force_login(course_with_scores["ta"])
    course = course_with_scores["course"]
    body = client.get(reverse("gradebook:course-gradebook", args=[course.pk])).content.decode()
    assert '<th scope="row">Median attempts</th><td>2</td><td>1</td>' in body
    assert '2.00 <span class="muted small">(2)</span>' in body
    first = course_with_scores["set"].items.order_by("id")[0]
    assert reverse("gradebook:item-wrong-answers", args=[first.pk]) in body
