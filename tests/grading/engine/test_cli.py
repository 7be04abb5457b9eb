"""The command line the web app and benchmarks call: `check` prints JSON, `batch` maps lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BATCH_KEYS = {"id", "equivalent", "method", "error", "mistake", "ms"}
CHECK_KEYS = {
    "equivalent",
    "method",
    "evidence",
    "elapsed_ms",
    "warnings",
    "error",
    "mistake",
    "reason",
    "answer_latex",
    "key_latex",
    "mistake_code",
    "components",
}


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "grading", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=env,
        timeout=120,
    )


CHECKS = [
    # (id, arguments, equivalent, exit code)
    ("reference-right", ["--vars", "x,y", "--reference", "3x^2+y", "y + 3x^2"], True, 0),
    ("reference-wrong", ["--vars", "x,y", "--reference", "3x^2+y", "3x^2-y"], False, 0),
    (
        "function-wrt-x",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "x", "3x^2+y"],
        True,
        0,
    ),
    ("function-wrt-y", ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "y", "x-1"], True, 0),
    (
        "function-wrt-wrong",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "y", "3x^2+y"],
        False,
        0,
    ),
    (
        "function-mixed",
        ["--vars", "x,y", "--function", "x^3 y^2", "--wrt", "x,y", "6x^2y"],
        True,
        0,
    ),
    (
        "function-second",
        ["--vars", "x,y", "--function", "x^3 y^2", "--wrt", "x,x", "6xy^2"],
        True,
        0,
    ),
    (
        "gradient",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--gradient", "<3x^2+y, x-1>"],
        True,
        0,
    ),
    (
        "gradient-swapped",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--gradient", "<x-1, 3x^2+y>"],
        False,
        0,
    ),
    (
        "gradient-at",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--gradient", "--at", "x=1,y=2", "<5, 0>"],
        True,
        0,
    ),
    (
        "gradient-at-wrong",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--gradient", "--at", "x=1,y=2", "<5, 1>"],
        False,
        0,
    ),
    (
        "value-at",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "x", "--at", "x=1,y=2", "5"],
        True,
        0,
    ),
    (
        "value-at-decimal-in-tolerance",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "x", "--at", "x=1,y=2", "5.001"],
        True,
        0,
    ),
    (
        "value-at-decimal-outside",
        ["--vars", "x,y", "--function", "x^3+xy-y", "--wrt", "x", "--at", "x=1,y=2", "5.1"],
        False,
        0,
    ),
    (
        "value-at-pi",
        ["--vars", "x,y", "--function", "sin(xy)", "--wrt", "x", "--at", "x=1,y=pi/2", "0"],
        True,
        0,
    ),
    # each `check` is a fresh process: a wrong answer must be refused there too, not only when warm
    (
        "near-miss-huge-key",
        ["--vars", "x,y", "--reference", "49exp(256)", "49exp(256)+1"],
        False,
        0,
    ),
    (
        "near-miss-tiny-offset",
        ["--vars", "x,y", "--reference", "3x^2+y", "3x^2+y+1/10^40"],
        False,
        0,
    ),
    ("unreadable-answer", ["--vars", "x,y", "--reference", "3x^2+y", "3x^2+"], None, 1),
    (
        "hostile-answer",
        ["--vars", "x,y", "--reference", "3x^2+y", "__import__('os').system('ls')"],
        None,
        1,
    ),
]


@pytest.mark.parametrize(
    ("case_id", "args", "equivalent", "code"), CHECKS, ids=[c[0] for c in CHECKS]
)
def test_check_prints_the_verdict_as_json(
    case_id: str, args: list[str], equivalent: bool | None, code: int
) -> None:
    proc = _run(["check", *args])

    assert proc.returncode == code, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == CHECK_KEYS
    assert out["equivalent"] is equivalent
    if equivalent is None:
        assert out["method"] == "none"
        assert out["error"]["message"]["en"] and out["error"]["message"]["ko"]
    else:
        assert out["error"] is None
        assert out["method"] in ("structural", "symbolic", "numeric")


def test_check_names_the_mistake_of_swapped_gradient_components() -> None:
    proc = _run(["check", "--vars", "x,y", "--function", "x^3+xy-y", "--gradient", "<x-1, 3x^2+y>"])

    out = json.loads(proc.stdout)
    assert out["equivalent"] is False
    assert out["mistake_code"] == "gradient-swapped"
    assert out["mistake"]["code"] == "gradient-swapped"
    # each component decided on its own: both wrong, each by the other variable
    assert [c["equivalent"] for c in out["components"]] == [False, False]
    assert [c["mistake"]["code"] for c in out["components"]] == ["wrong-variable"] * 2


@pytest.mark.parametrize(
    "args",
    [
        ["--vars", "x,y", "3x^2+y"],
        ["--vars", "x,y", "--reference", "3x^2+y", "--function", "x^3+xy", "3x^2+y"],
        ["--vars", "x,y", "--function", "x^3+xy", "3x^2+y"],
    ],
    ids=["no-key", "two-keys", "function-without-wrt"],
)
def test_check_refuses_an_incomplete_task_with_exit_2(args: list[str]) -> None:
    proc = _run(["check", *args])

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


# (input line, expected equivalent, whether the output line must carry an error)
BATCH = [
    # first line of a fresh process: a near miss is refused before anything is warm
    (
        json.dumps(
            {
                "id": "near-miss",
                "answer": "49exp(256)+1",
                "vars": ["x", "y"],
                "reference": "49exp(256)",
            }
        ),
        False,
        False,
    ),
    (
        json.dumps(
            {"id": "ref-right", "answer": "y + 3x^2", "vars": ["x", "y"], "reference": "3x^2+y"}
        ),
        True,
        False,
    ),
    (
        json.dumps(
            {"id": "ref-wrong", "answer": "3x^2", "vars": ["x", "y"], "reference": "3x^2+y"}
        ),
        False,
        False,
    ),
    ("{not json", None, True),
    (json.dumps({"id": "missing-everything"}), None, True),
    (json.dumps({"id": "missing-key", "answer": "x", "vars": ["x", "y"]}), None, True),
    (json.dumps({"id": "missing-answer", "vars": ["x", "y"], "reference": "x"}), None, True),
    (json.dumps({"id": "missing-vars", "answer": "x", "reference": "x"}), None, True),
    (
        json.dumps(
            {
                "id": "fn-wrt",
                "answer": "x-1",
                "vars": ["x", "y"],
                "function": "x^3+xy-y",
                "wrt": ["y"],
            }
        ),
        True,
        False,
    ),
    (
        json.dumps(
            {"id": "fn-no-wrt", "answer": "x-1", "vars": ["x", "y"], "function": "x^3+xy-y"}
        ),
        None,
        True,
    ),
    (
        json.dumps(
            {
                "id": "gradient-at",
                "answer": "<5, 0>",
                "vars": ["x", "y"],
                "function": "x^3+xy-y",
                "gradient": True,
                "at": {"x": "1", "y": "2"},
            }
        ),
        True,
        False,
    ),
    (
        json.dumps(
            {
                "id": "value-at-pi",
                "answer": "0",
                "vars": ["x", "y"],
                "function": "sin(xy)",
                "wrt": ["x"],
                "at": {"x": "1", "y": "pi/2"},
            }
        ),
        True,
        False,
    ),
    ("[1, 2, 3]", None, True),
    ('"just a string"', None, True),
    ("null", None, True),
    (
        json.dumps({"id": "answer-not-string", "answer": 5, "vars": ["x"], "reference": "x"}),
        None,
        True,
    ),
    (json.dumps({"id": "vars-not-list", "answer": "x", "vars": "x", "reference": "x"}), None, True),
    (
        json.dumps(
            {
                "id": "bad-at",
                "answer": "1",
                "vars": ["x"],
                "function": "x^2",
                "wrt": ["x"],
                "at": [1],
            }
        ),
        None,
        True,
    ),
    (
        json.dumps(
            {"id": "bad-seed", "answer": "x", "vars": ["x"], "reference": "x", "seed": "abc"}
        ),
        None,
        True,
    ),
    (
        json.dumps(
            {
                "id": "bad-tolerance",
                "answer": "x",
                "vars": ["x"],
                "reference": "x",
                "tolerance": "abc",
            }
        ),
        None,
        True,
    ),
    (
        json.dumps({"id": "bomb", "answer": "9^9^9^9", "vars": ["x", "y"], "reference": "3x^2+y"}),
        None,
        True,
    ),
    (
        json.dumps(
            {"id": "nul", "answer": "3x^2+y\u0000", "vars": ["x", "y"], "reference": "3x^2+y"}
        ),
        None,
        True,
    ),
    (
        json.dumps(
            {"id": "bad-reference", "answer": "x", "vars": ["x", "y"], "reference": "3x^^2"}
        ),
        None,
        True,
    ),
    (
        json.dumps(
            {
                "id": "korean-id-\ud55c",
                "answer": "3x^2+y",
                "vars": ["x", "y"],
                "reference": "3x^2+y",
            }
        ),
        True,
        False,
    ),
    ("   ", None, True),
    (json.dumps({"id": "last", "answer": "x", "vars": ["x"], "reference": "x"}), True, False),
]


def _id_of(line: str) -> object:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    return data.get("id") if isinstance(data, dict) else None


def test_batch_writes_one_line_per_input_line_in_order() -> None:
    stdin = "\n".join(line for line, _, _ in BATCH) + "\n"

    proc = _run(["batch"], stdin=stdin)

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.endswith("\n")
    lines = proc.stdout.splitlines()
    assert len(lines) == len(BATCH)
    for (line, equivalent, has_error), out_line in zip(BATCH, lines, strict=True):
        out = json.loads(out_line)
        assert set(out) == BATCH_KEYS, line
        assert out["id"] == _id_of(line), line
        assert out["equivalent"] is equivalent, (line, out)
        if has_error:
            assert isinstance(out["error"], str) and out["error"], (line, out)
            assert out["method"] == "none", (line, out)
            assert not out["error"].startswith("internal error"), (line, out)
        else:
            assert out["error"] is None, (line, out)
            assert out["method"] in ("structural", "symbolic", "numeric"), (line, out)
        assert isinstance(out["ms"], (int, float)) and out["ms"] >= 0, (line, out)
        assert out["mistake"] is None or isinstance(out["mistake"], str)


def test_batch_names_a_mistake_by_its_code() -> None:
    line = json.dumps(
        {
            "id": 7,
            "answer": "<x-1, 3x^2+y>",
            "vars": ["x", "y"],
            "function": "x^3+xy-y",
            "gradient": True,
        }
    )

    proc = _run(["batch"], stdin=line + "\n")

    assert proc.returncode == 0
    (out_line,) = proc.stdout.splitlines()
    assert json.loads(out_line)["id"] == 7
    assert json.loads(out_line)["mistake"] == "gradient-swapped"
    assert json.loads(out_line)["equivalent"] is False


def test_batch_grades_a_last_line_without_newline() -> None:
    first = json.dumps({"id": "a", "answer": "x", "vars": ["x"], "reference": "x"})
    second = json.dumps({"id": "b", "answer": "2x", "vars": ["x"], "reference": "x"})

    proc = _run(["batch"], stdin=first + "\n" + second)

    assert proc.returncode == 0
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["id"], o["equivalent"]) for o in outs] == [("a", True), ("b", False)]


def test_batch_with_empty_input_writes_nothing() -> None:
    proc = _run(["batch"], stdin="")

    assert proc.returncode == 0
    assert proc.stdout == ""
