"""Is the answer the key? Structural check, domain-aware seeded sampling, symbolic proof.

Policy (shared/corpus/README.md): variables are real; an answer is right when it is real, finite
and equal to the key wherever the key is real and finite, up to isolated holes. So:

1. structural: SymPy's canonical forms are equal and the answer has no operation that can shrink
   its real domain (log, roots, real powers, inverse trig); SymPy's automatic rewrites such as
   exp(2 log x) -> x^2 are only trusted then.
2. numeric: seeded points in several scales, kept where the key is real and finite. Each side is
   evaluated in real arithmetic (a non-real intermediate makes the point undefined) at two or
   three precisions: a difference that survives more precision is real, one that shrinks with it
   is rounding noise. One real difference, or an answer undefined where the key is defined,
   decides "not equivalent"; agreement at enough points decides "equivalent"; too few usable
   points is "undecided".
3. symbolic: when the points agree, SymPy tries to prove the difference is zero within a time
   budget; success upgrades the method from numeric to symbolic.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy

from grading.engine import limits
from grading.engine.parsing import BinOp, Call, Const, Group, Neg, Node, Num, Var, Vec

Point = dict[str, Any]
Fn = Callable[[Point], Any]

RTOL = 1e-12


class Undefined(Exception):
    """The expression is not real and finite at this point."""


class Unusable(Exception):
    """The point is too extreme to evaluate meaningfully (huge magnitudes); draw another."""


class Unsupported(Exception):
    """A SymPy expression that has no counterpart in the student grammar (e.g. Piecewise)."""


# --------------------------------------------------------------------------- compiling


def _mag(v: Any) -> int:
    """log2 magnitude of a nonzero finite mpf, read off its representation (mpmath.mag is slow)."""
    _sign, _man, exp, bc = v._mpf_
    return int(exp + bc)


def _guard(v: Any) -> Any:
    if v and _mag(v) > limits.MAX_LOG2_MAGNITUDE:
        raise Unusable
    return v


def _integer_exponent(node: Node) -> int | None:
    from grading.engine.parsing import _const_value

    v = _const_value(node)
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v)
    return None


def _sign(v: Any) -> Any:
    return mpmath.mpf(1) if v > 0 else (mpmath.mpf(-1) if v < 0 else mpmath.mpf(0))


def _inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        d = f(v)
        if not d:
            raise Undefined
        return 1 / d

    return g


def _trig(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        if abs(v) > limits.MAX_TRIG_ARGUMENT:
            raise Unusable
        return f(v)

    return g


def _checked(f: Callable[[Any], Any], ok: Callable[[Any], bool]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        if not ok(v):
            raise Undefined
        return f(v)

    return g


def _exp(v: Any) -> Any:
    if v > limits.MAX_EXP_ARGUMENT:
        raise Unusable
    return mpmath.exp(v)


_UNARY: dict[str, Callable[[Any], Any]] = {
    "sin": _trig(mpmath.sin),
    "cos": _trig(mpmath.cos),
    "tan": _trig(_checked(mpmath.tan, lambda v: bool(mpmath.cos(v)))),
    "sec": _trig(_inv(mpmath.cos)),
    "csc": _trig(_inv(mpmath.sin)),
    "cot": _trig(_inv(mpmath.tan)),
    "asin": _checked(mpmath.asin, lambda v: -1 <= v <= 1),
    "acos": _checked(mpmath.acos, lambda v: -1 <= v <= 1),
    "atan": mpmath.atan,
    "asec": _checked(lambda v: mpmath.acos(1 / v), lambda v: abs(v) >= 1),
    "acsc": _checked(lambda v: mpmath.asin(1 / v), lambda v: abs(v) >= 1),
    "acot": _checked(lambda v: mpmath.atan(1 / v), lambda v: bool(v)),
    "sinh": lambda v: _guarded_hyp(mpmath.sinh, v),
    "cosh": lambda v: _guarded_hyp(mpmath.cosh, v),
    "tanh": mpmath.tanh,
    "sech": lambda v: 1 / _guarded_hyp(mpmath.cosh, v),
    "csch": _inv(lambda v: _guarded_hyp(mpmath.sinh, v)),
    "coth": _inv(mpmath.tanh),
    "asinh": mpmath.asinh,
    "acosh": _checked(mpmath.acosh, lambda v: v >= 1),
    "atanh": _checked(mpmath.atanh, lambda v: -1 < v < 1),
    "exp": _exp,
    "log": _checked(mpmath.log, lambda v: v > 0),
    "sqrt": _checked(mpmath.sqrt, lambda v: v >= 0),
    "abs": abs,
    "sign": _sign,
}


def _guarded_hyp(f: Callable[[Any], Any], v: Any) -> Any:
    if abs(v) > limits.MAX_EXP_ARGUMENT:
        raise Unusable
    return f(v)


class _Tracker(threading.local):
    """Cancellation seen during one evaluation: bits lost, and the largest magnitude added."""

    lost: int = 0
    top: int = -(10**9)


_track = _Tracker()


def _add(x: Any, y: Any) -> Any:
    r = x + y
    if x and y:
        big = max(_mag(x), _mag(y))
        if big > _track.top:
            _track.top = big
        lost = big - _mag(r) if r else mpmath.mp.prec
        if lost > _track.lost:
            _track.lost = lost
    return r


def compile_node(node: Node) -> Fn:
    """Turn an AST into a real-valued function of a point, in the current mpmath precision."""
    if isinstance(node, Num):
        p, q = node.value.numerator, node.value.denominator
        if q == 1:
            return lambda pt: mpmath.mpf(p)
        return lambda pt: mpmath.mpf(p) / q
    if isinstance(node, Var):
        name = node.name
        return lambda pt: pt[name]
    if isinstance(node, Const):
        if node.name == "e":
            return lambda pt: mpmath.e + 0
        return lambda pt: mpmath.pi + 0
    if isinstance(node, Group):
        return compile_node(node.inner)
    if isinstance(node, Neg):
        f = compile_node(node.operand)
        return lambda pt: -f(pt)
    if isinstance(node, Call):
        g = compile_node(node.arg)
        fn = _UNARY[node.fn]
        return lambda pt: _guard(fn(g(pt)))
    if isinstance(node, Vec):
        raise TypeError("vectors are compiled per component")
    assert isinstance(node, BinOp)
    a = compile_node(node.left)
    b = compile_node(node.right)
    if node.op == "+":
        return lambda pt: _add(a(pt), b(pt))
    if node.op == "-":
        return lambda pt: _add(a(pt), -b(pt))
    if node.op == "*":
        return lambda pt: _guard(a(pt) * b(pt))
    if node.op == "/":

        def div(pt: Point) -> Any:
            d = b(pt)
            if not d:
                raise Undefined
            return _guard(a(pt) / d)

        return div
    n = _integer_exponent(node.right)
    if n is not None:

        def ipow(pt: Point) -> Any:
            base = a(pt)
            if not base:
                if n < 0:
                    raise Undefined
                return mpmath.mpf(0) if n > 0 else mpmath.mpf(1)
            if abs(n) * abs(_mag(base)) > limits.MAX_LOG2_MAGNITUDE:
                raise Unusable
            return base**n

        return ipow
    exp_is_e = isinstance(node.left, Const) and node.left.name == "e"

    def rpow(pt: Point) -> Any:
        e = b(pt)
        if exp_is_e:
            return _guard(_exp(e))
        base = a(pt)
        if base > 0:
            if abs(e) * abs(_mag(base)) > limits.MAX_LOG2_MAGNITUDE:
                raise Unusable
            return _guard(mpmath.power(base, e))
        if not base:
            if e > 0:
                return mpmath.mpf(0)
            raise Undefined
        # negative base, non-integer exponent: the principal value is not real
        raise Undefined

    return rpow


# --------------------------------------------------------------------------- SymPy -> AST

_SYMPY_NAMES: dict[Any, str] = {
    sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.sec: "sec",
    sympy.csc: "csc", sympy.cot: "cot", sympy.asin: "asin", sympy.acos: "acos",
    sympy.atan: "atan", sympy.asec: "asec", sympy.acsc: "acsc", sympy.acot: "acot",
    sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh", sympy.sech: "sech",
    sympy.csch: "csch", sympy.coth: "coth", sympy.asinh: "asinh", sympy.acosh: "acosh",
    sympy.atanh: "atanh", sympy.exp: "exp", sympy.log: "log", sympy.Abs: "abs",
    sympy.sign: "sign",
}  # fmt: skip


def _z() -> tuple[int, int, int, int]:
    return (0, 0, 0, 0)


def from_sympy(expr: Any) -> Node:
    """Convert a SymPy expression (a key, a mistake) into the AST the evaluator runs."""
    if expr.is_Integer or expr.is_Rational:
        v = Fraction(int(expr.p), int(expr.q))
        if v < 0:
            return Neg(*_z(), operand=from_sympy(-expr))
        if v.denominator == 1:
            return Num(*_z(), value=v, text=str(v))
        return BinOp(*_z(), op="/", left=_int(v.numerator), right=_int(v.denominator))
    if expr.is_Float:
        v = Fraction(str(expr))
        if v < 0:
            return Neg(*_z(), operand=Num(*_z(), value=-v, text=str(-v)))
        return Num(*_z(), value=v, text=str(v))
    if expr is sympy.E:
        return Const(*_z(), name="e")
    if expr is sympy.pi:
        return Const(*_z(), name="pi")
    if expr.is_Symbol:
        return Var(*_z(), name=expr.name)
    if expr.is_Add:
        args = list(expr.as_ordered_terms())
        node = from_sympy(args[0])
        for term in args[1:]:
            coeff, rest = term.as_coeff_Mul()
            if coeff.is_negative:
                node = BinOp(*_z(), op="-", left=node, right=from_sympy(-term))
            else:
                node = BinOp(*_z(), op="+", left=node, right=from_sympy(term))
        return node
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            return Neg(*_z(), operand=from_sympy(-expr))
        num: list[Node] = []
        den: list[Node] = []
        for f in expr.args:
            if f.is_Pow and f.exp.is_negative and f.exp.is_Rational:
                den.append(from_sympy(sympy.Pow(f.base, -f.exp)))
            elif f.is_Rational and f.q != 1:
                if f.p != 1:
                    num.append(from_sympy(sympy.Integer(f.p)))
                den.append(from_sympy(sympy.Integer(f.q)))
            else:
                num.append(from_sympy(f))
        top = _product(num) if num else Num(*_z(), value=Fraction(1), text="1")
        if not den:
            return top
        return BinOp(*_z(), op="/", left=top, right=_product(den))
    if expr.is_Pow:
        base, e = expr.args
        if e.is_Rational and e.is_negative:
            return BinOp(
                *_z(),
                op="/",
                left=Num(*_z(), value=Fraction(1), text="1"),
                right=from_sympy(sympy.Pow(base, -e)),
            )
        if e == sympy.Rational(1, 2):
            return Call(*_z(), fn="sqrt", arg=from_sympy(base))
        return BinOp(*_z(), op="^", left=from_sympy(base), right=from_sympy(e))
    if expr.func in _SYMPY_NAMES and len(expr.args) == 1:
        return Call(*_z(), fn=_SYMPY_NAMES[expr.func], arg=from_sympy(expr.args[0]))
    raise Unsupported(type(expr).__name__)


def _int(n: int) -> Num:
    return Num(*_z(), value=Fraction(n), text=str(n))


def _product(nodes: list[Node]) -> Node:
    node = nodes[0]
    for n in nodes[1:]:
        node = BinOp(*_z(), op="*", left=node, right=n)
    return node


# --------------------------------------------------------------------------- sampling


@dataclass
class Sides:
    """Compiled components of the key and of the answer (same length)."""

    key: list[Fn]
    answer: list[Fn]


@dataclass
class NumericOutcome:
    equivalent: bool | None
    points: int
    witness: dict[str, str] | None = None
    key_value: str | None = None
    answer_value: str | None = None
    max_rel_error: float = 0.0
    component: int | None = None
    answer_undefined: bool = False
    draws: int = 0


_BANDS = ((0.05, 0.5), (0.5, 2.0), (2.0, 8.0), (8.0, 20.0))


class Sampler:
    """Seeded points in several scales; learns sign patterns where the key is defined."""

    def __init__(self, variables: Sequence[str], seed: int, positive: bool) -> None:
        self.variables = list(variables)
        self.rng = random.Random(f"partial-credit:{seed}")
        self.positive = positive
        self.draws = 0
        self.accepted = 0
        self.good_signs: list[tuple[bool, ...]] = []

    def draw(self) -> Point:
        i = self.draws
        self.draws += 1
        lo, hi = _BANDS[i % len(_BANDS)]
        mode = "random"
        if not self.positive and i >= 16 and self.accepted < max(2, i // 4):
            mode = ("positive", "learned", "random")[i % 3]
        signs: tuple[bool, ...]
        if self.positive or mode == "positive":
            signs = tuple(False for _ in self.variables)
        elif mode == "learned" and self.good_signs:
            signs = self.good_signs[self.rng.randrange(len(self.good_signs))]
        else:
            signs = tuple(self.rng.random() < 0.5 for _ in self.variables)
        point: Point = {}
        for name, negative in zip(self.variables, signs, strict=True):
            mag = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
            # a dyadic rational: exact at every precision
            v = mpmath.mpf(round(mag * 2**20)) / 2**20
            point[name] = -v if negative else v
        point["__signs__"] = signs
        return point

    def accept(self, point: Point) -> None:
        self.accepted += 1
        signs = point["__signs__"]
        if signs not in self.good_signs:
            self.good_signs.append(signs)


BASE_PREC = 96
MAX_PREC = 2048
RELIABLE_BITS = 64


@dataclass
class Side:
    """Values of one side at a point, each with a bound on its rounding error."""

    values: list[Any]
    noise: list[Any]


def evaluate(fns: list[Fn], point: Point) -> Side:
    """Evaluate at rising precision until cancellation leaves RELIABLE_BITS correct bits.

    Raises Undefined only when the expression is undefined at a reliable precision (a log of a
    value that is negative only through rounding is not "undefined"), Unusable when the point is
    too extreme.
    """
    prec = BASE_PREC
    while True:
        _track.lost = 0
        _track.top = -(10**9)
        undefined = False
        values: list[Any] = []
        with mpmath.workprec(prec):
            try:
                values = [f(point) for f in fns]
            except (Undefined, ZeroDivisionError):
                undefined = True
            except (ValueError, OverflowError):
                raise Unusable from None
        reliable = prec - _track.lost >= RELIABLE_BITS
        if not reliable and prec < MAX_PREC:
            prec = min(MAX_PREC, max(2 * prec, _track.lost + RELIABLE_BITS + 32))
            continue
        if undefined:
            if reliable:
                raise Undefined
            raise Unusable
        noise = []
        for v in values:
            top = max(_track.top, _mag(v) if v else -(10**9))
            noise.append(mpmath.ldexp(1, top - prec + 8) if top > -(10**9) else mpmath.mpf(0))
        return Side(values, noise)


def _mp_str(v: Any) -> str:
    return str(mpmath.nstr(v, 12))


def _point_text(point: Point) -> dict[str, str]:
    return {k: mpmath.nstr(v, 8) for k, v in point.items() if not k.startswith("__")}


def compare_numeric(
    sides: Sides,
    variables: Sequence[str],
    *,
    seed: int,
    positive: bool = False,
    rtol: float = RTOL,
    floor: float = 0.0,
    target: int = limits.SAMPLE_TARGET_POINTS,
    max_draws: int = limits.SAMPLE_MAX_DRAWS,
) -> NumericOutcome:
    """Sample until `target` points agree, one real difference is found, or draws run out."""
    sampler = Sampler(variables, seed, positive)
    agree = 0
    max_rel = 0.0
    # constant keys (a value at a point) need one point only
    if not variables:
        target, max_draws = 1, 1
    while agree < target and sampler.draws < max_draws:
        point = sampler.draw()
        result = _compare_point(sides, point, rtol, floor)
        if result is None:
            continue
        sampler.accept(point)
        kind, detail = result
        if kind == "agree":
            agree += 1
            max_rel = max(max_rel, float(detail["rel"]))
            continue
        return NumericOutcome(
            equivalent=False,
            points=agree + 1,
            witness=_point_text(point),
            key_value=detail.get("key"),
            answer_value=detail.get("answer"),
            max_rel_error=float(detail.get("rel", math.inf)),
            component=detail.get("component"),
            answer_undefined=kind == "undefined",
            draws=sampler.draws,
        )
    if agree < min(target, limits.SAMPLE_MIN_POINTS):
        return NumericOutcome(equivalent=None, points=agree, draws=sampler.draws)
    return NumericOutcome(equivalent=True, points=agree, max_rel_error=max_rel, draws=sampler.draws)


def _compare_point(
    sides: Sides, point: Point, rtol: float, floor: float
) -> tuple[str, dict[str, Any]] | None:
    """None when the point is unusable; else ("agree"|"differ"|"undefined", detail)."""
    try:
        key = evaluate(sides.key, point)
    except (Undefined, Unusable):
        return None
    try:
        answer = evaluate(sides.answer, point)
    except Unusable:
        return None
    except Undefined:
        return "undefined", {"key": _mp_str(key.values[0]), "answer": None}
    worst = 0.0
    for c, (k, a) in enumerate(zip(key.values, answer.values, strict=True)):
        d = abs(a - k)
        scale = max(abs(a), abs(k), 0 if k else floor)
        slack = key.noise[c] + answer.noise[c]
        if d <= rtol * scale + slack:
            if scale:
                worst = max(worst, float(d / scale))
            continue
        if d > rtol * scale + 8 * slack:
            return "differ", {
                "key": _mp_str(k),
                "answer": _mp_str(a),
                "rel": float(d / scale) if scale else math.inf,
                "component": c if len(key.values) > 1 else None,
            }
        return None  # within rounding noise of the boundary: no evidence either way
    return "agree", {"rel": worst}


# --------------------------------------------------------------------------- structure


def structurally_equal(key: Sequence[Node], answer: Sequence[Node]) -> bool:
    """The same expression up to spacing, brackets and implicit multiplication."""
    from grading.engine.parsing import to_text

    return len(key) == len(answer) and all(
        to_text(k) == to_text(a) for k, a in zip(key, answer, strict=True)
    )


# --------------------------------------------------------------------------- symbolic


def prove_equal(
    key: Sequence[Any], answer: Sequence[Node], symbols: dict[str, Any], budget_s: float
) -> bool:
    """Show key - answer == 0 with SymPy within the budget (main thread only).

    Only called once sampling found the two equal on the key's domain, so SymPy's own
    automatic rewrites (exp(log x) -> x) cannot smuggle in a domain difference here.
    """
    from grading.engine.parsing import to_sympy

    try:
        with limits.time_budget(budget_s) as hard:
            if not hard:
                return False
            for k, node in zip(key, answer, strict=True):
                d = k - to_sympy(node, symbols)
                if d == 0:
                    continue
                if sympy.expand(d) == 0:
                    continue
                if sympy.cancel(sympy.together(d)) == 0:
                    continue
                return False
            return True
    except limits.BudgetExceeded:
        return False
    except (RecursionError, ValueError, TypeError, ZeroDivisionError, AttributeError):
        return False
