"""Multi-part problems: the family, answers per part, carry-forward credit, the item's score."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exercises.authoring.generators import generate
from exercises.authoring.generators.custom import TemplateError
from exercises.authoring.generators.parts import (
    carry_of,
    part_count,
    part_params,
    part_points,
    parts_config_check,
    parts_validate,
)
from exercises.practice.selectors import dashboard_rows, problem_parts_state, problem_state
from exercises.practice.services import SubmissionRejected, submission_create
from grading.models import Submission
from grading.regrade import regrade_job_run
from tests import factories

pytestmark = pytest.mark.django_db

RIGHT_FX = "7y(1-2x^2)/e^(x^2+y^2)"
WRONG_FX = "7y/e^(x^2+y^2)"  # a term of the product rule dropped
RIGHT_B = "-14/e^5"  # f_x(1, 2)
OWN_B = "14/e^5"  # WRONG_FX at (1, 2)
RIGHT_C = "-7/e^2"  # f_x(-1, 1)
OWN_C = "7/e^2"  # WRONG_FX at (-1, 1)


def answer(instance, part, text):
    return factories.graded(instance, text, part=part)


# ---------------------------------------------------------------- the family


def test_parts_family_makes_each_part_a_task_of_its_own():
    params = generate(family="parts", config=factories.TOY2_PARTS, version=1, seed=5)
    assert part_count(params) == 3
    assert part_params(params, 0)["wrt"] == ["x"] and "at" not in part_params(params, 0)
    assert part_params(params, 1)["at"] == {"x": "1", "y": "2"}
    assert part_params(params, 2)["slope"] is True
    # everything that reads one task reads part 0
    assert params["function"] == "7x*y/e^(x^2+y^2)" and params["wrt"] == ["x"]
    assert carry_of(params, 0) is None
    assert carry_of(params, 1) == (0, Decimal("0.5"))
    assert carry_of(params, 2) == (0, Decimal("0.5"))  # the default share


@pytest.mark.parametrize(
    ("points", "weights", "expected"),
    [
        ("1", [1, 1, 1], ["0.34", "0.33", "0.33"]),
        ("3", [1, 1, 1], ["1", "1", "1"]),
        ("2", [2, 1, 1], ["1", "0.5", "0.5"]),
        ("0.05", [1, 1], ["0.03", "0.02"]),
    ],
)
def test_part_points_share_the_items_points_exactly(points, weights, expected):
    params = {"parts": [{"weight": w} for w in weights]}
    shares = part_points(params, Decimal(points))
    assert shares == [Decimal(e) for e in expected]
    assert sum(shares) == Decimal(points)


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ([{"wrt": ["x"]}], "a list of 2 to 6 parts"),
        ([{"wrt": ["x"]}] * 7, "a list of 2 to 6 parts"),
        ({"wrt": ["x"]}, "a list of 2 to 6 parts"),
        ([{"wrt": ["x"]}, {"wrt": ["z"]}], "part 2: ask a partial"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "gradient": True}], "part 2: ask a partial"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "weight": True}], "part 2: weight"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "at": {"x": "1"}}], "part 2: at gives a value"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "carry_from": 0}], "part 2: carry_from"),
        ([{"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": 1}, {"wrt": ["x"]}], "part 1"),
        (
            [{"wrt": ["y"]}, {"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": 0}],
            "part 2: carry_from",
        ),
        (
            [{"wrt": ["x"]}, {"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": True}],
            "part 2: carry_from",
        ),
        (
            [
                {"wrt": ["x"]},
                {"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": 0, "carry_share": "2"},
            ],
            "carry_share must be a number from 0 to 1",
        ),
        (
            [
                {"wrt": ["x"]},
                {"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": 0, "carry_share": "nan"},
            ],
            "carry_share must be a number from 0 to 1",
        ),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "carry_share": "0.5"}], "without carry_from"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "weight": 0}], "weight is a whole number"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "slope": True}], "a slope is f_x"),
        ([{"wrt": ["x"]}, {"wrt": ["x"], "code": "import os"}], "unknown keys code"),
        ([{"wrt": ["x"]}, "f_y"], "part 2: must be a mapping"),
    ],
)
def test_a_bad_parts_config_is_refused_with_the_part_and_why(parts, says):
    with pytest.raises(TemplateError, match=says) as refused:
        parts_config_check({"parts": parts}, ["x", "y"])
    assert re.search("[\uac00-\ud7a3]", refused.value.text("ko"))  # and in Korean


def test_a_parts_family_cannot_nest_itself():
    with pytest.raises(ValueError, match="base"):
        generate(
            family="parts", config={**factories.TOY2_PARTS, "base": "parts"}, version=1, seed=1
        )


def test_a_library_base_is_checked_against_its_own_variables():
    """The loss family's variables are w1, w2, b, ...: its parts ask about those, not x, y."""
    config = {"base": "loss", "parts": [{"wrt": ["w1"]}, {"wrt": ["b"]}]}
    parts_validate(config)
    params = generate(family="parts", config=config, version=1, seed=3)
    assert [p["params"]["wrt"] for p in params["parts"]] == [["w1"], ["b"]]
    with pytest.raises(TemplateError, match="1 to 3 of w1, w2, h1, h2, b, y"):
        parts_validate({"base": "loss", "parts": [{"wrt": ["x"]}, {"wrt": ["b"]}]})


