"""Exact rational evaluation (exact.py) and the rational subtrees evaluated exactly inside
numeric's and floats' evaluators: checked against SymPy's own exact arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from grading.engine import Task, grade
from grading.engine.numeric import bounds, exact, floats, multiprecision, sampling
from grading.engine.numeric.bounds import NeedPrecision, Undefined
from grading.engine.parsing import ParseError, parse
from grading.engine.sympy_bridge import make_symbols, to_sympy

PROPERTY = settings(
    deadline=3000,
    max_examples=250,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
VARS = ("x", "y")


def _rational_leaf() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["x", "y", "x", "y"]),
        st.integers(min_value=1, max_value=99).map(str),
        st.sampled_from(["1/3", "0.25", "7/8", "10^12"]),
    )


def _rational_extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "+", "-", "/"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["2", "3", "5", "-1", "-2"])).map(
            lambda t: f"({t[0]})^({t[1]})"
        ),
    )


rational = st.recursive(_rational_leaf(), _rational_extend, max_leaves=24)
# rational cores inside functions and beside them: the case of an expanded polynomial next to
# an exponential, where the rational terms are gathered and evaluated exactly
mixed = st.one_of(
    st.tuples(rational, rational).map(lambda t: f"exp(-(x^2)) + ({t[0]}) - ({t[1]})"),
    st.tuples(rational, rational).map(lambda t: f"sin({t[0]}) * ({t[1]}) + x"),
    st.tuples(rational, rational, rational).map(
        lambda t: f"({t[0]}) + sqrt(x^2 + 1) * ({t[1]}) - ({t[2]})"
    ),
)


def _parse(text: str):  # noqa: ANN202
    try:
        return parse(text, VARS).node
    except ParseError:
        reject()


def _truth(node, point: dict[str, object]) -> sympy.Expr | None:  # noqa: ANN001
    symbols = make_symbols(VARS)
    expr = to_sympy(node, symbols)
    subs = {}
    for name in VARS:
        n, k = exact.dyadic_point(point)[name]
        subs[symbols[name]] = sympy.Rational(n, 2**k) if k >= 0 else sympy.Integer(n * 2**-k)
    value = expr.subs(subs)
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or not value.is_real:
        return None
    return value


def _exactly(value: float | mpmath.mpf) -> sympy.Rational:
    if isinstance(value, float):
        f = Fraction(value)
        return sympy.Rational(f.numerator, f.denominator)
    sign, man, exp, _bc = value._mpf_
    m = -man if sign else man
    return sympy.Rational(m * 2**exp) if exp >= 0 else sympy.Rational(m, 2**-exp)


def _within(value: float | mpmath.mpf, error: float, truth: sympy.Expr) -> bool:
    gap = abs(_exactly(value) - truth.evalf(120))
    bound = 0 if error == -math.inf else sympy.Float(2, 120) ** math.ceil(error)
    return bool(gap <= bound + sympy.Float(10, 120) ** -100 * (1 + abs(truth.evalf(120))))


@PROPERTY
@given(text=rational, seed=st.integers(min_value=0, max_value=10_000))
def test_exact_values_are_sympys_values(text: str, seed: int) -> None:
    node = _parse(text)
    fns = exact.compile_all([node])
    if fns is None:  # above the degree limit: not used exactly
        return
    sampler = sampling.Sampler(list(VARS), seed, positive=False)
    for _ in range(4):
        point = sampler.draw()
        truth = _truth(node, point)
        try:
            value = fns[0](exact.exact_point(point))
        except Undefined:
            assert truth is None, f"{text}: a pole that SymPy does not see"
            continue
        assert truth is not None
        assert sympy.Rational(value.numerator, value.denominator) == truth, text


@PROPERTY
@given(text=mixed, seed=st.integers(min_value=0, max_value=10_000))
def test_values_with_exact_subtrees_are_within_their_bounds(text: str, seed: int) -> None:
    node = _parse(text)
    quick = floats.compile_float(node)
    careful = multiprecision.compile_node(node)
    sampler = sampling.Sampler(list(VARS), seed, positive=False)
    for _ in range(4):
        point = sampler.draw()
        truth = _truth(node, point)
        try:
            side = multiprecision.evaluate([careful], point, 128)
        except (NeedPrecision, bounds.Unusable, bounds.Clamped):
            side = None
        except Undefined:
            assert truth is None, f"{text}: undefined for mpmath only"
            side = None
        if side is not None and truth is not None:
            assert _within(side.values[0], side.errors[0], truth), (text, point)
        try:
            values, errors = floats.evaluate([quick], floats.point_of(point))
        except NeedPrecision:
            continue
        except Undefined:
            assert truth is None, f"{text}: undefined for doubles only"
            continue
        if truth is not None:
            assert _within(values[0], errors[0], truth), (text, point)


def test_a_polynomial_is_evaluated_with_integers_only() -> None:
    node = parse("3x^2 y - 0.25x + 7", VARS).node
    dy = exact.compile_dyadic(node)
    assert dy is not None
    n, k = dy({"x": (3, 1), "y": (-5, 0)})  # x = 3/2, y = -5
    assert Fraction(n, 2**k) == Fraction(3 * 9, 4) * -5 - Fraction(3, 8) + 7
    assert exact.compile_dyadic(parse("1/(x+1)", VARS).node) is None
    assert exact.compile_dyadic(parse("x/3", VARS).node) is None  # 1/3 is not dyadic


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x^2 + y", 2), ("1/(x y)", 2), ("(x + 1)^8 / (x - y)^3", 11), ("exp(x)", None)],
)
def test_degree_bounds(text: str, expected: int | None) -> None:
    assert exact.degree(parse(text, VARS).node) == expected


def test_an_expanded_polynomial_beside_an_exponential_is_graded_without_cancellation() -> None:
    expanded = str(sympy.expand((sympy.Symbol("x") + sympy.Symbol("y") + 1) ** 8)).replace(
        "**", "^"
    )
    task = Task(variables=VARS, reference="-14x y e^(-x^2 - y^2)")
    right = f"-14x y e^(-x^2 - y^2) + ({expanded}) - (x + y + 1)^8"
    assert grade(task, right).equivalent is True
    assert grade(task, right + " + 10^-40").equivalent is False


def test_regrouped_sums_keep_their_nodes_alive_while_the_tree_is_compiled() -> None:
    # the compile memo is keyed by node ids; freed temporary nodes used to hand their ids
    # (and their "rational, 12+ nodes") to later nodes: TypeError out of grade()
    key = "e^(x^3+3x^2y+3x y^2+y^3 + sin(x) + cos(y)) + e^(x^3+y^3 + sin(y) + cos(x))"
    for i in range(20):
        verdict = grade(Task(variables=VARS, reference=key + " " * i), "x")
        assert verdict.equivalent is False
