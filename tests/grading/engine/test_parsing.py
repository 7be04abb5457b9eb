"""The grammar: what students type is read as they mean it, and refusals are positioned."""

from __future__ import annotations

import pytest

from grading.engine import preview
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import parsed_latex, to_text

XY = ("x", "y")
LOSS = ("w1", "w2", "h1", "h2", "b", "y")


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("3x^2 + y", XY, "3*x^2 + y"),
        ("x**2", XY, "x^2"),
        ("-x^2", XY, "-x^2"),
        ("x^-3", XY, "x^(-3)"),
        ("e^x^2", XY, "e^(x^2)"),
        ("x^2y", XY, "x^2*y"),
        ("3xy", XY, "3*x*y"),
        ("7y e^(x^2)", XY, "7*y*e^(x^2)"),
        ("(x+1)(x-1)", XY, "(x + 1)*(x - 1)"),
        ("2x(3y+1)", XY, "2*x*(3*y + 1)"),
        ("2sin(x)", XY, "2*sin(x)"),
        ("sin(x)sin(x)", XY, "sin(x)*sin(x)"),
        ("sin^2(x)", XY, "sin(x)^2"),
        ("sin x", XY, "sin(x)"),
        ("[x+1]*2", XY, "(x + 1)*2"),
        ("exp(x) + ln(y) + log(x)", XY, "exp(x) + ln(y) + ln(x)"),
        ("sqrt(x) + abs(y) + |x|", XY, "sqrt(x) + abs(y) + abs(x)"),
        ("arcsin(x) + asin(y) + sinh(x)", XY, "asin(x) + asin(y) + sinh(x)"),
        ("sec(x)csc(x)cot(x)", XY, "sec(x)*csc(x)*cot(x)"),
        ("pi x + π y", XY, "pi*x + pi*y"),
        ("0.5x + 3/4", XY, "0.5*x + 3/4"),
        ("x·y × 2 − 1", XY, "x*y*2 - 1"),
        ("x²y³", XY, "x^2*y^3"),
        ("√x", XY, "sqrt(x)"),
        ("ｘ＋１", XY, "x + 1"),
        ("w1x", ("w1", "x"), "w1*x"),
        ("2bh1", ("b", "h1"), "2*b*h1"),
        ("w_11 + w_{11} + w11", ("w_11",), "w_11 + w_11 + w_11"),
        ("theta + θ", ("theta",), "theta + theta"),
        ("θ_1 + θ₁ + 𝜃_1 + theta_1", ("theta_1",), "theta_1 + theta_1 + theta_1 + theta_1"),
        ("2θx + µ", ("theta", "x", "mu"), "2*theta*x + mu"),
        ("tau", ("t", "a", "u"), "t*a*u"),
        ("xe^x", XY, "x*e^x"),
        ("f_x = 3x^2", XY, "3*x^2"),
        # the superscripts in the parser's table are powers; subscript digits join a name
        ("xʸ + yˣ + x⁻¹ + yⁿ + x³", ("x", "y", "n"), "x^y + y^x + x^(-1) + y^n + x^3"),
        ("h₁ + h₂ + w₁", LOSS, "h1 + h2 + w1"),
        # e after a number, but not scientific notation: read as Euler's number as before
        ("2e^x + 3e + e^(2x) + 2e x", XY, "2*e^x + 3*e + e^(2*x) + 2*e*x"),
        ("2e-x + 2 e-2 + 2e -2 + 2e-2.5", XY, "2*e - x + 2*e - 2 + 2*e - 2 + 2*e - 2.5"),
    ],
)
def test_accepted_syntax(text, variables, expected):
    parsed = parse(text, variables)
    assert ", ".join(to_text(p) for p in parsed.parts()) == expected
    # the plain form reads back to itself
    again = parse(expected, variables)
    assert ", ".join(to_text(p) for p in again.parts()) == expected


