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

judge() runs these steps for a compiled task and a parsed answer (or for one component of a
vector and that part of the answer); the caller (api.grade) names the typical mistake of a wrong
answer with diagnosis.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from grading.engine import limits
from grading.engine.compiled import Compiled, Evaluators, evaluators
from grading.engine.messages import message
from grading.engine.numeric import comparison, probes, sampling
from grading.engine.printing import to_text
from grading.engine.sympy_bridge import to_sympy
from grading.engine.tree import BinOp, Call, Neg, Node, Num, Var, integer_exponent, walk
from grading.engine.types import Evidence, Message, Method

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


# --------------------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class Judgement:
    """What the comparison decided, how, and why. `answer` is set when the answer is wrong and
    worth diagnosing (defined where it differs): its evaluators, to match against the typical
    mistakes at the same points, with the tolerance it was compared with."""

    equivalent: bool | None
    method: Method
    evidence: Evidence
    reason: Message | None = None
    answer: Evaluators | None = None
    rtol: float = 0.0
    floor: float = 0.0


def judge(
    c: Compiled, parts: Sequence[Node], seed: int, texts: Sequence[str] | None = None
) -> Judgement:
    """Compare a parsed answer's parts (of the task's shape) with the compiled key:
    structurally, at seeded sample points, then symbolically where that can decide. One
    component of a vector is judged on its own with a ComponentKey and that part. `texts`:
    the parts' plain text (printing.to_text) when the caller has it already."""
    if texts is None:
        texts = [to_text(p) for p in parts]
    # structural: the same expression up to spacing, brackets and implicit multiplication
    # (the key's texts are printed once per compiled task)
    if list(texts) == c.key_texts:
        return Judgement(
            equivalent=True,
            method="structural",
            evidence=Evidence(seed=seed, detail="same expression"),
        )

    rtol = 0.0
    floor = 0.0
    # A value problem compares a decimal, or a whole number when the key is irrational (1097
    # for e^7, as 1097.0 is), with the task's relative tolerance; where the key is exactly 0,
    # relative to the size of the terms that cancelled there (Compiled.zero_scale).
    decimal_value = c.is_number and (
        _has_decimal(parts) or (_is_whole_number(parts) and not c.key_is_rational)
    )
    if decimal_value:
        rtol, floor = c.task.tolerance, c.zero_scale
    answer = evaluators(parts, with_exact=c.key_exact is not None)
    hints = dict(c.hints)
    for name, roots in sampling.boundary_hints(parts).items():
        hints[name] = list(dict.fromkeys([*hints.get(name, []), *roots]))
    outcome = comparison.compare(
        c.key_fns,
        answer.fns,
        c.sample_variables,
        seed=seed,
        positive=c.task.positive,
        rtol=rtol,
        floor=floor,
        hints=hints,
        key_floats=c.key_floats,
        answer_floats=answer.doubles,
        key_exact=c.key_exact,
        answer_exact=answer.exact,
    )
    evidence = _evidence(
        seed,
        outcome,
        f"{outcome.draws} points drawn, evaluated exactly (rational arithmetic)"
        if outcome.max_prec == 0
        else f"{outcome.draws} points drawn, up to {outcome.max_prec} bits",
    )
    if outcome.equivalent is None:
        return Judgement(
            equivalent=None,
            method="numeric",
            evidence=evidence,
            reason=message("too-few-points", points=outcome.points),
        )
    if outcome.equivalent is False:
        return Judgement(
            equivalent=False,
            method="numeric",
            evidence=evidence,
            reason=_reason(outcome, c, rtol),
            answer=None if outcome.answer_undefined else answer,
            rtol=rtol,
            floor=floor,
        )
    probed = _probe(c, parts, answer, outcome, rtol, floor)
    if probed is not None:
        return Judgement(
            equivalent=False,
            method="numeric",
            evidence=_evidence(seed, probed, "the sampled points agree; a probe point differs"),
            reason=_reason(probed, c, rtol),
            answer=answer,
            rtol=rtol,
            floor=floor,
        )
    if decimal_value:
        return Judgement(equivalent=True, method="numeric", evidence=evidence)
    # The symbolic step runs where it can decide what sampling cannot: a rational difference
    # too small to see at 512 bits is refuted, an identity is proven. With exp, log, trig or
    # real powers SymPy could only prove (expansion), never refute, so it cannot change the
    # verdict: the agreement above stands, and the method says it was numeric.
    settled = None
    size = max(len(walk(p)) for p in [*c.key_nodes, *parts])
    if size <= limits.SYMBOLIC_MAX_NODES and all(is_rational(p) for p in [*c.key_nodes, *parts]):
        settled = symbolic_check(
            c.key_exprs, parts, c.symbols, limits.SYMBOLIC_BUDGET_S, c.key_expanded
        )
    if settled is False:
        return Judgement(
            equivalent=False,
            method="symbolic",
            evidence=Evidence(
                seed=seed,
                points=outcome.points,
                detail="the sampled points agree, but key - answer simplifies to a nonzero value",
            ),
            reason=message("differs-symbolic"),
            answer=answer,
        )
    return Judgement(
        equivalent=True, method="symbolic" if settled else "numeric", evidence=evidence
    )


def _evidence(seed: int, outcome: comparison.Outcome, detail: str) -> Evidence:
    o = outcome  # Evidence's fields in order: seed, points, witness, the values, error, ...
    values = (o.witness, o.key_value, o.answer_value, o.max_rel_error, o.component)
    return Evidence(seed, o.points, *values, detail)


def _probe(
    c: Compiled,
    parts: Sequence[Node],
    answer: Evaluators,
    agreed: comparison.Outcome,
    rtol: float,
    floor: float,
) -> comparison.Outcome | None:
    """After the sampled points agree: the points where the answer's own function arguments
    are extreme (numeric/probes.py), where a hand-built difference the samples cannot see
    (e^(x-500), a bump of width 0.01) shows; the outcome there when it differs."""
    points = probes.probe_points(c.key_nodes, parts, c.sample_variables, c.task.positive)
    if not points:
        return None
    return comparison.probe(
        c.key_fns, answer.fns, points, agreed, rtol, floor, c.key_floats, answer.doubles
    )


def _is_whole_number(parts: Sequence[Node]) -> bool:
    """Every component a plain whole number, maybe negated (1097, -3)."""
    for p in parts:
        n = p.operand if isinstance(p, Neg) else p
        if not isinstance(n, Num) or n.is_decimal:
            return False
    return True


def _has_decimal(parts: Sequence[Node]) -> bool:
    return any(isinstance(n, Num) and n.is_decimal for p in parts for n in walk(p))


def _reason(outcome: comparison.Outcome, c: Compiled, rtol: float) -> Message:
    if outcome.answer_undefined:
        return message("undefined-answer")
    if c.is_number and rtol:
        return message("outside-tolerance", tolerance=f"{rtol:.2%}")
    if outcome.component is not None:
        return message("component-differs", index=outcome.component + 1)
    if outcome.witness:
        point = ", ".join(f"{k} = {v}" for k, v in outcome.witness.items())
        return message("differs", point=point)
    return message("differs", point="—")
