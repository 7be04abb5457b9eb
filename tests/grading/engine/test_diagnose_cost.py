"""The diagnosis of a wrong answer builds only the evaluators its comparisons reach, and names
the same mistake as matching every candidate with all of its evaluators made up front."""

from __future__ import annotations

from typing import Any

import pytest

from grading.engine import Prepared, Task, api, diagnosis, grade, limits, prepare
from grading.engine.compiled import compile_task, forget_compiled
from grading.engine.numeric import comparison, exact, floats, multiprecision
from grading.engine.numeric.multiprecision import compile_node
from tests.grading.engine.test_corpus import TEXTBOOK, task_from_textbook

TASKS = [
    Task(variables=("x", "y"), function="7y e^(-(x^2+y^2))", wrt=("x",)),
    Task(variables=("x", "y"), function="x^2 y^3 + sin(x y)", wrt=("x", "y")),
    Task(variables=("x", "y"), function="ln(x^2 + y^2)", gradient=True),
    Task(variables=("x", "y"), function="x e^(x y)", wrt=("y",), at=(("x", "1"), ("y", "2"))),
    Task(variables=("w1", "b", "x"), function="(w1 x + b - 3)^2", wrt=("w1",)),
    Task(variables=("x", "y"), function="(x^2 - y)/(x + y^2 + 1)", wrt=("x",)),
    Task(variables=("x", "y"), function="x^3 y^2 - 4x y + 7", wrt=("x",)),
    *[task_from_textbook(case) for case in TEXTBOOK],
]


def _eager_diagnose(c: Any, parts: list[Any], seed: int) -> Any:
    """diagnosis.diagnose as it was before its evaluators were made lazily: every candidate
    compiled with all three evaluators before it is compared."""
    answer_fns = [compile_node(p) for p in parts]
    answer_floats = [floats.compile_float(p) for p in parts]
    answer_exact = exact.compile_all(parts) if c.key_exact is not None else None
    answer_side = multiprecision.Memo(answer_fns)
    answer_quick = floats.Memo(answer_floats)
    answer_exactly = exact.Memo(answer_exact) if answer_exact is not None else None
    matched: dict[str, Any] = {}
    for cand in list(diagnosis.candidates(c))[: limits.DIAGNOSIS_MAX_CANDIDATES]:
        nodes = list(cand.expr)
        if len(nodes) != len(answer_fns):
            continue
        try:
            fns = [compile_node(n) for n in nodes]
            quick = [floats.compile_float(n) for n in nodes]
            cand_exact = exact.compile_all(nodes) if answer_exactly is not None else None
        except (ValueError, TypeError, RecursionError):
            continue
        outcome = comparison.compare(
            fns,
            answer_side,
            c.sample_variables,
            seed=seed,
            positive=c.task.positive,
            hints=c.hints,
            target=4,
            max_draws=24,
            confirm=False,
            key_floats=quick,
            answer_floats=answer_quick,
            key_exact=cand_exact,
            answer_exact=answer_exactly,
            explain=False,
        )
        if outcome.equivalent:
            if not c.is_number:
                return cand.message
            matched.setdefault(cand.code, cand.message)
            if len(matched) > 1:
                return None
    return next(iter(matched.values()), None)


def _wrong_answers(task: Task, prepared: Prepared) -> list[str]:
    vector = len(prepared.key) > 1 or task.gradient
    out = []
    for m in prepared.mistakes:
        out.append("<" + ", ".join(m.parts) + ">" if vector else m.parts[0])
    if not vector:
        out += [f"({prepared.key[0]}) + 1", f"3*({prepared.key[0]})"]
    return out


@pytest.mark.parametrize("task", TASKS, ids=lambda t: f"{t.function}|{t.wrt}|{t.at}")
def test_the_lazy_diagnosis_names_what_the_eager_one_names(task: Task) -> None:
    prepared = prepare(task)
    named = 0
    for answer in _wrong_answers(task, prepared):
        for seed in (3, 11):
            verdict = grade(task, answer, seed=seed, prepared=prepared)
            if verdict.equivalent is not False:
                continue
            c = compile_task(task, prepared)
            parts = api.parse_answer(answer, task.variables).parts()
            expected = diagnosis.named_by_form(_eager_diagnose(c, parts, seed), parts)
            if verdict.reason is not None and verdict.reason.code == "undefined-answer":
                expected = None  # the grade diagnoses only answers defined where they differ
            assert verdict.mistake == expected, (answer, seed)
            named += verdict.mistake is not None
    if prepared.mistakes and not task.at:
        assert named, "some typical mistake is named"