@pytest.mark.parametrize(
    ("text", "components"),
    [
        ("(1, 2)", ["1", "2"]),
        ("<x, y>", ["x", "y"]),
        ("⟨x, y⟩", ["x", "y"]),
        ("[x, y]", ["x", "y"]),
        ("e^(-2)<2,-1>", ["e^(-2)*2", "e^(-2)*(-1)"]),
        ("<x, y>/2", ["x/2", "y/2"]),
    ],
)
def test_vectors(text, components):
    parsed = parse(text, XY)
    assert parsed.is_vector
    assert [to_text(c) for c in parsed.parts()] == components


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("f_x = 1", ("x",)),
        ("f'_x = 1", ("x",)),
        ("z_y = 1", ("y",)),
        ("f_xy = 1", ("x", "y")),
        ("∂f/∂x = 1", ("x",)),
        ("df/dx = 1", ("x",)),
        ("∂²f/∂x∂y = 1", ("y", "x")),
        ("∂^2f/∂x^2 = 1", ("x", "x")),
        ("f_x(1,2) = 1", ("x",)),
    ],
)
def test_labels_name_the_derivative(text, order):
    assert parse(text, XY).label == order


@pytest.mark.parametrize("text", ["f_θ = 1", "∂f/∂θ = 1", "f_theta = 1"])
def test_labels_name_a_greek_variable_as_typed(text):
    assert parse(text, ("theta", "x")).label == ("theta",)


@pytest.mark.parametrize(
    ("text", "code", "start", "end"),
    [
        ("", "empty", 0, 1),
        ("x +", "unexpected-end", 2, 3),
        ("(x+1", "unclosed", 0, 1),
        ("x+1)", "unopened", 3, 4),
        ("(x+1]", "mismatched", 4, 5),
        ("sni(x)", "unknown-function", 0, 3),
        ("z + 1", "unknown-variable", 0, 1),
        ("x + cso", "unknown-name", 4, 7),
        ("x2", "name-then-digits", 0, 2),
        ("2 3", "two-numbers", 0, 3),
        ("1.2.3", "bad-number", 0, 5),
        ("x!", "factorial", 1, 2),
        ("x $ y", "bad-char", 2, 3),
        ("log(2, x)", "function-arity", 5, 6),
        ("9^9^9^9", "power-too-large", 2, 7),
        ("x^(10^100)", "exponent-too-large", 2, 10),
        ("x\u202ey", "control-char", 1, 2),
        ("x\x00", "control-char", 1, 2),
        ("()", "empty-parens", 0, 2),
        ("sin", "function-needs-parens", 0, 3),
        ("f_x = 1 = 2", "many-equals", 8, 9),
        ("f_q = x", "label-unreadable", 0, 4),
    ],
)
def test_rejections_are_positioned_and_bilingual(text, code, start, end):
    with pytest.raises(ParseError) as info:
        parse(text, XY)
    err = info.value
    assert err.msg.code == code
    assert (err.start, err.end) == (start, end)
    assert err.msg.en and err.msg.ko
    assert "Traceback" not in err.msg.en and "Error" not in err.msg.en


def test_unknown_function_suggests_the_near_name():
    with pytest.raises(ParseError) as info:
        parse("sni(x)", XY)
    assert info.value.msg.en == "Unknown function 'sni': did you mean sin?"


@pytest.mark.parametrize(
    ("text", "variables", "en", "ko"),
    [
        (
            "z + 1",
            XY,
            "This problem uses x and y, not z.",
            "이 문제의 변수는 x, y입니다 (입력한 문자: z).",
        ),
        (
            "X",
            XY,
            "This problem uses x and y, not X.",
            "이 문제의 변수는 x, y입니다 (입력한 문자: X).",
        ),
        (
            "z",
            ("x",),
            "This problem uses x, not z.",
            "이 문제의 변수는 x입니다 (입력한 문자: z).",
        ),
        (
            "z",
            ("w1", "h1", "b"),
            "This problem uses w1, h1 and b, not z.",
            "이 문제의 변수는 w1, h1, b입니다 (입력한 문자: z).",
        ),
    ],
)
def test_unknown_variable_names_the_declared_ones(text, variables, en, ko):
    # the Korean list is a comma list: no English "and", no particle that depends on the name
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    assert (info.value.msg.en, info.value.msg.ko) == (en, ko)


