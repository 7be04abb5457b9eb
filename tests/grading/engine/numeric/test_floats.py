"""The double-precision first look (floats.py): its error bounds must hold, always.

A point settled in doubles is trusted as an mpmath point is, so the property that matters is
that every value it returns lies within its bound of the true value (computed here by mpmath at
up to 2048 bits), and that it calls a point undefined only when it is.
"""

from __future__ import annotations

import math
import re

import mpmath
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from grading.engine import Task, grade
from grading.engine.numeric import bounds, floats, multiprecision, sampling
from grading.engine.numeric.bounds import NeedPrecision, Undefined
from grading.engine.parsing import ParseError, parse

PROPERTY = settings(
    deadline=2000,
    max_examples=400,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FUNCTIONS = (
    "sin cos tan sec csc cot atan asin acos sinh cosh tanh asinh exp ln sqrt abs sech coth"
).split()


def _leaf() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["x", "y", "e", "pi", "x", "y"]),
        st.integers(min_value=1, max_value=30).map(str),
        st.sampled_from(["0.1", "1/3", "2.5", "10^20", "10^-20", "123456789012345678901"]),
    )


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["2", "3", "-1", "-2", "7", "1/2", "0.3", "x"])).map(
            lambda t: f"({t[0]})^({t[1]})"
        ),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
    )


expression = st.recursive(_leaf(), _extend, max_leaves=8)


def _true_value(fn: multiprecision.Fn, point: bounds.Point) -> tuple[str, object]:
    """("value", mpf) or ("undefined", None) or ("unknown", None), from mpmath."""
    prec = 256
    while True:
        try:
            side = multiprecision.evaluate([fn], point, prec)
            return "value", side.values[0]
        except NeedPrecision:
            if prec >= multiprecision.MAX_PREC:
                return "unknown", None
            prec *= 2
        except Undefined:
            return "undefined", None
        except (bounds.Unusable, bounds.Clamped):
            return "unknown", None


@PROPERTY
@given(expr=expression, seed=st.integers(min_value=0, max_value=10_000))
def test_every_double_value_is_within_its_bound(expr: str, seed: int) -> None:
    try:
        node = parse(expr, ("x", "y")).node
    except ParseError:
        reject()  # e.g. a constant power over the size limit
    quick = floats.compile_float(node)
    exact = multiprecision.compile_node(node)
    sampler = sampling.Sampler(["x", "y"], seed, positive=False)
    for _ in range(6):
        point = sampler.draw()
        try:
            values, errors = floats.evaluate([quick], floats.point_of(point))
        except NeedPrecision:
            continue
        except Undefined:
            kind, _v = _true_value(exact, point)
            assert kind != "value", f"{expr} is defined at {point}, but doubles said undefined"
            continue
        kind, true = _true_value(exact, point)
        assert kind != "undefined", f"{expr} is undefined at {point}, doubles gave {values[0]}"
        if kind != "value":
            continue
        with mpmath.workprec(4096):
            gap = abs(mpmath.mpf(values[0]) - true)
            bound = mpmath.ldexp(1, math.ceil(errors[0])) if errors[0] != -math.inf else 0
        assert gap <= bound, f"{expr} at {point}: |{values[0]} - {true}| > 2^{errors[0]}"


def _at(x: float, y: float = 1.0) -> floats.FPoint:
    return {"x": (x, -math.inf), "y": (y, -math.inf)}


def _eval(text: str, point: floats.FPoint) -> tuple[float, float]:
    values, errors = floats.evaluate([floats.compile_float(parse(text, ("x", "y")).node)], point)
    return values[0], errors[0]


def test_small_integer_arithmetic_is_exact_and_its_bound_tiny() -> None:
    value, error = _eval("3x + 2y - 7", _at(5.0, 4.0))
    assert value == 16.0
    assert error < math.log2(16.0) - 45
    assert _eval("3x", _at(5.0, 4.0)) == (15.0, math.log2(16.0) - 52)