def test_candidates_that_differ_at_once_get_no_mpmath_evaluators(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = Task(variables=("x", "y"), function="7y e^(-(x^2+y^2))", wrt=("x",))
    prepared = prepare(task)
    forget_compiled()
    c = compile_task(task, prepared)
    candidates = list(diagnosis.candidates(c))
    last = candidates[-1]
    answer = last.expr[0]
    made: list[Any] = []

    def counting(node: Any, memo: Any = None) -> Any:
        made.append(node)
        return compile_node(node, memo)

    monkeypatch.setattr(diagnosis, "compile_node", counting)
    from grading.engine.printing import to_text

    verdict = grade(task, to_text(answer), seed=5, prepared=prepared)
    assert verdict.equivalent is False
    assert verdict.mistake is not None
    candidate_nodes = {id(n) for cand in candidates for n in cand.expr}
    compiled = [n for n in made if id(n) in candidate_nodes]
    # the candidates before the matching one are compared, but few of them reach mpmath
    assert 0 < len(compiled) < len(candidates) // 2


def test_a_candidate_whose_lazy_evaluators_cannot_be_made_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = Task(variables=("x", "y"), function="7y e^(-(x^2+y^2))", wrt=("x",))
    prepared = prepare(task)
    answer = "7y e^(-(x^2+y^2))"  # the function itself
    before = grade(task, answer, seed=5, prepared=prepared)
    assert before.mistake is not None
    code = before.mistake.code
    c = compile_task(task, prepared)
    broken = {id(n) for cand in diagnosis.candidates(c) if cand.code == code for n in cand.expr}
    assert broken

    def failing(node: Any, memo: Any = None) -> Any:
        if id(node) in broken:
            raise ValueError("cannot compile")
        return compile_node(node, memo)

    monkeypatch.setattr(diagnosis, "compile_node", failing)
    after = grade(task, answer, seed=5, prepared=prepared)
    assert after.equivalent is False
    assert after.mistake is None or after.mistake.code != code


def test_prepared_candidates_are_parsed_as_the_matching_reaches_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = Task(variables=("x", "y"), function="x^2 y^3 + sin(x y)", wrt=("x",))
    prepared = prepare(task)
    forget_compiled()
    plain = list(diagnosis.candidates(compile_task(task)))
    first = prepared.mistakes[0]
    parsed: list[Any] = []
    real = diagnosis.prepared_nodes

    def counting(*args: Any) -> Any:
        if args[1] != prepared.key:  # the key's own trees are read when the task is compiled
            parsed.append(args)
        return real(*args)

    monkeypatch.setattr(diagnosis, "prepared_nodes", counting)
    verdict = grade(task, first.parts[0], seed=2, prepared=prepared)
    assert verdict.mistake is not None and verdict.mistake.code == first.code
    assert 1 <= len(parsed) < len(prepared.mistakes)
    # all of them when iterated to the end, in order, each parsed once, the same every time
    c = compile_task(task, prepared)
    once = [(m.code, [str(n) for n in m.expr]) for m in diagnosis.candidates(c)]
    again = [(m.code, [str(n) for n in m.expr]) for m in diagnosis.candidates(c)]
    assert once == again
    assert len(parsed) == len(prepared.mistakes)
    assert [code for code, _ in once] == [m.code for m in prepared.mistakes]
    assert len(once) <= len(plain) + len(prepared.mistakes)


def test_threads_sharing_a_compiled_task_meet_its_mistakes_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A web process's threads share a compiled task (practice answers are graded there): one
    that parses a mistake while another iterates must not let it see them out of order, since
    the first match names the mistake."""
    import threading
    import time

    task = Task(variables=("x", "y"), function="x^2 y^3 + sin(x y)", wrt=("x",))
    prepared = prepare(task)
    forget_compiled()
    c = compile_task(task, prepared)
    real = diagnosis.prepared_nodes
    first_parse = threading.Event()

    def slow_first(*args: Any) -> Any:
        if not first_parse.is_set():
            first_parse.set()
            time.sleep(0.2)  # the other thread starts meanwhile
        return real(*args)

    monkeypatch.setattr(diagnosis, "prepared_nodes", slow_first)
    seen: dict[str, list[str]] = {}

    def iterate(name: str) -> None:
        seen[name] = [m.code for m in diagnosis.candidates(c)]

    a = threading.Thread(target=iterate, args=("a",))
    a.start()
    assert first_parse.wait(5)
    b = threading.Thread(target=iterate, args=("b",))
    b.start()
    a.join(10)
    b.join(10)
    expected = [m.code for m in prepared.mistakes]
    assert seen == {"a": expected, "b": expected}
