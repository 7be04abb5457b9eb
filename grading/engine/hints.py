"""Hints before the key: after a wrong answer, the rule to look at again and where it applies.

Built from the named mistake (diagnosis.CODES) and the worked solution (derivation.py): the
rule the mistake is about, stated in general (the product rule is (gh)' = g'h + gh'), the
rules of the derivation in order by name, and the part of the function the rule is first
applied to (a sub-expression of the function, which the statement already shows). Never a
value of the key, a step of the derivation or its final expression: a part that happens to
equal the key is left out.

    hint(task, mistake_code) -> Hint | None
    worked_of(task, name, codes) -> Worked   the solution and the hints, made once per variant
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy

from grading.engine.api import key_of
from grading.engine.derivation import (
    DerivationFailed,
    Solution,
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
from grading.engine.types import ENGINE_VERSION, Message, Task

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text.to_dict(),
            "part_latex": self.part_latex,
            "part_text": self.part_text.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hint:
        return cls(
            text=Message.from_dict(data["text"]),
            part_latex=str(data["part_latex"]),
            part_text=Message.from_dict(data["part_text"]),
        )


def focus_of(code: str | None) -> str | None:
    """The rule a mistake code is about, or None."""
    if not code:
        return None
    return next((rule for prefix, rule in _FOCUS if code.startswith(prefix)), None)


def hint(task: Task, code: str | None) -> Hint | None:
    """The hint after a wrong answer whose mistake has this code (None: no mistake named), or
    None when there is nothing to say (no function and no rule)."""
    return _hint(task, focus_of(code))


@lru_cache(maxsize=256)
def _hint(task: Task, focus: str | None) -> Hint | None:
    """The hint for a mistake about the rule `focus` (what a code says: focus_of)."""
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


@dataclass(frozen=True)
class Worked:
    """What the result region shows from the engine's derivations, made once per variant and
    kept with it, so that showing a verdict does no SymPy work: the worked solution (None when
    it is not shown) and the hint for each rule a typical mistake of the variant is about ("":
    a mistake about no one rule, or none named)."""

    solution: Solution | None
    hints: dict[str, Hint | None]
    engine: str = ENGINE_VERSION

    def hint_for(self, code: str | None) -> tuple[bool, Hint | None]:
        """(kept, the hint): kept is False when this variant's hints do not cover the code."""
        focus = focus_of(code) or ""
        return (focus in self.hints), self.hints.get(focus)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "solution": None if self.solution is None else self.solution.to_dict(),
            "hints": {k: None if h is None else h.to_dict() for k, h in self.hints.items()},
        }

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Worked | None:
        """from_dict for stored data: None when there is none, it is unreadable, or another
        engine version made it (then it is made again)."""
        if not data or data.get("engine") != ENGINE_VERSION:
            return None
        try:
            sol = data["solution"]
            return cls(
                solution=None if sol is None else Solution.from_dict(sol),
                hints={
                    str(k): None if h is None else Hint.from_dict(h)
                    for k, h in data["hints"].items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def worked_of(task: Task, name: str, codes: Iterable[str]) -> Worked:
    """The worked solution (the function named `name`) and the hints after the mistakes with
    these codes (the variant's typical mistakes) and after a mistake about no one rule."""
    foci = {focus_of(code) or "" for code in codes} | {""}
    return Worked(
        solution=solution(task, name),
        hints={focus: _hint(task, focus or None) for focus in sorted(foci)},
    )
