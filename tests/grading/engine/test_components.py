"""A vector answer (a gradient) is decided component by component too (issue #15, credit per
component): which components are right, how each was decided, and the mistake named in each."""

from __future__ import annotations

import json

import pytest

from grading.engine import ComponentVerdict, Prepared, Task, Verdict, grade, prepare

GRADIENT = Task(variables=("x", "y"), function="x^3 + x y - y", gradient=True)  # <3x^2+y, x-1>


def _rights(verdict: Verdict) -> list[bool | None]:
    return [c.equivalent for c in verdict.components]


def test_a_right_gradient_is_right_in_every_component_as_the_whole_was_decided() -> None:
    verdict = grade(GRADIENT, "<y + 3x^2, x - 1>")

    assert verdict.equivalent is True
    assert _rights(verdict) == [True, True]
    assert verdict.components_right == 2
    assert [c.index for c in verdict.components] == [0, 1]
    assert {c.method for c in verdict.components} == {verdict.method}
    assert [c.evidence.component for c in verdict.components] == [0, 1]
    assert [c.label for c in verdict.components] == [
        r"\frac{\partial f}{\partial x}",
        r"\frac{\partial f}{\partial y}",
    ]
    # each component as read, as the whole answer shows it
    assert verdict.components[0].answer_latex == r"y + 3 \cdot {x}^{2}"
    assert all(c.answer_latex in verdict.answer_latex for c in verdict.components)


def test_one_right_component_of_two_is_told_apart_with_its_own_evidence() -> None:
    verdict = grade(GRADIENT, "<3x^2 + y, x>")

    assert verdict.equivalent is False
    assert _rights(verdict) == [True, False]
    assert verdict.components_right == 1
    right, wrong = verdict.components
    assert right.method == "structural" and right.reason is None
    assert wrong.method == "numeric"
    assert wrong.evidence.component == 1
    assert wrong.evidence.witness is not None  # the point where x differs from x - 1
    assert wrong.reason is not None and wrong.reason.code == "differs"


def test_the_mistake_is_named_in_the_component_that_makes_it() -> None:
    # d/dx: the term xy dropped (y held as 0); d/dy: differentiated by x instead
    verdict = grade(GRADIENT, "<3x^2, 3x^2 + y>")

    assert _rights(verdict) == [False, False]
    dropped, wrong_variable = (c.mistake for c in verdict.components)
    assert dropped is not None and dropped.code == "held-variable-dropped"
    assert dropped.en.startswith("In ∂f/∂x:") and dropped.ko.startswith("∂f/∂x 성분:")
    assert wrong_variable is not None and wrong_variable.code == "wrong-variable"
    assert wrong_variable.en.startswith("In ∂f/∂y:")


def test_one_wrong_component_takes_the_whole_answers_named_mistake() -> None:
    verdict = grade(GRADIENT, "<3x^2, x - 1>")

    assert _rights(verdict) == [False, True]
    assert verdict.mistake is not None
    assert verdict.components[0].mistake == verdict.mistake
    assert verdict.components[1].mistake is None


def test_swapped_components_are_named_for_the_whole_and_per_component() -> None:
    verdict = grade(GRADIENT, "<x - 1, 3x^2 + y>")

    assert verdict.mistake is not None and verdict.mistake.code == "gradient-swapped"
    assert _rights(verdict) == [False, False]
    assert [c.mistake.code for c in verdict.components if c.mistake] == ["wrong-variable"] * 2


def test_a_prepared_task_gives_the_same_components() -> None:
    prepared = prepare(GRADIENT)
    assert any(m.component == 0 for m in prepared.mistakes)
    assert any(m.component == 1 for m in prepared.mistakes)
    for answer in ("<3x^2, 3x^2 + y>", "<3x^2 + y, x>", "<x - 1, 3x^2 + y>"):
        fresh = grade(GRADIENT, answer, seed=3).to_dict()
        kept = grade(GRADIENT, answer, seed=3, prepared=prepared).to_dict()
        fresh.pop("elapsed_ms"), kept.pop("elapsed_ms")
        assert kept == fresh, answer


