"""Real evaluation with a rigorous error bound, and seeded domain-aware sampling.

Every compiled expression returns (value, err): an mpmath value at the working precision and
an upper bound on log2 of its absolute error (-inf when exact). Bounds follow first-order error
propagation with a safety factor, and every step whose first-order bound would not hold (a
divisor, log argument or pole too close to its uncertainty) asks for more precision instead of
guessing. So "the answer differs" means the intervals are apart, and "the answer agrees" means
they overlap and are narrow; anything else is decided at a higher precision or not at all.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any

import mpmath
import numpy

from grading.engine import limits
from grading.engine.tree import (
    BinOp,
    Call,
    Const,
    Group,
    Neg,
    Node,
    Num,
    Var,
    Vec,
    integer_exponent,
    walk,
)

NEG_INF = -math.inf
Value = tuple[Any, float]
Point = dict[str, Any]
Fn = Callable[[Point], Value]

BASE_PREC = 128
MAX_PREC = 2048
# Agreement is confirmed once more at this precision, at the first agreeing point.
CONFIRM_PREC = 512
# An agreement counts only when both bounds are this many bits below the values compared.
RESOLVE_BITS = 90


class Undefined(Exception):
    """Not real and finite at this point (decided with the error bound, not by rounding)."""


class Unusable(Exception):
    """Too extreme to evaluate (huge magnitudes or arguments); draw another point."""


class NeedPrecision(Exception):
    """The error bound is too wide for the next step; evaluate again with more bits."""


class Clamped(Exception):
    """At the highest precision a domain boundary could not be resolved."""


def mag(v: Any) -> float:
    """Upper bound of log2|v| (-inf for zero), read off the mpf representation."""
    _s, man, exp, bc = v._mpf_
    if man:
        return exp + bc  # type: ignore[no-any-return]
    if exp:  # inf or nan
        raise Unusable
    return NEG_INF


def _l2(a: float, b: float) -> float:
    """log2(2^a + 2^b), rounded up (also used by floats.py)."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    d = b - a
    if d < -40:
        return a + 1.5 * math.pow(2.0, d)
    return a + math.log2(1.0 + math.pow(2.0, d)) + 1e-9


def lsum(*es: float) -> float:
    """log2 of the sum of 2^e."""
    acc = NEG_INF
    for e in es:
        acc = _l2(acc, e)
    return acc


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
    if name in ("asin", "acos", "atanh", "acosh", "asec", "acsc"):
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
        fn = {
            "asin": mpmath.asin,
            "acos": mpmath.acos,
            "atanh": mpmath.atanh,
            "acosh": mpmath.acosh,
            "asec": lambda t: mpmath.acos(1 / t),
            "acsc": lambda t: mpmath.asin(1 / t),
        }[name]
        r = fn(v)
        if not gap:
            return r, _round(r) + 1 if r else NEG_INF
        # slope ~ 1/sqrt(gap) (1/gap for atanh): bound it on the half-gap neighbourhood
        slope = -(mag(gap) - 2) if name == "atanh" else -(mag(gap) - 2) / 2 + 1
        return r, lsum(e + slope + 1, _round(r)) + 0.5
    if name in ("tan", "sec", "csc", "cot", "coth", "csch", "sech"):
        if name in ("tan", "sec", "csc", "cot") and abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise Unusable
        if name in ("coth", "csch", "sech") and abs(v) > limits.MAX_EXP_ARGUMENT:
            raise Unusable
        base = {
            "tan": mpmath.cos,
            "sec": mpmath.cos,
            "csc": mpmath.sin,
            "cot": mpmath.sin,
            "coth": mpmath.sinh,
            "csch": mpmath.sinh,
            "sech": mpmath.cosh,
        }[name]
        d = base(v)
        # the denominator's bound: Lipschitz 1 for sin/cos, cosh for sinh/cosh
        d_slope = 0.0 if name in ("tan", "sec", "csc", "cot") else max(mag(mpmath.cosh(v)), 0.0)
        d_err = lsum(e + d_slope, _round(d) if d else NEG_INF) + 0.5
        if not d:
            raise Undefined if e == NEG_INF else NeedPrecision
        if d_err > mag(d) - 5:
            raise NeedPrecision
        r = {
            "tan": mpmath.tan,
            "sec": mpmath.sec,
            "csc": mpmath.csc,
            "cot": mpmath.cot,
            "coth": mpmath.coth,
            "csch": mpmath.csch,
            "sech": mpmath.sech,
        }[name](v)
        r = _check(r)
        # |f'| <= (|f| + 1)^2 for all of these; the bound holds on the neighbourhood because
        # the denominator is at least 1/2 of its value there (d_err < |d| / 32)
        slope = 2 * (max(mag(r), 0.0) + 1) + 1
        return r, lsum(e + slope, _round(r)) + 0.5
    raise Unusable


