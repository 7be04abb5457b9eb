"""Named mistakes: the wrong answers of the corpus are produced and named, and never the key."""

from __future__ import annotations

import functools
import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Rational, cos, exp, log, sin, sqrt, tan

from grading.engine.diagnosis import (
    CODES,
    Candidate,
    _diff,
    mistakes_for_reference,
    typical_mistakes,
)
from tests.support.budget import HANG_S

x, y, z = sympy.symbols("x y z", real=True)
w1, w2, h1, h2, b = sympy.symbols("w1 w2 h1 h2 b", real=True)
t = sympy.Symbol("t", positive=True)
XY = (x, y)

# Three points with all coordinates positive (inside the domain of sqrt(xy), ln(x), x^y), where
# exact rational values are evaluated to 40 digits: agreement there is equality for these cases,
# and a difference as small as y beside 20e^(20x) (corpus H363) is still seen.
_ALL = sorted({x, y, z, w1, w2, h1, h2, b, t}, key=str)
_POINTS = [{s: Rational(7 + 3 * i + k, 9 + 2 * k) for i, s in enumerate(_ALL)} for k in range(3)]


@functools.cache
def values(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    return tuple(sympy.N(expr.subs(point), 40) for point in _POINTS)


def equal(a: sympy.Expr, c: sympy.Expr) -> bool:
    return all(
        abs(va - vc) <= sympy.Float("1e-30", 40) * max(1, abs(va))
        for va, vc in zip(values(a), values(c), strict=True)
    )


def equal_vectors(a: tuple[sympy.Expr, ...], c: tuple[sympy.Expr, ...]) -> bool:
    return len(a) == len(c) and all(equal(p, q) for p, q in zip(a, c, strict=True))


def first_match(candidates: list[Candidate], answer: tuple[sympy.Expr, ...]) -> Candidate | None:
    """What the grader reports: the first candidate equal to the answer."""
    return next((c for c in candidates if equal_vectors(c.expr, answer)), None)


def key_of(function: sympy.Expr, wrt: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    return sympy.diff(function, *wrt)


F7 = 7 * x * y * exp(-(x**2 + y**2))  # 7xy/e^(x^2+y^2)
U = -(w1 * x + b)
SIGMOID = 1 / (1 + exp(U))

# (corpus id, function, wrt, variables, the corpus's wrong answer, the code the grader reports)
CORPUS = [
    ("H012", F7, (x,), XY, -14 * x**2 * y * exp(-(x**2 + y**2)), "product-rule-term-dropped"),
    ("H017", F7, (x,), XY, 7 * (1 - 2 * x**2) * exp(-(x**2 + y**2)), "held-factor-dropped"),
    (
        "H027",
        F7,
        (x, y),
        XY,
        -14 * y**2 * (1 - 2 * x**2) * exp(-(x**2 + y**2)),
        "product-rule-term-dropped",
    ),
    ("H046", x**2 * sin(x * y), (x,), XY, 2 * x * cos(x * y), "product-rule-product"),
    (
        "H047",
        x**2 * sin(x * y),
        (x,),
        XY,
        2 * x * sin(x * y) + x**2 * cos(x * y),
        "missing-chain-factor",
    ),
    (
        "H048",
        x**2 * sin(x * y),
        (x,),
        XY,
        2 * x * sin(x * y) - x**2 * y * cos(x * y),
        "trig-sign",
    ),
    ("H053", x**2 * sin(x * y), (y,), XY, -(x**3) * cos(x * y), "trig-sign"),
    (
        "H054",
        x**2 * sin(x * y),
        (y,),
        XY,
        2 * x * sin(x * y) + x**3 * cos(x * y),
        "constant-differentiated",
    ),
    ("H059", exp(3 * x**2 * y), (x,), XY, exp(3 * x**2 * y), "missing-chain-factor"),
    (
        "H060",
        exp(3 * x**2 * y),
        (x,),
        XY,
        3 * x**2 * y * exp(3 * x**2 * y - 1),
        "exp-as-power",
    ),
    (
        "H064",
        exp(3 * x**2 * y),
        (x,),
        XY,
        6 * x * y * exp(3 * x**2 * y) + 3 * x**2 * exp(3 * x**2 * y),
        "held-variable-differentiated",
    ),
    # d/dx(-y/x) taken as -y/x^2: the sign of (1/x)' lost.
    ("H069", x * exp(-y / x), (x,), XY, exp(-y / x) * (1 - y / x), "quotient-rule-sign"),
    ("H076", x * exp(-y / x), (y,), XY, -x * exp(-y / x), "missing-chain-factor"),
    ("H082", (x**2 - y) / (x + y), (x,), XY, 2 * x, "quotient-rule-quotient"),
    (
        "H083",
        (x**2 - y) / (x + y),
        (x,),
        XY,
        (x**2 + 2 * x * y - y) / (x + y) ** 2,
        "sign-error",
    ),
    (
        "H084",
        (x**2 - y) / (x + y),
        (x,),
        XY,
        (2 * x * (x + y) + (x**2 - y)) / (x + y) ** 2,
        "quotient-rule-sign",
    ),
    ("H088", (x**2 - y) / (x + y), (y,), XY, x * (x + 1) / (x + y) ** 2, "quotient-rule-sign"),
    ("H097", log(x**2 + y**2), (x,), XY, 1 / (2 * x), "log-rule"),
    ("H104", log(x * y), (x,), XY, 1 / x + 1 / y, "held-variable-differentiated"),
    ("H108", sin(x * y) ** 2, (x,), XY, 2 * sin(x * y) * cos(x * y), "missing-chain-factor"),
    ("H109", sin(x * y) ** 2, (x,), XY, 2 * y * sin(x * y), "chain-outer-missing"),
    ("H111", sin(x * y) ** 2, (x,), XY, 2 * x * sin(x * y) * cos(x * y), "wrong-variable"),
    ("H116", tan(x * y), (x,), XY, y * tan(x * y) ** 2, "trig-rule"),
    ("H125", cos(x**2 * y), (x,), XY, -sin(x**2 * y), "missing-chain-factor"),
    ("H128", cos(x**2 * y), (x,), XY, -2 * x * y * sin(2 * x * y), "chain-argument-replaced"),
    (
        "H141",
        sqrt(x**2 + y**2),
        (x,),
        XY,
        2 * x / sqrt(x**2 + y**2),
        "power-rule-coefficient",
    ),
    (
        "H144",
        sqrt(x**2 + y**2),
        (x,),
        XY,
        (x + y) / sqrt(x**2 + y**2),
        "held-variable-differentiated",
    ),
    ("H149", sqrt(x * y), (x,), XY, 1 / (2 * sqrt(x * y)), "missing-chain-factor"),
    (
        "H169",
        x**5 * y**3 + y / x**2,
        (x,),
        XY,
        5 * x**4 * y**3 - 2 * y / x,
        "power-rule-exponent-raised",
    ),
    ("H170", x**5 * y**3 + y / x**2, (x,), XY, 5 * x**4 * y**3 + 2 * y / x**3, "sign-error"),
    (
        "H172",
        x**5 * y**3 + y / x**2,
        (x,),
        XY,
        5 * x**4 * y**3 - y / (2 * x),
        "power-rule-denominator",
    ),
    (
        "H175",
        x**5 * y**3 + y / x**2,
        (y,),
        XY,
        3 * x**5 * y**2 - 2 * y / x**3,
        "wrong-variable-term",
    ),
    ("H181", x**y, (x,), XY, (y - 1) * x ** (y - 1), "power-rule-new-exponent"),
    ("H186", x**y, (y,), XY, x**y, "exp-log-factor"),
    ("H187", x**y, (y,), XY, x**y / log(x), "exp-log-factor"),
    ("H199", (x**2 + y**3) ** 4, (x,), XY, 4 * (x**2 + y**3) ** 3, "missing-chain-factor"),
    ("H212", x * exp(x * y), (x,), XY, (1 + x) * exp(x * y), "missing-chain-factor"),
    ("H213", x * exp(x * y), (x,), XY, x**2 * exp(x * y), "wrong-variable"),
    ("H215", x * exp(x * y), (y,), XY, x * exp(x * y), "missing-chain-factor"),
    ("H219", exp(x / y), (x,), XY, exp(x / y), "missing-chain-factor"),
    ("H220", exp(x / y), (x,), XY, -x * exp(x / y) / y**2, "wrong-variable"),
    # f_x of (x-y)^7/7 is exactly the answer, so "wrong variable" is a true (and earlier) reading.
    ("H241", (x - y) ** 7 / 7, (y,), XY, (y - x) ** 6, "wrong-variable"),
    ("H242", (x - y) ** 7 / 7, (y,), XY, (x - y) ** 6, "wrong-variable"),
    ("H246", exp(x + y), (x,), XY, exp(x), "held-variable-dropped"),
    ("H247", exp(x + y), (x,), XY, (x + y) * exp(x + y - 1), "exp-as-power"),
    ("H248", exp(x + y), (x,), XY, 2 * exp(x + y), "held-variable-differentiated"),
    # The answer is the b-partial (H280's key).
    ("H274", SIGMOID, (w1,), (w1, x, b), exp(U) / (1 + exp(U)) ** 2, "wrong-variable"),
    (
        "H275",
        SIGMOID,
        (w1,),
        (w1, x, b),
        -x * exp(U) / (1 + exp(U)) ** 2,
        "quotient-rule-sign",
    ),
    ("H276", SIGMOID, (w1,), (w1, x, b), x / (1 + exp(U)) ** 2, "chain-outer-missing"),
    (
        "H277",
        SIGMOID,
        (w1,),
        (w1, x, b),
        x * exp(U) / (1 + exp(U)),
        "quotient-rule-denominator",
    ),
    ("H280", SIGMOID, (b,), (w1, x, b), x * exp(U) / (1 + exp(U)) ** 2, "wrong-variable"),
    (
        "H284",
        (w2 * h1 + b - y) ** 2,
        (h1,),
        (w2, h1, b, y),
        2 * h1 * (w2 * h1 + b - y),
        "wrong-variable",
    ),
    (
        "H293",
        log(1 + exp(w1 * h1 + b)),
        (w1,),
        (w1, h1, b),
        h1 * exp(w1 * h1 + b) / (1 + exp(w1 * h1 + b)) ** 2,
        "log-rule",
    ),
    (
        "H300",
        w1 * w2 * h1 + b * h1**2,
        (h1,),
        (w1, w2, h1, b),
        w1 * w2 + 2 * b,
        "power-rule-power-dropped",
    ),
    (
        "H311",
        (y - w1 * x - w2 * x**2) ** 2,
        (w2,),
        (w1, w2, x, y),
        -2 * (y - w1 * x - w2 * x**2),
        "missing-chain-factor",
    ),
    ("H313", x**3 * y, (x,), XY, x**4 * y / 4, "antiderivative"),
    ("H316", cos(x * y), (x,), XY, sin(x * y) / y, "antiderivative"),
    ("H317", cos(x * y), (x,), XY, y * sin(x * y), "trig-sign"),
    ("H324", y * log(x), (x,), XY, log(x), "wrong-variable"),
    (
        "H338",
        x ** Rational(5, 2) * y,
        (x,),
        XY,
        Rational(5, 2) * x ** Rational(5, 2) * y,
        "power-rule",
    ),
    # f_x + f_y: the y-term differentiated as a variable.
    ("H362", exp(x**2) + y, (x,), XY, 2 * x * exp(x**2) + 1, "held-variable-differentiated"),
    ("H363", exp(20 * x) + x * y, (x,), XY, 20 * exp(20 * x), "held-variable-dropped"),
    (
        "H367",
        y * exp(15 * x) + x**2,
        (x,),
        XY,
        15 * y * exp(15 * x) + 2,
        "power-rule-power-dropped",
    ),
    ("H384", 3 * x**2 * y**2, (y,), XY, 6 * x**2 * y**2, "power-rule"),
    ("H390", x**2, (x, y), XY, sympy.Integer(2), "wrong-variable"),  # f_xx given for f_xy
    ("H392", x**2 * y + sin(y), (y,), XY, x**2 - cos(y), "trig-sign"),
]


@pytest.mark.parametrize(
    ("case_id", "function", "wrt", "variables", "answer", "code"),
    CORPUS,
    ids=[case[0] for case in CORPUS],
)
def test_corpus_wrong_answer_is_named(case_id, function, wrt, variables, answer, code):
    assert not equal(answer, key_of(function, wrt))  # the corpus answer is wrong
    candidates = typical_mistakes(function, wrt=wrt, variables=variables, budget_s=5.0)
    match = first_match(candidates, (answer,))
    assert match is not None
    assert match.code == code


# The examples of the brief, exactly: (function, wrt, code, the candidate expressions expected).
EXAMPLES = [
    (x**3 + x * y - y, (x,), "wrong-variable", [x - 1]),
    (x**3 + x * y - y, (x,), "held-variable-dropped", [3 * x**2]),
    (x**3 + x * y - y, (x,), "held-variable-differentiated", [3 * x**2 + y + x - 1]),
    (x**3 + x * y - y, (x,), "held-factor-dropped", [3 * x**2 + 1]),
    (exp(3 * x**2 * y), (x,), "missing-chain-factor", [exp(3 * x**2 * y)]),
    (
        x**2 * sin(x * y),
        (x,),
        "product-rule-term-dropped",
        [2 * x * sin(x * y), x**2 * y * cos(x * y)],
    ),
    (x**2 * sin(x * y), (x,), "function-returned", [x**2 * sin(x * y)]),
    (x**3 * y, (x,), "antiderivative", [x**4 * y / 4]),
    (x**3 * y, (x,), "sign-error", [-3 * x**2 * y]),
    (
        (w1 * h1 + w2 * h2 + b - y) ** 2,
        (w1,),
        "missing-factor-2",
        [h1 * (w1 * h1 + w2 * h2 + b - y)],
    ),
    (
        (w1 * h1 + w2 * h2 + b - y) ** 2,
        (w1,),
        "wrong-variable",
        [2 * w1 * (w1 * h1 + w2 * h2 + b - y), 2 * (w1 * h1 + w2 * h2 + b - y)],
    ),
]


@pytest.mark.parametrize(("function", "wrt", "code", "expected"), EXAMPLES)
def test_examples_produce_the_expected_candidates(function, wrt, code, expected):
    variables = sorted(function.free_symbols, key=str)
    candidates = typical_mistakes(function, wrt=wrt, variables=variables, budget_s=5.0)
    for expr in expected:
        matches = [c for c in candidates if equal_vectors(c.expr, (expr,))]
        assert [c.code for c in matches[:1]] == [code], expr


FUNCTIONS = [
    (x**3 + x * y - y, (x,), XY),
    (F7, (x,), XY),
    (F7, (y,), XY),
    (F7, (x, y), XY),
    (sin(x * y), (x,), XY),
    (log(x**2 + y**2), (x,), XY),
    ((w1 * h1 + w2 * h2 + b - y) ** 2, (w1,), (w1, h1, w2, h2, b, y)),
    (x**2 * sin(x * y), (x,), XY),
    ((x**2 - y) / (x + y), (x,), XY),
    (SIGMOID, (w1,), (w1, x, b)),
    (3 * x**4 * y + 2 * x * y**3, (x, x), XY),
    (t**3, (t,), (t,)),
    (x**2 * exp(-(x**2) / (4 * y)) * y**2, (x, x), XY),
    (x**2 / y * z**3, (z,), (x, y, z)),
    (sympy.Abs(x - 4) * y, (y,), XY),
]


@pytest.mark.parametrize(("function", "wrt", "variables"), FUNCTIONS)
def test_candidates_are_wrong_distinct_ordered_and_explained(function, wrt, variables):
    key = key_of(function, wrt)
    candidates = typical_mistakes(function, wrt=wrt, variables=variables, budget_s=5.0)
    for c in candidates:
        assert isinstance(c, Candidate)
        assert len(c.expr) == 1
        assert not equal(c.expr[0], key), c
        assert c.code in CODES
        assert c.message.code == c.code
        assert c.message.en.strip() and c.message.ko.strip()
        assert "{" not in c.message.en + c.message.ko
        assert any("\uac00" <= ch <= "\ud7a3" for ch in c.message.ko)  # Hangul
    for i, c in enumerate(candidates):
        for d in candidates[i + 1 :]:
            assert not equal(c.expr[0], d.expr[0]), (c, d)
    ranks = [CODES.index(c.code) for c in candidates]
    assert ranks == sorted(ranks)


# Exact contents are asserted with a generous budget: the list is the same for the same inputs
# as long as the time budget is not what ends the search (it may, on a loaded machine).


def test_same_inputs_same_candidates():
    first = typical_mistakes(F7, wrt=(x, y), variables=XY, budget_s=5.0)
    second = typical_mistakes(F7, wrt=(x, y), variables=XY, budget_s=5.0)
    assert first == second


def test_the_message_names_the_variables():
    candidates = typical_mistakes(x**3 + x * y - y, wrt=(x,), variables=XY, budget_s=5.0)
    wrong = next(c for c in candidates if c.code == "wrong-variable")
    assert wrong.message.en == "You differentiated with respect to y instead of x."
    assert wrong.message.ko == "x에 대해 미분해야 하는데 y에 대해 미분했습니다."
    higher = typical_mistakes(x**2, wrt=(x, y), variables=XY, budget_s=5.0)
    assert [c.message.en for c in higher if c.code == "wrong-variable"] == [
        "This is f_xx, not f_xy: check the variable of each differentiation."
    ]


def test_positive_symbols_are_used_as_given():
    p, q = sympy.symbols("p q", positive=True)
    candidates = typical_mistakes(p**2 * q, wrt=(p,), variables=(p, q), budget_s=5.0)
    wrong = next(c for c in candidates if c.code == "wrong-variable")
    assert wrong.expr == (p**2,)


def test_higher_order_mistake_at_either_step():
    # f_xy of x^2 y^3: f_x = 2xy^3, f_xy = 6xy^2
    candidates = typical_mistakes(x**2 * y**3, wrt=(x, y), variables=XY, budget_s=5.0)
    by_code = {}
    for c in candidates:
        by_code.setdefault(c.code, []).append(c.expr[0])
    assert [e for e in by_code["missing-differentiation"]] == [2 * x * y**3]  # f_x
    assert {e for e in by_code["wrong-variable"]} == {2 * y**3, 6 * x**2 * y}  # f_xx, f_yy
    # The exponent not lowered in the last step (2xy^3 -> 6xy^3) or in the first
    # (x^2y^3 -> 2x^2y^3, then d/dy: 6x^2y^2).
    assert any(equal(e, 6 * x * y**3) for e in by_code["power-rule"])
    assert any(equal(e, 6 * x**2 * y**2) for e in by_code["power-rule"])


def test_gradient_swapped_and_same_mistake_in_every_component():
    f = cos(3 * x**2 + 2 * y)
    key = (-6 * x * sin(3 * x**2 + 2 * y), -2 * sin(3 * x**2 + 2 * y))
    candidates = typical_mistakes(f, wrt=(), variables=XY, gradient=True, budget_s=5.0)
    assert candidates[0].code == "gradient-swapped"
    assert equal_vectors(candidates[0].expr, (key[1], key[0]))
    both = first_match(candidates, (-sin(3 * x**2 + 2 * y), -sin(3 * x**2 + 2 * y)))
    assert both is not None and both.code == "missing-chain-factor"
    one = first_match(candidates, (-sin(3 * x**2 + 2 * y), key[1]))
    assert one is not None and one.code == "missing-chain-factor"
    assert one.message.en.startswith("In ∂f/∂x: ")
    for c in candidates:
        assert len(c.expr) == 2
        assert not equal_vectors(c.expr, key)
        assert c.message.en and c.message.ko


def test_gradient_of_three_variables_lists_every_swap():
    f = x**2 / y * z**3
    candidates = typical_mistakes(f, wrt=(), variables=(x, y, z), gradient=True, budget_s=5.0)
    swaps = [c for c in candidates if c.code == "gradient-swapped"]
    assert len(swaps) == 3  # the transpositions; the reversal is one of them
    assert all(len(c.expr) == 3 for c in candidates)
    four = typical_mistakes(
        x * y**2 * z**3 * t**4, wrt=(), variables=(x, y, z, t), gradient=True, budget_s=5.0
    )
    assert len([c for c in four if c.code == "gradient-swapped"]) == 7  # six and the reversal


def test_mistakes_for_reference_scalar():
    key = 2 * x * y + sin(x)
    candidates = mistakes_for_reference((key,))
    codes = [(c.code, c.expr) for c in candidates]
    assert codes == [
        ("sign-error", (-2 * x * y - sin(x),)),
        ("sign-error", (-2 * x * y + sin(x),)),
        ("sign-error", (2 * x * y - sin(x),)),
        ("missing-factor-2", (x * y + sin(x) / 2,)),
        ("doubled", (4 * x * y + 2 * sin(x),)),
    ]


def test_mistakes_for_reference_vector():
    candidates = mistakes_for_reference((2 * x * y, x**2))
    assert [(c.code, c.expr) for c in candidates] == [
        ("gradient-swapped", (x**2, 2 * x * y)),
        ("sign-error", (-2 * x * y, -(x**2))),
        ("sign-error", (-2 * x * y, x**2)),
        ("sign-error", (2 * x * y, -(x**2))),
        ("missing-factor-2", (x * y, x**2 / 2)),
        ("doubled", (4 * x * y, 2 * x**2)),
    ]
    assert candidates[2].message.en == "The sign of component 1 is wrong."


@pytest.mark.parametrize(
    ("function", "wrt", "variables", "gradient"),
    [
        ("x**2", (x,), XY, False),  # a string is never parsed
        (None, (x,), XY, False),
        (x**2, (), XY, False),
        (sympy.Integer(5), (x,), XY, False),
        (sympy.gamma(x * y) + sympy.Piecewise((x, y > 0), (y, True)), (x,), XY, False),
        (sympy.Function("g")(x, y), (x,), XY, False),
        (sympy.zoo * x, (x,), XY, False),
        (sympy.nan, (x,), XY, True),
        (x**y**x, (x, y), XY, False),
    ],
)
def test_never_raises(function, wrt, variables, gradient):
    candidates = typical_mistakes(function, wrt=wrt, variables=variables, gradient=gradient)
    assert isinstance(candidates, list)
    assert isinstance(mistakes_for_reference((function,)), list)


def test_budget_is_respected():
    big = sum((x + k * y) ** 3 * sin(k * x * y) * exp(x / (k + 1)) for k in range(1, 9))
    start = time.perf_counter()
    candidates = typical_mistakes(big, wrt=(x, y), variables=XY, budget_s=0.05)
    elapsed = time.perf_counter() - start
    assert isinstance(candidates, list)
    assert elapsed < HANG_S  # bench/ measures how fast; this only catches a runaway
    # The budget is what stops generation, measured in work, not time: a spent budget yields
    # fewer candidates than an unbounded run (0 against 64 here), never an error.
    spent = typical_mistakes(big, wrt=(x, y), variables=XY, budget_s=0.0)
    unbounded = typical_mistakes(big, wrt=(x, y), variables=XY, budget_s=1e9)
    assert len(spent) <= len(candidates) <= len(unbounded)
    assert len(spent) < len(unbounded)
    assert typical_mistakes(big, wrt=(x,), variables=XY, budget_s=0.0) is not None


def test_limit_caps_the_list():
    candidates = typical_mistakes(F7, wrt=(x, y), variables=XY, budget_s=5.0, limit=5)
    assert len(candidates) == 5
    assert candidates[0].code == "wrong-variable"


@pytest.mark.parametrize(
    "function",
    [
        F7,
        SIGMOID,
        x**y,
        x ** (y * x) + 2 ** (x * y),
        sympy.asin(x * y) + sympy.sec(x) ** 3 + sympy.atan(x / y),
        sqrt(x * y) / log(x + y**2) - tan(x) ** Rational(-3, 2),
        sympy.Abs(x - 4) * y + sympy.cosh(x * y),
        (x**2 - y) / (x + y) * exp(x) / sin(y * x),
    ],
)
def test_the_internal_differentiator_agrees_with_sympy(function):
    # The key used to drop candidates equal to it comes from this differentiator, not sympy.diff.
    for wrt in [(x,), (y,), (x, y), (y, y)]:
        assert equal(_diff(function, *wrt), sympy.diff(function, *wrt)), wrt


_LEAVES = st.sampled_from([x, y, x, y, sympy.Integer(2), sympy.Integer(-3), Rational(1, 2)])
_UNARY = st.sampled_from([sin, cos, exp, log, sqrt, tan, sympy.atan])


def _grow(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, children).map(lambda p: p[0] / p[1]),
        st.tuples(children, st.sampled_from([2, 3, -1, -2, Rational(1, 2)])).map(
            lambda p: p[0] ** p[1]
        ),
        st.tuples(_UNARY, children).map(lambda p: p[0](p[1])),
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    function=st.recursive(_LEAVES, _grow, max_leaves=6),
    wrt=st.sampled_from([(x,), (y,), (x, y), (y, y)]),
    gradient=st.booleans(),
)
def test_random_functions_never_raise_and_never_give_the_key(function, wrt, gradient):
    candidates = typical_mistakes(function, wrt=wrt, variables=XY, gradient=gradient)
    key = (
        (sympy.diff(function, x), sympy.diff(function, y)) if gradient else (key_of(function, wrt),)
    )
    for c in candidates:
        assert c.code in CODES and c.message.en and c.message.ko
        assert len(c.expr) == len(key)
        try:
            assert not equal_vectors(c.expr, key), c
        except TypeError:  # a value that is not a number (zoo, nan) at a test point: no verdict
            pass