@pytest.mark.parametrize(
    ("text", "x"),
    [
        ("sqrt(x)", -2.0),  # a certain negative under a square root
        ("ln(x)", 0.0),
        ("1/x", 0.0),  # an exact zero divisor
        ("x^(-1)", 0.0),
    ],
)
def test_undefined_only_when_proven(text: str, x: float) -> None:
    with pytest.raises(Undefined):
        _eval(text, _at(x))


@pytest.mark.parametrize(
    ("text", "x"),
    [
        ("exp(x)", 800.0),  # overflow
        ("x^3", 1e-300),  # underflow
        ("x*x*x", 1e-300),
        ("tan(pi/2)", 1.0),  # the denominator vanishes within its bound
        ("asin(x)", 0.5),  # not modelled here: mpmath decides
        ("sqrt(x - 1/3 - 2/3)", 1.0),  # a sign the bound cannot tell
    ],
)
def test_what_doubles_cannot_settle_goes_to_mpmath(text: str, x: float) -> None:
    with pytest.raises(NeedPrecision):
        _eval(text, _at(x))


def test_judge_agrees_only_with_narrow_overlapping_bounds() -> None:
    assert floats.judge(([1.0], [-math.inf]), ([1.0], [-math.inf]))[0] == "agree"
    assert floats.judge(([1.0], [-50.0]), ([1.0 + 2**-52], [-50.0]))[0] == "agree"
    assert floats.judge(([1.0], [-60.0]), ([1.0 + 2**-52], [-60.0]))[0] == "differ"
    assert floats.judge(([1.0], [-math.inf]), ([1.0 + 2**-52], [-math.inf]))[0] == "differ"
    assert floats.judge(([1.0], [-20.0]), ([1.001], [-20.0]))[0] == "differ"
    # overlapping but too wide to call equal: ask mpmath
    assert floats.judge(([1.0], [-10.0]), ([1.0], [-10.0]))[0] == "escalate"


def test_a_difference_below_double_resolution_is_still_found() -> None:
    # doubles cannot see 10^-30 next to x^2; the points evaluated with mpmath must
    task = Task(variables=("x", "y"), reference="x^2 + y")
    verdict = grade(task, "x^2 + y + 10^-30")
    assert verdict.equivalent is False
    assert verdict.method in ("numeric", "symbolic")


def test_a_rejection_is_always_decided_with_mpmath() -> None:
    verdict = grade(Task(variables=("x", "y"), reference="3x^2 e^y"), "3x^2")
    assert verdict.equivalent is False
    bits = int(re.search(r"up to (\d+) bits", verdict.evidence.detail).group(1))
    assert bits >= 128
    assert verdict.evidence.witness is not None


def test_rational_answers_are_compared_exactly() -> None:
    verdict = grade(Task(variables=("x", "y"), reference="3x^2 y"), "3x^2")
    assert verdict.equivalent is False
    assert "evaluated exactly" in verdict.evidence.detail
    assert verdict.evidence.witness is not None
    # no precision can fake a difference or an agreement: 10^-30 is seen exactly
    assert grade(Task(variables=("x",), reference="x^2"), "x^2 + 10^-30").equivalent is False


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        # found by a differential review against the engine before doubles were used: a
        # difference far below double precision, at one scale only or in one quadrant only
        ("e^x", "e^x + e^(-100/x^2)/10^20"),
        ("x y", "x y + (x+|x|)/10^20"),
        ("3x^2y^2 + 4y", "3x^2y^2 + 4y + (x+|x|)(y+|y|)/10^20"),
        ("-7y(2x^2-1)/e^(x^2+y^2)", "-7y(2x^2-1)/e^(x^2+y^2) * (1 + e^(-100/x^2)/10^20)"),
    ],
)
def test_a_difference_doubles_cannot_see_is_found_at_every_seed(
    reference: str, answer: str
) -> None:
    task = Task(variables=("x", "y"), reference=reference)
    accepted = [seed for seed in range(20) if grade(task, answer, seed=seed).equivalent]
    assert accepted == []


def test_the_first_points_visit_every_quadrant() -> None:
    for seed in range(10):
        sampler = sampling.Sampler(["x", "y"], seed, positive=False)
        points = [sampler.draw() for _ in range(4)]
        quadrants = {(p["x"] < 0, p["y"] < 0) for p in points}
        assert len(quadrants) == 4, seed
