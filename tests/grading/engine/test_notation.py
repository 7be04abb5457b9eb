"""Issue #15: answers typed as students type them are read as a teacher reads them, the
messages about them are true, and hand-built differences the samples cannot see are found.
Each input is exactly as the issue quotes it (the table-driven cases are in
cases_notation.jsonl)."""

from __future__ import annotations

from grading.engine import Task, grade

FX = Task(variables=("x", "y"), reference="3x^2 + y")


def test_a_tiny_constant_is_found_by_the_symbolic_step():
    verdict = grade(FX, "3x^2+y+e^(-400)")
    assert verdict.equivalent is False
    assert verdict.method == "symbolic"


def test_a_probe_names_the_point_where_the_trap_shows():
    verdict = grade(FX, "3x^2+y+e^(x-500)")
    assert verdict.equivalent is False
    assert verdict.evidence.witness == {"x": "500.0", "y": "0.75"}
    assert verdict.reason is not None and "x = 500.0" in verdict.reason.en


def test_the_disk_trap_is_found_at_its_centre():
    r = "((x-0.3)^2+(y-0.2)^2-0.0001)"
    verdict = grade(FX, f"3x^2+y+abs({r})-{r}")
    assert verdict.equivalent is False
    assert verdict.evidence.witness is not None
    assert abs(float(verdict.evidence.witness["x"]) - 0.3) < 0.01
    assert abs(float(verdict.evidence.witness["y"]) - 0.2) < 0.01


def test_probes_are_found_with_positive_variables():
    task = Task(variables=("x", "y"), reference="3x^2 + y", positive=True)
    assert grade(task, "3x^2+y+e^(-10000(x-0.5)^2)").equivalent is False
