"""Worked solutions: the derivation of a task's key step by step, in the lecture's style.

From the function's tree (parsed by the engine, then SymPy): which variables are held
constant, then rule after rule by name (sum, constant multiple, product, quotient, power,
chain; exp, ln, trig, sqrt), each step as LaTeX with one line of explanation in English and
Korean, ending in the key in its simplest factored form (toy #2: -7y(2x^2-1)/e^(x^2+y^2)).

Every step is checked to equal the one before it: the derivatives still to be taken are
taken by SymPy on both sides and the two are compared at seeded rational points (to 30
digits); the last step is also checked against the key. A derivation that fails a check is not
returned (`solution` gives None, `solution_problems` says why).

    solution(task) -> Solution | None
    solution_problems(task) -> list[str]     empty when the solution is shown
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from grading.engine.api import key_of
from grading.engine.messages import derivation_text
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import latex_name
from grading.engine.sympy_bridge import (
    FractionLatexPrinter,
    make_symbols,
    simplest_form,
    to_sympy,
)
from grading.engine.types import Message, Task

MAX_STEPS = 24  # a longer derivation is not shown (it would not teach)
MAX_OPS = 400  # nor one whose expressions grow past this many operations
CHECK_POINTS = 8  # seeded points per check; at least CHECK_MIN must be usable
CHECK_MIN = 3
CHECK_RTOL = sympy.Float("1e-20", 30)

TRIG = {sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot}


@dataclass(frozen=True)
class Step:
    """One step: the expression after it (LaTeX, after "="), the rules used, why."""

    latex: str
    rules: tuple[str, ...]
    why: Message


@dataclass(frozen=True)
class Derivation:
    """One partial derivative taken step by step: `start` is the derivative to take."""

    wrt: str
    held: tuple[str, ...]
    title: str  # LaTeX of what is derived, e.g. f_x or \partial f_x / \partial y
    start: str
    intro: Message
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Solution:
    derivations: tuple[Derivation, ...]

    def to_dict(self) -> dict[str, Any]:
        """As JSON can hold it (kept with a variant: hints.worked_of)."""
        return {
            "derivations": [
                {
                    "wrt": d.wrt,
                    "held": list(d.held),
                    "title": d.title,
                    "start": d.start,
                    "intro": d.intro.to_dict(),
                    "steps": [
                        {"latex": s.latex, "rules": list(s.rules), "why": s.why.to_dict()}
                        for s in d.steps
                    ],
                }
                for d in self.derivations
            ]
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Solution:
        return cls(
            tuple(
                Derivation(
                    wrt=str(d["wrt"]),
                    held=tuple(str(v) for v in d["held"]),
                    title=str(d["title"]),
                    start=str(d["start"]),
                    intro=Message.from_dict(d["intro"]),
                    steps=tuple(
                        Step(
                            latex=str(s["latex"]),
                            rules=tuple(str(r) for r in s["rules"]),
                            why=Message.from_dict(s["why"]),
                        )
                        for s in d["steps"]
                    ),
                )
                for d in data["derivations"]
            )
        )


class DerivationFailed(Exception):
    """A step did not check, a rule is missing, or the derivation is too long."""


# --------------------------------------------------------------------------- printing


class _Printer(LatexPrinter):  # type: ignore[misc]
    """SymPy's LaTeX, with pending derivatives as ∂/∂x(...)."""

    def _print_Derivative(self, expr: Any) -> str:
        ((var, _count),) = expr.variable_count
        inner = self._print(expr.expr)
        return rf"\frac{{\partial}}{{\partial {self._print(var)}}}\left({inner}\right)"


class _FractionPrinter(FractionLatexPrinter, _Printer):
    """... and e^(-u) as a denominator e^u: the lecture writes the function and the result so
    (7xy/e^(x^2+y^2)), and the steps between with e^(-u) (7y e^(-y^2) x e^(-x^2))."""


def derivation_latex(expr: Any, fraction: bool = False) -> str:
    printer = _FractionPrinter() if fraction else _Printer()
    return str(printer.doprint(expr))


# --------------------------------------------------------------------------- checking


def _points(symbols: list[Any], seed: int) -> list[dict[Any, Any]]:
    rng = random.Random(seed)
    points = []
    for k in range(CHECK_POINTS):
        spread = (sympy.Rational(1, 2), sympy.Rational(3, 2), sympy.Integer(3))[k % 3]
        points.append({s: sympy.Rational(rng.randint(-1000, 1000), 1000) * spread for s in symbols})
    return points


def _value(expr: Any, point: dict[Any, Any]) -> Any:
    """expr at the point to 30 digits (a SymPy Float), or None where it is not real."""
    try:
        v = sympy.N(expr.subs(point), 30)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not v.is_number or v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or not v.is_real:
        return None
    return v


