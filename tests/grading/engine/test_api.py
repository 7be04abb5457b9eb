"""The engine's public API: grade, preview, key_of, variant_check and the Verdict record."""

from __future__ import annotations

import pytest

from grading.engine import Task, Verdict, grade, key_of, preview, variant_check

XY = ("x", "y")
TOY1 = Task(variables=XY, function="x^3 + xy - y", wrt=("x",))
TOY2 = Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x",))


def test_key_is_computed_by_sympy():
    assert key_of(TOY1).text == "3*x^2 + y"
    assert key_of(Task(variables=XY, function="x^3 + xy - y", wrt=("y",))).text == "x - 1"


def test_the_lecture_answer_for_toy_2_is_accepted():
    verdict = grade(TOY2, "-7y(2x^2-1)/e^(x^2+y^2)")
    assert verdict.equivalent is True
    assert verdict.method in ("symbolic", "numeric")
    assert verdict.evidence.points >= 6


@pytest.mark.parametrize(
    ("task", "answer", "code"),
    [
        (TOY1, "x - 1", "wrong-variable"),
        (TOY1, "3x^2", "held-variable-dropped"),
        (TOY1, "-3x^2 - y", "sign-error"),
        (TOY1, "x^3 + xy - y", "function-returned"),
        (
            Task(variables=XY, function="e^(3x^2 y)", wrt=("x",)),
            "e^(3x^2y)",
            "missing-chain-factor",
        ),
        (Task(variables=XY, function="x^2 + y^2", gradient=True), "<2y, 2x>", "gradient-swapped"),
    ],
)
def test_wrong_answers_name_the_mistake(task, answer, code):
    verdict = grade(task, answer)
    assert verdict.equivalent is False
    assert verdict.mistake is not None and verdict.mistake.code == code
    assert verdict.mistake.en and verdict.mistake.ko


def test_a_wrong_answer_records_a_witness_point():
    verdict = grade(TOY1, "3x^2 + 2y")
    assert verdict.equivalent is False
    assert verdict.method == "numeric"
    assert set(verdict.evidence.witness) == {"x", "y"}
    assert verdict.evidence.key_value != verdict.evidence.answer_value


def test_same_inputs_same_verdict():
    first = grade(TOY2, "7y/e^(x^2+y^2) - 14x^2y/e^(x^2+y^2)", seed=7)
    second = grade(TOY2, "7y/e^(x^2+y^2) - 14x^2y/e^(x^2+y^2)", seed=7)
    assert first.equivalent is second.equivalent is True
    assert first.evidence == second.evidence


def test_verdict_json_round_trip():
    verdict = grade(TOY1, "3x^2")
    again = Verdict.from_json(verdict.to_json())
    assert again == verdict


def test_value_at_a_point_takes_exact_forms_and_decimals_within_tolerance():
    task = Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x",), at=(("x", "1"), ("y", "1")))
    assert key_of(task).is_number
    assert grade(task, "-7/e^2").equivalent is True
    assert grade(task, "-0.9473").equivalent is True  # within 0.1 %
    assert grade(task, "-0.94").equivalent is False
    assert grade(task, "7/e^2").equivalent is False


def test_value_task_refuses_an_expression():
    task = Task(variables=XY, function="x^2 y", wrt=("x",), at=(("x", "1"), ("y", "2")))
    verdict = grade(task, "2xy")
    assert verdict.equivalent is None
    assert verdict.error is not None and verdict.error.message.code == "number-expected"


def test_gradient_at_a_point_with_a_scalar_factor():
    task = Task(
        variables=("x", "y", "z"),
        function="e^(-(x^2+y^2+z^2))",
        gradient=True,
        at=(("x", "1"), ("y", "-1/2"), ("z", "1")),
    )
    assert grade(task, "e^(-9/4)<-2, 1, -2>").equivalent is True
    assert grade(task, "e^(-9/4)<-2, -1, -2>").equivalent is False


def test_label_for_another_derivative_is_an_error_that_says_so():
    verdict = grade(TOY1, "f_y = x - 1")
    assert verdict.equivalent is None
    assert verdict.error.message.code == "label-mismatch"
    assert verdict.error.message.en == (
        "Your answer is labelled f_y, but the question asks for f_x."
    )


def test_label_for_the_asked_derivative_is_accepted():
    assert grade(TOY1, "∂f/∂x = 3x^2 + y").equivalent is True


def test_vector_shape_errors():
    grad = Task(variables=XY, function="x^2 + y^2", gradient=True)
    assert grade(grad, "2x").error.message.code == "vector-expected"
    assert grade(grad, "<2x, 2y, 0>").error.message.code == "vector-size"
    assert grade(TOY1, "<1, 2>").error.message.code == "vector-not-expected"


def test_undecided_when_the_key_is_defined_almost_nowhere():
    task = Task(variables=XY, reference="sqrt(-x^2 - y^2)")
    verdict = grade(task, "0")
    assert verdict.equivalent is None
    assert verdict.reason is not None and verdict.reason.code == "too-few-points"


