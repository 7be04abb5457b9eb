"""Exact evaluation of rational functions at the (dyadic) sample points, with Fractions.

When key and answer are both rational functions of the variables (only + - * /, integer
powers, rational numbers: no e, pi or functions), their values at a sample point are rational
numbers that Python computes exactly. A point then agrees only when the two values are equal,
and differs when they are not: no error bound, no precision to raise, nothing to confirm. This
is also what makes long expanded polynomials cheap, where cancellation sends mpmath to high
precision. A nonzero rational function vanishes at a random point with probability about
degree / 2^52 (Schwartz-Zippel), so equality at every sampled point is overwhelming evidence.

Degrees are bounded before use (`DEGREE_LIMIT`) so that no input makes the integers huge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import partial
from typing import Any, TypeVar

import mpmath

from grading.engine.numeric.bounds import Memo as PointMemo
from grading.engine.numeric.bounds import Undefined, point_key
from grading.engine.tree import BinOp, Group, Neg, Node, Num, Var, integer_exponent

EFn = Callable[[dict[str, Fraction]], Fraction]
# Degree bound (numerator plus denominator) up to which exact evaluation is used: at 53-bit
# mantissas the integers stay under about 53 * 256 bits (microseconds per operation).
DEGREE_LIMIT = 256
T = TypeVar("T")


def _unwrapped(node: Node) -> Node | None:
    """What brackets or a sign change wrap (neither changes a degree or whether the node is a
    polynomial), or None for any other node. Exact types are compared: the node classes have no
    subclasses, and this runs for every node of every compiled tree."""
    kind = type(node)
    if kind is Group:
        return node.inner  # type: ignore[attr-defined,no-any-return]
    if kind is Neg:
        return node.operand  # type: ignore[attr-defined,no-any-return]
    return None


def _degrees(node: Node, memo: dict[int, tuple[int, int] | None]) -> tuple[int, int] | None:
    """Upper bounds of the degrees of numerator and denominator, or None when the node is not
    a rational function with rational coefficients. `memo` is keyed by id(node) and must not
    outlive the tree."""
    key = id(node)
    if key in memo:
        return memo[key]
    out: tuple[int, int] | None = None
    # the node classes have no subclasses: their exact types are compared (cheaper than a
    # chain of isinstance tests, and this runs for every node of every compiled tree)
    kind = type(node)
    inner = _unwrapped(node)
    if inner is not None:
        out = _degrees(inner, memo)
    elif kind is Num:
        out = (0, 0)
    elif kind is Var:
        out = (1, 0)
    elif kind is BinOp:
        assert isinstance(node, BinOp)
        a = _degrees(node.left, memo)
        if node.op == "^":
            n = integer_exponent(node.right)
            if a is not None and n is not None:
                out = (n * a[0], n * a[1]) if n >= 0 else (-n * a[1], -n * a[0])
        else:
            b = _degrees(node.right, memo)
            if a is not None and b is not None:
                (na, da), (nb, db) = a, b
                if node.op in "+-":
                    out = (max(na + db, nb + da), da + db)
                elif node.op == "*":
                    out = (na + nb, da + db)
                else:
                    out = (na + db, da + nb)
    memo[key] = out
    return out


def degree(node: Node, memo: dict[int, tuple[int, int] | None] | None = None) -> int | None:
    """An upper bound of the degree of numerator plus denominator, or None when the node is
    not a rational function with rational coefficients."""
    d = _degrees(node, {} if memo is None else memo)
    return None if d is None else d[0] + d[1]


Dyadic = tuple[int, int]  # (n, k): the number n / 2^k
DFn = Callable[[dict[str, Dyadic]], Dyadic]


def _is_polynomial(node: Node, memo: dict[Any, Any]) -> bool:
    """Only + - * and powers with a natural exponent, over variables and dyadic numbers.
    `memo` (keyed by node ids, as the degrees are) spares walking a subtree twice."""
    key = ("polynomial", id(node))
    known = memo.get(key)
    if known is not None:
        return bool(known)
    kind = type(node)
    inner = _unwrapped(node)
    if inner is not None:
        out = _is_polynomial(inner, memo)
    elif kind is Var:
        out = True
    elif kind is Num:
        d = node.value.denominator  # type: ignore[attr-defined]
        out = not d & (d - 1)  # a coefficient that is not dyadic (1/3) is not
    elif kind is BinOp:
        assert isinstance(node, BinOp)
        if node.op == "/":
            out = False
        elif node.op == "^":
            e = integer_exponent(node.right)
            out = e is not None and e >= 0
        else:
            out = True
        # the exponent too, as every node of the tree is looked at
        out = out and _is_polynomial(node.left, memo) and _is_polynomial(node.right, memo)
    else:
        out = False
    memo[key] = out
    return out


def _dyadic_num(value: Fraction) -> Dyadic:
    k = value.denominator.bit_length() - 1  # the denominator is a power of two
    return value.numerator, k


def _dadd(a: Dyadic, b: Dyadic, sign: int) -> Dyadic:
    (n1, k1), (n2, k2) = a, b
    if k1 == k2:
        return n1 + sign * n2, k1
    if k1 > k2:
        return n1 + sign * (n2 << (k1 - k2)), k1
    return (n1 << (k2 - k1)) + sign * n2, k2


def compile_dyadic(node: Node, memo: dict[Any, Any] | None = None) -> DFn | None:
    """For a polynomial with dyadic coefficients: a function of a dyadic point returning the
    exact value as (n, k) = n / 2^k, in plain integer arithmetic (no gcd, unlike Fractions).
    None for anything else. `memo`: see compile_tree (one dict per tree); with it, a subtree
    compiled again (for another arithmetic) gets the same function."""
    if memo is None:
        memo = {}
    if not _is_polynomial(node, memo):
        return None
    key = ("dyadic", id(node))
    fn = memo.get(key)
    if fn is None:
        fn = memo[key] = _dyadic(node)
    return fn


def _compile_simple(
    node: Node,
    number: Callable[[Fraction], T],
    compile_: Callable[[Node], Callable[[dict[str, T]], T]],
    negated: Callable[[Callable[[dict[str, T]], T]], Callable[[dict[str, T]], T]],
) -> Callable[[dict[str, T]], T] | None:
    """Numbers, variables, groups and negations, compiled alike by both exact arithmetics:
    `number` makes the arithmetic's number, `compile_` compiles a subtree, `negated` turns a
    function into its negative. None for any other node."""
    kind = type(node)
    if kind is BinOp:
        return None
    if kind is Num:
        value = number(node.value)  # type: ignore[attr-defined]
        return lambda pt: value
    if kind is Var:
        name = node.name  # type: ignore[attr-defined]
        return lambda pt: pt[name]
    if kind is Group:
        return compile_(node.inner)  # type: ignore[attr-defined]
    if kind is Neg:
        return negated(compile_(node.operand))  # type: ignore[attr-defined]
    return None


def _dyadic_negated(f: DFn) -> DFn:
    def neg(pt: dict[str, Dyadic]) -> Dyadic:
        n, k = f(pt)
        return -n, k

    return neg


def _dyadic(node: Node) -> DFn:
    simple = _compile_simple(node, _dyadic_num, _dyadic, _dyadic_negated)
    if simple is not None:
        return simple
    assert isinstance(node, BinOp)
    a = _dyadic(node.left)
    if node.op == "^":
        p = integer_exponent(node.right)
        assert p is not None and p >= 0

        def power(pt: dict[str, Dyadic]) -> Dyadic:
            n, k = a(pt)
            return n**p, k * p

        return power
    b = _dyadic(node.right)
    if node.op == "+":
        return lambda pt: _dadd(a(pt), b(pt), 1)
    if node.op == "-":
        return lambda pt: _dadd(a(pt), b(pt), -1)

    def mul(pt: dict[str, Dyadic]) -> Dyadic:
        (n1, k1), (n2, k2) = a(pt), b(pt)
        return n1 * n2, k1 + k2

    return mul


def dyadic_value(fn: DFn, point: dict[str, Any]) -> Dyadic:
    """fn at the (mpmath) sample point, computed once per point: doubles and mpmath, at every
    precision, evaluate an exact subtree at the same point (kept in the point, by function)."""
    values = point.get("__dyadic_values__")
    if values is None:
        values = point["__dyadic_values__"] = {}
    v = values.get(fn)
    if v is None:
        v = values[fn] = fn(dyadic_point(point))
    return v


def dyadic_point(point: dict[str, Any]) -> dict[str, Dyadic]:
    """The sample point as (n, k) pairs, made once per point (kept under a "__" key)."""
    dp = point.get("__dyadic__")
    if dp is None:
        dp = {}
        for name, v in point.items():
            if name.startswith("__"):
                continue
            sign, man, exp, _bc = v._mpf_
            m = -man if sign else man
            dp[name] = (m << exp, 0) if exp >= 0 else (m, -exp)
        point["__dyadic__"] = dp
    return dp


def compile_exact(node: Node, memo: dict[Any, Any] | None = None) -> EFn:
    """A function of an exact point returning the exact value (raises Undefined at a pole)."""
    dy = compile_dyadic(node, memo)
    if dy is not None:

        def via_dyadic(pt: dict[str, Fraction]) -> Fraction:
            n, k = dy(pt["__dyadic__"])  # type: ignore[arg-type]
            return Fraction(n, 1 << k) if k >= 0 else Fraction(n << -k)

        return via_dyadic
    return _compile_fraction(node)


def _fraction_negated(f: EFn) -> EFn:
    return lambda pt: -f(pt)


def _compile_fraction(node: Node) -> EFn:
    simple = _compile_simple(node, Fraction, _compile_fraction, _fraction_negated)
    if simple is not None:
        return simple
    if not isinstance(node, BinOp):
        raise TypeError(f"not a rational function: {type(node).__name__}")
    a = _compile_fraction(node.left)
    if node.op == "^":
        n = integer_exponent(node.right)
        if n is None:
            raise TypeError("not an integer power")

        def power(pt: dict[str, Fraction]) -> Fraction:
            base = a(pt)
            if n < 0 and not base:
                raise Undefined
            return base**n

        return power
    b = _compile_fraction(node.right)
    if node.op == "+":
        return lambda pt: a(pt) + b(pt)
    if node.op == "-":
        return lambda pt: a(pt) - b(pt)
    if node.op == "*":
        return lambda pt: a(pt) * b(pt)

    def div(pt: dict[str, Fraction]) -> Fraction:
        d = b(pt)
        if not d:
            raise Undefined
        return a(pt) / d

    return div


def compile_all(nodes: Sequence[Node], memo: dict[Any, Any] | None = None) -> list[EFn] | None:
    """Exact evaluators for every component, or None if any is not a small rational function.
    `memo`: as for multiprecision.compile_node."""
    if memo is None:
        memo = {}
    for node in nodes:
        d = degree(node, memo)
        if d is None or d > DEGREE_LIMIT:
            return None
    return [compile_exact(n, memo) for n in nodes]


def point_of(point: dict[str, Any]) -> dict[str, Fraction]:
    """The sample point as exact fractions (sample values are dyadic mpmath numbers)."""
    out: dict[str, Fraction] = {}
    for name, v in point.items():
        if name.startswith("__"):
            continue
        sign, man, exp, _bc = v._mpf_
        m = -man if sign else man
        out[name] = Fraction(m * 2**exp) if exp >= 0 else Fraction(m, 2**-exp)
    return out


def evaluate(fns: Sequence[EFn], point: dict[str, Fraction]) -> list[Fraction]:
    """All components at an exact point (raises Undefined at a pole)."""
    return [f(point) for f in fns]


class Memo(PointMemo[list[Fraction]]):
    """One side's exact values at the points already seen (bounds.Memo)."""

    failures = (Undefined,)

    def __call__(self, point: dict[str, Fraction]) -> list[Fraction]:
        return self.recall(point_key(point), evaluate, self.fns, point)