def test_caret_points_at_the_offending_character():
    with pytest.raises(ParseError) as info:
        parse("3x + z", XY)
    assert info.value.failure("3x + z").caret() == "3x + z\n     ^"


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("1/2x", ["1/(2x)", "(1/2)x"]),
        ("e^2x", ["e^(2x)", "(e^2)x"]),
        ("e^x y", ["e^(x y)", "(e^x) y"]),
        ("sin x^2", ["sin(x^2)", "sin(x)^2"]),
        ("sin xy", ["sin(xy)", "sin(x)y"]),
        ("sin^-1(x)", ["asin(x)", "1/sin(x)"]),
    ],
)
def test_contested_readings_are_not_guessed(text, readings):
    with pytest.raises(ParseError) as info:
        parse(text, XY)
    assert info.value.msg.code == "ambiguous"
    assert [r.text for r in info.value.readings] == readings
    assert all(r.latex for r in info.value.readings)


def test_latex_shows_implicit_multiplication():
    assert parsed_latex(parse("3xy", XY)) == r"3 \cdot x \cdot y"
    assert parsed_latex(parse("w1x", ("w1", "x"))) == r"w_{1} \cdot x"


def test_decimal_warning_names_the_fraction():
    parsed = parse("0.33x", XY)
    assert [w.en for w in parsed.warnings] == ["Decimals are taken exactly: 0.33 is not 1/3."]


@pytest.mark.parametrize(
    ("text", "variables", "start", "end", "char"),
    [
        ("2(ŷ-y)h1", LOSS, 2, 3, "ŷ"),  # the prediction, once read as y: 2(y-y)h1 = 0
        ("Ŷ", LOSS, 0, 1, "Ŷ"),
        ("3é", XY, 1, 2, "é"),
        ("x\u0304 + 1", XY, 0, 2, "x\u0304"),  # x̄ typed as x and a combining macron
        ("3x\u0301\u0302^2+y", XY, 1, 4, "x\u0301\u0302"),
        ("θ\u0302", ("theta",), 0, 2, "θ\u0302"),
        ("ά", XY, 0, 1, "ά"),
    ],
)
def test_letters_with_marks_are_refused_not_read_as_plain_letters(
    text, variables, start, end, char
):
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    err = info.value
    assert (err.msg.code, err.start, err.end) == ("accented-letter", start, end)
    assert text[err.start : err.end] == char
    assert err.msg.en == (
        f"'{char}' cannot be read: letters with accents or marks are not variables here. "
        f"Type plain letters, and write out what '{char}' stands for."
    )
    assert err.msg.ko == (
        f"'{char}' 문자는 읽을 수 없습니다. 악센트나 기호가 붙은 글자는 여기서 변수로 쓰지 "
        f"않습니다. 기호 없는 글자로 쓰고, '{char}' 문자가 나타내는 식을 풀어 쓰세요."
    )


def test_preview_points_at_the_letter_with_a_mark():
    shown = preview("2(ŷ-y)h1", LOSS)
    assert not shown.ok and shown.error is not None
    assert shown.error.message.code == "accented-letter"
    assert shown.error.caret() == "2(ŷ-y)h1\n  ^"


@pytest.mark.parametrize(
    ("text", "variables", "start", "end", "typed"),
    [
        ("α", XY, 0, 1, "α"),
        ("θ+x", XY, 0, 1, "θ"),
        ("2θx", XY, 1, 2, "θ"),
        ("θ(x)", XY, 0, 1, "θ"),
        ("sin(θ)", XY, 4, 5, "θ"),
        ("3x + β", XY, 5, 6, "β"),
        ("µ", XY, 0, 1, "µ"),  # the micro sign, read as the Greek letter mu
        ("ℓ", XY, 0, 1, "ℓ"),
        ("ｚ + x", XY, 0, 1, "ｚ"),
        ("ﬁ", XY, 0, 1, "ﬁ"),
        # a Greek letter is one name: τ is not t*a*u, β is not b*e*t*a
        ("τ", ("t", "a", "u"), 0, 1, "τ"),
        ("β", ("b", "t", "a"), 0, 1, "β"),
    ],
)
def test_unknown_variable_names_the_character_as_typed(text, variables, start, end, typed):
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    err = info.value
    assert (err.msg.code, err.start, err.end) == ("unknown-variable", start, end)
    allowed = ", ".join(variables[:-1]) + " and " + variables[-1]
    assert err.msg.en == f"This problem uses {allowed}, not {typed}."
    assert err.msg.ko == (f"이 문제의 변수는 {', '.join(variables)}입니다 (입력한 문자: {typed}).")


