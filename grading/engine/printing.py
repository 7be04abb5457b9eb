"""Trees written out: plain re-parseable text (to_text) and LaTeX (to_latex, parsed_latex)."""

from __future__ import annotations

from grading.engine import tree

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
    if base in tree.GREEK_NAMES:
        base = "\\" + base
    elif len(base) != 1:
        base = rf"\mathit{{{base}}}"
    return f"{base}_{{{sub}}}" if sub else base


def _prec(node: tree.Node) -> int:
    if isinstance(node, tree.BinOp):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}[node.op]
    if isinstance(node, tree.Neg):
        return 1
    return 5


def to_latex(node: tree.Node) -> str:
    if isinstance(node, tree.Num):
        return node.text
    if isinstance(node, tree.Var):
        return latex_name(node.name)
    if isinstance(node, tree.Const):
        return "e" if node.name == "e" else r"\pi"
    if isinstance(node, tree.Group):
        return rf"\left({to_latex(node.inner)}\right)"
    if isinstance(node, tree.Neg):
        inner = to_latex(node.operand)
        if _prec(node.operand) <= 1:
            inner = rf"\left({inner}\right)"
        return "-" + inner
    if isinstance(node, tree.Vec):
        return r"\left\langle " + ", ".join(to_latex(i) for i in node.items) + r"\right\rangle"
    if isinstance(node, tree.Call):
        arg = to_latex(node.arg)
        if node.fn == "sqrt":
            return rf"\sqrt{{{arg}}}"
        if node.fn == "abs":
            return rf"\left|{arg}\right|"
        name = _LATEX_FUNCS.get(node.fn, rf"\operatorname{{{node.fn}}}")
        return rf"{name}\left({arg}\right)"
    assert isinstance(node, tree.BinOp)
    left, right = to_latex(node.left), to_latex(node.right)
    if node.op == "/":
        return rf"\frac{{{_strip_group(node.left)}}}{{{_strip_group(node.right)}}}"
    if node.op == "^":
        if (
            _prec(node.left) <= 4
            or isinstance(node.left, tree.Call)
            and node.left.fn not in ("sqrt", "abs")
        ):
            left = rf"\left({left}\right)"
        return f"{{{left}}}^{{{_strip_group(node.right)}}}"
    if node.op == "*":
        if _prec(node.left) < 2:
            left = rf"\left({left}\right)"
        if (
            _prec(node.right) <= 2
            and not isinstance(node.right, tree.BinOp)
            or (isinstance(node.right, tree.BinOp) and node.right.op in "+-*")
            or isinstance(node.right, tree.Neg)
        ):
            right = rf"\left({right}\right)"
        return rf"{left} \cdot {right}"
    if node.op == "-" and (_prec(node.right) <= 1):
        right = rf"\left({right}\right)"
    if node.op == "+" and isinstance(node.right, tree.Neg):
        right = rf"\left({right}\right)"
    return f"{left} {node.op} {right}"


def _strip_group(node: tree.Node) -> str:
    return to_latex(node.inner) if isinstance(node, tree.Group) else to_latex(node)


def parsed_latex(parsed: tree.Parsed) -> str:
    if parsed.components is not None:
        return (
            r"\left\langle "
            + ", ".join(to_latex(c) for c in parsed.components)
            + (r"\right\rangle")
        )
    return to_latex(parsed.node)


def to_text(node: tree.Node) -> str:
    """A plain, explicit, re-parseable form: every product written with '*'."""
    if isinstance(node, tree.Num):
        return node.text
    if isinstance(node, tree.Var):
        return node.name
    if isinstance(node, tree.Const):
        return node.name
    if isinstance(node, tree.Group):
        return f"({to_text(node.inner)})"
    if isinstance(node, tree.Neg):
        inner = to_text(node.operand)
        return f"-({inner})" if _prec(node.operand) <= 1 else "-" + inner
    if isinstance(node, tree.Vec):
        return "<" + ", ".join(to_text(i) for i in node.items) + ">"
    if isinstance(node, tree.Call):
        fn = "ln" if node.fn == "log" else node.fn
        return f"{fn}({to_text(node.arg)})"
    assert isinstance(node, tree.BinOp)
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