# --------------------------------------------------------------------------- compiling


def _add(a: Value, b: Value) -> Value:
    r = a[0] + b[0]
    return r, _l2(_l2(a[1], b[1]), mag(r) - _Prec.bits)


def _mul(a: Value, b: Value) -> Value:
    (x, ex), (y, ey) = a, b
    r = x * y
    mr = mag(r)
    if mr > limits.MAX_LOG2_MAGNITUDE:
        raise Unusable
    if ex == NEG_INF and ey == NEG_INF:
        return r, mr - _Prec.bits
    return r, _l2(_l2(mag(x) + ey, mag(y) + ex), _l2(ex + ey, mr - _Prec.bits))


def _div(a: Value, b: Value) -> Value:
    (x, ex), (y, ey) = a, b
    if not y:
        if ey == NEG_INF:
            raise Undefined
        raise NeedPrecision
    if ey > mag(y) - 5:
        raise NeedPrecision
    r = _check(x / y)
    # |x/y - x'/y'| <= (ex + |r| ey) / (|y| - ey) and |y| - ey >= |y| / 2
    return r, lsum(lsum(ex, mag(r) + ey) - (mag(y) - 1) + 1, _round(r) if r else NEG_INF)


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


@dataclass(frozen=True)
class Arithmetic:
    """How an evaluator computes (mpmath here, doubles in floats.py); the walk over the tree
    that turns an AST into closures is shared: compile_tree."""

    num: Callable[[Fraction], Callable[[Any], Any]]
    var: Callable[[str], Callable[[Any], Any]]
    const: Callable[[str], Callable[[Any], Any]]
    unary: Callable[[str, Any], Any]
    add: Callable[[Any, Any], Any]
    product: Callable[[Callable[[Any], Any], Callable[[Any], Any]], Callable[[Any], Any]]
    div: Callable[[Any, Any], Any]
    ipow: Callable[[Any, int], Any]
    rpow: Callable[[Any, Any], Any]
    # exact values of rational subtrees, rounded once: n / 2^k, a Fraction
    from_dyadic: Callable[[int, int], Any]
    from_fraction: Callable[[Fraction], Any]
    # the mpmath sample point behind the evaluator's point (exact forms are made from it)
    source: Callable[[Any], Point]
    # what a constant's value depends on besides the tree (the working precision for mpmath)
    setting: Callable[[], int]


def _constant(node: Node, memo: dict[Any, Any]) -> bool:
    """No variable in the subtree: its value is the same at every point."""
    key = ("constant", id(node))
    known = memo.get(key)
    if known is None:
        if isinstance(node, (Num, Const)):
            known = True
        elif isinstance(node, Group):
            known = _constant(node.inner, memo)
        elif isinstance(node, Neg):
            known = _constant(node.operand, memo)
        elif isinstance(node, Call):
            known = _constant(node.arg, memo)
        elif isinstance(node, BinOp):
            known = _constant(node.left, memo) and _constant(node.right, memo)
        else:
            known = False
        memo[key] = known
    return bool(known)


_POINT_FAILURES = (NeedPrecision, Undefined, Unusable, Clamped)


def compile_tree(node: Node, ar: Arithmetic, memo: dict[Any, Any]) -> Callable[[Any], Any]:
    """Turn an AST into a function of a point returning (value, log2 error bound), computing
    with `ar`. Big rational subtrees are evaluated exactly and rounded once (exact.py); a
    sum's rational terms are gathered first, so that their cancellation is exact too; a
    constant subtree (tan(pi/2), e^2) is evaluated once per precision, not at every point.
    `memo`: one dict per tree (sizes, degrees and constness by node id)."""
    f = _compile_tree(node, ar, memo)
    if isinstance(node, (Num, Const, Var)) or not _constant(node, memo):
        return f
    seen: dict[int, Any] = {}
    setting = ar.setting

    def once(pt: Any) -> Any:
        key = setting()
        hit = seen.get(key)
        if hit is None:
            try:
                hit = f(pt)
            except _POINT_FAILURES as exc:
                hit = type(exc)
            seen[key] = hit
        if isinstance(hit, type):
            raise hit
        return hit

    return once