def equal_at_points(a: Any, b: Any, symbols: list[Any]) -> bool:
    """a and b agree at seeded points (at least CHECK_MIN where both are real and finite)."""
    if _small(a) and _small(b) and sympy.simplify(a - b) == 0:
        return True
    used = 0
    for point in _points(symbols, seed=len(symbols)):
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None:
            if (va is None) != (vb is None):
                return False
            continue
        scale = max(abs(va), abs(vb), sympy.Integer(1))
        if abs(va - vb) > CHECK_RTOL * scale:
            return False
        used += 1
    return used >= CHECK_MIN


def _small(expr: Any) -> bool:
    return int(sympy.count_ops(expr)) < 12


# --------------------------------------------------------------------------- the rules


def _d(u: Any, x: Any) -> Any:
    """The derivative of u still to be taken: 0 and 1 at once, else pending."""
    if not u.has(x):
        return sympy.Integer(0)
    if u == x:
        return sympy.Integer(1)
    return sympy.Derivative(u, x, evaluate=False)


def rule_of(u: Any, x: Any) -> tuple[Any, tuple[str, ...]]:
    """One rule applied to d/dx u: the result (with derivatives still pending) and its names."""
    if u.is_Add:
        return sympy.Add(*[_d(t, x) for t in u.args]), ("sum",)
    if u.is_Mul:
        const = [f for f in u.args if not f.has(x)]
        moving = [f for f in u.args if f.has(x)]
        if const:
            return sympy.Mul(*const) * _d(sympy.Mul(*moving), x), ("constant",)
        numer = [
            f
            for f in moving
            if not (f.is_Pow and f.exp.is_negative and f.base.func is not sympy.exp)
        ]
        denom = [1 / f for f in moving if f not in numer]
        if numer and denom:
            g, h = sympy.Mul(*numer), sympy.Mul(*denom)
            return (_d(g, x) * h - g * _d(h, x)) / h**2, ("quotient",)
        g, h = moving[0], sympy.Mul(*moving[1:])
        return _d(g, x) * h + g * _d(h, x), ("product",)
    if u.is_Pow:
        base, n = u.args
        if base is sympy.E:
            return u * _d(n, x), _chain("exp", n, x)
        if not n.has(x):
            if n == sympy.Rational(1, 2):
                return _d(base, x) / (2 * sympy.sqrt(base)), _chain("sqrt", base, x)
            return n * base ** (n - 1) * _d(base, x), _chain("power", base, x)
        if not base.has(x):
            return u * sympy.log(base) * _d(n, x), _chain("exp", n, x)
        raise DerivationFailed("a power with the variable in base and exponent")
    if u.func is sympy.exp:
        g = u.args[0]
        return u * _d(g, x), _chain("exp", g, x)
    if u.func is sympy.log and len(u.args) == 1:
        g = u.args[0]
        return _d(g, x) / g, _chain("ln", g, x)
    if len(u.args) == 1 and isinstance(u, sympy.Function):
        g = u.args[0]
        t = sympy.Dummy("t")
        outer = sympy.diff(u.func(t), t).subs(t, g)
        return outer * _d(g, x), _chain("trig" if u.func in TRIG else "function", g, x)
    raise DerivationFailed(f"no rule for {type(u).__name__}")


def _chain(name: str, inside: Any, x: Any) -> tuple[str, ...]:
    return (name,) if inside == x else (name, "chain")


def pending_derivatives(expr: Any) -> list[Any]:
    return sorted(expr.atoms(sympy.Derivative), key=sympy.default_sort_key)


def _rewrite(f: Any) -> Any:
    """The lecture's first move: a division by e^u is a product with e^(-u), split per variable
    (7xy/e^(x^2+y^2) = 7xy e^(-x^2) e^(-y^2)); other functions as they are."""
    if not f.has(sympy.exp):
        return f
    return sympy.expand_power_exp(sympy.powsimp(f))


def derive(f: Any, x: Any, symbols: list[Any]) -> tuple[list[tuple[Any, tuple[str, ...]]], Any]:
    """The steps of d/dx f: (expression, rules) after each, and the final expression."""
    steps: list[tuple[Any, tuple[str, ...]]] = []
    start = f
    rewritten = _rewrite(f)
    if rewritten != f:
        steps.append((sympy.Derivative(rewritten, x, evaluate=False), ("rewrite",)))
        f = rewritten
    current = _d(f, x)
    if isinstance(current, sympy.Derivative):
        current = _apply(current, x, steps)
    else:
        steps.append((current, ("constant",) if current == 0 else ("power",)))
    while pending_derivatives(current):
        if len(steps) >= MAX_STEPS:
            raise DerivationFailed("too many steps")
        current = _apply(current, x, steps)
    final = simplest_form(current)
    expanded = sympy.powsimp(sympy.expand(current))
    if sympy.count_ops(expanded) <= sympy.count_ops(current) and expanded not in (current, final):
        steps.append((expanded, ("expand",)))
    if final != steps[-1][0]:
        steps.append((final, ("simplify",)))
    previous = sympy.Derivative(start, x, evaluate=False).doit()
    for expr, _rules in steps:
        if sympy.count_ops(expr) > MAX_OPS:
            raise DerivationFailed("the expressions grow too large")
        if not equal_at_points(expr.doit(), previous, symbols):
            raise DerivationFailed(f"a step does not check: {_rules}")
    return steps, final


