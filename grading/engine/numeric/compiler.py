"""The walk that turns a tree into an evaluator, shared by every arithmetic (mpmath in
multiprecision.py, doubles in floats.py): big rational subtrees exactly (exact.py), constant
subtrees once, the rest as closures over the arithmetic's operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from grading.engine import tree
from grading.engine.numeric import exact
from grading.engine.numeric.bounds import POINT_FAILURES, Point


@dataclass(frozen=True)
class Arithmetic:
    """How an evaluator computes (mpmath in multiprecision.py, doubles in floats.py); the walk
    over the tree that turns it into closures is shared: compile_tree."""

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


def _constant(node: tree.Node, memo: dict[Any, Any]) -> bool:
    """No variable in the subtree: its value is the same at every point."""
    key = ("constant", id(node))
    known = memo.get(key)
    if known is None:
        kind = type(node)  # the node classes have no subclasses
        if kind is tree.BinOp:
            known = _constant(node.left, memo) and _constant(node.right, memo)  # type: ignore[attr-defined]
        elif kind is tree.Num or kind is tree.Const:
            known = True
        elif kind is tree.Group:
            known = _constant(node.inner, memo)  # type: ignore[attr-defined]
        elif kind is tree.Neg:
            known = _constant(node.operand, memo)  # type: ignore[attr-defined]
        elif kind is tree.Call:
            known = _constant(node.arg, memo)  # type: ignore[attr-defined]
        else:
            known = False
        memo[key] = known
    return bool(known)


def compile_tree(node: tree.Node, ar: Arithmetic, memo: dict[Any, Any]) -> Callable[[Any], Any]:
    """Turn an AST into a function of a point returning (value, log2 error bound), computing
    with `ar`. Big rational subtrees are evaluated exactly and rounded once (exact.py); a
    sum's rational terms are gathered first, so that their cancellation is exact too; a
    constant subtree (tan(pi/2), e^2) is evaluated once per precision, not at every point.
    `memo`: one dict per tree (sizes, degrees and constness by node id)."""
    f = _compile_tree(node, ar, memo)
    kind = type(node)
    if kind is tree.Num or kind is tree.Const or kind is tree.Var or not _constant(node, memo):
        return f
    seen: dict[int, Any] = {}
    setting = ar.setting

    def once(pt: Any) -> Any:
        key = setting()
        hit = seen.get(key)
        if hit is None:
            try:
                hit = f(pt)
            except POINT_FAILURES as exc:
                hit = type(exc)
            seen[key] = hit
        if isinstance(hit, type):
            raise hit
        return hit

    return once


def _compile_tree(node: tree.Node, ar: Arithmetic, memo: dict[Any, Any]) -> Callable[[Any], Any]:
    if exact.worth_exact(node, memo):
        source = ar.source
        dy = exact.compile_dyadic(node, memo)
        if dy is not None:
            from_dyadic = ar.from_dyadic
            return lambda pt: from_dyadic(*exact.dyadic_value(dy, source(pt)))
        ex = exact.compile_exact(node, memo)
        from_fraction = ar.from_fraction
        return lambda pt: from_fraction(ex(exact.exact_point(source(pt))))
    if type(node) is tree.BinOp and node.op in "+-":
        node = exact.regroup(node, memo)
    if type(node) is tree.Num:
        return ar.num(node.value)
    if type(node) is tree.Var:
        return ar.var(node.name)
    if type(node) is tree.Const:
        return ar.const(node.name)
    if type(node) is tree.Group:
        return compile_tree(node.inner, ar, memo)
    if type(node) is tree.Neg:
        f = compile_tree(node.operand, ar, memo)

        def neg(pt: Any) -> Any:
            v, e = f(pt)
            return -v, e

        return neg
    unary = ar.unary
    if type(node) is tree.Call:
        g = compile_tree(node.arg, ar, memo)
        name = node.fn
        return lambda pt: unary(name, g(pt))
    if type(node) is tree.Vec:
        raise TypeError("vectors are compiled per component")
    assert isinstance(node, tree.BinOp)
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
    n = tree.integer_exponent(node.right)
    if n is not None:
        ipow = ar.ipow
        return lambda pt: ipow(a(pt), n)
    if isinstance(node.left, tree.Const) and node.left.name == "e":
        return lambda pt: unary("exp", b(pt))
    rpow = ar.rpow
    return lambda pt: rpow(a(pt), b(pt))