def _compile_tree(node: Node, ar: Arithmetic, memo: dict[Any, Any]) -> Callable[[Any], Any]:
    if exact.worth_exact(node, memo):
        source = ar.source
        dy = exact.compile_dyadic(node, memo)
        if dy is not None:
            from_dyadic = ar.from_dyadic
            return lambda pt: from_dyadic(*exact.dyadic_value(dy, source(pt)))
        ex = exact.compile_exact(node, memo)
        from_fraction = ar.from_fraction
        return lambda pt: from_fraction(ex(exact.exact_point(source(pt))))
    if isinstance(node, BinOp) and node.op in "+-":
        node = exact.regroup(node, memo)
    if isinstance(node, Num):
        return ar.num(node.value)
    if isinstance(node, Var):
        return ar.var(node.name)
    if isinstance(node, Const):
        return ar.const(node.name)
    if isinstance(node, Group):
        return compile_tree(node.inner, ar, memo)
    if isinstance(node, Neg):
        f = compile_tree(node.operand, ar, memo)

        def neg(pt: Any) -> Any:
            v, e = f(pt)
            return -v, e

        return neg
    unary = ar.unary
    if isinstance(node, Call):
        g = compile_tree(node.arg, ar, memo)
        name = node.fn
        return lambda pt: unary(name, g(pt))
    if isinstance(node, Vec):
        raise TypeError("vectors are compiled per component")
    assert isinstance(node, BinOp)
    a = compile_tree(node.left, ar, memo)
    b = compile_tree(node.right, ar, memo)
    add = ar.add
    if node.op == "+":
        return lambda pt: add(a(pt), b(pt))
    if node.op == "-":

        def sub(pt: Any) -> Any:
            y, ey = b(pt)
            return add(a(pt), (-y, ey))

        return sub
    if node.op == "*":
        return ar.product(a, b)
    if node.op == "/":
        div = ar.div
        return lambda pt: div(a(pt), b(pt))
    n = integer_exponent(node.right)
    if n is not None:
        ipow = ar.ipow
        return lambda pt: ipow(a(pt), n)
    if isinstance(node.left, Const) and node.left.name == "e":
        return lambda pt: unary("exp", b(pt))
    rpow = ar.rpow
    return lambda pt: rpow(a(pt), b(pt))


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


class Memo:
    """Values of one side at the points already seen, so that comparing one answer with many
    candidate mistakes at the same seeded points evaluates the answer once per point."""

    def __init__(self, fns: Sequence[Fn]) -> None:
        self.fns = fns
        self.seen: dict[tuple[Any, ...], Side | BaseException] = {}

    def __call__(self, point: Point, prec: int) -> Side:
        key = (prec, *(v for k, v in sorted(point.items()) if not k.startswith("__")))
        hit = self.seen.get(key)
        if hit is None:
            try:
                hit = evaluate(self.fns, point, prec)
            except (NeedPrecision, Undefined, Unusable, Clamped) as exc:
                hit = exc
            self.seen[key] = hit
        if isinstance(hit, BaseException):
            raise hit
        return hit


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


# --------------------------------------------------------------------------- sampling

# log-uniform magnitude bands, cycled through so every scale is represented
BANDS = ((1e-3, 0.05), (0.05, 0.5), (0.5, 2.0), (2.0, 8.0), (8.0, 30.0), (30.0, 300.0))