def test_unknown_function_names_what_was_typed():
    with pytest.raises(ParseError) as info:
        parse("ｓｉｍ(x)", XY)
    assert info.value.msg.en == "Unknown function 'ｓｉｍ': did you mean sin?"
    assert (info.value.start, info.value.end) == (0, 3)


def test_preview_points_at_the_greek_letter():
    shown = preview("3x + θ", XY)
    assert shown.error is not None
    assert shown.error.message.en == "This problem uses x and y, not θ."
    assert shown.error.caret() == "3x + θ\n     ^"


@pytest.mark.parametrize(
    ("text", "code", "start", "end", "en"),
    [
        (
            "log10(x)",
            "log-base",
            0,
            5,
            "'log10' is not available: log and ln are the natural logarithm. "
            "For the logarithm to base 10, write ln(x)/ln(10).",
        ),
        (
            "3 + log_10(x)",
            "log-base",
            4,
            10,
            "'log_10' is not available: log and ln are the natural logarithm. "
            "For the logarithm to base 10, write ln(x)/ln(10).",
        ),
        (
            "log_{2} x",
            "log-base",
            0,
            7,
            "'log_{2}' is not available: log and ln are the natural logarithm. "
            "For the logarithm to base 2, write ln(x)/ln(2).",
        ),
        (
            "log2(x)",
            "log-base",
            0,
            4,
            "'log2' is not available: log and ln are the natural logarithm. "
            "For the logarithm to base 2, write ln(x)/ln(2).",
        ),
        (
            "ln2x",
            "log-digits",
            0,
            3,
            "'ln2' cannot be read: put the argument of ln in parentheses, like ln(2x). "
            "For the logarithm to base 2, write ln(x)/ln(2).",
        ),
        (
            "sin2x",
            "function-digits",
            0,
            4,
            "'sin2' cannot be read: put the argument of sin in parentheses, like sin(2x), "
            "and write a power of sin as sin^2(x).",
        ),
        (
            "ysin2(x)",
            "function-digits",
            1,
            5,
            "'sin2' cannot be read: put the argument of sin in parentheses, like sin(2x), "
            "and write a power of sin as sin^2(x).",
        ),
        (
            "sqrt2x",
            "function-digits-plain",
            0,
            5,
            "'sqrt2' cannot be read: put the argument of sqrt in parentheses, like sqrt(2x).",
        ),
        ("x_2", "name-then-digits", 0, 3, "'x2' is unclear: write x^2 or x*2."),
    ],
)
def test_a_function_name_then_digits_gets_advice_that_parses(text, code, start, end, en):
    with pytest.raises(ParseError) as info:
        parse(text, XY)
    err = info.value
    assert (err.msg.code, err.start, err.end, err.msg.en) == (code, start, end, en)


def test_log_base_advice_in_korean():
    with pytest.raises(ParseError) as info:
        parse("log10(x)", XY)
    assert info.value.msg.ko == (
        "'log10' 표기는 쓸 수 없습니다. log와 ln은 자연로그입니다. "
        "밑이 10인 로그는 ln(x)/ln(10)처럼 쓰세요."
    )


@pytest.mark.parametrize("advice", ["ln(x)/ln(10)", "ln(2x)", "sin(2x)", "sin^2(x)", "sqrt(2x)"])
def test_the_advised_forms_parse(advice):
    parse(advice, XY)


def test_preview_points_at_log10():
    shown = preview("3 + log10(x)", XY)
    assert shown.error is not None and shown.error.message.code == "log-base"
    assert shown.error.caret() == "3 + log10(x)\n    ^^^^^"


@pytest.mark.parametrize(
    ("text", "caret"),
    [
        ("3x + z", "     ^"),
        ("x\u0304 + 1", "^"),  # x and a combining macron: one column
        ("３ｘ + z", "       ^"),  # full-width characters take two columns each
        ("한", "^^"),
    ],
)
def test_the_caret_is_measured_in_display_columns(text, caret):
    shown = preview(text, XY)
    assert shown.error is not None
    assert shown.error.caret() == f"{text}\n{caret}"


