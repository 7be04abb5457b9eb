"""Credit per component for a gradient (issue #15): the score recorded, regraded, read by the
gradebook, the LMS files and the LTI passback, under the item's choice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from exercises.authoring.models import ProblemSetItem
from exercises.authoring.scoring import (
    VECTOR_CREDIT,
    attempt_score,
    row_credit,
    set_scores,
    verdict_credit,
)
from exercises.gradebook.selectors import export_scores, gradebook_rows
from exercises.lti.selectors import student_set_score
from grading.engine import Task, grade
from grading.models import RegradeJob, Submission
from grading.regrade import regrade_job_run
from grading.services import score_of
from tests import factories

GRADIENT = Task(variables=("x", "y"), function="x^3 + x y - y", gradient=True)  # <3x^2+y, x-1>
GRADIENT3 = Task(variables=("x", "y", "z"), function="x y z", gradient=True)  # <yz, xz, xy>


def test_the_choices_are_the_models():
    assert VECTOR_CREDIT == tuple(ProblemSetItem.VectorCredit.values)
    assert ProblemSetItem().vector_credit == "per_component"


@pytest.mark.parametrize(
    "task,answer,per_component,all_or_nothing",
    [
        (GRADIENT, "<3x^2 + y, x - 1>", "1", "1"),
        (GRADIENT, "<3x^2 + y, x>", "0.5", "0"),
        (GRADIENT, "<3x^2, x - 1>", "0.5", "0"),
        (GRADIENT, "<3x^2, x>", "0", "0"),
        (GRADIENT, "<x - 1, 3x^2 + y>", "0", "0"),  # swapped: neither component is right
        (GRADIENT3, "<yz, xz, 0>", "0.6666", "0"),
        (GRADIENT3, "<yz, 0, 0>", "0.3333", "0"),
        # one component unreadable, or the wrong number of them: refused whole, no credit
        (GRADIENT, "<3x^2 + y, x -* 1>", "0", "0"),
        (GRADIENT, "<3x^2 + y, x - 1, 0>", "0", "0"),
        (GRADIENT, "3x^2 + y", "0", "0"),
    ],
)
def test_a_verdicts_credit_per_component_and_all_or_nothing(
    task, answer, per_component, all_or_nothing
):
    verdict = grade(task, answer)
    assert verdict_credit(verdict=verdict) == Decimal(per_component)
    assert verdict_credit(verdict=verdict, vector_credit="per_component") == Decimal(per_component)
    assert verdict_credit(verdict=verdict, vector_credit="all_or_nothing") == Decimal(
        all_or_nothing
    )


@pytest.mark.parametrize(
    "answer,credit",
    [("<4.001, 1>", "1"), ("<4.01, 1>", "0.5"), ("<4, 1.01>", "0.5"), ("<4.01, 1.01>", "0")],
)
def test_a_gradients_value_earns_per_component_within_the_tolerance(answer, credit):
    task = Task(variables=("x", "y"), function="x^2 y", gradient=True, at=(("x", "1"), ("y", "2")))
    assert verdict_credit(verdict=grade(task, answer)) == Decimal(credit)


def test_a_scalar_answer_earns_all_or_nothing_whatever_the_choice():
    task = Task(variables=("x", "y"), function="x^3 + x y - y", wrt=("x",))
    assert verdict_credit(verdict=grade(task, "3x^2 + y")) == 1
    assert verdict_credit(verdict=grade(task, "3x^2")) == 0


@pytest.mark.parametrize(
    "credit,late,score",
    [
        (None, False, "2.00"),  # right, no share given: all
        (Decimal("0.5"), False, "1.00"),
        (Decimal("0.5"), True, "0.70"),  # late: 30 % off the half
        (Decimal("0.3333"), False, "0.67"),
        (Decimal("0"), False, "0.00"),
    ],
)
def test_score_of_is_the_points_times_the_share_less_the_late_penalty(credit, late, score):
    given = {"late": late, "points": Decimal("2"), "late_penalty": Decimal("0.3")}
    assert score_of(equivalent=credit is None, credit=credit, **given) == Decimal(score)


@pytest.mark.parametrize(
    "row,share",
    [
        ({"verdict__credit": "0.5000", "equivalent": False}, "0.5"),
        ({"verdict__credit": 0.5, "equivalent": False}, "0.5"),  # as a JSON number
        ({"verdict__credit": None, "equivalent": True}, "1"),  # stored before shares were
        ({"equivalent": False}, "0"),
        ({"equivalent": None}, "0"),
        ({"verdict__credit": "2", "equivalent": False}, "0"),  # not a share: not trusted
        ({"verdict__credit": "-1", "equivalent": False}, "0"),
        ({"verdict__credit": "NaN", "equivalent": True}, "1"),
        ({"verdict__credit": "half", "equivalent": False}, "0"),
    ],
)
def test_the_share_recorded_with_a_verdict_is_read_back_and_checked(row, share):
    assert row_credit(row) == Decimal(share)


def test_an_attempt_without_the_late_penalty_is_worth_its_share_of_the_points():
    item = mock.Mock(points=Decimal("3"), problem_set_id=1)
    row = {"score": Decimal("0.75"), "equivalent": False, "verdict__credit": "0.5000"}
    assert attempt_score(item=item, row=row, late_penalty=True) == Decimal("0.75")
    assert attempt_score(item=item, row=row, late_penalty=False) == Decimal("1.50")
    rows = [
        {"instance__student_id": 7, "instance__item_id": 1, "attempt": 1, **row},
        {
            "instance__student_id": 7,
            "instance__item_id": 1,
            "attempt": 2,
            "score": Decimal("0.00"),
            "equivalent": False,
            "verdict__credit": "0",
        },
    ]
    assert set_scores(items={1: item}, graded=rows) == {(7, 1): Decimal("0.75")}
    assert set_scores(items={1: item}, graded=rows, late_penalty=False) == {(7, 1): Decimal("1.50")}
    assert set_scores(items={1: item}, graded=rows, attempt="last", late_penalty=False) == {
        (7, 1): Decimal("0.00")
    }


# --- recorded by the grading service, and everywhere scores are read --------------------------

pytestmark = pytest.mark.django_db


def test_a_gradient_with_one_right_component_scores_half_and_says_which():
    inst = factories.gradient_instance(points=Decimal("2"))
    sub = factories.graded(inst, "<3x^2 + y, x>")

    assert (sub.status, sub.equivalent, sub.score) == ("graded", False, Decimal("1.00"))
    assert sub.outcome == "partial"
    assert sub.credit == Decimal("0.5")
    assert sub.verdict["credit"] == "0.5000"
    assert [c["equivalent"] for c in sub.components] == [True, False]
    assert sub.components_right == 1


def test_all_or_nothing_scores_zero_but_still_says_which_component_is_right():
    inst = factories.gradient_instance(points=Decimal("2"), vector_credit="all_or_nothing")
    sub = factories.graded(inst, "<3x^2 + y, x>")

    assert (sub.equivalent, sub.score, sub.outcome) == (False, Decimal("0.00"), "incorrect")
    assert sub.verdict["credit"] == "0"
    assert [c["equivalent"] for c in sub.components] == [True, False]


def test_a_right_gradient_scores_full_points_either_way():
    for choice in VECTOR_CREDIT:
        inst = factories.gradient_instance(points=Decimal("2"), vector_credit=choice)
        sub = factories.graded(inst, "<y + 3x^2, x - 1>")
        assert (sub.outcome, sub.score, sub.verdict["credit"]) == ("correct", Decimal("2.00"), "1")


def test_a_late_half_right_gradient_takes_the_late_penalty_on_its_half():
    now = timezone.now()
    inst = factories.gradient_instance(
        points=Decimal("2"),
        due_at=now - timedelta(hours=1),
        late_until=now + timedelta(days=1),
        late_penalty=Decimal("0.5"),
    )
    sub = factories.graded(inst, "<3x^2 + y, x>")
    assert (sub.late, sub.score) == (True, Decimal("0.50"))


def test_the_gradebook_lms_files_and_lti_read_the_partial_score():
    inst = factories.gradient_instance(points=Decimal("2"))
    factories.graded(inst, "<3x^2, x>")  # nothing right
    factories.graded(inst, "<3x^2 + y, x>")  # half
    item = inst.item
    course = item.problem_set.course

    book = gradebook_rows(course=course)
    assert [c.score for r in book.rows for c in r.cells] == [Decimal("1.00")]
    data = export_scores(course=course)
    assert list(data.scores.values()) == [Decimal("1.00")]
    lti = student_set_score(student_id=inst.student_id, problem_set_id=item.problem_set_id)
    assert lti.given == Decimal("1.00")


def test_an_lms_file_without_the_late_penalty_gives_the_share_of_the_points():
    now = timezone.now()
    inst = factories.gradient_instance(
        points=Decimal("2"), due_at=now - timedelta(hours=1), late_until=now + timedelta(days=1)
    )
    factories.graded(inst, "<3x^2 + y, x>")
    course = inst.item.problem_set.course
    assert list(export_scores(course=course).scores.values()) == [Decimal("0.50")]
    unpenalized = export_scores(course=course, late_penalty=False)
    assert list(unpenalized.scores.values()) == [Decimal("1.00")]


def test_a_regrade_applies_the_items_choice_and_reads_an_old_verdict_without_components():
    inst = factories.gradient_instance(points=Decimal("2"), vector_credit="all_or_nothing")
    sub = factories.graded(inst, "<3x^2 + y, x>")
    assert sub.score == Decimal("0.00")
    # as stored before components and shares were recorded
    old = {k: v for k, v in sub.verdict.items() if k not in ("components", "credit")}
    Submission.objects.filter(pk=sub.pk).update(verdict=old)
    sub.refresh_from_db()
    assert (sub.components, sub.credit, sub.outcome) == ([], Decimal("0"), "incorrect")

    factories.item_update(inst.item, vector_credit="per_component")
    job = RegradeJob.objects.create(item=inst.item)
    regrade_job_run(job_id=job.pk)

    sub.refresh_from_db()
    assert (sub.score, sub.outcome, sub.verdict["credit"]) == (Decimal("1.00"), "partial", "0.5000")
    assert [c["equivalent"] for c in sub.components] == [True, False]
    job.refresh_from_db()
    assert [(c["old_score"], c["new_score"]) for c in job.changes] == [("0.00", "1.00")]


def test_an_item_update_refuses_an_unknown_choice_and_changes_nothing():
    from exercises.authoring.errors import Refused

    inst = factories.gradient_instance()
    with pytest.raises(Refused):
        factories.item_update(inst.item, vector_credit="half")
    inst.item.refresh_from_db()
    assert inst.item.vector_credit == "per_component"
