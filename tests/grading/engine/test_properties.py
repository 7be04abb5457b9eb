"""Property tests: random and mutated input never raises or hangs; grading is metamorphic."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.engine import ParseFailure, Preview, Task, Verdict, grade, preview
from tests.support.budget import HANG_S

CORPUS = Path(__file__).parent / "corpus" / "equivalence.jsonl"
ROWS = [
    json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
]
TASK = Task(variables=("x", "y"), reference="3x^2+y")

# Deterministic in CI: no example database, a fixed derandomized search.
FUZZ = settings(
    deadline=None,  # wall-clock speed is bench/'s job; HANG_S below catches unbounded work
    max_examples=1000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

GRAMMAR_CHARS = "xy0123456789.+-*/^()[]|<>,= esinco"
# Characters the normalizer must refuse or map: controls, bidi, zero-width, lookalikes, ...
SPECIAL_CHARS = [
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2028", "\ud800", "\udfff",
    "\ue000", "\u0301", "\u0445", "\u3000", "\u00a0", "²", "³", "⁻", "⁹", "·", "×", "−", "√",
    "π", "⟨", "⟩", "∂", "∇", "＝", "（", "）", "ｘ", "😀", "한", "_", "{", "}", "'", "!", "\\",
    "$", "`", "\n", "\t",
]  # fmt: skip
# Pieces of the grammar longer than one character, spliced into generated text.
SNIPPETS = ["**", "e^", "sin(", "ln(", "sqrt(", "f_x =", "∂f/∂x =", "__", "^-1", "|x|", "10^"]

grammar_char = st.sampled_from(list(GRAMMAR_CHARS))
junk_char = st.one_of(st.characters(), st.sampled_from(SPECIAL_CHARS))
random_text = st.one_of(
    st.text(alphabet=grammar_char, max_size=40),
    st.text(alphabet=st.one_of(grammar_char, grammar_char, junk_char), max_size=40),
    st.lists(
        st.one_of(grammar_char, st.sampled_from(SPECIAL_CHARS), st.sampled_from(SNIPPETS)),
        max_size=25,
    ).map("".join),
)


@st.composite
def mutated_answer(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A corpus row and its answer (or key) after a few character edits."""
    row = draw(st.sampled_from(ROWS))
    text = draw(st.sampled_from([row["answer"], row["reference"]]))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "replace"]))
        if not text:
            op = "insert"
        i = draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))
        if op == "delete":
            text = text[:i] + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + draw(st.one_of(grammar_char, junk_char)) + text[i:]
        elif op == "duplicate":
            j = draw(st.integers(min_value=i, max_value=len(text)))
            text = text[:j] + text[i:j] + text[j:]
        elif op == "swap" and len(text) > 1:
            j = draw(st.integers(min_value=0, max_value=len(text) - 1))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
        elif op == "replace":
            text = text[:i] + draw(st.one_of(grammar_char, junk_char)) + text[i + 1 :]
    return row, text


def _task_of(row: dict[str, Any]) -> Task:
    return Task(variables=tuple(row["vars"]), reference=row["reference"])


def _check_failure(failure: ParseFailure, text: str) -> None:
    msg = failure.message
    assert msg.en.strip() and msg.ko.strip() and msg.en != msg.ko, msg
    assert any("\uac00" <= ch <= "\ud7a3" for ch in msg.ko), msg.ko
    assert 0 <= failure.position <= len(text), (failure.position, len(text))
    assert failure.position <= failure.end <= max(len(text), failure.position + 1), (
        failure.position,
        failure.end,
        len(text),
    )


def _check_preview(text: str, variables: tuple[str, ...]) -> None:
    start = time.perf_counter()
    result = preview(text, variables)
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_S, f"preview took {elapsed:.3f} s"
    assert isinstance(result, Preview)
    if result.ok:
        assert result.error is None and result.latex
    else:
        assert result.error is not None
        _check_failure(result.error, text)


def _check_grade(task: Task, text: str) -> Verdict:
    start = time.perf_counter()
    result = grade(task, text)
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_S, f"grade took {elapsed:.3f} s"
    assert isinstance(result, Verdict)
    if result.error is not None:
        assert result.equivalent is None
        _check_failure(result.error, text)
    else:
        assert result.equivalent in (True, False, None)
        if result.equivalent is not True:
            assert result.reason is not None
            assert result.reason.en.strip() and result.reason.ko.strip()
    return result


@FUZZ
@given(text=random_text)
def test_random_text_never_raises_and_finishes_quickly(text: str) -> None:
    _check_preview(text, TASK.variables)
    _check_grade(TASK, text)


@FUZZ
@given(case=mutated_answer())
def test_mutated_corpus_answers_never_raise_and_finish_quickly(
    case: tuple[dict[str, Any], str],
) -> None:
    row, text = case
    _check_preview(text, tuple(row["vars"]))
    _check_grade(_task_of(row), text)


# --------------------------------------------------------------------------- metamorphic


def _leaf() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["x", "y"]), st.integers(min_value=1, max_value=9).map(str))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # Every compound is fully bracketed so that no contested reading (sin x^2, 1/2x) can arise.
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(inner, st.integers(min_value=2, max_value=3)).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["sin", "cos"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
    )


polynomial_ish = st.recursive(_leaf(), _extend, max_leaves=6)
# exp is kept to the outside of small arguments: exp of exp of a cube overflows every sample.
expression = st.one_of(
    polynomial_ish,
    polynomial_ish.map(lambda e: f"exp({e})"),
    st.tuples(polynomial_ish, polynomial_ish).map(lambda t: f"({t[0]})*exp({t[1]})"),
)

METAMORPHIC = settings(
    deadline=1000,
    max_examples=150,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@METAMORPHIC
@given(expr=expression)
def test_an_expression_is_equivalent_to_itself(expr: str) -> None:
    task = Task(variables=("x", "y"), reference=expr)
    verdict = _check_grade(task, expr)
    assert verdict.error is None, verdict.error and verdict.error.message.en
    assert verdict.equivalent is True


@METAMORPHIC
@given(expr=expression)
def test_an_expression_in_brackets_times_one_is_equivalent(expr: str) -> None:
    task = Task(variables=("x", "y"), reference=expr)
    verdict = _check_grade(task, "(" + expr + ")*1")
    assert verdict.error is None, verdict.error and verdict.error.message.en
    assert verdict.equivalent is True


@METAMORPHIC
@given(expr=expression)
def test_adding_a_constant_is_never_equivalent(expr: str) -> None:
    task = Task(variables=("x", "y"), reference=expr)
    verdict = _check_grade(task, expr + " + 1")
    assert verdict.error is None, verdict.error and verdict.error.message.en
    assert verdict.equivalent is False, (verdict.equivalent, verdict.reason)
