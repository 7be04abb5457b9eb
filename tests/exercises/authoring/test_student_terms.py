"""A student's terms on an item (exercises.authoring.terms) and how overrides and excused
problems change the sums (exercises.authoring.scoring)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from exercises.authoring.models import ScoreOverride, StudentException
from exercises.authoring.scoring import (
    item_counts,
    own_points,
    scaled_to_full,
    scored_pairs,
    set_points,
    set_scores,
)
from exercises.authoring.terms import Adjustments, standing_of, student_standing, terms_of
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _item(**kw):
    return factories.item(in_set=factories.problem_set(in_course=factories.course()), **kw)


def test_without_an_exception_the_items_own_terms_hold():
    item = _item(due_at=NOW, late_until=NOW + timedelta(days=2), max_attempts=3)
    terms = terms_of(item)
    assert (terms.due_at, terms.closes_at, terms.max_attempts) == (
        NOW,
        NOW + timedelta(days=2),
        3,
    )
    assert not terms.extended and not terms.excused
    assert terms.late(NOW + timedelta(days=1)) and not terms.closed(NOW + timedelta(days=1))
    assert terms.closed(NOW + timedelta(days=3))


@pytest.mark.parametrize(
    ("exception", "due", "closes", "attempts"),
    [
        # a later due date beyond the item's late window: the window is gone
        ({"due_at": 5}, 5, 5, 3),
        # a due date inside the item's late window: the window still ends when it did
        ({"due_at": 1}, 1, 2, 3),
        # a late window of its own
        ({"due_at": 5, "late_until": 7}, 5, 7, 3),
        ({"late_until": 4}, 0, 4, 3),
        # attempts alone
        ({"max_attempts": 6}, 0, 2, 6),
        ({"max_attempts": 1}, 0, 2, 1),
    ],
)
def test_an_exception_moves_dates_and_attempts(exception, due, closes, attempts):
    item = _item(due_at=NOW, late_until=NOW + timedelta(days=2), max_attempts=3)
    values = {
        k: NOW + timedelta(days=v) if k != "max_attempts" else v for k, v in exception.items()
    }
    terms = terms_of(item, StudentException(**values))
    assert terms.due_at == NOW + timedelta(days=due)
    assert terms.closes_at == NOW + timedelta(days=closes)
    assert terms.max_attempts == attempts
    assert terms.extended


def test_standing_reads_the_exception_and_override_in_one_query(django_assert_num_queries):
    item = _item(due_at=NOW, max_attempts=3)
    student = factories.user()
    with django_assert_num_queries(1):
        nothing = student_standing(item=item, student_id=student.pk)
    assert nothing.override is None and nothing.terms == terms_of(item)
    StudentException.objects.create(item=item, student=student, max_attempts=5, excused=True)
    ScoreOverride.objects.create(item=item, student=student, score=Decimal("1.5"), reason="oral")
    with django_assert_num_queries(1):
        standing = student_standing(item=item, student_id=student.pk)
    assert standing.override == Decimal("1.50")
    assert standing.terms.max_attempts == 5 and standing.terms.excused
    other = student_standing(item=item, student_id=factories.user().pk)
    assert other.override is None and other.terms.max_attempts == 3


def test_the_result_regions_instance_carries_the_same_standing_without_a_query(
    django_assert_num_queries,
):
    """student_result_instances reads the terms and override with the instance (the submit
    and the polled region); standing_of gives what student_standing would."""
    from exercises.practice.selectors import student_result_instances

    instance = factories.toy_instance(max_attempts=3)
    item, student = instance.item, instance.student

    def read():
        found = student_result_instances(user=student).get(pk=instance.pk)
        with django_assert_num_queries(0):
            return standing_of(instance=found)

    assert read() == student_standing(item=item, student_id=student.pk)
    assert read().override is None and read().terms == terms_of(item)
    due = NOW + timedelta(days=9)
    StudentException.objects.create(item=item, student=student, due_at=due, max_attempts=5)
    ScoreOverride.objects.create(item=item, student=student, score=Decimal("1.5"), reason="oral")
    other = factories.user()
    StudentException.objects.create(item=item, student=other, max_attempts=9, excused=True)
    standing = read()
    assert standing == student_standing(item=item, student_id=student.pk)
    assert standing.override == Decimal("1.50")
    assert (standing.terms.due_at, standing.terms.max_attempts) == (due, 5)
    assert standing.terms.extended and not standing.terms.excused  # the other's is not read
    assert standing_of(instance=instance) is None  # read without them: the caller asks


ITEMS = {
    1: SimpleNamespace(problem_set_id=10, points=Decimal("2"), retired=False),
    2: SimpleNamespace(problem_set_id=10, points=Decimal("3"), retired=False),
}


def _row(student, item, attempt, score, equivalent=True):
    return {
        "instance__student_id": student,
        "instance__item_id": item,
        "attempt": attempt,
        "score": Decimal(score),
        "equivalent": equivalent,
    }


def test_an_override_replaces_the_earned_score_and_excused_items_count_nothing():
    graded = [_row(7, 1, 1, "2.00"), _row(7, 2, 1, "0.00", False), _row(8, 1, 1, "1.00")]
    plain = set_scores(items=ITEMS, graded=graded)
    assert plain == {(7, 10): Decimal("2.00"), (8, 10): Decimal("1.00")}
    adjustments = Adjustments(
        overrides={(7, 2): Decimal("2.50"), (9, 1): Decimal("1.00")}, excused=frozenset({(8, 1)})
    )
    adjusted = set_scores(items=ITEMS, graded=graded, adjustments=adjustments)
    # 7: 2.00 + the override 2.50; 8: their only item excused; 9: an override with no attempt
    assert adjusted == {(7, 10): Decimal("4.50"), (9, 10): Decimal("1.00")}
    # the override holds without the late penalty too (it is what the instructor gave)
    assert set_scores(items=ITEMS, graded=graded, adjustments=adjustments, late_penalty=False)[
        (7, 10)
    ] == Decimal("4.50")
    scored = scored_pairs(graded=graded, adjustments=adjustments)
    assert own_points(items=ITEMS, students=[7, 8, 9], scored=scored, adjustments=adjustments) == {
        (7, 10): Decimal("5"),
        (8, 10): Decimal("3"),
        (9, 10): Decimal("5"),
    }


def test_a_score_out_of_fewer_points_is_the_same_share_of_the_column():
    assert scaled_to_full(given=Decimal("3"), full=Decimal("5"), own=Decimal("5")) == Decimal("3")
    # 1.5 of the 3 points left is half: 2.50 of 5
    assert scaled_to_full(given=Decimal("1.5"), full=Decimal("5"), own=Decimal("3")) == Decimal(
        "2.50"
    )
    # a scored retired item of 2 points on top of the column's 5: 3.5 of 7 is half, 2.50 of 5
    assert scaled_to_full(given=Decimal("3.5"), full=Decimal("5"), own=Decimal("7")) == Decimal(
        "2.50"
    )
    assert scaled_to_full(given=Decimal("0"), full=Decimal("5"), own=Decimal("0")) is None


@pytest.mark.parametrize(
    ("retired", "excused", "scored", "counts"),
    [
        (False, False, False, True),
        (False, False, True, True),
        (False, True, True, False),
        (True, False, False, False),  # retired, never answered: out, as if excused
        (True, False, True, True),  # retired, already scored: the score is kept
        (True, True, True, False),
    ],
)
def test_which_items_count(retired, excused, scored, counts):
    assert item_counts(retired=retired, excused=excused, scored=scored) is counts


def test_a_retired_item_counts_only_for_the_students_with_a_score_on_it():
    items = {
        1: SimpleNamespace(problem_set_id=10, points=Decimal("2"), retired=False),
        2: SimpleNamespace(problem_set_id=10, points=Decimal("3"), retired=True),
    }
    graded = [_row(7, 1, 1, "2.00"), _row(7, 2, 1, "3.00"), _row(8, 1, 1, "1.00")]
    adjustments = Adjustments(overrides={(9, 2): Decimal("1.00")}, excused=frozenset())
    assert set_points(items=items.values()) == {10: Decimal("2")}
    assert set_scores(items=items, graded=graded, adjustments=adjustments) == {
        (7, 10): Decimal("5.00"),
        (8, 10): Decimal("1.00"),
        (9, 10): Decimal("1.00"),
    }
    scored = scored_pairs(graded=graded, adjustments=adjustments)
    assert own_points(
        items=items, students=[7, 8, 9, 6], scored=scored, adjustments=adjustments
    ) == {
        (7, 10): Decimal("5"),  # answered the retired item: it counts, earned and possible
        (8, 10): Decimal("2"),  # never opened it: out of the points possible
        (9, 10): Decimal("5"),  # an override on it is a score too
        (6, 10): Decimal("2"),
    }