def _apply(current: Any, x: Any, steps: list[tuple[Any, tuple[str, ...]]]) -> Any:
    """Every pending derivative rewritten by its rule: one step."""
    mapping: dict[Any, Any] = {}
    names: list[str] = []
    for pending in pending_derivatives(current):
        result, rules = rule_of(pending.expr, x)
        mapping[pending] = result
        names.extend(r for r in rules if r not in names)
    current = current.xreplace(mapping)
    steps.append((current, tuple(names)))
    return current


# --------------------------------------------------------------------------- tasks


def _title(name: str, order: tuple[str, ...]) -> str:
    return f"{name}_{{{''.join(latex_name(v) for v in order)}}}"


@lru_cache(maxsize=256)
def solution(task: Task, name: str = "f") -> Solution | None:
    """The worked solution of a task's key, or None when one of its steps does not check (or
    it cannot be built: no function, an unsupported form, too long)."""
    try:
        return _solution(task, name)
    except (DerivationFailed, ParseError, ValueError, TypeError, RecursionError):
        return None


def solution_problems(task: Task) -> list[str]:
    """Why the task's worked solution is not shown (empty when it is)."""
    try:
        _solution(task, "f")
    except (DerivationFailed, ParseError, ValueError, TypeError, RecursionError) as exc:
        return [str(exc) or type(exc).__name__]
    return []


def _solution(task: Task, name: str) -> Solution:
    if task.function is None:
        raise DerivationFailed("the task has no function")
    symbols = make_symbols(task.variables)
    parsed = parse(task.function, task.variables)
    if parsed.is_vector:
        raise DerivationFailed("a vector function")
    f = to_sympy(parsed.node, symbols)
    ordered = [symbols[v] for v in task.variables]
    key = key_of(task)
    derivations: list[Derivation] = []
    if task.gradient:
        for v, component in zip(task.variables, key.components, strict=True):
            steps, final = derive(f, symbols[v], ordered)
            derivations.append(_derivation(f, v, (v,), task, name, steps, symbols[v]))
            if not equal_at_points(
                final, to_sympy(parse(component, task.variables).node, symbols), ordered
            ):
                raise DerivationFailed("the last step is not the key")
        return Solution(tuple(derivations))
    if not task.wrt:
        raise DerivationFailed("nothing to differentiate")
    current = f
    for i, v in enumerate(task.wrt):
        steps, final = derive(current, symbols[v], ordered)
        derivations.append(
            _derivation(current, v, task.wrt[: i + 1], task, name, steps, symbols[v])
        )
        current = final
    if task.at:
        point = {symbols[k]: to_sympy(parse(val, ()).node, {}) for k, val in task.at}
        value = sympy.nsimplify(sympy.simplify(current.subs(point)))
        shown = ", ".join(f"{k} = {val}" for k, val in task.at)
        last = derivations[-1]
        step = Step(
            latex=derivation_latex(value, fraction=True),
            rules=("point",),
            why=derivation_text(("point",), v=task.wrt[-1], held="", point=shown),
        )
        derivations[-1] = Derivation(
            last.wrt, last.held, last.title, last.start, last.intro, (*last.steps, step)
        )
        current = value
    key_expr = to_sympy(parse(key.text, task.variables).node, symbols)
    if not equal_at_points(current, key_expr, ordered):
        raise DerivationFailed("the last step is not the key")
    return Solution(tuple(derivations))


def _derivation(
    f: Any,
    v: str,
    order: tuple[str, ...],
    task: Task,
    name: str,
    steps: list[tuple[Any, tuple[str, ...]]],
    symbol: Any,
) -> Derivation:
    held = tuple(w for w in task.variables if w != v)
    held_text = ", ".join(held)  # plain names: the explanation is text, not LaTeX
    x = v
    return Derivation(
        wrt=v,
        held=held,
        title=_title(name, order),
        start=derivation_latex(sympy.Derivative(f, symbol, evaluate=False), fraction=True),
        intro=derivation_text(("held" if held else "alone",), v=x, held=held_text, point=""),
        steps=tuple(
            Step(
                latex=derivation_latex(expr, fraction=i == len(steps) - 1),
                rules=rules,
                why=derivation_text(rules, v=x, held=held_text, point=""),
            )
            for i, (expr, rules) in enumerate(steps)
        ),
    )
