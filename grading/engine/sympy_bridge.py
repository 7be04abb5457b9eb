"""Trees to SymPy and back: make_symbols, to_sympy (tree -> SymPy), from_sympy (SymPy -> tree)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from grading.engine.tree import ARITHMETIC, BinOp, Call, Const, Group, Neg, Node, Num, Var, Vec

# --------------------------------------------------------------------------- tree -> SymPy


def make_symbols(variables: Sequence[str], positive: bool = False) -> dict[str, sympy.Symbol]:
    if positive:
        return {v: sympy.Symbol(v, positive=True) for v in variables}
    return {v: sympy.Symbol(v, real=True) for v in variables}


_SYMPY_FUNCS: dict[str, Any] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sec": sympy.sec,
    "csc": sympy.csc, "cot": sympy.cot, "asin": sympy.asin, "acos": sympy.acos,
    "atan": sympy.atan, "asec": sympy.asec, "acsc": sympy.acsc, "acot": sympy.acot,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "sech": sympy.sech,
    "csch": sympy.csch, "coth": sympy.coth, "asinh": sympy.asinh, "acosh": sympy.acosh,
    "atanh": sympy.atanh, "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
}  # fmt: skip


def to_sympy(node: Node, symbols: dict[str, sympy.Symbol]) -> Any:
    """Build the SymPy expression (SymPy's own evaluation applies; see equivalence for domains)."""
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Var):
        return symbols[node.name]
    if isinstance(node, Const):
        return sympy.E if node.name == "e" else sympy.pi
    if isinstance(node, Group):
        return to_sympy(node.inner, symbols)
    if isinstance(node, Neg):
        return -to_sympy(node.operand, symbols)
    if isinstance(node, Call):
        return _SYMPY_FUNCS[node.fn](to_sympy(node.arg, symbols))
    if isinstance(node, Vec):
        raise TypeError("vectors are converted per component")
    assert isinstance(node, BinOp)
    a = to_sympy(node.left, symbols)
    b = to_sympy(node.right, symbols)
    if node.op in ARITHMETIC:
        return ARITHMETIC[node.op](a, b)
    return sympy.Pow(a, b)


# --------------------------------------------------------------------------- SymPy -> tree


class Unsupported(Exception):
    """A SymPy expression that has no counterpart in the student grammar (e.g. Piecewise)."""


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


# --------------------------------------------------------------------------- shown to people

SIMPLEST_FORM_MAX_OPS = 120  # larger expressions are shown as SymPy leaves them


def simplest_form(expr: Any) -> Any:
    """The simplest factored form, over one denominator, as the lecture writes a result
    (-7y(2x^2-1)/e^(x^2+y^2)): factor, then exponentials combined again. For showing only:
    the expression graded stays the one SymPy computed."""
    if sympy.count_ops(expr) > SIMPLEST_FORM_MAX_OPS:
        return expr
    factored = sympy.factor(sympy.powsimp(expr))
    # powsimp would also multiply a constant factor back in: 3(x^2-y^2+1) -> 3x^2-3y^2+3
    return sympy.powsimp(factored) if factored.has(sympy.exp) else factored


class FractionLatexPrinter(LatexPrinter):  # type: ignore[misc]
    """SymPy's LaTeX with e^(-u) as a denominator e^u: the lecture writes 7xy/e^(x^2+y^2)."""

    def _print_Mul(self, expr: Any) -> str:
        negative_exps = [
            f for f in expr.args if f.func is sympy.exp and f.args[0].could_extract_minus_sign()
        ]
        if not negative_exps:
            return str(super()._print_Mul(expr))
        rest = sympy.Mul(*[f for f in expr.args if f not in negative_exps])
        sign = ""
        if rest.could_extract_minus_sign():
            sign, rest = "-", -rest
        numer, denom = sympy.fraction(rest)
        exps = " ".join(f"e^{{{self._print(-f.args[0])}}}" for f in negative_exps)
        bottom = exps if denom == 1 else f"{self._print(denom)} {exps}"
        return rf"{sign}\frac{{{self._print(numer)}}}{{{bottom}}}"


def shown_latex(expr: Any) -> str:
    """A key as people are shown it: its simplest form, e^(-u) written as a denominator."""
    return str(FractionLatexPrinter().doprint(simplest_form(expr)))