def test_prepared_mistakes_keep_their_component_through_json() -> None:
    prepared = prepare(GRADIENT)
    again = Prepared.from_dict(json.loads(json.dumps(prepared.to_dict())))
    assert [m.component for m in again.mistakes] == [m.component for m in prepared.mistakes]
    # a stored component that is not an index is none
    data = prepared.to_dict()
    data["mistakes"][0]["component"] = "1"
    assert Prepared.from_dict(data).mistakes[0].component is None


@pytest.mark.parametrize(
    "answer,rights",
    [
        ("<4.001, 1>", [True, True]),  # 0.025 % off: within the 0.1 % tolerance
        ("<4.01, 1>", [False, True]),  # 0.25 % off
        ("<4, 1.01>", [True, False]),
        ("<4.01, 1.01>", [False, False]),
    ],
)
def test_a_gradients_value_is_compared_per_component_with_the_tolerance(
    answer: str, rights: list[bool]
) -> None:
    task = Task(variables=("x", "y"), function="x^2 y", gradient=True, at=(("x", "1"), ("y", "2")))

    verdict = grade(task, answer)

    assert _rights(verdict) == rights
    assert verdict.equivalent is all(rights)
    if not all(rights):
        wrong = verdict.components[rights.index(False)]
        assert wrong.reason is not None and wrong.reason.code == "outside-tolerance"


def test_a_wider_tolerance_makes_a_component_right() -> None:
    task = Task(
        variables=("x", "y"),
        function="x^2 y",
        gradient=True,
        at=(("x", "1"), ("y", "2")),
        tolerance=0.01,
    )
    assert _rights(grade(task, "<4.01, 1.02>")) == [True, False]


@pytest.mark.parametrize(
    "answer,code",
    [
        ("<3x^2 + y, x -* 1>", None),  # one component unreadable: the answer is refused
        ("<3x^2 + y, >", None),
        ("3x^2 + y", "vector-expected"),
        ("<3x^2 + y, x - 1, 0>", "vector-size"),
    ],
)
def test_an_unreadable_component_or_a_wrong_number_of_components_is_refused_whole(
    answer: str, code: str | None
) -> None:
    verdict = grade(GRADIENT, answer)

    assert verdict.equivalent is None
    assert verdict.error is not None
    if code is not None:
        assert verdict.error.message.code == code
    assert verdict.components == ()
    assert verdict.components_right == 0


def test_a_vector_given_as_key_is_decided_per_component_without_labels() -> None:
    task = Task(variables=("x", "y"), reference="<2x, 3y>")

    verdict = grade(task, "<2x, -3y>")

    assert _rights(verdict) == [True, False]
    assert [c.label for c in verdict.components] == ["", ""]
    named = verdict.components[1].mistake
    assert named is not None and named.code == "sign-error"
    assert "2" in named.en  # "The sign of component 2 is wrong."


def test_a_scalar_answer_has_no_components() -> None:
    task = Task(variables=("x", "y"), function="x^3 + x y - y", wrt=("x",))
    assert grade(task, "3x^2").components == ()
    assert grade(task, "3x^2 + y").components == ()


@pytest.mark.parametrize(
    "answer",
    [
        "<3x^2 + y, x - 1>",
        "<3x^2 + y, x>",
        "<3x^2, x - 1>",
        "<x - 1, 3x^2 + y>",
        "<(3x^2 + y) sqrt(x^2)/x, x - 1>",  # right only where x > 0
        "<3x^2 + y + 10^-40/x, x - 1>",  # a difference only the symbolic step sees
        "<ln(e^(3x^2 + y)), (x - 1)^2/(x - 1)>",  # a hole at x = 1
    ],
)
def test_the_whole_is_right_exactly_when_every_component_is(answer: str) -> None:
    verdict = grade(GRADIENT, answer)

    assert verdict.error is None
    assert len(verdict.components) == 2
    assert (verdict.equivalent is True) == all(c.equivalent is True for c in verdict.components)


def test_a_verdict_with_components_survives_json_and_an_old_one_reads_without() -> None:
    verdict = grade(GRADIENT, "<3x^2, 3x^2 + y>")

    again = Verdict.from_json(verdict.to_json())
    assert again == verdict
    assert isinstance(again.components[0], ComponentVerdict)

    old = verdict.to_dict()
    del old["components"]  # stored before components were recorded
    assert Verdict.from_dict(old).components == ()
    old["components"] = None
    assert Verdict.from_dict(old).components == ()
