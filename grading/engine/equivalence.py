"""Is the answer the key? Structural check, domain-aware seeded sampling, symbolic step.

Policy (shared/corpus/README.md): variables are real; an answer is right when it is real, finite
and equal to the key wherever the key is real and finite, up to isolated holes. So:

1. structural: the same expression once written out explicitly (spacing, brackets and implicit
   products aside): equal, and with the same domain.
2. numeric (numeric.py): seeded points over six scales and near the boundaries the expressions
   announce (roots of arguments of abs, roots, logs, inverse trig, denominators), kept where the
   key is real and finite. Both sides are evaluated in real arithmetic with a rigorous error
   bound, at rising precision until the bound decides: apart means "not equivalent", an answer
   undefined where the key is defined means "not equivalent", narrow and overlapping at enough
   points means "equivalent"; too few usable points is "undecided".
3. symbolic: when the points agree, SymPy looks at key - answer within a time budget. Zero
   upgrades the method to symbolic; a nonzero rational function or a nonzero constant is a
   difference too small for the sampled scales (x + 10^-40/x) and decides "not equivalent".
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy

from grading.engine import limits
from grading.engine.parsing import BinOp, Call, Const, Neg, Node, Num, Var, walk


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


# --------------------------------------------------------------------------- sampling


def structurally_equal(key: Sequence[Node], answer: Sequence[Node]) -> bool:
    """The same expression up to spacing, brackets and implicit multiplication."""
    from grading.engine.parsing import to_text

    return len(key) == len(answer) and all(
        to_text(k) == to_text(a) for k, a in zip(key, answer, strict=True)
    )


# --------------------------------------------------------------------------- symbolic


def is_rational(node: Node) -> bool:
    """No functions and only integer powers: a rational function of the variables."""
    from grading.engine.numeric import _integer_exponent

    def has_var(m: Node) -> bool:
        return any(isinstance(k, Var) for k in walk(m))

    for n in walk(node):
        # functions of constants are just numbers (exp(262144), sin(1))
        if isinstance(n, Call) and has_var(n.arg):
            return False
        if isinstance(n, BinOp) and n.op == "^" and _integer_exponent(n.right) is None:
            if has_var(n):
                return False
    return True


def symbolic_check(
    key: Sequence[Any],
    answer: Sequence[Node],
    symbols: dict[str, Any],
    budget_s: float,
    key_expanded: Sequence[Any] | None = None,
) -> bool | None:
    """After the points agreed: True when key - answer is provably 0, False when it is provably
    a nonzero rational function or constant, None when SymPy cannot tell within the budget.
    The engine calls it for rational key and answer only: with exp, log, trig or real powers
    SymPy could prove but never refute, so it could not change a verdict.

    Sampling has already checked domains, so SymPy's automatic rewrites (exp(log x) -> x) cannot
    smuggle a domain difference into a True here. Runs only on the main thread (SIGALRM).
    """
    from grading.engine.parsing import to_sympy

    syms = [symbols[k] for k in sorted(symbols)]
    try:
        with limits.time_budget(budget_s) as hard:
            if not hard:
                return None
            proven = True
            expanded = key_expanded or [sympy.expand(k) for k in key]
            for k, k_expanded, node in zip(key, expanded, answer, strict=True):
                a = to_sympy(node, symbols)
                # expand is canonical: expand(k - a) == 0 exactly when the expansions agree,
                # and the key's expansion is made once per task
                if k == a or sympy.expand(a) == k_expanded:
                    continue
                d = k - a
                r = sympy.cancel(sympy.together(d))
                if r == 0:
                    continue
                if r.is_number:
                    if r.is_zero is False:
                        return False
                elif r.is_rational_function(*syms) and not r.has(sympy.Function):
                    num, _den = sympy.fraction(r)
                    if sympy.Poly(num, *syms).is_zero is False and all(
                        c.is_number and c.is_zero is False for c in sympy.Poly(num, *syms).coeffs()
                    ):
                        return False
                proven = False
            return True if proven else None
    except limits.BudgetExceeded:
        return None
    except (RecursionError, ValueError, TypeError, ZeroDivisionError, AttributeError):
        return None
    except sympy.PolynomialError:
        return None