@pytest.mark.parametrize(
    ("text", "variables", "start", "end", "char", "example"),
    [
        ("eᵗ", ("t",), 1, 2, "ᵗ", "e^t"),  # was read as e*t
        ("3xᵃ", ("x", "a"), 2, 3, "ᵃ", "x^a"),  # was 3*x*a
        ("eˣᵗ", ("x", "t"), 1, 3, "ˣᵗ", "e^(xt)"),  # ˣ is in the table, ᵗ is not
        ("2ᵗ²", ("t",), 1, 3, "ᵗ²", "2^(t2)"),
        ("(x+1)ᵗ", ("x", "t"), 5, 6, "ᵗ", "x^t"),
        ("θᵝ", ("theta", "beta"), 1, 2, "ᵝ", "θ^β"),  # was theta*beta
        ("πᵗ", ("t",), 1, 2, "ᵗ", "π^t"),
        ("yᴬ", XY, 1, 2, "ᴬ", "y^A"),
        ("x⁽ⁿ⁺¹⁾", ("x", "n"), 1, 6, "⁽ⁿ⁺¹⁾", "x^(n+1)"),
    ],
)
def test_superscript_letters_are_refused_not_read_as_plain_letters(
    text, variables, start, end, char, example
):
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    err = info.value
    assert (err.msg.code, err.start, err.end) == ("superscript", start, end)
    assert text[err.start : err.end] == char
    assert err.msg.en == f"'{char}' cannot be read: write powers with ^, e.g. {example}."
    assert err.msg.ko == (
        f"'{char}' 문자는 읽을 수 없습니다. 거듭제곱은 ^ 기호로 쓰세요. 예: {example}"
    )


@pytest.mark.parametrize(
    ("text", "variables", "start", "end"),
    [
        ("xₓ", XY, 1, 2),  # was x*x
        ("tₜ + 1", ("t",), 1, 2),  # was t*t + 1
        ("x₋1", XY, 1, 2),  # was x - 1
        ("fₓ = 2x", XY, 1, 2),
        ("ⓧ", XY, 0, 1),  # was x
        ("3Ⓨ", XY, 1, 2),
        ("2⒳", XY, 1, 2),  # was 2*(x)
        ("🄰 + x", ("A", "x"), 0, 1),  # was A + x
        ("x⁼2", XY, 1, 2),
        ("x™", ("x", "T", "M"), 1, 2),  # was x*T*M
    ],
)
def test_subscript_and_enclosed_letters_are_refused(text, variables, start, end):
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    err = info.value
    char = text[start:end]
    assert (err.msg.code, err.start, err.end) == ("special-character", start, end)
    assert err.msg.en == (
        f"'{char}' cannot be read here: type plain letters and signs, and write a subscript "
        "with _, e.g. f_x."
    )
    assert err.msg.ko == (
        f"'{char}' 문자는 여기서 읽을 수 없습니다. 일반 글자와 기호로 쓰고, 아래 첨자는 "
        "f_x처럼 _ 기호로 쓰세요."
    )


def test_preview_points_at_the_superscript_letter():
    shown = preview("2eᵗ + t", ("t",))
    assert not shown.ok and shown.error is not None and shown.readings == ()
    assert shown.error.message.en == "'ᵗ' cannot be read: write powers with ^, e.g. e^t."
    assert shown.error.caret() == "2eᵗ + t\n  ^"
    shown = preview("xₓ", XY)
    assert shown.error is not None and shown.error.message.code == "special-character"
    assert shown.error.caret() == "xₓ\n ^"


@pytest.mark.parametrize(
    ("text", "code", "start", "end", "en", "ko"),
    [
        (
            "x₁",
            "name-then-digits",
            0,
            2,
            "'x₁' is unclear: write x^1 or x*1.",
            "'x₁' 표기는 뜻이 모호합니다. x^1 또는 x*1처럼 쓰세요.",
        ),
        (
            "3 + ｘ2",
            "name-then-digits",
            4,
            6,
            "'ｘ2' is unclear: write x^2 or x*2.",
            "'ｘ2' 표기는 뜻이 모호합니다. x^2 또는 x*2처럼 쓰세요.",
        ),
        (
            "log₂ x",
            "log-base",
            0,
            4,
            "'log₂' is not available: log and ln are the natural logarithm. "
            "For the logarithm to base 2, write ln(x)/ln(2).",
            "'log₂' 표기는 쓸 수 없습니다. log와 ln은 자연로그입니다. "
            "밑이 2인 로그는 ln(x)/ln(2)처럼 쓰세요.",
        ),
    ],
)
def test_name_then_digits_quotes_the_subscript_as_typed(text, code, start, end, en, ko):
    with pytest.raises(ParseError) as info:
        parse(text, XY)
    err = info.value
    assert (err.msg.code, err.start, err.end, err.msg.en, err.msg.ko) == (code, start, end, en, ko)
    shown = preview(text, XY)
    assert shown.error is not None and shown.error.message == err.msg


