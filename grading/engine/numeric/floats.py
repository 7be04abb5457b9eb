"""Double-precision evaluation with a rigorous error bound: the cheap first look at a point.

The same model as `multiprecision` (every value comes with an upper bound on log2 of its absolute
error, -inf when exact; a step whose bound would not hold asks for more precision), in IEEE
doubles instead of mpmath numbers, which makes a point about twenty times cheaper to evaluate.

Each elementary operation rounds to nearest (error at most 2^-53 of the result, charged here as
2^-52: `_r`); the C library's transcendental functions are charged four units in the last place,
about four times glibc's documented worst case. Overflow, underflow towards the subnormals and
anything this module does not model (the inverse functions with a bounded domain, reciprocal
hyperbolics) raise `NeedPrecision`, so that the caller evaluates that point with mpmath instead.
`Undefined` is raised only when the bound proves it (a certain negative sign under a square root,
an exact zero divisor), exactly as in `multiprecision`.

So a comparison made here is as trustworthy as one made with mpmath, only coarser: two values
"agree" when their intervals overlap and are narrower than 2^-RESOLVE_BITS of the values, and
"differ" when the intervals are apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import partial
from typing import Any

import mpmath

from grading.engine import limits
from grading.engine.numeric.bounds import (
    NEG_INF,
    NeedPrecision,
    Undefined,
    interval_div,
    l2,
    point_key,
)
from grading.engine.numeric.bounds import Memo as PointMemo
from grading.engine.numeric.compiler import Arithmetic, compile_tree
from grading.engine.tree import Node

PREC = 53  # bits, reported as the precision of a point settled here
FValue = tuple[float, float]
FPoint = dict[str, FValue]
FFn = Callable[[FPoint], FValue]

# Agreement at a point needs both bounds this many bits below the values compared (doubles
# carry 53; the rest is room for the error the expression accumulates).
RESOLVE_BITS = 30
# Results beyond these magnitudes go to mpmath (no overflow, no subnormals here).
_HUGE = 2.0**900
_TINY = 2.0**-900
# Safety on the rounding of library functions, in bits (2^2 = four units in the last place).
_LIBM = 2.0


def mag(v: float) -> float:
    """Upper bound of log2|v| (-inf for zero)."""
    if v == 0.0:
        return NEG_INF
    return float(math.frexp(v)[1])


def _r(v: float) -> float:
    """log2 of the rounding error of a correctly rounded result v."""
    return mag(v) - 52.0 if v else NEG_INF


def _fin(v: float) -> float:
    """The value, if doubles represent it with full relative precision; else go to mpmath."""
    a = abs(v)
    if a > _HUGE or (a < _TINY and v != 0.0) or v != v:
        raise NeedPrecision
    return v


def _certain_sign(v: float, e: float) -> int:
    if v == 0.0:
        return 0 if e == NEG_INF else 2
    if e >= mag(v) - 1:
        return 2
    return 1 if v > 0 else -1


def _libm(fn: Callable[[float], float], v: float) -> float:
    try:
        r = _fin(fn(v))
    except (OverflowError, ValueError, ZeroDivisionError):
        raise NeedPrecision from None
    if r == 0.0 and v != 0.0 and fn is not math.log:
        raise NeedPrecision  # underflow: none of these vanishes at a nonzero double
    return r


def _unary(name: str, u: FValue) -> FValue:
    v, e = u
    if name == "abs":
        return abs(v), e
    if name == "sign":
        s = _certain_sign(v, e)
        if s == 2:
            raise NeedPrecision
        return float(s), NEG_INF
    if name in ("sin", "cos", "atan", "tanh", "asinh"):
        if name in ("sin", "cos") and abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise NeedPrecision
        r = _libm(_FUNCS[name], v)
        # all 1-Lipschitz
        return r, l2(e, _r(r) + _LIBM) + 0.5
    if name == "exp":
        if e > -4:
            raise NeedPrecision
        r = _libm(math.exp, v)
        return r, l2(mag(r) + e + 1, _r(r) + _LIBM) + 0.5
    if name in ("sinh", "cosh"):
        if e > -4:
            raise NeedPrecision
        r = _libm(_FUNCS[name], v)
        slope = max(mag(r), 0.0) + 1
        return r, l2(slope + e + 1, _r(r) + _LIBM) + 0.5
    if name in ("log", "sqrt"):
        s = _certain_sign(v, e)
        if s == -1 or (s == 0 and name == "log"):
            raise Undefined
        if s == 0:  # sqrt of an exact zero
            return 0.0, NEG_INF
        if s == 2 or e > mag(v) - 5:
            raise NeedPrecision
        r = _libm(_FUNCS[name], v)
        if name == "log":
            return r, l2(e - (mag(v) - 1) + 1, _r(r) + _LIBM) + 0.5
        return r, l2(e - (mag(r) - 1), _r(r) + _LIBM) + 0.5
    if name in ("tan", "sec", "csc", "cot"):
        if abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise NeedPrecision
        d = _libm(math.cos if name in ("tan", "sec") else math.sin, v)
        d_err = l2(e, _r(d) + _LIBM) + 0.5 if d else NEG_INF
        if d == 0.0 or d_err > mag(d) - 5:
            raise NeedPrecision
        if name == "tan":
            r = _libm(math.tan, v)
            r_err = _r(r) + _LIBM
        else:
            # 1/d: two roundings (d's own, charged in d_err, and the division)
            r = _fin(1.0 / d) if name in ("sec", "csc") else _libm(lambda t: 1.0 / math.tan(t), v)
            r_err = _r(r) + _LIBM + 1
        # |f'| <= (|f| + 1)^2 for all four, on the neighbourhood (d_err < |d| / 32)
        slope = 2 * (max(mag(r), 0.0) + 1) + 1
        return r, l2(e + slope, r_err) + 0.5
    # asin acos atanh acosh asec acsc acot coth csch sech: bounded domains or poles handled by
    # numeric's careful code only
    raise NeedPrecision


_FUNCS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "atan": math.atan,
    "tanh": math.tanh,
    "asinh": math.asinh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "log": math.log,
    "sqrt": math.sqrt,
}


def _add(a: FValue, b: FValue) -> FValue:
    r = _fin(a[0] + b[0])
    return r, l2(l2(a[1], b[1]), _r(r))


def _mul(a: FValue, b: FValue) -> FValue:
    (x, ex), (y, ey) = a, b
    r = _fin(x * y)
    if r == 0.0 and x != 0.0 and y != 0.0:
        raise NeedPrecision  # underflow
    if ex == NEG_INF and ey == NEG_INF:
        return r, _r(r)
    return r, l2(l2(mag(x) + ey, mag(y) + ex), l2(ex + ey, _r(r)))


_div = interval_div(mag, _fin, _r)


def _ipow(b: FValue, n: int) -> FValue:
    x, ex = b
    if x == 0.0 and ex == NEG_INF:
        if n < 0:
            raise Undefined
        return (0.0 if n > 0 else 1.0), NEG_INF
    if n == 0:
        return 1.0, NEG_INF
    if x == 0.0 or ex > mag(x) - 5 - math.log2(abs(n)):
        raise NeedPrecision
    if abs(n) * max(abs(mag(x)), 1.0) > 880:
        raise NeedPrecision
    if n == 2 and ex == NEG_INF:
        r = _fin(x * x)
        return r, _r(r)
    try:
        r = _fin(x**n)
    except (OverflowError, ZeroDivisionError):
        raise NeedPrecision from None
    if r == 0.0:
        raise NeedPrecision  # underflow
    # pow is charged like a library function; the bound for the input as in multiprecision._ipow
    rel = math.log2(abs(n)) + ex - (mag(x) - 1) + 1
    return r, l2(mag(r) + rel, _r(r) + _LIBM)


def _rpow(b: FValue, p: FValue) -> FValue:
    x, ex = b
    y, ey = p
    s = _certain_sign(x, ex)
    if s == -1:
        raise Undefined
    if s != 1 or ex > mag(x) - 5:
        raise NeedPrecision  # zero bases and uncertain signs: numeric decides them
    lx = math.log(x)
    if abs(y * lx) > 600:
        raise NeedPrecision
    try:
        r = _fin(math.pow(x, y))
    except (OverflowError, ValueError):
        raise NeedPrecision from None
    if r == 0.0:
        raise NeedPrecision  # underflow
    # d(x^y) = x^y (ln x dy + y dx / x); ln x itself is charged one extra bit
    rel = l2(mag(lx) + 1 + ey, mag(y) + ex - (mag(x) - 1)) + 1
    if rel > -4:
        raise NeedPrecision
    return r, l2(mag(r) + rel, _r(r) + _LIBM) + 0.5


def _num(value: Fraction) -> FFn:
    p, q = value.numerator, value.denominator
    try:
        f = p / q  # correctly rounded
    except OverflowError:
        f = math.inf
    if not math.isfinite(f) or (f != 0 and abs(f) < _TINY) or abs(f) > _HUGE:

        def far(pt: FPoint) -> FValue:
            raise NeedPrecision

        return far
    exact = q == 1 and abs(p) < 2**53
    err = NEG_INF if exact else _r(f)
    return lambda pt: (f, err)


def _float_product(a: FFn, b: FFn) -> FFn:
    def mul(pt: FPoint) -> FValue:
        left = a(pt)
        right = b(pt)
        if right[0] == 0.0 and right[1] == NEG_INF and left[1] == NEG_INF:
            return right
        return _mul(left, right)

    return mul


def _float_const(name: str) -> FFn:
    c = math.e if name == "e" else math.pi
    ce = _r(c)
    return lambda pt: (c, ce)


def _var(name: str) -> FFn:
    return lambda pt: pt[name]


def _from_dyadic(n: int, k: int) -> FValue:
    if not n:
        return 0.0, NEG_INF
    try:  # int / int and int -> float round correctly
        r = _fin(n / (1 << k) if k >= 0 else float(n << -k))
    except OverflowError:
        raise NeedPrecision from None
    return r, _r(r)


def _from_fraction(v: Fraction) -> FValue:
    if not v:
        return 0.0, NEG_INF
    try:
        r = _fin(v.numerator / v.denominator)  # correctly rounded
    except OverflowError:
        raise NeedPrecision from None
    return r, _r(r)


DOUBLES = Arithmetic(
    num=_num,
    var=_var,
    const=_float_const,
    unary=_unary,
    add=_add,
    product=_float_product,
    div=_div,
    ipow=_ipow,
    rpow=_rpow,
    from_dyadic=_from_dyadic,
    from_fraction=_from_fraction,
    source=lambda pt: pt["__src__"],
    setting=lambda: 0,
)


def compile_float(node: Node, memo: dict[Any, Any] | None = None) -> FFn:
    """Turn an AST into a function of a double point returning (value, log2 error bound).
    `memo`: as for multiprecision.compile_node."""
    return compile_tree(node, DOUBLES, {} if memo is None else memo)


def point_of(point: dict[str, Any]) -> FPoint:
    """The sample point in doubles: a sampled value is a double already (exact); a value
    stepped off a boundary hint may not be, and is then charged its rounding."""
    # the exact forms of the point are made only if a rational subtree asks for them
    out: FPoint = {"__src__": point}  # type: ignore[dict-item]
    for name, v in point.items():
        if name.startswith("__"):
            continue
        sign, man, exp, bc = v._mpf_
        if bc <= 53 and -900 < exp + bc < 900:
            f = math.ldexp(-man if sign else man, exp)  # exact: the mantissa fits a double
            out[name] = (f, NEG_INF) if man else (0.0, NEG_INF)
        else:
            f = float(v)
            out[name] = (f, _r(f) + 1)
    return out


def evaluate(fns: Sequence[FFn], point: FPoint) -> tuple[list[float], list[float]]:
    """All components in doubles; raises NeedPrecision (use mpmath) or Undefined (proven)."""
    try:
        out = [f(point) for f in fns]
    except (ZeroDivisionError, OverflowError, ValueError):
        raise NeedPrecision from None
    return [v for v, _ in out], [e for _, e in out]


def judge(
    key: tuple[list[float], list[float]], answer: tuple[list[float], list[float]]
) -> tuple[str, Any]:
    """("agree", rel) | ("differ", component) | ("escalate", None), for exact comparison
    (no tolerance): the same rule as multiprecision's at double precision."""
    worst = 0.0
    for c, (k, a) in enumerate(zip(key[0], answer[0], strict=True)):
        d = abs(a - k)
        d_lo = d * (1 - 2.0**-50)  # |a - k| is at least this (one rounding)
        bound_e = l2(key[1][c], answer[1][c])
        if bound_e == NEG_INF:
            if d == 0.0:
                continue
            return "differ", c
        if bound_e > 1000:
            return "escalate", None
        bound = math.ldexp(1.0, math.ceil(bound_e)) if bound_e > -1060 else 0.0
        if d_lo > bound * (1 + 2.0**-50):
            return "differ", c
        scale = max(abs(a), abs(k))
        if scale and bound_e <= mag(scale) - RESOLVE_BITS:
            worst = max(worst, d / scale)
            continue
        return "escalate", None
    return "agree", worst