def _linear(node: Node) -> tuple[dict[str, Fraction], Fraction] | None:
    """(coefficients, constant) when node is linear with rational coefficients."""
    if isinstance(node, Num):
        return {}, node.value
    if isinstance(node, Var):
        return {node.name: Fraction(1)}, Fraction(0)
    if isinstance(node, Group):
        return _linear(node.inner)
    if isinstance(node, Neg):
        inner = _linear(node.operand)
        if inner is None:
            return None
        return {k: -c for k, c in inner[0].items()}, -inner[1]
    if isinstance(node, BinOp) and node.op in "+-*/":
        a, b = _linear(node.left), _linear(node.right)
        if a is None or b is None:
            return None
        if node.op in "+-":
            sign = 1 if node.op == "+" else -1
            coeffs = dict(a[0])
            for k, c in b[0].items():
                coeffs[k] = coeffs.get(k, Fraction(0)) + sign * c
            return coeffs, a[1] + sign * b[1]
        if node.op == "*":
            if not a[0]:
                return {k: a[1] * c for k, c in b[0].items()}, a[1] * b[1]
            if not b[0]:
                return {k: b[1] * c for k, c in a[0].items()}, a[1] * b[1]
            return None
        if not b[0] and b[1] != 0:
            return {k: c / b[1] for k, c in a[0].items()}, a[1] / b[1]
    return None


def _poly(node: Node) -> tuple[str | None, dict[int, Fraction]] | None:
    """A polynomial in at most one variable with rational coefficients: (name, {power: c})."""
    if isinstance(node, Num):
        return None, {0: node.value}
    if isinstance(node, Var):
        return node.name, {1: Fraction(1)}
    if isinstance(node, Group):
        return _poly(node.inner)
    if isinstance(node, Neg):
        inner = _poly(node.operand)
        return None if inner is None else (inner[0], {k: -c for k, c in inner[1].items()})
    if not isinstance(node, BinOp):
        return None
    a = _poly(node.left)
    if a is None:
        return None
    if node.op == "^":
        n = integer_exponent(node.right)
        if n is None or not 0 <= n <= 8:
            return None
        out: tuple[str | None, dict[int, Fraction]] = (a[0], {0: Fraction(1)})
        for _ in range(n):
            out = _poly_mul(out, a)  # type: ignore[assignment]
            if out is None:
                return None
        return out
    b = _poly(node.right)
    if b is None or (a[0] and b[0] and a[0] != b[0]):
        return None
    name = a[0] or b[0]
    if node.op in "+-":
        sign = 1 if node.op == "+" else -1
        coeffs = dict(a[1])
        for k, c in b[1].items():
            coeffs[k] = coeffs.get(k, Fraction(0)) + sign * c
        return name, coeffs
    if node.op == "*":
        return _poly_mul(a, b)
    if node.op == "/" and set(b[1]) == {0} and b[1][0] != 0:
        return name, {k: c / b[1][0] for k, c in a[1].items()}
    return None


def _poly_mul(
    a: tuple[str | None, dict[int, Fraction]], b: tuple[str | None, dict[int, Fraction]]
) -> tuple[str | None, dict[int, Fraction]] | None:
    if a[0] and b[0] and a[0] != b[0]:
        return None
    out: dict[int, Fraction] = {}
    for i, c in a[1].items():
        for j, d in b[1].items():
            out[i + j] = out.get(i + j, Fraction(0)) + c * d
    if max(out, default=0) > 8:
        return None
    return a[0] or b[0], out


def _real_roots(coeffs: dict[int, Fraction]) -> list[Fraction]:
    degree = max((k for k, c in coeffs.items() if c), default=0)
    if degree == 0:
        return []
    poly = [float(coeffs.get(k, 0)) for k in range(degree, -1, -1)]
    roots = []
    for r in numpy.roots(poly):
        if abs(r.imag) <= 1e-9 * max(1.0, abs(r.real)) and math.isfinite(r.real):
            roots.append(Fraction(float(r.real)))
    return roots


