"""Trees written out: plain re-parseable text (to_text) and LaTeX (to_latex, parsed_latex)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from grading.engine import tree

_LATEX_FUNCS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sec": r"\sec", "csc": r"\csc",
    "cot": r"\cot", "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan",
    "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh", "coth": r"\coth", "exp": r"\exp",
    "log": r"\ln",
}  # fmt: skip
_BINARY_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


@lru_cache(maxsize=256)
def latex_name(name: str) -> str:
    base, sub = name, ""
    if "_" in name:
        base, sub = name.split("_", 1)
    else:
        k = len(name)
        while k > 0 and name[k - 1].isdigit():
            k -= 1
        if 0 < k < len(name):
            base, sub = name[:k], name[k:]
    if base in tree.GREEK_NAMES:
        base = "\\" + base
    elif len(base) != 1:
        base = rf"\mathit{{{base}}}"
    return f"{base}_{{{sub}}}" if sub else base


def _prec(node: tree.Node) -> int:
    kind = type(node)
    if kind is tree.BinOp:
        return _BINARY_PREC[node.op]  # type: ignore[attr-defined]
    return 1 if kind is tree.Neg else 5


# Each writer is picked by the node's exact type (the node classes have no subclasses): one
# dict lookup per node instead of a chain of isinstance tests, which was most of the time a
# grade spent printing (bench/submit_cost.py --profile worker).


def to_latex(node: tree.Node) -> str:
    if type(node) is not tree.BinOp:
        return _LATEX[type(node)](node)
    # a binary operation is written here, not by a writer of its own, so that a long sum
    # (a chain of BinOps) takes one stack frame a level, as it always has
    op, a, b = node.op, node.left, node.right
    if op == "/":
        return rf"\frac{{{_strip_group(a)}}}{{{_strip_group(b)}}}"
    left = to_latex(a)
    kind_a = type(a)
    if op == "^":
        if _prec(a) <= 4 or kind_a is tree.Call and a.fn not in ("sqrt", "abs"):  # type: ignore[attr-defined]
            left = rf"\left({left}\right)"
        return f"{{{left}}}^{{{_strip_group(b)}}}"
    right = to_latex(b)
    kind_b = type(b)
    if op == "*":
        if _prec(a) < 2:
            left = rf"\left({left}\right)"
        if (
            _prec(b) <= 2
            and kind_b is not tree.BinOp
            or (kind_b is tree.BinOp and b.op in "+-*")  # type: ignore[attr-defined]
            or kind_b is tree.Neg
        ):
            right = rf"\left({right}\right)"
        return rf"{left} \cdot {right}"
    if op == "-" and _prec(b) <= 1:
        right = rf"\left({right}\right)"
    if op == "+" and kind_b is tree.Neg:
        right = rf"\left({right}\right)"
    return f"{left} {op} {right}"


def _latex_neg(node: tree.Neg) -> str:
    inner = to_latex(node.operand)
    if _prec(node.operand) <= 1:
        inner = rf"\left({inner}\right)"
    return "-" + inner


def _latex_call(node: tree.Call) -> str:
    arg = to_latex(node.arg)
    if node.fn == "sqrt":
        return rf"\sqrt{{{arg}}}"
    if node.fn == "abs":
        return rf"\left|{arg}\right|"
    name = _LATEX_FUNCS.get(node.fn, rf"\operatorname{{{node.fn}}}")
    return rf"{name}\left({arg}\right)"


_LATEX: dict[type, Callable[[Any], str]] = {
    tree.Num: lambda n: n.text,
    tree.Var: lambda n: latex_name(n.name),
    tree.Const: lambda n: "e" if n.name == "e" else r"\pi",
    tree.Group: lambda n: rf"\left({to_latex(n.inner)}\right)",
    tree.Neg: _latex_neg,
    tree.Vec: lambda n: vector_latex(to_latex(i) for i in n.items),
    tree.Call: _latex_call,
}


def _strip_group(node: tree.Node) -> str:
    return to_latex(node.inner) if type(node) is tree.Group else to_latex(node)


def vector_latex(components: Iterable[str]) -> str:
    """A vector's LaTeX from its components' LaTeX: ⟨a, b⟩."""
    return r"\left\langle " + ", ".join(components) + r"\right\rangle"


def parsed_latex(parsed: tree.Parsed) -> str:
    if parsed.components is not None:
        return vector_latex(to_latex(c) for c in parsed.components)
    return to_latex(parsed.node)


def to_text(node: tree.Node) -> str:
    """A plain, explicit, re-parseable form: every product written with '*'."""
    if type(node) is not tree.BinOp:
        return _TEXT[type(node)](node)
    op, a, b = node.op, node.left, node.right
    left, right = to_text(a), to_text(b)
    p, pa, pb = _BINARY_PREC[op], _prec(a), _prec(b)
    if pa < p or (op == "^" and pa <= 4):
        left = f"({left})"
    if pb < p or (pb == p and op in "-/") or (op == "^" and pb < 5):
        right = f"({right})"
    return f"{left}{op}{right}" if op in "*/^" else f"{left} {op} {right}"


def _text_neg(node: tree.Neg) -> str:
    inner = to_text(node.operand)
    return f"-({inner})" if _prec(node.operand) <= 1 else "-" + inner


_TEXT: dict[type, Callable[[Any], str]] = {
    tree.Num: lambda n: n.text,
    tree.Var: lambda n: n.name,
    tree.Const: lambda n: n.name,
    tree.Group: lambda n: f"({to_text(n.inner)})",
    tree.Neg: _text_neg,
    tree.Vec: lambda n: "<" + ", ".join(to_text(i) for i in n.items) + ">",
    tree.Call: lambda n: f"{'ln' if n.fn == 'log' else n.fn}({to_text(n.arg)})",
}