def _text(v: Fraction) -> str:
    with mpmath.workprec(64):
        return str(mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, 12))


def compare_point(
    key_fns: Sequence[EFn], answer: Sequence[EFn] | Memo, point: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """("agree" | "differ" | "undefined" | "unusable" (the key has a pole there), detail)."""
    xpoint = exact_point(point)
    try:
        key = evaluate(key_fns, xpoint)
    except Undefined:
        return "unusable", {}
    try:
        ans = answer(xpoint) if isinstance(answer, Memo) else evaluate(answer, xpoint)
    except Undefined:
        return "undefined", {"key": partial(_text, key[0]), "answer": None, "prec": 0}
    for c, (k, a) in enumerate(zip(key, ans, strict=True)):
        if k != a:
            scale = max(abs(k), abs(a))
            return "differ", {
                "key": partial(_text, k),
                "answer": partial(_text, a),
                "rel": float(abs(a - k) / scale),
                "component": c if len(key) > 1 else None,
                "prec": 0,
            }
    return "agree", {"rel": 0.0, "prec": 0}


# Rational subtrees at least this large are evaluated exactly inside an expression that is not
# rational as a whole (an expanded polynomial beside an exponential): one rounding instead of
# cancellation between its terms.
SUBTREE_MIN_NODES = 12


Sizes = dict[Any, Any]


def _size(node: Node, memo: Sizes) -> int:
    key = ~id(node)  # negative: apart from the degrees' keys in the same memo
    n = memo.get(key)
    if n is None:
        kind = type(node)
        if kind is BinOp:
            n = 1 + _size(node.left, memo) + _size(node.right, memo)  # type: ignore[attr-defined]
        elif kind is Group:
            n = 1 + _size(node.inner, memo)  # type: ignore[attr-defined]
        elif kind is Neg:
            n = 1 + _size(node.operand, memo)  # type: ignore[attr-defined]
        else:
            n = 1
        memo[key] = n
    return int(n)


def worth_exact(node: Node, memo: Sizes) -> bool:
    """A rational subtree big enough that evaluating it exactly beats rounding each step.
    `memo`: one dict per compiled tree (keyed by node ids)."""
    kind = type(node)
    if kind is not BinOp and kind is not Neg and kind is not Group:
        return False
    if _size(node, memo) < SUBTREE_MIN_NODES:
        return False
    d = degree(node, memo)
    return d is not None and 0 < d <= DEGREE_LIMIT


def _terms(node: Node, sign: bool, out: list[tuple[bool, Node]]) -> None:
    """Flatten a chain of + and - into signed terms (a bracketed sum is one term)."""
    if isinstance(node, BinOp) and node.op in "+-":
        _terms(node.left, sign, out)
        _terms(node.right, sign if node.op == "+" else not sign, out)
    else:
        out.append((sign, node))


def regroup(node: Node, memo: Sizes) -> Node:
    """The same sum with its rational terms gathered first, in one subtree, so that their
    cancellation is done exactly (a + E - P with E, P polynomials becomes (E - P) + a).
    Only for sums; the value is the same (addition of real numbers)."""
    if not (isinstance(node, BinOp) and node.op in "+-"):
        return node
    key = ("regroup", id(node))
    done = memo.get(key)
    if done is None:
        done = memo[key] = _regroup(node, memo)
    return done


def _regroup(node: BinOp, memo: Sizes) -> Node:
    terms: list[tuple[bool, Node]] = []
    _terms(node, True, terms)
    rational = [(s, t) for s, t in terms if degree(t, memo) is not None]
    others = [(s, t) for s, t in terms if degree(t, memo) is None]
    if len(rational) < 2 or not others:
        return node

    def chain(items: list[tuple[bool, Node]]) -> Node:
        first_sign, acc = items[0]
        if not first_sign:
            acc = Neg(0, 0, 0, 0, operand=acc)
        for s, t in items[1:]:
            acc = BinOp(0, 0, 0, 0, op="+" if s else "-", left=acc, right=t)
        return acc

    # the bracket keeps the gathered terms one term when this sum is regrouped again
    out = chain([(True, Group(0, 0, 0, 0, inner=chain(rational))), *others])
    # the memo is keyed by node ids: the new nodes must live as long as it does, or a later
    # node could be given a freed node's id and its (wrong) size and degree
    memo.setdefault("keep", []).append(out)
    return out


def exact_point(point: dict[str, Any]) -> dict[str, Fraction]:
    """point_of, made once per sample point (kept in the point under a "__" key)."""
    xp = point.get("__exact__")
    if xp is None:
        xp = point_of(point)
        xp["__dyadic__"] = dyadic_point(point)  # type: ignore[assignment]
        point["__exact__"] = xp
    return xp
