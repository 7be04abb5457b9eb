"""Trees written out: plain re-parseable text (to_text) and LaTeX (to_latex, parsed_latex)."""

from __future__ import annotations

from grading.engine.tree import (
    GREEK_NAMES,
    BinOp,
    Call,
    Const,
    Group,
    Neg,
    Node,
    Num,
    Parsed,
    Var,
    Vec,
)

_LATEX_FUNCS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sec": r"\sec", "csc": r"\csc",
    "cot": r"\cot", "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan",
    "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh", "coth": r"\coth", "exp": r"\exp",
    "log": r"\ln",
}  # fmt: skip


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
    base = (
        "\\" + base if base in GREEK_NAMES else (base if len(base) == 1 else rf"\mathit{{{base}}}")
    )
    return f"{base}_{{{sub}}}" if sub else base


def _prec(node: Node) -> int:
    if isinstance(node, BinOp):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}[node.op]
    if isinstance(node, Neg):
        return 1
    return 5


def to_latex(node: Node) -> str:
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Var):
        return latex_name(node.name)
    if isinstance(node, Const):
        return "e" if node.name == "e" else r"\pi"
    if isinstance(node, Group):
        return rf"\left({to_latex(node.inner)}\right)"
    if isinstance(node, Neg):
        inner = to_latex(node.operand)
        if _prec(node.operand) <= 1:
            inner = rf"\left({inner}\right)"
        return "-" + inner
    if isinstance(node, Vec):
        return r"\left\langle " + ", ".join(to_latex(i) for i in node.items) + r"\right\rangle"
    if isinstance(node, Call):
        arg = to_latex(node.arg)
        if node.fn == "sqrt":
            return rf"\sqrt{{{arg}}}"
        if node.fn == "abs":
            return rf"\left|{arg}\right|"
        name = _LATEX_FUNCS.get(node.fn, rf"\operatorname{{{node.fn}}}")
        return rf"{name}\left({arg}\right)"
    assert isinstance(node, BinOp)
    left, right = to_latex(node.left), to_latex(node.right)
    if node.op == "/":
        return rf"\frac{{{_strip_group(node.left)}}}{{{_strip_group(node.right)}}}"
    if node.op == "^":
        if (
            _prec(node.left) <= 4
            or isinstance(node.left, Call)
            and node.left.fn not in ("sqrt", "abs")
        ):
            left = rf"\left({left}\right)"
        return f"{{{left}}}^{{{_strip_group(node.right)}}}"
    if node.op == "*":
        if _prec(node.left) < 2:
            left = rf"\left({left}\right)"
        if (
            _prec(node.right) <= 2
            and not isinstance(node.right, BinOp)
            or (isinstance(node.right, BinOp) and node.right.op in "+-*")
            or isinstance(node.right, Neg)
        ):
            right = rf"\left({right}\right)"
        return rf"{left} \cdot {right}"
    if node.op == "-" and (_prec(node.right) <= 1):
        right = rf"\left({right}\right)"
    if node.op == "+" and isinstance(node.right, Neg):
        right = rf"\left({right}\right)"
    return f"{left} {node.op} {right}"


def _strip_group(node: Node) -> str:
    return to_latex(node.inner) if isinstance(node, Group) else to_latex(node)


def parsed_latex(parsed: Parsed) -> str:
    if parsed.components is not None:
        return (
            r"\left\langle "
            + ", ".join(to_latex(c) for c in parsed.components)
            + (r"\right\rangle")
        )
    return to_latex(parsed.node)


def to_text(node: Node) -> str:
    """A plain, explicit, re-parseable form: every product written with '*'."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Const):
        return node.name
    if isinstance(node, Group):
        return f"({to_text(node.inner)})"
    if isinstance(node, Neg):
        inner = to_text(node.operand)
        return f"-({inner})" if _prec(node.operand) <= 1 else "-" + inner
    if isinstance(node, Vec):
        return "<" + ", ".join(to_text(i) for i in node.items) + ">"
    if isinstance(node, Call):
        fn = "ln" if node.fn == "log" else node.fn
        return f"{fn}({to_text(node.arg)})"
    assert isinstance(node, BinOp)
    left, right = to_text(node.left), to_text(node.right)
    p = _prec(node)
    if _prec(node.left) < p or (node.op == "^" and _prec(node.left) <= 4):
        left = f"({left})"
    if (
        _prec(node.right) < p
        or (_prec(node.right) == p and node.op in "-/")
        or (node.op == "^" and _prec(node.right) < 5)
    ):
        right = f"({right})"
    return f"{left}{node.op}{right}" if node.op in "*/^" else f"{left} {node.op} {right}"
