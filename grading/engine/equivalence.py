"""Is the answer the key? Structural check, domain-aware seeded sampling, symbolic step.

Policy (shared/corpus/README.md): variables are real; an answer is right when it is real, finite
and equal to the key wherever the key is real and finite, up to isolated holes. So:

1. structural: the same expression once written out explicitly (spacing, brackets and implicit
   products aside): equal, and with the same domain.
2. numeric (numeric/): seeded points over six scales and near the boundaries the expressions
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
from typing import Any

import sympy

from grading.engine import limits
from grading.engine.printing import to_text
from grading.engine.sympy_bridge import to_sympy
from grading.engine.tree import BinOp, Call, Node, Var, integer_exponent, walk

# --------------------------------------------------------------------------- structural


def structurally_equal(key: Sequence[Node], answer: Sequence[Node]) -> bool:
    """The same expression up to spacing, brackets and implicit multiplication."""
    return len(key) == len(answer) and all(
        to_text(k) == to_text(a) for k, a in zip(key, answer, strict=True)
    )


# --------------------------------------------------------------------------- symbolic


def is_rational(node: Node) -> bool:
    """No functions and only integer powers: a rational function of the variables."""

    def has_var(m: Node) -> bool:
        return any(isinstance(k, Var) for k in walk(m))

    for n in walk(node):
        # functions of constants are just numbers (exp(262144), sin(1))
        if isinstance(n, Call) and has_var(n.arg):
            return False
        if isinstance(n, BinOp) and n.op == "^" and integer_exponent(n.right) is None:
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
