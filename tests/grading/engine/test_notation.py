"""Issue #15: answers typed as students type them are read as a teacher reads them, the
messages about them are true, and hand-built differences the samples cannot see are found.
Each input is exactly as the issue quotes it (the table-driven cases are in
cases_notation.jsonl)."""

from __future__ import annotations

import pytest

from grading.engine import Task, grade, key_of, preview

FX = Task(variables=("x", "y"), reference="3x^2 + y")


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


# --------------------------------------------------------------------------- read as meant

GRAD = Task(variables=("x", "y"), function="x^2 + y^2", gradient=True)
F_X = Task(variables=("x", "y"), function="x^3 + x*y - y", wrt=("x",))
F_X_AT = Task(
    variables=("x", "y"), function="x^3 + x*y - y", wrt=("x",), at=(("x", "1"), ("y", "2"))
)


@pytest.mark.parametrize(
    ("task", "answer", "right"),
    [
        (Task(variables=("x", "y"), reference="sqrt(2)/2"), "√2/2", True),
        (Task(variables=("x", "y"), reference="sqrt(3)"), "√3", True),
        (Task(variables=("x", "y"), reference="sqrt(2)"), "√3", False),  # a verdict, not a refusal
        (FX, "3x^2+y=", True),
        (FX, "3x^2+y.", True),
        (F_X, "fx = 3x^2+y", True),
        (F_X, "f_x: 3x^2+y", True),
        (F_X, "∂_x f = 3x^2+y", True),
        (F_X, "∂/∂x = 3x^2+y", True),
        (F_X, "f'(x) = 3x^2+y", True),
        (F_X_AT, "3(1)^2+2 = 5", True),
        (F_X_AT, "3(1)^2+2 = 6", False),
        (Task(variables=("x", "y"), reference="x/2"), "½x", True),
        (Task(variables=("x", "y"), reference="-2/3"), "-⅔", True),
        (Task(variables=("x", "y"), reference="-2x e^(-x^2) e^(-y^2)"), "-2x e^-x^2 e^-y^2", True),
    ],
)
def test_notation_students_use_is_read_and_graded(task, answer, right):
    verdict = grade(task, answer)
    assert verdict.error is None, verdict.error.message.en
    assert verdict.equivalent is right


def test_fy_on_an_f_x_problem_is_told_the_label_truthfully():
    verdict = grade(F_X, "fy = 3x^2+y")
    assert verdict.error is not None
    assert verdict.error.message.code == "label-mismatch"
    assert "fy" in verdict.error.message.en


def test_working_before_the_value_is_said_to_be_working():
    verdict = grade(F_X_AT, "3(1)^2+2 = 5")
    assert [w.code for w in verdict.warnings] == ["working-shown"]


@pytest.mark.parametrize("answer", ["2x i + 2y j", "2xi+2yj", "2x𝐢 + 2y𝐣"])
def test_unit_vectors_are_offered_as_the_vector(answer):
    verdict = grade(GRAD, answer)
    assert verdict.error is not None and verdict.error.message.code == "unit-vectors"
    assert "<2x, 2y>" in verdict.error.message.en
    shown = preview(answer, GRAD.variables, task=GRAD)
    assert [r.text for r in shown.readings] == ["<2x, 2y>"]
    assert grade(GRAD, shown.readings[0].text).equivalent is True


@pytest.mark.parametrize(
    ("answer", "meant", "reference"),
    [
        ("x^1/2", "x^(1/2)", "x^(1/2)"),
        ("x^-1/2", "x^(-1/2)", "x^(-1/2)"),
        ("yx^y-1", "yx^(y-1)", "y*x^(y-1)"),
        ("e^1/x", "e^(1/x)", "e^(1/x)"),
        ("x^1/3", "x^(1/3)", "x^(1/3)"),
        ("√2x", "sqrt(2x)", "sqrt(2x)"),
    ],
)
def test_contested_powers_ask_did_you_mean_and_the_reading_is_graded(answer, meant, reference):
    task = Task(variables=("x", "y"), reference=reference)
    verdict = grade(task, answer)
    assert verdict.error is not None and verdict.error.message.code == "ambiguous"
    shown = preview(answer, task.variables, task=task)
    assert meant in [r.text for r in shown.readings]
    assert all(r.latex for r in shown.readings if r.text == meant)
    assert grade(task, meant).equivalent is True


@pytest.mark.parametrize("answer", ["x^2/2", "x^2-1", "e^x-1", "2^x-1", "e^x e^y"])
def test_the_usual_readings_are_not_questioned(answer):
    assert preview(answer, ("x", "y")).ok