@pytest.mark.parametrize(
    ("text", "variables", "start", "end", "readings"),
    [
        ("3.5e-2x", XY, 0, 6, ["(3.5*10^(-2))x", "3.5e - 2x"]),  # was 3.5*e - 2*x
        ("y + 2e+3", XY, 4, 8, ["y + 2*10^3", "y + 2e + 3"]),  # was y + 2*e + 3
        ("1e3", XY, 0, 3, ["1*10^3", "1e^3"]),
        ("1/2e3", XY, 2, 5, ["1/(2*10^3)", "1/(2e^3)"]),
        ("2e-3 + 4e-5", XY, 0, 4, ["2*10^(-3) + 4*10^(-5)", "2e - 3 + 4e - 5"]),
        ("2E-5", ("x", "E"), 0, 4, ["2*10^(-5)", "2E - 5"]),  # was 2*E - 5
    ],
)
def test_scientific_notation_is_not_read_as_eulers_number(text, variables, start, end, readings):
    with pytest.raises(ParseError) as info:
        parse(text, variables)
    err = info.value
    typed = text[start:end]
    assert (err.msg.code, err.start, err.end) == ("ambiguous", start, end)
    assert err.msg.en == f"'{typed}' can be read in more than one way: which did you mean?"
    assert err.msg.ko == (
        f"'{typed}' 식은 여러 가지로 읽힐 수 있습니다. 아래에서 의도한 식을 고르세요."
    )
    assert [r.text for r in err.readings] == readings
    for reading in err.readings:
        # each reading is offered to be chosen: it parses, with no question left
        assert reading.latex == parsed_latex(parse(reading.text, variables))


def test_scientific_notation_with_an_undeclared_capital_e():
    with pytest.raises(ParseError) as info:
        parse("2E5 + x", XY)
    err = info.value
    assert (err.msg.code, err.start, err.end) == ("scientific-notation", 0, 3)
    assert err.msg.en == "'2E5' cannot be read: scientific notation is not used here. Write 2*10^5."
    assert err.msg.ko == (
        "'2E5' 표기는 읽을 수 없습니다. 여기서는 과학적 표기법을 쓰지 않습니다. 2*10^5처럼 쓰세요."
    )
    assert [r.text for r in err.readings] == ["2*10^5 + x"]


def test_preview_offers_both_readings_of_scientific_notation():
    shown = preview("3.5e-2x", XY)
    assert not shown.ok and shown.error is not None
    assert shown.error.message.code == "ambiguous"
    assert shown.error.caret() == "3.5e-2x\n^^^^^^"
    assert [r.text for r in shown.readings] == ["(3.5*10^(-2))x", "3.5e - 2x"]
    assert all(r.latex for r in shown.readings)


def test_every_function_the_grammar_reads_is_one_a_tree_may_call() -> None:
    from grading.engine.parsing import FUNCTION_ALIASES
    from grading.engine.tree import FUNCTIONS

    # a stored tree (tree_from_data) calls what the grammar reads, and sign (from SymPy)
    assert set(FUNCTION_ALIASES.values()) | {"sign"} == FUNCTIONS


@pytest.mark.parametrize("text", ["t", "2t + 1", "a^2"])
def test_a_letter_where_there_are_no_variables_is_explained(text):
    # An instructor's constraint over no parameters reached an IndexError (found by the form
    # fuzz in tests/security): there is no variable to list.
    with pytest.raises(ParseError) as caught:
        parse(text, ())
    assert caught.value.msg.code == "no-variables"
    assert caught.value.msg.en and "변수가 없습니다" in caught.value.msg.ko
