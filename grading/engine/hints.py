"""Hints before the key: after a wrong answer, the rule to look at again and where it applies.

Built from the named mistake (diagnosis.CODES) and the worked solution (derivation.py): the
rule the mistake is about, stated in general (the product rule is (gh)' = g'h + gh'), the
rules of the derivation in order by name, and the part of the function the rule is first
applied to (a sub-expression of the function, which the statement already shows). Never a
value of the key, a step of the derivation or its final expression: a part that happens to
equal the key is left out.

    hint(task, mistake_code) -> Hint | None
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy

from grading.engine.api import key_of
from grading.engine.derivation import (
    DerivationFailed,
    derivation_latex,
    derive,
    equal_at_points,
    pending_derivatives,
    rule_of,
    solution,
)
from grading.engine.messages import HINT_PART, hint_text
from grading.engine.parsing import ParseError, parse
from grading.engine.sympy_bridge import make_symbols, to_sympy
from grading.engine.types import Message, Task

# The rule each mistake is about (by the start of its code); None: no one rule.
_FOCUS: tuple[tuple[str, str], ...] = (
    ("product-rule", "product"),
    ("quotient-rule", "quotient"),
    ("power-rule", "power"),
    ("missing-chain-factor", "chain"),
    ("chain-", "chain"),
    ("exp-", "exp"),
    ("log-rule", "ln"),
    ("trig-", "trig"),
    ("held-", "held"),
    ("constant-differentiated", "held"),
    ("wrong-variable", "held"),
)

# Steps that apply no rule of differentiation: not named in the hint.
_BOOKKEEPING = {"rewrite", "expand", "simplify", "point"}


@dataclass(frozen=True)
class Hint:
    text: Message
    part_latex: str = ""  # the part of the function the rule applies to, or empty
    part_text: Message = HINT_PART  # what is said before that part


def focus_of(code: str | None) -> str | None:
    """The rule a mistake code is about, or None."""
    if not code:
        return None
    return next((rule for prefix, rule in _FOCUS if code.startswith(prefix)), None)


@lru_cache(maxsize=256)
def hint(task: Task, code: str | None) -> Hint | None:
    """The hint after a wrong answer whose mistake has this code (None: no mistake named), or
    None when there is nothing to say (no function and no rule)."""
    focus = focus_of(code)
    worked = solution(task) if task.function is not None else None
    rules: list[str] = []
    for derivation in worked.derivations if worked else ():
        for step in derivation.steps:
            rules.extend(r for r in step.rules if r not in _BOOKKEEPING and r not in rules)
    if focus is None and not rules:
        return None
    v = task.wrt[0] if task.wrt else (task.variables[0] if task.variables else "x")
    held = ", ".join(w for w in task.variables if w != v)
    part = ""
    if worked is not None and focus is not None and focus != "held":
        part = _part(task, v, focus)
    text = hint_text(focus, tuple(rules), v=v, held=held)
    return Hint(text=text, part_latex=part)


def _part(task: Task, v: str, focus: str) -> str:
    """LaTeX of the first part of the function the rule `focus` is applied to in the first
    derivative, or "" (none, or a part that equals the key)."""
    try:
        symbols = make_symbols(task.variables)
        f = to_sympy(parse(str(task.function), task.variables).node, symbols)
        x = symbols[v]
        steps, _final = derive(f, x, [symbols[w] for w in task.variables])
        previous: Any = sympy.Derivative(f, x, evaluate=False)
        for expr, rules in steps:
            if focus in rules:
                for pending in pending_derivatives(previous):
                    if focus in rule_of(pending.expr, x)[1]:
                        return _safe(task, pending.expr, symbols)
            previous = expr
    except (DerivationFailed, ParseError, ValueError, TypeError, RecursionError):
        return ""
    return ""


def _safe(task: Task, part: Any, symbols: dict[str, Any]) -> str:
    """The part's LaTeX, or "" when it equals the key (or a component of it)."""
    key = key_of(task)
    ordered = [symbols[w] for w in task.variables]
    for text in key.components or (key.text,):
        if equal_at_points(part, to_sympy(parse(text, task.variables).node, symbols), ordered):
            return ""
    return derivation_latex(part, fraction=True)