def test_positive_variables_change_the_domain():
    task = Task(variables=XY, reference="ln(x^2)", positive=True)
    assert grade(task, "2ln(x)").equivalent is True
    assert grade(Task(variables=XY, reference="ln(x^2)"), "2ln(x)").equivalent is False


def test_a_bad_key_gives_a_reason_not_an_exception():
    verdict = grade(Task(variables=XY, reference="sni(x)"), "x")
    assert verdict.equivalent is None
    assert verdict.reason is not None and verdict.reason.code == "key-invalid"


def test_preview_shows_latex_and_warnings():
    p = preview("0.33x + 2y", XY)
    assert p.ok
    assert p.latex == r"0.33 \cdot x + 2 \cdot y"
    assert [w.code for w in p.warnings] == ["decimal-exact"]


@pytest.mark.parametrize(
    ("text", "code", "part"),
    [
        ("1/0", "undefined-division", "1/0"),
        ("3x^2 + y/(0)", "undefined-division", "y/(0)"),
        ("x/-0.0", "undefined-division", "x/-0.0"),
        ("(0)^(-2) + x", "undefined-division", "(0)^(-2)"),
        ("x + 0^(-1/2)", "undefined-division", "0^(-1/2)"),
        ("y/(0*3)", "undefined-division", "y/(0*3)"),
        ("ln(0) + x", "undefined-log", "ln(0)"),
        ("3x^2 + log(0)", "undefined-log", "log(0)"),
    ],
)
def test_preview_says_when_a_part_has_no_value_anywhere(text, code, part):
    """Such an answer is read and graded wrong (issue #12); the preview says why first."""
    p = preview(text, XY)
    assert p.ok and [w.code for w in p.warnings] == [code]
    assert (
        p.warnings[0].en.startswith(f"{part} ")
        and "graded as it is, it is wrong" in p.warnings[0].en
    )
    assert p.warnings[0].ko.startswith(f"{part}에서 ") and "틀린 답" in p.warnings[0].ko
    assert grade(Task(variables=XY, reference="3x^2 + y"), text).equivalent is False


@pytest.mark.parametrize("text", ["0/x", "x^0", "0^2", "2^(-1)", "ln(10) + 0", "x*0 + 1/2"])
def test_no_such_warning_where_a_zero_is_harmless(text):
    assert preview(text, XY).warnings == ()


@pytest.mark.parametrize(
    "text", ["0.33x + 2y", "3x^2 + y", "<2x, 3y>", "2x + * y", "1/2x", "x y z"]
)
def test_preview_without_latex_agrees_but_for_the_latex(text):
    full = preview(text, XY, task=TOY1)
    lean = preview(text, XY, task=TOY1, latex=False)
    assert lean.latex == ""
    assert (lean.ok, lean.normalized, lean.warnings, lean.error, lean.readings) == (
        full.ok,
        full.normalized,
        full.warnings,
        full.error,
        full.readings,
    )


@pytest.mark.parametrize(
    "text", ["0.33x + 2y", "3x^2 + y", "<2x, 3y>", "2x + * y", "1/2x", "x y z", "f_x = 2x"]
)
def test_preview_without_its_text_agrees_but_for_the_latex_and_the_text(text):
    """What storing a submission asks (is it gradable?) is answered the same without printing."""
    full = preview(text, XY, task=TOY1)
    bare = preview(text, XY, task=TOY1, latex=False, normalize=False)
    assert (bare.latex, bare.normalized) == ("", "")
    assert (bare.ok, bare.warnings, bare.error, bare.readings) == (
        full.ok,
        full.warnings,
        full.error,
        full.readings,
    )
    assert full.normalized or not full.ok


def test_preview_offers_readings_for_contested_input():
    p = preview("1/2x", XY)
    assert not p.ok
    assert p.error.message.code == "ambiguous"
    assert [r.text for r in p.readings] == ["1/(2x)", "(1/2)x"]


def test_variant_check_passes_for_the_lecture_toys():
    assert variant_check(TOY1) == []
    assert variant_check(TOY2) == []


def test_variant_check_reports_a_key_undefined_at_its_point():
    task = Task(variables=XY, function="ln(x)", wrt=("x",), at=(("x", "0"), ("y", "1")))
    problems = variant_check(task)
    assert [p.code for p in problems] == ["key-invalid"]


def test_variant_check_names_an_accepted_mistake_in_both_languages():
    """At x = 1 the power-rule slips of x^2 give 2, the key's value: the check says which
    mistake would pass, once each, in English and in Korean (not "the key could not be
    computed")."""
    task = Task(variables=XY, function="x^2 + y", wrt=("x",), at=(("x", "1"), ("y", "1")))
    problems = variant_check(task)
    assert problems and {p.code for p in problems} == {"mistake-accepted"}
    assert len(problems) == len(set(problems))
    first = problems[0]
    assert first.en.startswith("A typical mistake would be graded as right: it gives 2")
    assert "Power rule" in first.en
    assert first.ko.startswith("전형적인 실수가 정답으로 채점됩니다")
    assert "Power rule" not in first.ko and "거듭제곱" in first.ko
