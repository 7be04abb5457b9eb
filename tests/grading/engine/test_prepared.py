"""prepare(task): the SymPy work kept with a variant. Grading with it must change nothing."""

from __future__ import annotations

import json

import pytest

from grading.engine import Prepared, Task, grade, key_of, prepare
from tests.grading.engine.test_corpus import TEXTBOOK, task_from_textbook

DERIVATIVE_TASKS = [
    Task(variables=("x", "y"), function="7y e^(-(x^2+y^2))", wrt=("x",)),
    Task(variables=("x", "y"), function="x^2 y^3 + sin(x y)", wrt=("x", "y")),
    Task(variables=("x", "y"), function="ln(x^2 + y^2)", gradient=True),
    Task(variables=("x", "y"), function="x e^(x y)", wrt=("y",), at=(("x", "1"), ("y", "2"))),
    Task(variables=("w1", "b", "x"), function="(w1 x + b - 3)^2", wrt=("w1",)),
    *[task_from_textbook(case) for case in TEXTBOOK],
]


def _answers(task: Task, prepared: Prepared) -> list[str]:
    key = key_of(task)
    out = [key.text, f"({key.text}) + 1" if not key.is_vector else key.text[::-1]]
    for m in prepared.mistakes:
        out.append("<" + ", ".join(m.parts) + ">" if key.is_vector else m.parts[0])
    return out


@pytest.mark.parametrize("task", DERIVATIVE_TASKS, ids=lambda t: f"{t.function}|{t.wrt}|{t.at}")
def test_grading_with_the_prepared_task_gives_the_same_verdicts(task: Task) -> None:
    prepared = Prepared.from_dict(json.loads(json.dumps(prepare(task).to_dict())))
    assert prepared.key == key_of(task).components
    assert prepared.latex == key_of(task).latex
    if not task.at:
        assert prepared.mistakes, "a derivative task has typical mistakes"
    for answer in _answers(task, prepared):
        plain = grade(task, answer, seed=7)
        quick = grade(task, answer, seed=7, prepared=prepared)
        assert (quick.equivalent, quick.method, quick.error) == (
            plain.equivalent,
            plain.method,
            plain.error,
        ), answer
        assert quick.mistake == plain.mistake, answer
        assert quick.key_latex == plain.key_latex


def test_a_typical_mistake_is_named_from_the_prepared_task() -> None:
    task = Task(variables=("x", "y"), function="7y e^(-(x^2+y^2))", wrt=("x",))
    prepared = prepare(task)
    verdict = grade(task, "7y e^(-(x^2+y^2))", prepared=prepared)  # the function itself
    assert verdict.equivalent is False
    assert verdict.mistake is not None
    assert verdict.mistake.code in {m.code for m in prepared.mistakes}


def test_a_prepared_task_of_another_engine_version_is_not_used() -> None:
    task = Task(variables=("x", "y"), function="x^2 y", wrt=("x",))
    stale = Prepared(key=("999",), latex="999", mistakes=(), engine="1999.01.01")
    verdict = grade(task, "2x y", prepared=stale)
    assert verdict.equivalent is True
    assert verdict.key_latex != "999"


def test_a_prepared_task_is_what_grading_uses() -> None:
    # proof that the prepared key is read rather than recomputed: a (deliberately wrong) key
    # of this engine's version is what the answer is compared with
    task = Task(variables=("x", "y"), function="x^2 y", wrt=("x",))
    forged = Prepared(key=("3y",), latex="3y")
    assert grade(task, "3y", prepared=forged).equivalent is True
    assert grade(task, "2x y", prepared=forged).equivalent is False


def test_prepare_refuses_a_task_whose_key_cannot_be_computed() -> None:
    with pytest.raises(ValueError, match="not real and finite"):
        prepare(
            Task(variables=("x", "y"), function="ln(x)", wrt=("x",), at=(("x", "0"), ("y", "1")))
        )


@pytest.mark.parametrize("task", DERIVATIVE_TASKS[:5], ids=lambda t: f"{t.function}|{t.wrt}|{t.at}")
def test_the_key_read_from_a_prepared_task_is_the_computed_key(task: Task) -> None:
    assert key_of(task, prepare(task)) == key_of(task)


def test_stored_prepared_data_that_is_empty_or_unreadable_loads_as_none() -> None:
    assert Prepared.load({}) is None
    assert Prepared.load(None) is None
    assert Prepared.load({"latex": "x"}) is None  # no key
    task = DERIVATIVE_TASKS[0]
    assert Prepared.load(prepare(task).to_dict()) == prepare(task)


def test_prepared_expressions_are_kept_as_trees_that_rebuild_without_parsing() -> None:
    from grading.engine.printing import to_text
    from grading.engine.tree import tree_from_data

    task = DERIVATIVE_TASKS[1]
    prepared = prepare(task)
    assert len(prepared.key_trees) == len(prepared.key)
    for tree, text in zip(prepared.key_trees, prepared.key, strict=True):
        assert to_text(tree_from_data(tree, task.variables)) == text
    for m in prepared.mistakes:
        rebuilt = [to_text(tree_from_data(t, task.variables)) for t in m.trees]
        assert tuple(rebuilt) == m.parts


@pytest.mark.parametrize(
    "data",
    [
        ["v", "z"],  # not a variable of the problem
        ["v", "__import__"],
        ["f", "system", ["v", "x"]],  # not a function the engine knows
        ["b", "**", ["v", "x"], ["n", 2, 1, "2"], False],
        ["n", 1, 0, "1/0"],
        ["n", "1", 1, "1"],
        ["c", "tau"],
        "x",
        [],
        ["-"] + [["-"] * 1] * 0,  # wrong arity
    ],
)
def test_a_tree_that_is_not_one_the_engine_makes_is_refused(data: object) -> None:
    from grading.engine.tree import tree_from_data

    with pytest.raises(ValueError):
        tree_from_data(data, ("x", "y"))


def test_a_tree_nested_past_the_limit_is_refused() -> None:
    from grading.engine.tree import tree_from_data

    deep: object = ["v", "x"]
    for _ in range(1000):
        deep = ["-", deep]
    with pytest.raises(ValueError):
        tree_from_data(deep, ("x",))


def test_a_prepared_task_with_broken_trees_falls_back_to_its_text() -> None:
    task = Task(variables=("x", "y"), function="x^2 y", wrt=("x",))
    broken = Prepared(key=("2*x*y",), latex="2 x y", key_trees=(["v", "nope"],))
    assert grade(task, "2xy", prepared=broken).equivalent is True
