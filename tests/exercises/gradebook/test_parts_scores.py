"""A multi-part problem's score everywhere staff and LMSs read it: the sum of its parts' best
(or last) scores, carried-forward credit included, with or without the late penalty."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.scoring import set_scores
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.selectors import export_scores, gradebook_rows, student_detail
from exercises.gradebook.services import earned_score
from exercises.lti.selectors import student_set_score
from tests import factories

pytestmark = pytest.mark.django_db

WRONG_FX = "7y/e^(x^2+y^2)"
RIGHT_FX = "7y(1-2x^2)/e^(x^2+y^2)"


@pytest.fixture
def late_parts():
    """Parts answered late: (a) wrong then right, (b) carried forward, (c) wrong then right."""
    inst = factories.parts_instance(
        points=Decimal("3"),
        due_at=timezone.now() - timedelta(hours=1),
        late_until=timezone.now() + timedelta(days=1),
        late_penalty=Decimal("0.5"),
    )
    factories.graded(inst, WRONG_FX, part=0)  # 0
    factories.graded(inst, "14/e^5", part=1)  # carried: 0.5 of 1 point, late: 0.25
    factories.graded(inst, RIGHT_FX, part=0)  # right, late: 0.50
    factories.graded(inst, "1", part=2)  # wrong: 0
    factories.graded(inst, "-7/e^2", part=2)  # right, late: 0.50
    return inst


def _set(inst):
    return inst.item.problem_set


def test_the_gradebook_and_drill_down_sum_the_parts_best(late_parts):
    course = _set(late_parts).course
    (row,) = gradebook_rows(course=course).rows
    (cell,) = row.cells
    assert (cell.score, cell.attempts, cell.solved) == (Decimal("1.25"), 5, False)
    assert row.set_totals[0].score == Decimal("1.25")
    detail = student_detail(course=course, student=late_parts.student)
    (entry,) = detail.sets[0].items
    assert (entry.earned, entry.parts, entry.score) == (Decimal("1.25"), 3, Decimal("1.25"))
    assert earned_score(item=late_parts.item, student=late_parts.student) == Decimal("1.25")


def test_the_lms_file_sums_the_parts_best_or_last_with_or_without_the_penalty(late_parts):
    course = _set(late_parts).course
    key = (str(late_parts.student_id), str(_set(late_parts).pk))
    expected = {
        ("best", True): "1.25",
        ("best", False): "2.50",  # 1 + 0.5 (carried, before the penalty) + 1
        ("last", True): "1.25",  # each part's last attempt: (a) right, (b), (c) right
        ("last", False): "2.50",
    }
    for (attempt, penalty), score in expected.items():
        data = export_scores(course=course, attempt=attempt, late_penalty=penalty)
        assert data.scores[key] == Decimal(score), (attempt, penalty)


def test_the_lti_passback_sends_the_parts_sum(late_parts):
    score = student_set_score(student_id=late_parts.student_id, problem_set_id=_set(late_parts).pk)
    assert (score.given, score.maximum, score.completed) == (Decimal("1.25"), Decimal("3"), True)


def test_set_scores_takes_each_parts_last_attempt_not_the_items():
    class Item:
        problem_set_id = 7
        points = Decimal("3")
        retired = False

    rows = [
        {"part": 0, "attempt": 1, "score": "1.00", "earned": "1.00", "equivalent": True},
        {"part": 1, "attempt": 1, "score": "0.50", "earned": "0.50", "equivalent": False},
        {"part": 1, "attempt": 2, "score": "0.00", "earned": "0.00", "equivalent": False},
        {"part": 2, "attempt": 3, "score": "0.00", "earned": "0.00", "equivalent": False},
    ]
    graded = [{**r, "instance__student_id": 1, "instance__item_id": 5} for r in rows]
    items = {5: Item()}
    assert set_scores(items=items, graded=graded, attempt="best") == {(1, 7): Decimal("1.50")}
    assert set_scores(items=items, graded=graded, attempt="last") == {(1, 7): Decimal("1.00")}
    # rows of a single-part item (no part, no earned) score as before
    single = [{k: v for k, v in r.items() if k not in ("part", "earned")} for r in graded]
    assert set_scores(items=items, graded=single, attempt="last") == {(1, 7): Decimal("0.00")}
    assert set_scores(items=items, graded=single, late_penalty=False) == {(1, 7): Decimal("3.00")}


def test_the_submissions_csv_names_the_part_and_the_carried_credit(client, late_parts):
    course = _set(late_parts).course
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    response = client.get(reverse("gradebook:course-submissions-csv", args=[course.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    got = sorted((r["part"], r["attempt"], r["score"], r["carried_forward"]) for r in rows)
    assert got == [
        ("a", "1", "0.00", ""),
        ("a", "2", "0.50", ""),
        ("b", "1", "0.25", "yes"),
        ("c", "1", "0.00", ""),
        ("c", "2", "0.50", ""),
    ]


def test_the_drill_down_page_shows_parts_and_carried_credit(client, late_parts):
    course = _set(late_parts).course
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    url = reverse("gradebook:course-gradebook-student", args=[course.pk, late_parts.student_id])
    page = client.get(url).content.decode()
    assert '<span class="part-letter">(b)</span> 1' in page
    assert "carried forward from (a): 50%" in page
    assert "3 parts: attempts and the best score are per part" in page


def test_common_wrong_answers_keep_each_part_apart(late_parts):
    from exercises.gradebook.selectors import common_wrong_answers

    found = common_wrong_answers(item=late_parts.item)
    # (a)'s wrong f_x, (b)'s carried value and (c)'s "1": three parts, three variants
    assert found.variants == 3
    assert sorted(g.answer for g in found.groups) == ["1", "14/e^5", WRONG_FX]
