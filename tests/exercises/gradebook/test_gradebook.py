"""The gradebook: instructors and TAs only, best score per item, constant queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.courses.models import Membership, StudentProfile
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
    assert [[t.score for t in r.set_totals] for r in book.rows] == [
        [Decimal("2.00")],
        [Decimal("3.00")],
    ]
    assert book.max_total == Decimal("5.00")


def test_ta_sees_the_gradebook_with_constant_queries(client, course_with_scores):
    client.force_login(course_with_scores["ta"])
    url = reverse("gradebook:course-gradebook", args=[course_with_scores["course"].pk])
    with CaptureQueriesContext(connection) as few:
        body = client.get(url).content.decode()
    ann = course_with_scores["ann"]
    drill_down = reverse(
        "gradebook:course-gradebook-student", args=[course_with_scores["course"].pk, ann.pk]
    )
    assert f'<th scope="row" class="sticky"><a href="{drill_down}">ann</a></th>' in body
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
    assert (
        '<th scope="row" class="sticky">Median attempts</th><td></td><td>2</td><td>1</td>' in body
    )
    assert '2.00 <span class="muted small">(2)</span>' in body
    first = course_with_scores["set"].items.order_by("id")[0]
    assert reverse("gradebook:item-wrong-answers", args=[first.pk]) in body


def _named(user, first, last, student_id):
    user.first_name, user.last_name = first, last
    user.save()
    StudentProfile.objects.create(user=user, student_id=student_id)


def test_rows_show_roster_names_and_ids_and_sort_and_filter(client, course_with_scores):
    world = course_with_scores
    _named(world["ann"], "Ann", "Lee", "2024-002")
    _named(world["ben"], "Ben", "Kim", "2024-001")
    course = world["course"]
    book = gradebook_rows(course=course)
    assert [(r.name, r.student_id) for r in book.rows] == [
        ("Ann Lee", "2024-002"),
        ("Ben Kim", "2024-001"),
    ]
    assert [r.name for r in gradebook_rows(course=course, sort="student_id").rows] == [
        "Ben Kim",
        "Ann Lee",
    ]
    assert [r.name for r in gradebook_rows(course=course, sort="total", descending=True).rows] == [
        "Ben Kim",
        "Ann Lee",
    ]
    first = book.columns[0].item
    by_first = gradebook_rows(course=course, sort=f"item-{first.pk}", descending=True)
    assert [r.name for r in by_first.rows] == ["Ann Lee", "Ben Kim"]  # 2.00 before none
    assert [r.name for r in gradebook_rows(course=course, query="2024-001").rows] == ["Ben Kim"]
    assert [r.name for r in gradebook_rows(course=course, query="LEE").rows] == ["Ann Lee"]
    assert gradebook_rows(course=course, query="nobody").rows == []
    # the same through the page, without JavaScript: a GET form and plain links
    client.force_login(world["ta"])
    url = reverse("gradebook:course-gradebook", args=[course.pk])
    body = client.get(url, {"q": "kim", "sort": "nonsense", "order": "sideways"}).content.decode()
    assert "Ben Kim" in body and "Ann Lee" not in body and "2024-001" in body
    assert client.get(url, {"q": "x" * 5000}).status_code == 200  # too long: no filter, no 500


def test_two_sets_with_one_title_are_told_apart(client, course_with_scores):
    world = course_with_scores
    twin = factories.problem_set(in_course=world["course"])  # the same title "Set"
    factories.item(in_set=twin)
    book = gradebook_rows(course=world["course"])
    assert [g.number for g in book.groups] == [1, 2]
    assert [c.label for c in book.columns] == ["1.1", "1.2", "2.1"]
    client.force_login(world["ta"])
    body = client.get(reverse("gradebook:course-gradebook", args=[world["course"].pk])).content
    body = body.decode()
    assert "Set 1 · Set" in body and "Set 2 · Set" in body
    assert "Set 1 total" in body and "Set 2 total" in body


def test_distributions_count_students_per_fifth_of_the_points(course_with_scores):
    book = gradebook_rows(course=course_with_scores["course"])
    [(group, set_chart, item_charts)] = book.set_distributions()
    # ann: 2 of 5 points (40 %: the third fifth); ben: 3 of 5 (60 %: the fourth)
    assert set_chart.counts == [0, 0, 1, 1, 0]
    # item 1 (2 points): ann 2.00 -> the top fifth; ben has none. Item 2: ben 3/3.
    assert [c.counts for c in item_charts] == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]
    assert [bar["height"] for bar in set_chart.bars] == [0, 0, 56, 56, 0]
