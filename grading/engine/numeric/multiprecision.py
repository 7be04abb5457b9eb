"""Real evaluation with mpmath at rising precision, with a rigorous error bound.

Every compiled expression returns (value, err): an mpmath value at the working precision and
an upper bound on log2 of its absolute error (-inf when exact). Bounds follow first-order error
propagation with a safety factor, and every step whose first-order bound would not hold (a
divisor, log argument or pole too close to its uncertainty) asks for more precision instead of
guessing. So "the answer differs" means the intervals are apart, and "the answer agrees" means
they overlap and are narrow; anything else is decided at a higher precision or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

import mpmath

from grading.engine import limits
from grading.engine.numeric.bounds import (
    NEG_INF,
    Clamped,
    NeedPrecision,
    Point,
    Undefined,
    Unusable,
    interval_div,
    l2,
    lsum,
)
from grading.engine.numeric.bounds import Memo as PointMemo
from grading.engine.numeric.compiler import Arithmetic, compile_tree
from grading.engine.tree import Node

Value = tuple[Any, float]
Fn = Callable[[Point], Value]

BASE_PREC = 128
MAX_PREC = 2048
# Agreement is confirmed once more at this precision, at the first agreeing point.
CONFIRM_PREC = 512
# An agreement counts only when both bounds are this many bits below the values compared.
RESOLVE_BITS = 90


def mag(v: Any) -> float:
    """Upper bound of log2|v| (-inf for zero), read off the mpf representation."""
    _s, man, exp, bc = v._mpf_
    if man:
        return exp + bc  # type: ignore[no-any-return]
    if exp:  # inf or nan
        raise Unusable
    return NEG_INF


class _Prec:
    """The working precision of the evaluation under way (read on every rounding)."""

    bits = 128


def _round(v: Any) -> float:
    return mag(v) - _Prec.bits


def _check(v: Any) -> Any:
    if v and mag(v) > limits.MAX_LOG2_MAGNITUDE:
        raise Unusable
    return v


def _certain_sign(v: Any, e: float) -> int:
    """+1/-1 when the sign is certain, 0 when the bound straddles zero (or v is exactly 0)."""
    if not v:
        return 0 if e == NEG_INF else 2  # exact zero: 0; uncertain zero: 2 (unknown)
    if e >= mag(v) - 1:
        return 2
    return 1 if v > 0 else -1


# --------------------------------------------------------------------------- unary functions

# The inverse functions defined on a bounded domain (or outside one).
_BOUNDED_DOMAIN: dict[str, Callable[[Any], Any]] = {
    "asin": mpmath.asin,
    "acos": mpmath.acos,
    "atanh": mpmath.atanh,
    "acosh": mpmath.acosh,
    "asec": lambda t: mpmath.acos(1 / t),
    "acsc": lambda t: mpmath.asin(1 / t),
}
# The functions with poles: the denominator that vanishes at them, and the function.
_WITH_POLES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "tan": (mpmath.cos, mpmath.tan),
    "sec": (mpmath.cos, mpmath.sec),
    "csc": (mpmath.sin, mpmath.csc),
    "cot": (mpmath.sin, mpmath.cot),
    "coth": (mpmath.sinh, mpmath.coth),
    "csch": (mpmath.sinh, mpmath.csch),
    "sech": (mpmath.cosh, mpmath.sech),
}


def _unary(name: str, u: Value) -> Value:
    v, e = u
    precise = _Prec.bits >= MAX_PREC
    if name == "abs":
        r = abs(v)
        return r, e
    if name == "sign":
        s = _certain_sign(v, e)
        if s == 2:
            raise NeedPrecision
        return mpmath.mpf(s), NEG_INF
    if name in ("sin", "cos"):
        if abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise Unusable
        r = mpmath.sin(v) if name == "sin" else mpmath.cos(v)
        return r, lsum(e, _round(r)) + 0.5
    if name == "atan":
        r = mpmath.atan(v)
        return r, lsum(e, _round(r)) + 0.5
    if name == "tanh":
        r = mpmath.tanh(v)
        return r, lsum(e, _round(r)) + 0.5
    if name == "asinh":
        r = mpmath.asinh(v)
        return r, lsum(e, _round(r)) + 0.5
    if name == "acot":
        if _certain_sign(v, e) in (0, 2):
            raise Undefined if not v and e == NEG_INF else NeedPrecision
        r = mpmath.acot(v)
        return r, lsum(e - 2 * min(0.0, mag(v) - 1), _round(r)) + 1
    if name == "exp":
        if v > limits.MAX_EXP_ARGUMENT:
            raise Unusable
        if e > -4:
            raise NeedPrecision
        r = _check(mpmath.exp(v))
        return r, lsum(mag(r) + e + 1, _round(r)) + 0.5
    if name in ("sinh", "cosh"):
        if abs(v) > limits.MAX_EXP_ARGUMENT:
            raise Unusable
        if e > -4:
            raise NeedPrecision
        r = _check(mpmath.sinh(v) if name == "sinh" else mpmath.cosh(v))
        # |d sinh| = cosh <= |sinh| + 1 and |d cosh| = |sinh| <= cosh
        slope = max(mag(r), 0.0) + 1
        return r, lsum(slope + e + 1, _round(r)) + 0.5
    if name in ("log", "sqrt"):
        s = _certain_sign(v, e)
        if s == -1 or (s == 0 and name == "log"):
            raise Undefined
        if s == 2 or (name == "log" and e > mag(v) - 5):
            if name == "sqrt" and (precise or (v > 0 and e <= mag(v) - 5)):
                pass
            elif name == "sqrt" and v <= 0 and not precise:
                raise NeedPrecision
            elif precise:
                raise Clamped
            else:
                raise NeedPrecision
        if name == "log":
            r = mpmath.log(v)
            return r, lsum(e - (mag(v) - 1) + 1, _round(r)) + 0.5
        if s == 0:  # exact zero
            return mpmath.mpf(0), NEG_INF
        if v <= 0 or e > mag(v) - 5:
            # within the bound of zero: sqrt is 1/2-Hölder, |sqrt(a) - sqrt(b)| <= sqrt|a - b|
            r = mpmath.sqrt(max(v, mpmath.mpf(0)))
            return r, lsum((e + 1) / 2 + 1, _round(r) if r else NEG_INF)
        r = mpmath.sqrt(v)
        return r, lsum(e - (mag(r) - 1), _round(r)) + 0.5
    if name in _BOUNDED_DOMAIN:
        one = mpmath.mpf(1)
        if name == "acosh":
            gap = v - one
            outside = gap < 0
        elif name in ("asec", "acsc"):
            gap = abs(v) - one
            outside = gap < 0
        else:
            gap = one - abs(v)
            outside = gap < 0 if name != "atanh" else gap <= 0
        g_err = lsum(e, _round(gap) if gap else NEG_INF)
        if gap and g_err < mag(gap) - 5:
            if outside:
                raise Undefined
        elif not gap and e == NEG_INF:
            if name == "atanh" or outside:
                raise Undefined
        elif precise:
            # at the highest precision a value on the boundary is taken as on it
            if name == "atanh":
                raise Unusable
            v = mpmath.sign(v) * one if name != "acosh" else one
            gap = mpmath.mpf(0)
            e = NEG_INF
        else:
            raise NeedPrecision
        r = _BOUNDED_DOMAIN[name](v)
        if not gap:
            return r, _round(r) + 1 if r else NEG_INF
        # slope ~ 1/sqrt(gap) (1/gap for atanh): bound it on the half-gap neighbourhood
        slope = -(mag(gap) - 2) if name == "atanh" else -(mag(gap) - 2) / 2 + 1
        return r, lsum(e + slope + 1, _round(r)) + 0.5
    if name in _WITH_POLES:
        if name in ("tan", "sec", "csc", "cot") and abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise Unusable
        if name in ("coth", "csch", "sech") and abs(v) > limits.MAX_EXP_ARGUMENT:
            raise Unusable
        denominator, fn = _WITH_POLES[name]
        d = denominator(v)
        # the denominator's bound: Lipschitz 1 for sin/cos, cosh for sinh/cosh
        d_slope = 0.0 if name in ("tan", "sec", "csc", "cot") else max(mag(mpmath.cosh(v)), 0.0)
        d_err = lsum(e + d_slope, _round(d) if d else NEG_INF) + 0.5
        if not d:
            raise Undefined if e == NEG_INF else NeedPrecision
        if d_err > mag(d) - 5:
            raise NeedPrecision
        r = _check(fn(v))
        # |f'| <= (|f| + 1)^2 for all of these; the bound holds on the neighbourhood because
        # the denominator is at least 1/2 of its value there (d_err < |d| / 32)
        slope = 2 * (max(mag(r), 0.0) + 1) + 1
        return r, lsum(e + slope, _round(r)) + 0.5
    raise Unusable


# --------------------------------------------------------------------------- arithmetic


def _add(a: Value, b: Value) -> Value:
    r = a[0] + b[0]
    return r, l2(l2(a[1], b[1]), mag(r) - _Prec.bits)


def _mul(a: Value, b: Value) -> Value:
    (x, ex), (y, ey) = a, b
    r = x * y
    mr = mag(r)
    if mr > limits.MAX_LOG2_MAGNITUDE:
        raise Unusable
    if ex == NEG_INF and ey == NEG_INF:
        return r, mr - _Prec.bits
    return r, l2(l2(mag(x) + ey, mag(y) + ex), l2(ex + ey, mr - _Prec.bits))


_div = interval_div(mag, _check, _round)


def _ipow(b: Value, n: int) -> Value:
    x, ex = b
    if n == 2 and ex == NEG_INF:
        r = x * x
        return r, mag(r) - _Prec.bits
    if not x and ex == NEG_INF:
        if n < 0:
            raise Undefined
        return (mpmath.mpf(0) if n > 0 else mpmath.mpf(1)), NEG_INF
    if n == 0:
        return mpmath.mpf(1), NEG_INF
    if not x:
        # zero within its bound: |x^n| <= bound^n for n > 0; a negative power is unresolved
        if n > 0:
            return mpmath.mpf(0), n * ex
        raise NeedPrecision
    if abs(n) * max(abs(mag(x)), 1.0) > limits.MAX_LOG2_MAGNITUDE:
        raise Unusable
    if ex > mag(x) - 5 - math.log2(abs(n)):
        if n > 0 and x:
            # (|x| + err)^n bounds everything
            top = n * (max(mag(x), ex) + 1)
            return x**n, top
        raise NeedPrecision
    r = _check(x**n)
    rel = math.log2(abs(n)) + ex - (mag(x) - 1) + 1
    return r, lsum(mag(r) + rel, _round(r) if r else NEG_INF)


def _rpow(b: Value, p: Value) -> Value:
    x, ex = b
    y, ey = p
    s = _certain_sign(x, ex)
    if s == -1:
        raise Undefined  # negative base, non-integer exponent: not real (principal branch)
    if s == 0:
        if _certain_sign(y, ey) == 1:
            return mpmath.mpf(0), NEG_INF
        raise Undefined
    if s == 2:
        raise NeedPrecision
    if ex > mag(x) - 5:
        raise NeedPrecision
    lx = mpmath.log(x)
    if abs(y * lx) > limits.MAX_EXP_ARGUMENT:
        raise Unusable
    r = _check(mpmath.power(x, y))
    # d(x^y) = x^y (ln x dy + y dx / x)
    rel = lsum(mag(lx) + ey, mag(y) + ex - (mag(x) - 1)) + 1
    if rel > -4:
        raise NeedPrecision
    return r, lsum(mag(r) + rel, _round(r)) + 0.5


def _mp_num(value: Fraction) -> Fn:
    p, q = value.numerator, value.denominator
    if q == 1:
        return lambda pt: (mpmath.mpf(p), NEG_INF if abs(p) < 2**53 else _round(mpmath.mpf(p)))

    def frac(pt: Point) -> Value:
        r = mpmath.mpf(p) / q
        return r, _round(r) + 1

    return frac


def _mp_var(name: str) -> Fn:
    return lambda pt: (pt[name], NEG_INF)


def _mp_const(name: str) -> Fn:
    if name == "e":
        return lambda pt: (mpmath.e + 0, 2 - _Prec.bits)
    return lambda pt: (mpmath.pi + 0, 3 - _Prec.bits)


def _mp_product(a: Fn, b: Fn) -> Fn:
    def mul(pt: Point) -> Value:
        left = a(pt)
        try:
            right = b(pt)
        except Unusable:
            # an exact zero times something real but too large to evaluate is still 0
            if not left[0] and left[1] == NEG_INF:
                return left
            raise
        if not right[0] and right[1] == NEG_INF and left[1] == NEG_INF:
            return right
        return _mul(left, right)

    return mul


def _mp_from_dyadic(n: int, k: int) -> Value:
    if not n:
        return mpmath.mpf(0), NEG_INF
    r = _check(mpmath.ldexp(mpmath.mpf(n), -k))  # one rounding
    return r, _round(r)


def _mp_from_fraction(v: Fraction) -> Value:
    if not v:
        return mpmath.mpf(0), NEG_INF
    r = _check(mpmath.mpf(v.numerator) / v.denominator)  # two roundings
    return r, _round(r) + 1


MPMATH = Arithmetic(
    num=_mp_num,
    var=_mp_var,
    const=_mp_const,
    unary=_unary,
    add=_add,
    product=_mp_product,
    div=_div,
    ipow=_ipow,
    rpow=_rpow,
    from_dyadic=_mp_from_dyadic,
    from_fraction=_mp_from_fraction,
    source=lambda pt: pt,
    setting=lambda: _Prec.bits,
)


def compile_node(node: Node, memo: dict[Any, Any] | None = None) -> Fn:
    """Turn an AST into a function of a point returning (value, log2 error bound).
    `memo`: what compile_tree learns about the tree, to share with the other compilers of the
    same tree (floats.compile_float, exact.compile_all); it must not outlive the tree."""
    return compile_tree(node, MPMATH, {} if memo is None else memo)


# --------------------------------------------------------------------------- evaluating


@dataclass
class Side:
    values: list[Any]
    errors: list[float]


class Memo(PointMemo[Side]):
    """One side's values at the points already seen, by precision (bounds.Memo); any failure
    of a point is kept."""

    def __call__(self, point: Point, prec: int) -> Side:
        key = (prec, *(v for k, v in sorted(point.items()) if not k.startswith("__")))
        return self.recall(key, evaluate, self.fns, point, prec)


def evaluate(fns: Sequence[Fn], point: Point, prec: int = BASE_PREC) -> Side:
    """Evaluate all components at `prec`, raising NeedPrecision/Undefined/Unusable/Clamped."""
    saved = _Prec.bits
    _Prec.bits = prec
    try:
        with mpmath.workprec(prec):
            out = [f(point) for f in fns]
    except (ZeroDivisionError, OverflowError, ValueError):
        raise Unusable from None
    finally:
        _Prec.bits = saved
    return Side([v for v, _ in out], [e for _, e in out])


# --------------------------------------------------------------------------- comparing a point


def _text(v: Any) -> str:
    return str(mpmath.nstr(v, 12))


def _judge(
    key: Side, answer: Side, rtol: float, floor: float, prec: int, resolve: int
) -> tuple[str, Any]:
    """("agree", rel) | ("differ", component) | ("escalate", None) for one point."""
    worst = 0.0
    pending = False
    for c, (k, a) in enumerate(zip(key.values, answer.values, strict=True)):
        with mpmath.workprec(prec + 64):
            d = abs(a - k)
        scale = max(abs(a), abs(k), mpmath.mpf(0) if k else mpmath.mpf(floor))
        bound_e = lsum(key.errors[c], answer.errors[c])
        bound = mpmath.ldexp(1, int(math.ceil(bound_e))) if bound_e != NEG_INF else 0
        tol = rtol * scale
        if d > tol + bound:
            return "differ", c
        if d + bound <= tol:
            if scale:
                worst = max(worst, float(d / scale))
            continue
        # the intervals overlap: agreement needs them narrow next to the values
        if bound == 0 or (scale and bound_e <= mag(scale) - resolve):
            if scale:
                worst = max(worst, float(d / scale))
            continue
        if prec >= MAX_PREC:
            # as close as 2048 bits can tell: indistinguishable from equal
            continue
        pending = True
    if pending:
        return "escalate", None
    return "agree", worst


def compare_point(
    key_fns: Sequence[Fn],
    answer_fns: Sequence[Fn] | Memo,
    point: Point,
    rtol: float,
    floor: float,
    prec: int = BASE_PREC,
    resolve: int = RESOLVE_BITS,
) -> tuple[str, dict[str, Any]] | None:
    """None when the point is unusable; else ("agree"|"differ"|"undefined", detail)."""
    while True:
        try:
            key = evaluate(key_fns, point, prec)
        except NeedPrecision:
            if prec >= MAX_PREC:
                return None
            prec *= 2
            continue
        except (Undefined, Unusable, Clamped):
            return None
        try:
            answer = (
                answer_fns(point, prec)
                if isinstance(answer_fns, Memo)
                else evaluate(answer_fns, point, prec)
            )
        except NeedPrecision:
            if prec >= MAX_PREC:
                return None
            prec *= 2
            continue
        except Undefined:
            return "undefined", {"key": partial(_text, key.values[0]), "answer": None, "prec": prec}
        except (Unusable, Clamped):
            return None
        kind, info = _judge(key, answer, rtol, floor, prec, resolve)
        if kind == "escalate":
            prec *= 2
            continue
        if kind == "agree":
            return "agree", {"rel": info, "prec": prec}
        c = int(info)
        k, a = key.values[c], answer.values[c]
        scale = max(abs(a), abs(k))
        return "differ", {
            "key": partial(_text, k),
            "answer": partial(_text, a),
            "rel": float(abs(a - k) / scale) if scale else math.inf,
            "component": c if len(key.values) > 1 else None,
            "prec": prec,
        }