@pytest.mark.parametrize("answer", ["3x^2+y + C", "3x^2+y+C"])
def test_plus_c_is_told_a_derivative_has_no_constant(answer):
    verdict = grade(FX, answer)
    assert verdict.error is not None
    assert verdict.error.message.code == "constant-of-integration"
    assert "no constant of integration" in verdict.error.message.en


def test_a_mixed_number_is_not_read_as_a_product():
    assert grade(Task(variables=("x",), reference="3/2"), "1½").error is not None


# --------------------------------------------------------------------------- true messages


def _value(reference, at, tolerance=1e-3):
    return Task(variables=("x", "y"), reference=reference, at=at, tolerance=tolerance)


def test_a_value_problem_does_not_say_decimals_are_taken_exactly():
    # the key -pi/7.4 = -0.42454...: close to -3/7, which the warning would name
    task = _value("-pi/7.4", (("x", "0"), ("y", "0")))
    verdict = grade(task, "-0.4245")
    assert verdict.equivalent is True
    assert "decimal-exact" not in [w.code for w in verdict.warnings]
    shown = preview("-0.4245", ("x", "y"), task=task)
    assert "decimal-exact" not in [w.code for w in shown.warnings]
    # on an expression the warning stays: there decimals are exact
    assert "decimal-exact" in [w.code for w in grade(FX, "0.4286x").warnings]


def test_a_whole_number_is_compared_with_tolerance_when_the_key_is_irrational():
    task = Task(variables=("x",), reference="exp(x)", at=(("x", "7"),))
    assert grade(task, "1097").equivalent is True
    assert grade(task, "1097.0").equivalent is True
    assert grade(task, "1098").equivalent is False
    # a rational key is still compared exactly
    assert grade(Task(variables=("x",), reference="x/2", at=(("x", "9"),)), "4").equivalent is False


def test_tolerance_at_an_exact_zero_follows_the_problems_scale():
    # 2xy at y = 0: every term vanishes, nothing cancelled: only 0 is 0
    task = Task(variables=("x", "y"), function="x^2*y", wrt=("x",), at=(("x", "1"), ("y", "0")))
    assert grade(task, "0.0009").equivalent is False
    assert grade(task, "0.0").equivalent is True
    # 3x^2 - 3 at x = 1: terms of size 3 cancelled, 0.001 of that is allowed
    task = Task(
        variables=("x", "y"), function="x^3 - 3x + y", wrt=("x",), at=(("x", "1"), ("y", "2"))
    )
    assert grade(task, "0.002").equivalent is True
    assert grade(task, "0.004").equivalent is False
    # terms of size 10^-6 cancelled: 0.0009 is far off
    task = Task(
        variables=("x", "y"),
        function="x^3/3000000 - x/1000000",
        wrt=("x",),
        at=(("x", "1"), ("y", "0")),
    )
    assert grade(task, "0.0009").equivalent is False


LECTURE = Task(variables=("x", "y"), function="7x*y/e^(x^2+y^2)", wrt=("x",))


def test_a_dropped_product_rule_term_is_named():
    verdict = grade(LECTURE, "7y/e^(x^2+y^2)")
    assert verdict.mistake is not None
    assert verdict.mistake.code == "product-rule-term-dropped"


@pytest.mark.parametrize(
    "answer",
    [
        "(7y e^(x^2+y^2) + 7xy*2x e^(x^2+y^2))/(e^(x^2+y^2))^2",
        "(7xy*2x e^(x^2+y^2) - 7y e^(x^2+y^2))/(e^(x^2+y^2))^2",
    ],
)
def test_the_raw_quotient_rule_sign_slip_is_named(answer):
    verdict = grade(LECTURE, answer)
    assert verdict.equivalent is False
    assert verdict.mistake is not None and verdict.mistake.code == "quotient-rule-sign"


def test_keys_are_shown_factored_over_one_denominator():
    assert key_of(LECTURE).latex == r"-\frac{7 y \left(2 x^{2} - 1\right)}{e^{x^{2} + y^{2}}}"
    other = Task(variables=("x", "y"), function="3y/(x^2+y^2+1)", wrt=("y",))
    assert key_of(other).latex == (
        r"\frac{3 \left(x^{2} - y^{2} + 1\right)}{\left(x^{2} + y^{2} + 1\right)^{2}}"
    )
    # what is graded is still SymPy's derivative, and its factored form is accepted
    assert grade(LECTURE, "-7y(2x^2-1)/e^(x^2+y^2)").equivalent is True
