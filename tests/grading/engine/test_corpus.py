"""Every grading case in corpus/ (the shared corpus, copied) and beside this file is decided
as expected."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grading.engine import Task, grade, key_of

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


EQUIVALENCE = (
    _load(CORPUS / "equivalence.jsonl")
    + _load(HERE / "cases.jsonl")
    + _load(HERE / "cases_redteam.jsonl")
    + _load(HERE / "cases_notation.jsonl")  # ours: issue #15's notation and traps
)
TEXTBOOK = _load(CORPUS / "textbook-sample.jsonl")


def test_the_corpus_is_complete():
    # the table-driven tests below would pass vacuously on a truncated copy
    assert len(_load(CORPUS / "equivalence.jsonl")) >= 170
    assert len(TEXTBOOK) >= 16


@pytest.mark.parametrize("case", EQUIVALENCE, ids=[c["id"] for c in EQUIVALENCE])
def test_equivalence_case(case):
    task = Task(variables=tuple(case["vars"]), reference=case["reference"])
    verdict = grade(task, case["answer"])
    assert verdict.error is None, verdict.error.message.en
    assert verdict.equivalent is case["equivalent"], (case["note"], verdict.evidence)
    assert verdict.method in ("structural", "symbolic", "numeric")


def task_from_textbook(case: dict) -> Task:
    """Turn the corpus task notation (`d2/dxdy`, `value d/dx at (1,2)`, `gradient`) into a Task."""
    variables = tuple(case["vars"])
    text = case["task"]
    at: tuple[tuple[str, str], ...] = ()
    m = re.search(r" at \((.*)\)$", text)
    if m:
        values = [v.strip() for v in m.group(1).split(",")]
        at = tuple(zip(variables, values, strict=True))
        text = text[: m.start()]
    text = text.removeprefix("value ")
    if text.startswith("gradient"):
        return Task(variables=variables, function=case["function"], gradient=True, at=at)
    m = re.fullmatch(r"d(\d?)/(.*)", text)
    assert m, text
    order = int(m.group(1) or 1)
    wrt: list[str] = []
    for name, power in re.findall(r"d([a-z]\w*?)(\d?)(?=d|$)", m.group(2)):
        wrt += [name] * int(power or 1)
    assert len(wrt) == order, (text, wrt)
    return Task(variables=variables, function=case["function"], wrt=tuple(wrt), at=at)


@pytest.mark.parametrize("case", TEXTBOOK, ids=[c["id"] for c in TEXTBOOK])
def test_textbook_answer_is_accepted_against_our_own_derivative(case):
    task = task_from_textbook(case)
    verdict = grade(task, case["answer_as_printed"])
    assert verdict.error is None, verdict.error.message.en
    assert verdict.equivalent is True, verdict.evidence


@pytest.mark.parametrize("case", TEXTBOOK, ids=[c["id"] for c in TEXTBOOK])
def test_textbook_key_text_is_accepted_and_its_negation_is_not(case):
    task = task_from_textbook(case)
    key = key_of(task)
    assert grade(task, key.text).equivalent is True
    if key.is_vector:
        wrong = "<" + ", ".join(f"({c}) + 1" for c in key.components) + ">"
    else:
        wrong = f"({key.text}) + 1"
    assert grade(task, wrong).equivalent is False


WRONG = [c for c in EQUIVALENCE if c["equivalent"] is False]


@pytest.mark.parametrize("case", WRONG, ids=[c["id"] for c in WRONG])
def test_a_wrong_answer_is_rejected_even_when_the_symbolic_step_runs_out_of_time(case, monkeypatch):
    # The symbolic step has a wall-clock budget; on a loaded machine it may give up (None).
    # Sampling alone must then still reject every wrong answer: the verdict cannot depend on
    # the machine's load.
    from grading.engine import equivalence

    monkeypatch.setattr(equivalence, "symbolic_check", lambda *a, **k: None)
    task = Task(variables=tuple(case["vars"]), reference=case["reference"])
    verdict = grade(task, case["answer"])
    assert verdict.equivalent is not True, (case["note"], verdict.evidence)