class Memo(PointMemo[tuple[list[float], list[float]]]):
    """One side's double values at the points already seen (bounds.Memo)."""

    failures = (NeedPrecision, Undefined)

    def __call__(self, point: FPoint) -> tuple[list[float], list[float]]:
        return self.recall(point_key(point), evaluate, self.fns, point)


def _text(v: float) -> str:
    return str(mpmath.nstr(mpmath.mpf(v), 12))


def compare_point(
    key_fns: Sequence[FFn], answer: Sequence[FFn] | Memo, point: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """Exact comparison at one sample point in doubles: ("agree" | "differ" | "undefined" |
    "unusable" (the key is proven undefined there), detail), or None: ask mpmath."""
    fpoint = point_of(point)
    try:
        key = evaluate(key_fns, fpoint)
    except Undefined:
        return "unusable", {}
    except NeedPrecision:
        return None
    try:
        ans = answer(fpoint) if isinstance(answer, Memo) else evaluate(answer, fpoint)
    except Undefined:
        return "undefined", {"key": partial(_text, key[0][0]), "answer": None, "prec": PREC}
    except NeedPrecision:
        return None
    kind, info = judge(key, ans)
    if kind == "escalate":
        return None
    if kind == "agree":
        return "agree", {"rel": info, "prec": PREC}
    c = int(info)
    k, a = key[0][c], ans[0][c]
    scale = max(abs(a), abs(k))
    return "differ", {
        "key": partial(_text, k),
        "answer": partial(_text, a),
        "rel": abs(a - k) / scale if scale else math.inf,
        "component": c if len(key[0]) > 1 else None,
        "prec": PREC,
    }