def boundary_hints(nodes: Sequence[Node]) -> dict[str, list[Fraction]]:
    """Where a domain or a kink starts: roots of linear arguments of abs, roots, logs, inverse
    trig, denominators and real-power bases, by variable."""
    hints: dict[str, list[Fraction]] = {}

    def add(arg: Node, levels: Sequence[int]) -> None:
        lin = _linear(arg)
        if lin is None:
            poly = _poly(arg)
            if poly is None or poly[0] is None:
                return
            for level in levels:
                shifted = dict(poly[1])
                shifted[0] = shifted.get(0, Fraction(0)) - level
                for root in _real_roots(shifted):
                    if abs(root) < 10**6 and root not in hints.setdefault(poly[0], []):
                        hints[poly[0]].append(root)
            return
        coeffs = {k: c for k, c in lin[0].items() if c}
        if len(coeffs) != 1:
            return
        ((name, c),) = coeffs.items()
        for level in levels:
            root = (level - lin[1]) / c
            if abs(root) < 10**6 and root not in hints.setdefault(name, []):
                hints[name].append(root)

    for node in nodes:
        for n in walk(node):
            if isinstance(n, Call):
                if n.fn in ("abs", "sqrt", "log", "sign", "coth", "csch"):
                    add(n.arg, (0,))
                elif n.fn in ("asin", "acos", "atanh", "asec", "acsc"):
                    add(n.arg, (-1, 1))
                elif n.fn == "acosh":
                    add(n.arg, (1,))
            elif isinstance(n, BinOp) and n.op == "/":
                add(n.right, (0,))
            elif isinstance(n, BinOp) and n.op == "^" and integer_exponent(n.right) is None:
                add(n.left, (0,))
    return hints