# ---------------------------------------------------------------- answers and credit


def test_each_part_is_graded_against_its_own_key_with_its_share_of_the_points():
    inst = factories.parts_instance(points=Decimal("3"))
    a = answer(inst, 0, RIGHT_FX)
    b = answer(inst, 1, RIGHT_B)
    c = answer(inst, 2, "f_x(-1, 1) = -7e^(-2)")
    assert [(s.part, s.attempt, s.equivalent, s.score) for s in (a, b, c)] == [
        (0, 1, True, Decimal("1.00")),
        (1, 1, True, Decimal("1.00")),
        (2, 1, True, Decimal("1.00")),
    ]
    assert [s.earned for s in (a, b, c)] == [Decimal("1.00")] * 3
    state = problem_parts_state(instance=inst, now=timezone.now())
    assert state.solved and state.best_score == Decimal("3.00")
    assert problem_state(instance=inst, now=timezone.now()).solved


def test_a_value_right_for_the_students_own_wrong_derivative_earns_the_carried_share():
    inst = factories.parts_instance(points=Decimal("3"))
    a = answer(inst, 0, WRONG_FX)
    assert a.equivalent is False and a.score == Decimal("0.00")
    b = answer(inst, 1, OWN_B)
    assert b.equivalent is False  # not the value of the true f_x
    assert b.score == Decimal("0.50") and b.earned == Decimal("0.50")
    assert b.carried == {
        "from_part": 0,
        "attempt": 1,
        "answer": b.carried["answer"],
        "answer_latex": b.carried["answer_latex"],
        "share": "0.5",
        "method": b.carried["method"],
        "key_latex": b.carried["key_latex"],
    }
    assert "7" in b.carried["answer"] and b.carried["answer_latex"]
    c = answer(inst, 2, "7e^-2")  # the slope: right for WRONG_FX at (-1, 1)
    assert (c.equivalent, c.score) == (False, Decimal("0.50"))
    state = problem_parts_state(instance=inst, now=timezone.now())
    assert state.best_score == Decimal("1.00")
    assert not state.solved


@pytest.mark.parametrize(
    ("fx", "value", "score", "carried"),
    [
        (None, OWN_B, "0.00", False),  # no derivative of their own to carry
        (RIGHT_FX, OWN_B, "0.00", False),  # their f_x is right: the value is simply wrong
        (WRONG_FX, "99", "0.00", False),  # wrong for their own f_x too
        (WRONG_FX, RIGHT_B, "1.00", False),  # the true value is right whatever came before
        ("x + (", OWN_B, "0.00", False),  # an unreadable (a) is refused: nothing to carry
    ],
)
def test_carry_forward_applies_only_to_a_value_consistent_with_a_wrong_derivative(
    fx, value, score, carried
):
    inst = factories.parts_instance(points=Decimal("3"))
    if fx is not None:
        try:
            answer(inst, 0, fx)
        except SubmissionRejected:
            pass
    b = answer(inst, 1, value)
    assert b.score == Decimal(score)
    assert (b.carried is not None) is carried