@dataclass
class Sampler:
    """Seeded points over several scales, near boundary hints, learning where the key lives."""

    variables: list[str]
    seed: int
    positive: bool
    hints: dict[str, list[Fraction]] = field(default_factory=dict)
    draws: int = 0
    accepted: int = 0
    good_signs: list[tuple[bool, ...]] = field(default_factory=list)

    shared: SharedDraws | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(f"partial-credit:{self.seed}")
        n = len(self.variables)
        self.orthant_mask = random.Random(f"orthants:{self.seed}").randrange(2**n) if n else 0
        if self.shared is not None and not self.shared.serves(self):
            self.shared = None

    def _value(self, lo: float, hi: float) -> Any:
        size = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        exponent = math.floor(math.log2(size)) - 52
        mantissa = self.rng.getrandbits(52) | (1 << 52)
        # a dyadic rational with a full random mantissa: exact at every precision used, and
        # never on a coarse grid where sin(2^k pi x) or similar could vanish by construction
        return mpmath.ldexp(mantissa, exponent)

    def draw(self) -> Point:
        i = self.draws
        shared = self.shared
        if shared is not None:
            if i < FIXED_DRAWS:
                self.draws += 1
                return shared.point(i)
            if i == FIXED_DRAWS:
                self.rng.setstate(shared.state_after_fixed())
        return self._draw()

    def _draw(self) -> Point:
        i = self.draws
        self.draws += 1
        lo, hi = BANDS[i % len(BANDS)]
        hinted = [v for v in self.variables if self.hints.get(v)]
        mode = "random"
        if hinted and i % 3 == 2:
            mode = "hint"
        elif not self.positive and i >= 18 and self.accepted < max(2, i // 4):
            mode = ("positive", "learned", "random")[i % 3]
        signs: tuple[bool, ...]
        if self.positive or mode == "positive":
            signs = tuple(False for _ in self.variables)
        elif mode == "learned" and self.good_signs:
            signs = self.good_signs[self.rng.randrange(len(self.good_signs))]
        else:
            signs = tuple(self.rng.random() < 0.5 for _ in self.variables)
            n = len(self.variables)
            if mode in ("random", "hint") and n <= 3 and i < 2**n:
                # the first 2^n points visit every orthant once (in a seeded order), so that a
                # difference confined to one quadrant meets a point evaluated with mpmath
                k = i ^ self.orthant_mask
                signs = tuple(bool(k >> j & 1) for j in range(n))
        point: Point = {}
        for name, negative in zip(self.variables, signs, strict=True):
            v = self._value(lo, hi)
            point[name] = -v if negative else v
        if mode == "hint":
            name = hinted[self.rng.randrange(len(hinted))]
            roots = self.hints[name]
            root = roots[self.rng.randrange(len(roots))]
            scale = max(1.0, abs(float(root)))
            offset = self._value(1e-7 * scale, scale)
            with mpmath.workprec(400):
                # the root rounded to a double, then stepped off: still exact and dyadic
                base = mpmath.mpf(float(root))
                below = self.rng.random() >= 0.5
                if i < 2 ** len(self.variables):
                    # keep the orthant this point was given (its side of the boundary)
                    below = signs[self.variables.index(name)]
                v = base + (-offset if below else offset)
            if not self.positive or v > 0:
                point[name] = v
        point["__signs__"] = signs
        return point

    def accept(self, point: Point) -> None:
        self.accepted += 1
        signs = point["__signs__"]
        if signs not in self.good_signs:
            self.good_signs.append(signs)


# Draws before this one do not depend on which points were accepted (see Sampler.draw): the
# same settings give the same points, whoever asks.
FIXED_DRAWS = 18


class SharedDraws:
    """The first FIXED_DRAWS points of a Sampler with these settings, drawn once for several
    comparisons (a wrong answer against each candidate mistake). The points are shared as
    they are, with what evaluators keep in them about themselves."""

    def __init__(
        self,
        variables: Sequence[str],
        seed: int,
        positive: bool,
        hints: dict[str, list[Fraction]],
    ) -> None:
        self._proto = Sampler(list(variables), seed, positive, hints)
        self._points: list[Point] = []
        self._state: Any = None

    def serves(self, sampler: Sampler) -> bool:
        proto = self._proto
        return (
            sampler.variables == proto.variables
            and sampler.seed == proto.seed
            and sampler.positive == proto.positive
            and sampler.hints == proto.hints
        )

    def point(self, i: int) -> Point:
        while len(self._points) <= i:
            self._points.append(self._proto._draw())
        return self._points[i]

    def state_after_fixed(self) -> Any:
        if self._state is None:
            self.point(FIXED_DRAWS - 1)
            self._state = self._proto.rng.getstate()
        return self._state


# --------------------------------------------------------------------------- comparing


@dataclass
class Outcome:
    equivalent: bool | None
    points: int
    witness: dict[str, str] | None = None
    key_value: str | None = None
    answer_value: str | None = None
    max_rel_error: float = 0.0
    component: int | None = None
    answer_undefined: bool = False
    draws: int = 0
    max_prec: int = BASE_PREC


def _text(v: Any) -> str:
    return str(mpmath.nstr(v, 12))


def point_text(point: Point) -> dict[str, str]:
    return {k: str(mpmath.nstr(v, 10)) for k, v in point.items() if not k.startswith("__")}


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


def _against(
    point: Point,
    kind: str,
    detail: dict[str, Any],
    points: int,
    draws: int,
    prec: int,
    explain: bool = True,
) -> Outcome:
    """The outcome "not equivalent", with the point and values that show it (written out only
    when `explain`: matching candidate mistakes needs the verdict alone)."""

    def text(v: Any) -> str | None:
        return str(v()) if callable(v) else v

    return Outcome(
        equivalent=False,
        points=points,
        witness=point_text(point) if explain else None,
        key_value=text(detail.get("key")) if explain else None,
        answer_value=text(detail.get("answer")) if explain else None,
        max_rel_error=float(detail.get("rel", math.inf) or 0.0),
        component=detail.get("component"),
        answer_undefined=kind == "undefined",
        draws=draws,
        max_prec=prec,
    )


def compare(
    key_fns: Sequence[Fn],
    answer_fns: Sequence[Fn] | Memo,
    variables: Sequence[str],
    *,
    seed: int,
    positive: bool = False,
    rtol: float = 0.0,
    floor: float = 0.0,
    hints: dict[str, list[Fraction]] | None = None,
    target: int = limits.SAMPLE_TARGET_POINTS,
    max_draws: int = limits.SAMPLE_MAX_DRAWS,
    confirm: bool = True,
    key_floats: Sequence[Any] | None = None,
    answer_floats: Any = None,
    key_exact: Sequence[Any] | None = None,
    answer_exact: Any = None,
    explain: bool = True,
    shared: SharedDraws | None = None,
) -> Outcome:
    """Sample until `target` points agree, one real difference is found, or draws run out.

    With `key_floats` and `answer_floats` (from `floats.compile_float`, the answer side may be
    a `floats.Memo`) each point is looked at in doubles first. At least
    `limits.SAMPLE_FULL_PRECISION_POINTS` agreeing points (from the bands
    `limits.SAMPLE_FULL_PRECISION_BANDS`, or any once the first round of bands is drawn) are
    evaluated with mpmath all the same, and so is every point the doubles cannot settle. With
    `confirm`, a difference seen in doubles is checked again with mpmath before it is reported,
    so that a rejection is always decided at full precision; without it (matching candidate
    mistakes) it stands.

    With `key_exact` and `answer_exact` (both sides small rational functions, `exact.py`) the
    points are compared exactly instead, and the outcome's max_prec is 0.

    `shared`: the first points, drawn once for comparisons with the same sampling settings
    (ignored if its settings are not these); the outcome is the same with or without it.
    """
    from grading.engine import floats

    if key_exact is not None and answer_exact is not None and not rtol:
        sampler = Sampler(list(variables), seed, positive, hints or {}, shared=shared)
        return _compare_exact(key_exact, answer_exact, sampler, target, max_draws, explain)

    use_floats = key_floats is not None and answer_floats is not None and not rtol
    sampler = Sampler(list(variables), seed, positive, hints or {}, shared=shared)
    first_agreeing: Point | None = None
    agree = 0
    full = 0  # agreeing points evaluated with mpmath
    max_rel = 0.0
    top_prec = floats.PREC if use_floats else BASE_PREC
    if not variables:
        target, max_draws = 1, 1
    while agree < target and sampler.draws < max_draws:
        point = sampler.draw()
        quick = None
        if use_floats:
            assert key_floats is not None
            quick = floats.compare_point(key_floats, answer_floats, point)
        if quick is not None:
            kind, detail = quick
            if kind == "unusable":
                continue
            band = (sampler.draws - 1) % len(BANDS)
            verify = full < limits.SAMPLE_FULL_PRECISION_POINTS and (
                band in limits.SAMPLE_FULL_PRECISION_BANDS or sampler.draws > len(BANDS)
            )
            if kind == "agree" and not verify:
                sampler.accept(point)
                agree += 1
                max_rel = max(max_rel, float(detail["rel"]))
                continue
            if kind in ("differ", "undefined") and not confirm:
                sampler.accept(point)
                return _against(point, kind, detail, agree + 1, sampler.draws, floats.PREC, explain)
        result = compare_point(key_fns, answer_fns, point, rtol, floor)
        if result is None:
            continue
        sampler.accept(point)
        kind, detail = result
        top_prec = max(top_prec, int(detail.get("prec", BASE_PREC)))
        if kind == "agree":
            agree += 1
            full += 1
            max_rel = max(max_rel, float(detail["rel"]))
            if first_agreeing is None:
                first_agreeing = point
            continue
        return _against(point, kind, detail, agree + 1, sampler.draws, top_prec, explain)
    if agree < min(target, limits.SAMPLE_MIN_POINTS):
        return Outcome(equivalent=None, points=agree, draws=sampler.draws, max_prec=top_prec)
    if confirm and first_agreeing is not None and not rtol:
        # one point again at CONFIRM_PREC bits: a difference too small for the sampled
        # precision (10^300 + x + 1 against 10^300 + x) shows up here
        result = compare_point(
            key_fns, answer_fns, first_agreeing, rtol, floor, CONFIRM_PREC, CONFIRM_PREC - 96
        )
        if result is not None and result[0] != "agree":
            kind, detail = result
            return _against(
                first_agreeing, kind, detail, agree, sampler.draws, CONFIRM_PREC, explain
            )
        top_prec = max(top_prec, CONFIRM_PREC)
    return Outcome(
        equivalent=True,
        points=agree,
        max_rel_error=max_rel,
        draws=sampler.draws,
        max_prec=top_prec,
    )


def _compare_exact(
    key: Sequence[Any],
    answer: Any,
    sampler: Sampler,
    target: int,
    max_draws: int,
    explain: bool = True,
) -> Outcome:
    """compare() for rational functions: each point is agreement or difference, exactly."""
    agree = 0
    if not sampler.variables:
        target, max_draws = 1, 1
    while agree < target and sampler.draws < max_draws:
        point = sampler.draw()
        kind, detail = exact.compare_point(key, answer, point)
        if kind == "unusable":
            continue
        sampler.accept(point)
        if kind == "agree":
            agree += 1
            continue
        return _against(point, kind, detail, agree + 1, sampler.draws, 0, explain)
    if agree < min(target, limits.SAMPLE_MIN_POINTS):
        return Outcome(equivalent=None, points=agree, draws=sampler.draws, max_prec=0)
    return Outcome(equivalent=True, points=agree, draws=sampler.draws, max_prec=0)


# exact.py builds on this module (its errors and helpers); imported last, as the two refer to
# each other only inside functions
from grading.engine import exact  # noqa: E402