def test_the_latest_earlier_derivative_is_carried_and_a_later_one_does_not_change_it():
    inst = factories.parts_instance(points=Decimal("3"), max_attempts=3)
    answer(inst, 0, "7x/e^(x^2+y^2)")  # wrong, another way
    answer(inst, 0, WRONG_FX)
    b = answer(inst, 1, OWN_B)
    assert b.carried["attempt"] == 2 and b.score == Decimal("0.50")
    answer(inst, 0, RIGHT_FX)  # (a) right afterwards: (b)'s verdict stands as graded
    b.refresh_from_db()
    assert b.score == Decimal("0.50")


def test_carried_credit_takes_the_late_penalty_and_the_export_without_it_does_not():
    inst = factories.parts_instance(
        points=Decimal("3"),
        due_at=timezone.now() - timedelta(hours=1),
        late_until=timezone.now() + timedelta(days=1),
        late_penalty=Decimal("0.5"),
    )
    answer(inst, 0, WRONG_FX)
    b = answer(inst, 1, OWN_B)
    assert b.late and b.score == Decimal("0.25") and b.earned == Decimal("0.50")


def test_attempts_are_counted_and_numbered_per_part():
    inst = factories.parts_instance(max_attempts=2)
    answer(inst, 0, "x")
    answer(inst, 0, "y")
    with pytest.raises(SubmissionRejected) as refused:
        answer(inst, 0, RIGHT_FX)
    assert refused.value.reason.code == "no_attempts"
    b = answer(inst, 1, RIGHT_B)  # another part still has its own attempts
    assert (b.part, b.attempt) == (1, 1)
    with pytest.raises(SubmissionRejected) as solved:
        answer(inst, 1, RIGHT_B)
    assert solved.value.reason.code == "solved"
    state = problem_parts_state(instance=inst, now=timezone.now())
    assert [(p.attempts_used, p.attempts_left, p.solved) for p in state.parts] == [
        (2, 0, False),
        (1, 1, True),
        (0, 2, False),
    ]
    assert state.parts[0].key is not None  # its attempts are used: its key is shown
    assert state.parts[2].key is None
    whole = problem_state(instance=inst, now=timezone.now())
    assert whole.can_submit and whole.attempts_left == 2 and whole.key is None


def test_a_part_the_problem_does_not_have_is_refused_and_stores_nothing():
    inst = factories.parts_instance()
    for part in (-1, 3, 99):
        with pytest.raises(ValueError):
            submission_create(instance=inst, answer=RIGHT_FX, part=part)
    single = factories.toy_instance()
    with pytest.raises(ValueError):
        submission_create(instance=single, answer="3x^2 + y", part=1)
    assert not Submission.objects.exists()


def test_a_value_part_reads_a_number_and_refuses_an_expression():
    inst = factories.parts_instance()
    with pytest.raises(SubmissionRejected):
        answer(inst, 1, "7y/e^(x^2+y^2)")
    assert not Submission.objects.exists()


def test_single_part_problems_score_as_before():
    inst = factories.toy_instance()
    s = answer(inst, 0, "3x^2 + y")
    assert (s.part, s.equivalent, s.score, s.earned, s.carried) == (
        0,
        True,
        inst.item.points.quantize(Decimal("0.01")),
        None,
        None,
    )


def test_the_dashboard_sums_the_parts_best_and_solves_when_every_part_is():
    inst = factories.parts_instance(points=Decimal("3"))
    answer(inst, 0, WRONG_FX)
    answer(inst, 1, OWN_B)
    answer(inst, 2, RIGHT_C)
    (row,) = [r for s in dashboard_rows(user=inst.student) for r in s.items]
    assert (row.score, row.solved, row.attempts) == (Decimal("1.50"), False, 3)
    answer(inst, 0, RIGHT_FX)
    answer(inst, 1, RIGHT_B)
    (row,) = [r for s in dashboard_rows(user=inst.student) for r in s.items]
    assert (row.score, row.solved) == (Decimal("3.00"), True)


def test_a_regrade_grades_a_part_again_with_its_carry_forward():
    from exercises.gradebook.services import regrade_job_create

    inst = factories.parts_instance(points=Decimal("3"))
    answer(inst, 0, WRONG_FX)
    b = answer(inst, 1, OWN_B)
    Submission.objects.filter(pk=b.pk).update(score=Decimal("0.00"), verdict={}, earned=None)
    job = regrade_job_create(item=inst.item, requested_by=None)
    regrade_job_run(job_id=job.pk)
    b.refresh_from_db()
    assert (b.score, b.earned, b.carried["from_part"]) == (Decimal("0.50"), Decimal("0.50"), 0)
