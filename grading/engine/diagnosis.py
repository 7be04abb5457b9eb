"""Typical mistakes of a derivative task, as candidate answers each with a message for the student.

The caller grades an answer first; when it is wrong, it compares the answer numerically with the
candidates returned here, in order, and reports the first that matches. Candidates are therefore
ordered from the most specific diagnosis to the least specific one, and none equals the key.

Most rule mistakes come from a small differentiator over the SymPy tree (`_Differentiator`) that
can misapply one rule at one place ("site") or everywhere: a chain-rule factor left out, a
product- or quotient-rule term dropped or with the wrong sign, the power rule misused, e^u taken
for a power. Nothing here parses text, uses threads, or calls `simplify`/`integrate`: every step
is cheap and the whole search stops when the time budget is spent.

The end of the module names the mistake a wrong answer makes (diagnose): it compares the answer
with the task's candidates (task_mistakes, read back from a Prepared task, or for a bare key the
sign, factor 2 and order slips built on its tree) at the same seeded points, in order, and
reports the first that matches. The sentences themselves are in messages.py.
"""

from __future__ import annotations

import cmath
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any, Generic, TypeVar

import sympy
from sympy import Add, Dummy, Integer, Mul, Symbol

from grading.engine import limits
from grading.engine.compiled import Compiled, Evaluators, KeyInvalid, Lazy, prepared_nodes
from grading.engine.messages import in_component, mistake
from grading.engine.numeric import comparison, exact, floats, multiprecision, sampling
from grading.engine.numeric.multiprecision import compile_node
from grading.engine.sympy_bridge import Unsupported, from_sympy
from grading.engine.tree import BinOp, Group, Neg, Node, Num, integer_exponent
from grading.engine.types import Message, PreparedMistake

__all__ = [
    "CODES",
    "Candidate",
    "candidates",
    "diagnose",
    "mistakes_for_reference",
    "task_mistakes",
    "typical_mistakes",
]

Expr = Any  # SymPy ships no type information; annotations below say which objects are expressions.


E = TypeVar("E")  # what a candidate's components are: SymPy expressions, or AST nodes


@dataclass(frozen=True)
class Candidate(Generic[E]):
    """A wrong answer a student plausibly gives, the name of the mistake, and what to tell them."""

    code: str
    expr: tuple[E, ...]
    message: Message
    # of a vector: the one component that differs from the key (None: several, or a scalar)
    component: int | None = None


# Most specific first: when two diagnoses give the same expression the earlier code is kept, and
# the caller reports the first candidate that matches.
CODES: tuple[str, ...] = (
    "gradient-swapped",
    "wrong-variable",
    "held-variable-differentiated",
    "constant-differentiated",
    "held-variable-dropped",
    "exp-as-power",
    "exp-log-factor",
    "log-rule",
    "trig-sign",
    "trig-rule",
    "quotient-rule-quotient",
    "quotient-rule-sign",
    "quotient-rule-denominator",
    "quotient-rule-term-dropped",
    # one term dropped is one slip; f'g' that gives the same expression takes two (7y/e^(x^2+y^2)
    # for d/dx 7xy/e^(x^2+y^2) is f'g, or f'g' with the chain factor forgotten too)
    "product-rule-term-dropped",
    "product-rule-product",
    "product-rule-sign",
    "power-rule",
    "power-rule-coefficient",
    "power-rule-new-exponent",
    "power-rule-exponent-raised",
    "power-rule-power-dropped",
    "power-rule-denominator",
    "missing-chain-factor",
    "chain-outer-missing",
    "chain-argument-replaced",
    "held-factor-dropped",
    "wrong-variable-term",
    "missing-differentiation",
    "function-returned",
    "antiderivative",
    "sign-error",
    "missing-factor-2",
    "doubled",
)
_RANK = {code: i for i, code in enumerate(CODES)}

_MAX_CANDIDATES = 64
_MIN_CANDIDATES = 8  # filtering goes on past its allowance until this many (the most specific)
# Above this many terms, variants that change one term (its sign, its variable) are noise.
_MAX_TERMS = 8
_MAX_OPS = 400  # expressions larger than this are not expanded to compare them
_MAX_EXPANDED_TERMS = 64  # nor expanded when that would give more terms than this
_MAX_OPS_REWRITE = 120  # nor rewritten (factored, put over a common denominator) to vary them
_SHOW_CHARS = 32  # an expression longer than this is not quoted in a message


# --------------------------------------------------------------------------------------------
# Messages


def _show(expr: Expr) -> str:
    """A short plain-text form of an expression for a message, or "" when it is too long."""
    text = sympy.sstr(expr).replace("**", "^").replace("*", "·")
    return text if len(text) <= _SHOW_CHARS else ""


def _names(symbols: Iterable[Symbol]) -> str:
    return ", ".join(str(s) for s in symbols)


def _partial_name(wrt: Sequence[Symbol]) -> str:
    names = [str(s) for s in wrt]
    if all(len(n) == 1 for n in names):
        return "f_" + "".join(names)
    return "f_(" + ",".join(names) + ")"


# --------------------------------------------------------------------------------------------
# Raw candidates, before ordering and filtering


@dataclass(frozen=True)
class _Raw:
    code: str
    expr: Expr
    message: Message
    # Mistakes that can be made the same way in every component of a gradient share this key.
    align: str = ""
    generic: Message | None = None


def _rank(code: str) -> int:
    return _RANK.get(code, len(_RANK))


def _is_usable(expr: Expr) -> bool:
    try:
        if not isinstance(expr, sympy.Expr):
            return False
        if expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            return False
        return not expr.has(sympy.Derivative, sympy.Integral, sympy.Subs)
    except Exception:
        return False


def _ops(expr: Expr) -> int:
    return int(sympy.count_ops(expr, visual=False))


def _could_be_negative_coeff(expr: Expr) -> bool:
    coeff = expr.as_coeff_Mul()[0]
    return bool(coeff.is_negative)


def _diff(expr: Expr, *steps: Symbol) -> Expr:
    """The derivative by the rules below: faster than `sympy.diff`, which dispatches through
    `Derivative` and asks the assumptions system at every node."""
    for v in steps:
        expr = _Differentiator(v, ()).run(expr)
    return expr


def _total(expr: Expr, others: Sequence[Symbol]) -> Expr:
    """The derivative of an expression free of the step variable, as if each held variable moved."""
    return Add(*[_diff(expr, u) for u in others if expr.has(u)])


# --------------------------------------------------------------------------------------------
# The differentiator with switches


Path = tuple[object, ...]

_T = Dummy("t")
_OUTER: dict[type, Expr] = {}


def _outer_derivative(func: type) -> Expr:
    """f′(t) for a one-argument function class, computed once (SymPy's diff is slow to dispatch)."""
    known = _OUTER.get(func)
    if known is None:
        known = sympy.diff(func(_T), _T)
        _OUTER[func] = known
    return known


# Variants that describe how the held variables were treated; only meaningful where a student sees
# the terms and factors directly, not inside a function's argument or a power's base.
_SHALLOW_ONLY = frozenset(
    {"held-factor-dropped", "constant-differentiated", "held-variable-dropped"}
)


@dataclass(frozen=True)
class _Site:
    path: Path
    variant: str
    info: tuple[tuple[str, str], ...]


@dataclass
class _Differentiator:
    """d/dv by the textbook rules, optionally misapplying one variant at one site or everywhere.

    A site is a node where a rule applies, named by its path from the root. A recording run
    (`record` set) collects every (site, variant) that could be misapplied, in a deterministic
    order, and caches the correct derivative of every subtree so that a run misapplying one site
    rebuilds only the path from that site to the root.
    """

    v: Symbol
    others: tuple[Symbol, ...]
    at: Path | None = None
    variant: str = ""
    everywhere: frozenset[str] = frozenset()
    record: list[_Site] | None = None
    cache: dict[Path, Expr] | None = None

    def run(self, expr: Expr) -> Expr:
        return self._d(expr, (), True)

    def _choose(
        self,
        path: Path,
        options: dict[str, Callable[[], Expr]],
        correct: Expr,
        info: dict[str, str],
        shallow: bool,
    ) -> Expr:
        if not shallow:
            for name in _SHALLOW_ONLY:
                options.pop(name, None)
        if self.record is not None:
            frozen = tuple(sorted(info.items()))
            self.record.extend(_Site(path, name, frozen) for name in options)
        if self.at == path and self.variant in options:
            return options[self.variant]()
        for name, make in options.items():
            if name in self.everywhere:
                return make()
        return correct

    def _d(self, e: Expr, path: Path, shallow: bool) -> Expr:
        cache = self.cache
        if cache is not None:
            if self.record is None and self.at is not None and self.at[: len(path)] != path:
                cached = cache.get(path)
                if cached is not None:
                    return cached
        result = self._derive(e, path, shallow)
        if cache is not None and self.record is not None:
            cache[path] = result
        return result

    def _derive(self, e: Expr, path: Path, shallow: bool) -> Expr:
        v = self.v
        if not e.has(v):
            return Integer(0)
        if e == v:
            return Integer(1)
        if e.is_Add:
            return self._add(e, path, shallow)
        if e.is_Mul:
            return self._mul(e, path, shallow)
        if e.is_Pow:
            return self._pow(e, path)
        if isinstance(e, sympy.Function) and len(e.args) == 1 and not isinstance(e, sympy.Abs):
            return self._function(e, path)
        return sympy.diff(e, v)

    def _show(self, e: Expr) -> str:
        """Text for a message: only a recording run needs it, and printing is slow."""
        return _show(e) if self.record is not None else ""

    def _others_in(self, e: Expr) -> list[Symbol]:
        return [u for u in self.others if e.has(u)]

    def _add(self, e: Expr, path: Path, shallow: bool) -> Expr:
        terms = e.args
        ds = [self._d(t, path + (i,), shallow) for i, t in enumerate(terms)]
        correct = Add(*ds)
        options: dict[str, Callable[[], Expr]] = {}
        info: dict[str, str] = {}
        held = [t for t in terms if not t.has(self.v) and self._others_in(t)]
        if held:
            names = sorted({str(u) for t in held for u in self._others_in(t)})
            info["held"] = ", ".join(names)
            options["constant-differentiated"] = lambda: (
                correct + Add(*[_total(t, self.others) for t in held])
            )
        mixed = {i for i, t in enumerate(terms) if t.has(self.v) and self._others_in(t)}
        if mixed and len(mixed) < len([t for t in terms if t.has(self.v)]):
            names = sorted({str(u) for i in mixed for u in self._others_in(terms[i])})
            info["dropped"] = ", ".join(names)
            options["held-variable-dropped"] = lambda: Add(
                *[d for i, d in enumerate(ds) if i not in mixed]
            )
        return self._choose(path, options, correct, info, shallow)

    def _mul(self, e: Expr, path: Path, shallow: bool) -> Expr:
        v = self.v
        dep = [(i, a) for i, a in enumerate(e.args) if a.has(v)]
        const = [a for a in e.args if not a.has(v)]
        c = Mul(*const)
        options: dict[str, Callable[[], Expr]] = {}
        info: dict[str, str] = {}
        den = [(i, a) for i, a in dep if a.is_Pow and a.exp.is_number and a.exp.is_negative]
        num = [(i, a) for i, a in dep if (i, a) not in den]
        inner: Expr
        if den and num:
            n_expr = Mul(*[a for _, a in num])
            b_expr = Mul(*[a.base ** (-a.exp) for _, a in den])
            dn = self._d(n_expr, path + ("num",), shallow)
            db = self._d(b_expr, path + ("den",), False)
            inner = (dn * b_expr - n_expr * db) / b_expr**2
            options["quotient-rule-quotient"] = lambda: c * dn / db
            options["quotient-rule-sign"] = lambda: c * (dn * b_expr + n_expr * db) / b_expr**2
            options["quotient-rule-reversed"] = lambda: c * (n_expr * db - dn * b_expr) / b_expr**2
            options["quotient-rule-denominator"] = lambda: c * (dn * b_expr - n_expr * db) / b_expr
            options["quotient-rule-numerator-only"] = lambda: c * dn / b_expr
            options["quotient-rule-denominator-only"] = lambda: -c * n_expr * db / b_expr**2
        elif len(dep) >= 2:
            factors = [a for _, a in dep]
            ds = [self._d(a, path + (i,), shallow) for i, a in dep]
            terms = [
                ds[k] * Mul(*[a for j, a in enumerate(factors) if j != k])
                for k in range(len(factors))
            ]
            inner = Add(*terms)
            for k in range(len(terms)):
                rest = Add(*[t for j, t in enumerate(terms) if j != k])
                options[f"product-drop-{k}"] = lambda rest=rest: c * rest  # type: ignore[misc]
            if len(terms) == 2:
                options["product-rule-sign"] = lambda: c * (terms[0] - terms[1])
                options["product-rule-sign-reversed"] = lambda: c * (terms[1] - terms[0])
            options["product-rule-product"] = lambda: c * Mul(*ds)
        else:
            i, a = dep[0]
            inner = self._d(a, path + (i,), shallow)
        correct = c * inner
        held = [a for a in const if self._others_in(a)]
        if held:
            rest_const = Mul(*[a for a in const if not self._others_in(a)])
            info["factor"] = self._show(Mul(*held))
            info["held"] = ", ".join(sorted({str(u) for a in held for u in self._others_in(a)}))
            options["held-factor-dropped"] = lambda: rest_const * inner
            options["constant-differentiated"] = lambda: (
                correct + _total(c, self.others) * Mul(*[a for _, a in dep])
            )
        return self._choose(path, options, correct, info, shallow)

    def _pow(self, e: Expr, path: Path) -> Expr:
        v = self.v
        b, n = e.base, e.exp
        options: dict[str, Callable[[], Expr]] = {}
        info: dict[str, str] = {}
        if not n.has(v):
            db = self._d(b, path + (0,), False)
            correct = n * b ** (n - 1) * db
            info["inner"] = self._show(b)
            info["n"] = str(n)
            if db != 1:
                options["chain-inner-drop"] = lambda: n * b ** (n - 1)
                if _could_be_negative_coeff(db) and db != -1:
                    options["chain-inner-sign"] = lambda: -n * b ** (n - 1)
            options["power-not-lowered"] = lambda: n * b**n * db
            options["power-coefficient"] = lambda: b ** (n - 1) * db
            if n != 2:
                options["power-new-exponent"] = lambda: (n - 1) * b ** (n - 1) * db
            if n.is_number and n.is_negative:
                options["power-raised"] = lambda: n * b ** (n + 1) * db
                # 1/u^k taken as -1/(u^k)′ (the sign of the reciprocal rule kept) or +1/(u^k)′
                options["power-denominator"] = lambda: 1 / (n * b ** (-n - 1) * db)
                options["power-denominator-positive"] = lambda: 1 / (-n * b ** (-n - 1) * db)
            if n.is_Integer and n >= 2:
                options["power-power-dropped"] = lambda: n * db
            return self._choose(path, options, correct, info, False)
        if not b.has(v):
            du = self._d(n, path + (1,), False)
            correct = e * sympy.log(b) * du
            info["inner"] = self._show(n)
            info["a"] = self._show(b)
            if du != 1:
                options["chain-inner-drop"] = lambda: e * sympy.log(b)
                if _could_be_negative_coeff(du) and du != -1:
                    options["chain-inner-sign"] = lambda: -e * sympy.log(b)
            options["exp-log-missing"] = lambda: e * du
            options["exp-log-divided"] = lambda: e * du / sympy.log(b)
            options["base-as-power"] = lambda: n * b ** (n - 1)
            options["base-as-power-chain"] = lambda: n * b ** (n - 1) * du
            return self._choose(path, options, correct, info, False)
        return sympy.diff(e, v)

    def _function(self, e: Expr, path: Path) -> Expr:
        u = e.args[0]
        du = self._d(u, path + (0,), False)
        outer = _outer_derivative(e.func)
        fprime = outer.xreplace({_T: u})
        correct = fprime * du
        options: dict[str, Callable[[], Expr]] = {}
        info = {"inner": self._show(u), "outer": e.func.__name__}
        if du != 1:
            options["chain-inner-drop"] = lambda: fprime
            if _could_be_negative_coeff(du) and du != -1:
                options["chain-inner-sign"] = lambda: -fprime
        options["chain-outer-drop"] = lambda: du
        if not du.is_number:
            options["chain-arg-replaced"] = lambda: outer.xreplace({_T: du}) * du
        if isinstance(e, sympy.exp):
            options["exp-as-power"] = lambda: u * sympy.exp(u - 1)
            if du != 1:
                options["exp-as-power-chain"] = lambda: u * sympy.exp(u - 1) * du
        elif isinstance(e, sympy.log):
            options["log-reciprocal"] = lambda: 1 / du
            options["log-squared"] = lambda: du / u**2
        elif isinstance(e, sympy.sin):
            options["trig-sign"] = lambda: -sympy.cos(u) * du
        elif isinstance(e, sympy.cos):
            options["trig-sign"] = lambda: sympy.sin(u) * du
        elif isinstance(e, sympy.tan):
            options["trig-tan-squared"] = lambda: sympy.tan(u) ** 2 * du
        return self._choose(path, options, correct, info, False)


def _variant_message(variant: str, site: dict[str, str], v: Symbol) -> tuple[str, Message]:
    """The code and message of one misapplied variant; `site` is empty when applied everywhere."""
    if variant in ("chain-inner-drop", "chain-inner-sign"):
        return _naming("missing-chain-factor", "inner", site.get("inner", ""))
    if variant == "chain-outer-drop":
        return _naming("chain-outer-missing", "outer", site.get("outer", ""))
    if variant == "chain-arg-replaced":
        return "chain-argument-replaced", mistake("chain-argument-replaced")
    if variant in ("exp-as-power", "exp-as-power-chain"):
        return "exp-as-power", mistake("exp-as-power")
    if variant in ("base-as-power", "base-as-power-chain"):
        return "exp-as-power", mistake("exp-as-power", "base")
    if variant == "exp-log-missing":
        return "exp-log-factor", mistake("exp-log-factor", a=site.get("a") or "a")
    if variant == "exp-log-divided":
        return "exp-log-factor", mistake("exp-log-factor", "divided", a=site.get("a") or "a")
    if variant == "log-reciprocal":
        return "log-rule", mistake("log-rule")
    if variant == "log-squared":
        return "log-rule", mistake("log-rule", "squared")
    if variant == "trig-sign":
        return "trig-sign", mistake("trig-sign")
    if variant == "trig-tan-squared":
        return "trig-rule", mistake("trig-rule")
    if variant.startswith("quotient-rule-"):
        code = {
            "quotient-rule-quotient": "quotient-rule-quotient",
            "quotient-rule-sign": "quotient-rule-sign",
            "quotient-rule-reversed": "quotient-rule-sign",
            "quotient-rule-denominator": "quotient-rule-denominator",
            "quotient-rule-numerator-only": "quotient-rule-term-dropped",
            "quotient-rule-denominator-only": "quotient-rule-term-dropped",
        }[variant]
        return code, mistake(code)
    if variant.startswith("product-drop-"):
        return "product-rule-term-dropped", mistake("product-rule-term-dropped")
    if variant.startswith("product-rule-sign"):
        return "product-rule-sign", mistake("product-rule-sign")
    if variant == "product-rule-product":
        return "product-rule-product", mistake("product-rule-product")
    n = site.get("n", "")
    if variant == "power-not-lowered":
        if n == "-1":
            return "quotient-rule-denominator", mistake("quotient-rule-denominator", "reciprocal")
        return "power-rule", mistake("power-rule")
    if variant == "power-coefficient":
        if n == "2":
            return "missing-factor-2", mistake("missing-factor-2", "square")
        if n == "-1":
            return "quotient-rule-sign", mistake("quotient-rule-sign", "reciprocal")
        return "power-rule-coefficient", mistake("power-rule-coefficient")
    if variant == "power-new-exponent":
        return "power-rule-new-exponent", mistake("power-rule-new-exponent")
    if variant == "power-raised":
        return "power-rule-exponent-raised", mistake("power-rule-exponent-raised")
    if variant.startswith("power-denominator"):
        return "power-rule-denominator", mistake("power-rule-denominator")
    if variant == "power-power-dropped":
        return "power-rule-power-dropped", mistake("power-rule-power-dropped")
    if variant == "held-factor-dropped":
        return _naming("held-factor-dropped", "factor", site.get("factor", ""))
    if variant == "constant-differentiated":
        return _naming("constant-differentiated", "others", site.get("held", ""), v=str(v))
    if variant == "held-variable-dropped":
        return _naming("held-variable-dropped", "others", site.get("dropped", ""))
    raise KeyError(variant)


def _naming(code: str, field: str, value: str, **more: str) -> tuple[str, Message]:
    """The code and its message naming the site's part (`value`, as `field`), or the generic
    message when the site does not know it (a variant applied everywhere has no one site)."""
    if value:
        return code, mistake(code, **{field: value}, **more)
    return code, mistake(code, "generic")


# Variants that are also tried at every site at once (a student who forgets the chain rule forgets
# it everywhere), and combinations of them seen in student work.
_EVERYWHERE: tuple[frozenset[str], ...] = (
    frozenset({"chain-inner-drop"}),
    frozenset({"chain-inner-sign"}),
    frozenset({"trig-sign"}),
    frozenset({"power-not-lowered"}),
    frozenset({"power-coefficient"}),
    frozenset({"power-new-exponent"}),
    frozenset({"power-raised"}),
    frozenset({"exp-as-power"}),
    frozenset({"exp-log-missing"}),
    frozenset({"product-rule-product"}),
    frozenset({"product-rule-product", "chain-inner-drop"}),
    frozenset({"quotient-rule-sign"}),
    frozenset({"quotient-rule-denominator"}),
    frozenset({"held-factor-dropped"}),
    frozenset({"held-variable-dropped"}),
    frozenset({"constant-differentiated"}),
)


# --------------------------------------------------------------------------------------------
# A cheap antiderivative: the rules a student who integrated by mistake would use


def _linear_coeff(u: Expr, v: Symbol) -> Expr | None:
    a = _diff(u, v)
    if a == 0 or a.has(v):
        return None
    return a


def _antiderivative(e: Expr, v: Symbol) -> Expr | None:
    if not e.has(v):
        return e * v
    if e == v:
        return v**2 / 2
    if e.is_Add:
        parts = [_antiderivative(t, v) for t in e.args]
        if any(p is None for p in parts):
            return None
        return Add(*parts)
    if e.is_Mul:
        dep = [a for a in e.args if a.has(v)]
        if len(dep) != 1:
            return None
        rest = _antiderivative(dep[0], v)
        return None if rest is None else Mul(*[a for a in e.args if not a.has(v)]) * rest
    if e.is_Pow:
        b, n = e.base, e.exp
        if not n.has(v):
            a = _linear_coeff(b, v)
            if a is None:
                return None
            if n == -1:
                return sympy.log(b) / a
            return b ** (n + 1) / ((n + 1) * a)
        if not b.has(v):
            a = _linear_coeff(n, v)
            return None if a is None else e / (sympy.log(b) * a)
        return None
    if isinstance(e, (sympy.exp, sympy.sin, sympy.cos)):
        u = e.args[0]
        a = _linear_coeff(u, v)
        if a is None:
            return None
        if isinstance(e, sympy.exp):
            return e / a
        if isinstance(e, sympy.sin):
            return -sympy.cos(u) / a
        return sympy.sin(u) / a
    return None


# --------------------------------------------------------------------------------------------
# Generators for one differentiation step: d/dv of g


class _OutOfTime(Exception):
    pass


@dataclass
class _Clock:
    deadline: float

    def check(self) -> None:
        if time.perf_counter() > self.deadline:
            raise _OutOfTime


@dataclass
class _Sink:
    """Where generators put candidates; `then` finishes each one (e.g. the remaining steps)."""

    items: list[_Raw]
    then: Callable[[Expr], Expr] | None = None
    clock: _Clock | None = None

    def add(self, raw: _Raw) -> None:
        if self.clock is not None:
            self.clock.check()
        if self.then is not None:
            raw = _Raw(raw.code, self.then(raw.expr), raw.message, raw.align, raw.generic)
        self.items.append(raw)


def _terms(expr: Expr) -> tuple[Expr, ...]:
    return tuple(expr.args) if expr.is_Add else (expr,)


def _expanded_terms(expr: Expr, cap: int = 10_000) -> int:
    """An upper estimate of the number of terms `expand` produces at any level (capped).

    Denominators are expanded too, and a function's argument is expanded inside it.
    """
    if expr.is_Add:
        return min(cap, sum(_expanded_terms(a, cap) for a in expr.args))
    if expr.is_Mul:
        product = 1
        for a in expr.args:
            product = min(cap, product * _expanded_terms(a, cap))
        return product
    if expr.is_Pow and expr.exp.is_Integer:
        power = min(abs(int(expr.exp)), 16)
        return int(min(cap, _expanded_terms(expr.base, cap) ** power))
    return max([1, *(_expanded_terms(a, cap) for a in expr.args)])


def _cheap_to_expand(expr: Expr) -> bool:
    return _ops(expr) <= _MAX_OPS and _expanded_terms(expr) <= _MAX_EXPANDED_TERMS


def _step_rule_mistakes(
    g: Expr, v: Symbol, others: tuple[Symbol, ...], clock: _Clock, sink: _Sink
) -> None:
    """The mistakes of the differentiator: each variant at each site, then everywhere."""
    record: list[_Site] = []
    cache: dict[Path, Expr] = {}
    _Differentiator(v, others, record=record, cache=cache).run(g)
    counts: dict[str, int] = {}
    for site in record:
        counts[site.variant] = counts.get(site.variant, 0) + 1
    for site in record:
        clock.check()
        try:
            expr = _Differentiator(v, others, at=site.path, variant=site.variant, cache=cache).run(
                g
            )
            code, message = _variant_message(site.variant, dict(site.info), v)
            # The only site of its kind: the same mistake as "everywhere", which a gradient can
            # line up across components (not so a product term named by its position).
            alone = counts[site.variant] == 1 and not site.variant.startswith("product-drop-")
            align = f"everywhere:{site.variant}" if alone else ""
            generic = _variant_message(site.variant, {}, v)[1] if align else None
            sink.add(_Raw(code, expr, message, align=align, generic=generic))
        except _OutOfTime:
            raise
        except Exception:  # noqa: S112 - one failing variant must not stop the others
            continue
    for names in _EVERYWHERE:
        if not all(counts.get(n, 0) for n in names):
            continue
        if len(names) == 1 and counts.get(next(iter(names)), 0) < 2:
            continue  # the same as the single-site candidate
        clock.check()
        try:
            expr = _Differentiator(v, others, everywhere=names).run(g)
            lead = "product-rule-product" if "product-rule-product" in names else min(names)
            code, message = _variant_message(lead, {}, v)
            key = "everywhere:" + "+".join(sorted(names))
            sink.add(_Raw(code, expr, message, align=key, generic=message))
        except _OutOfTime:
            raise
        except Exception:  # noqa: S112
            continue


def _step_mistakes(
    g: Expr,
    v: Symbol,
    variables: tuple[Symbol, ...],
    clock: _Clock,
    sink: _Sink,
    *,
    returned: Message | None = None,
    forms: Sequence[Expr] = (),
) -> None:
    """The mistakes of one step d/dv g, except the wrong variable (the caller knows the task).

    `returned` is the message for g itself given as the answer (None: not a candidate).
    """
    others = tuple(u for u in variables if u != v)
    others_in = tuple(u for u in others if g.has(u))

    def function_returned() -> None:
        if returned is not None:
            sink.add(_Raw(returned.code, g, returned, "returned", returned))

    def total() -> None:
        if not others_in:
            return
        base = _diff(g, v)
        message = mistake("held-variable-differentiated", v=str(v), others=_names(others_in))
        everything = base + Add(*[_diff(g, u) for u in others_in])
        generic = mistake("held-variable-differentiated", "generic")
        sink.add(_Raw("held-variable-differentiated", everything, message, "total", generic))
        if len(others_in) > 1:
            for u in others_in:
                one = mistake("held-variable-differentiated", v=str(v), others=str(u))
                sink.add(_Raw("held-variable-differentiated", base + _diff(g, u), one))

    def dropped() -> None:
        if not others_in:
            return
        zeroed = g.xreplace({u: Integer(0) for u in others_in})
        if not _is_usable(zeroed):
            return
        message = mistake("held-variable-dropped", others=_names(others_in))
        generic = mistake("held-variable-dropped", "generic")
        sink.add(_Raw("held-variable-dropped", _diff(zeroed, v), message, "dropped", generic))

    def rules() -> None:
        seen: list[Expr] = []
        for form in (*forms, g):  # the factored form first: closer to what students write
            if form not in seen:
                seen.append(form)
                _step_rule_mistakes(form, v, others, clock, sink)

    def integrated() -> None:
        anti = _antiderivative(g, v)
        if anti is not None:
            message = mistake("antiderivative", v=str(v))
            generic = mistake("antiderivative", "generic")
            sink.add(_Raw("antiderivative", anti, message, "antiderivative", generic))

    def term_wrong_variable() -> None:
        terms = _terms(g)
        if not 2 <= len(terms) <= _MAX_TERMS:
            return
        ds = [_diff(t, v) for t in terms]
        for i, t in enumerate(terms):
            for u in others:
                if t.has(u):
                    expr = Add(*[d for j, d in enumerate(ds) if j != i]) + _diff(t, u)
                    message = mistake("wrong-variable-term", v=str(v), u=str(u))
                    sink.add(_Raw("wrong-variable-term", expr, message))

    # Cheap and telling first: when the budget runs out, the later generators are the ones lost.
    for generator in (function_returned, total, dropped, rules, integrated, term_wrong_variable):
        clock.check()
        try:
            generator()
        except _OutOfTime:
            raise
        except Exception:  # noqa: S112 - a failing generator is skipped, the others still run
            continue


def _key_mistakes(key: Expr, clock: _Clock, sink: _Sink) -> None:
    """Mistakes seen only in the result: the sign of the whole or of one term, a factor 2."""
    sign = mistake("sign-error")
    sink.add(_Raw("sign-error", -key, sign, "sign", sign))
    half = mistake("missing-factor-2")
    sink.add(_Raw("missing-factor-2", key / 2, half, "half", half))
    forms: list[tuple[Expr, Expr]] = [(key, Integer(1))]
    try:
        clock.check()
        # A rational function is where students sum fractions and slip a sign in the numerator.
        if _ops(key) <= _MAX_OPS_REWRITE and not key.atoms(sympy.Function):
            numer, denom = sympy.fraction(sympy.together(key))
            if _cheap_to_expand(numer):
                forms.append((sympy.expand(numer), denom))
            if _cheap_to_expand(key):
                forms.append((sympy.expand(key), Integer(1)))
    except _OutOfTime:
        raise
    except Exception:  # noqa: S110 - the plain form is enough
        pass
    term = mistake("sign-error", "term")
    for numer, denom in forms:
        clock.check()
        terms = _terms(numer)
        if 2 <= len(terms) <= _MAX_TERMS:
            for i in range(len(terms)):
                flipped = Add(*[-t if j == i else t for j, t in enumerate(terms)])
                sink.add(_Raw("sign-error", flipped / denom, term))


# --------------------------------------------------------------------------------------------
# Filtering: values at fixed points decide "equals the key" and "same as an earlier candidate"

_POINTS = (
    (0.7390851332, 1.3247179572, 0.5671432904, 1.6180339887, 0.8414709848, 1.1892071150),
    (1.2599210498, 0.6931471806, 1.4142135624, 0.9182958341, 1.5707963268, 0.4342944819),
)

_CMATH: dict[type, Callable[[complex], complex]] = {
    sympy.exp: cmath.exp,
    sympy.log: cmath.log,
    sympy.sin: cmath.sin,
    sympy.cos: cmath.cos,
    sympy.tan: cmath.tan,
    sympy.sec: lambda z: 1 / cmath.cos(z),
    sympy.csc: lambda z: 1 / cmath.sin(z),
    sympy.cot: lambda z: 1 / cmath.tan(z),
    sympy.asin: cmath.asin,
    sympy.acos: cmath.acos,
    sympy.atan: cmath.atan,
    sympy.sinh: cmath.sinh,
    sympy.cosh: cmath.cosh,
    sympy.tanh: cmath.tanh,
    sympy.asinh: cmath.asinh,
    sympy.acosh: cmath.acosh,
    sympy.atanh: cmath.atanh,
    sympy.Abs: lambda z: complex(abs(z)),
    sympy.sign: lambda z: z / abs(z) if z else 0j,
}


class _Unsupported(Exception):
    pass


def _value(e: Expr, memo: dict[Expr, complex]) -> complex:
    """A fast double-precision value of an expression (principal branches, as SymPy).

    `memo` maps the symbols to their values at the point and remembers every subexpression
    evaluated there: candidates share most of their subtrees.
    """
    known = memo.get(e)
    if known is not None:
        return known
    value: complex
    if e.is_Integer:
        value = complex(int(e))
    elif e.is_Rational:
        value = complex(int(e.p) / int(e.q))
    elif e.is_Float or e.is_NumberSymbol:
        value = complex(float(e))
    elif e.is_Add:
        value = 0j
        for a in e.args:
            value += _value(a, memo)
    elif e.is_Mul:
        value = 1 + 0j
        for a in e.args:
            value *= _value(a, memo)
    elif e.is_Pow:
        base = _value(e.base, memo)
        if e.exp.is_Integer:
            value = base ** int(e.exp)
        else:
            value = complex(base ** _value(e.exp, memo))
    elif (fn := _CMATH.get(type(e))) is not None and len(e.args) == 1:
        value = fn(_value(e.args[0], memo))
    elif e.is_number:
        value = complex(e.evalf(17))
    else:
        raise _Unsupported
    memo[e] = value
    return value


Values = tuple[complex | None, ...]


def _values(exprs: Sequence[Expr], memos: Sequence[dict[Expr, complex]]) -> Values | None:
    """Values at the fixed points (None where undefined); None when it cannot be evaluated."""
    out: list[complex | None] = []
    for memo in memos:
        for expr in exprs:
            try:
                value = _value(expr, memo)
            except (ZeroDivisionError, OverflowError, ValueError):
                out.append(None)
                continue
            except Exception:
                return None
            finite = cmath.isfinite(value)
            out.append(value if finite else None)
    return tuple(out)


def _same_values(a: Values, b: Values) -> bool:
    defined = False
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if x is None and y is None:
                continue
            return False
        if abs(x - y) > 1e-9 * max(abs(x), abs(y)) + 1e-12:
            return False
        defined = True
    return defined


def _same_symbolically(a: Sequence[Expr], b: Sequence[Expr]) -> bool | None:
    """True when every difference expands to 0; None when one is too large to try or fails.

    False means only "not shown equal" (expansion proves no trig or log identity); it is used
    where values cannot be computed, as the brief's cheap check.
    """
    try:
        verdict: bool | None = True
        for x, y in zip(a, b, strict=True):
            difference = x - y
            if not _cheap_to_expand(difference):
                verdict = None
            elif sympy.expand(difference) != 0:
                return False
        return verdict
    except Exception:
        return None


def _compare(
    a: tuple[Expr, ...],
    a_values: Values | None,
    b: tuple[Expr, ...],
    b_values: Values | None,
    deadline: float,
) -> bool | None:
    """Equal by their values where either is defined somewhere, else by a cheap expansion;
    None when that cannot be told in time."""
    if a_values is not None and b_values is not None:
        if any(x is not None for x in a_values + b_values):
            return _same_values(a_values, b_values)
    if a == b:
        return True
    if time.perf_counter() > deadline:
        return None
    return _same_symbolically(a, b)


def _finish(
    rows: Sequence[tuple[_Raw, tuple[Expr, ...]]],
    key: tuple[Expr, ...],
    symbols: Iterable[Symbol],
    limit: int,
    allowance_s: float,
) -> list[Candidate[Expr]]:
    """Order by specificity, drop what equals the key, is zero or repeats, and cap the count.

    Values at fixed points (of `symbols`, every symbol the candidates can contain) decide
    equality; expressions that cannot be evaluated there are compared by expansion. Within
    `allowance_s`: then the list ends (once it holds `_MIN_CANDIDATES`), and a candidate that
    cannot be told from the key in time is left out, since it must never be the key.
    """
    deadline = time.perf_counter() + allowance_s
    ordered_symbols = sorted(set(symbols), key=str)
    memos: list[dict[Expr, complex]] = []
    for index, base in enumerate(_POINTS):
        memos.append(
            {
                s: complex(base[i] if i < len(base) else 0.5 + (i * 0.618034 + index * 0.31) % 1)
                for i, s in enumerate(ordered_symbols)
            }
        )
    key_values = _values(key, memos)
    ordered = sorted(enumerate(rows), key=lambda item: (_rank(item[1][0].code), item[0]))
    kept: list[tuple[tuple[Expr, ...], Values | None]] = []
    out: list[Candidate[Expr]] = []
    for _, (raw, exprs) in ordered:
        if len(out) >= limit or (len(out) >= _MIN_CANDIDATES and time.perf_counter() > deadline):
            break
        if not all(_is_usable(e) for e in exprs) or all(e == 0 for e in exprs):
            continue  # an answer of 0 says too little to name a mistake
        values = _values(exprs, memos)
        if _compare(exprs, values, key, key_values, deadline) is not False:
            continue
        # An undecided comparison with an earlier candidate keeps both: a repeat costs the
        # caller one more comparison, nothing worse.
        if any(_compare(exprs, values, o, ov, deadline) for o, ov in kept):
            continue
        kept.append((exprs, values))
        # the other components are the key's own expressions (the rows are made from `key`)
        changed = [i for i, (e, k) in enumerate(zip(exprs, key, strict=True)) if e != k]
        component = changed[0] if len(key) > 1 and len(changed) == 1 else None
        out.append(Candidate(code=raw.code, expr=exprs, message=raw.message, component=component))
    return out


# --------------------------------------------------------------------------------------------
# Public API


def typical_mistakes(
    function: Expr,
    *,
    wrt: Sequence[Symbol],
    variables: Sequence[Symbol],
    gradient: bool = False,
    budget_s: float = 0.5,
    limit: int = _MAX_CANDIDATES,
) -> list[Candidate[Expr]]:
    """Typical wrong answers to a derivative task, most specific diagnosis first.

    `wrt` is the order of differentiation ((x, y) is f_xy = d/dy(d/dx f)); with `gradient=True`
    the task is the vector of first partials in the order of `variables` and `wrt` is ignored.
    Never raises: a generator that fails is skipped. Generation stops when `budget_s` is spent
    (checked between steps, so one step may overrun it); the candidates found so far are then
    filtered within a further budget_s / 4 and returned, at most `limit` of them.
    Same inputs, same list, as long as the budget is not what stopped the search.
    """
    clock = _Clock(time.perf_counter() + max(0.0, budget_s))
    try:
        if not isinstance(function, sympy.Expr):
            return []
        if gradient:
            return _gradient_mistakes(function, tuple(variables), clock, limit, budget_s)
        return _scalar_mistakes(function, tuple(wrt), tuple(variables), clock, limit, budget_s)
    except Exception:
        return []


def _finish_allowance(budget_s: float) -> float:
    """Time for the final filtering, beyond the generation budget (it is usually ~1 ms); a safety
    net sized with the budget, so that load on the machine does not change the list."""
    return max(0.005, budget_s / 4)


def _scalar_mistakes(
    f: Expr,
    wrt: tuple[Symbol, ...],
    variables: tuple[Symbol, ...],
    clock: _Clock,
    limit: int,
    budget_s: float,
) -> list[Candidate[Expr]]:
    if not wrt:
        return []
    key = _diff(f, *wrt)
    want = _partial_name(wrt)
    raws: list[_Raw] = []
    sink = _Sink(raws)
    try:
        for i, step in enumerate(wrt):
            for u in variables:
                if u != step:
                    clock.check()
                    alt = wrt[:i] + (u,) + wrt[i + 1 :]
                    if len(wrt) == 1:
                        message = mistake("wrong-variable", v=str(step), u=str(u))
                    else:
                        message = mistake(
                            "wrong-variable", "order", got=_partial_name(alt), want=want
                        )
                    sink.add(_Raw("wrong-variable", _diff(f, *alt), message))
        _key_mistakes(key, clock, sink)
        if len(wrt) == 1:
            returned = mistake("function-returned")
            _step_mistakes(f, wrt[0], variables, clock, sink, returned=returned)
        else:
            sink.add(_Raw("function-returned", f, mistake("function-returned")))
            g = _diff(f, *wrt[:-1])
            clock.check()
            # The student differentiates their own, usually factored, form of the first derivative.
            forms = [sympy.factor_terms(g)] if _ops(g) <= _MAX_OPS_REWRITE else []
            missing = mistake("missing-differentiation", got=_partial_name(wrt[:-1]), want=want)
            _step_mistakes(g, wrt[-1], variables, clock, sink, returned=missing, forms=forms)
            # The same mistakes made at the first step, then the other steps done right.
            rest = wrt[1:]
            first = _Sink(raws, then=lambda e: _diff(e, *rest), clock=clock)
            _step_mistakes(f, wrt[0], variables, clock, first)
    except _OutOfTime:
        pass
    rows = [(r, (r.expr,)) for r in raws]
    symbols = f.free_symbols | set(variables)
    return _finish(rows, (key,), symbols, limit, _finish_allowance(budget_s))


def _swapped(key: tuple[Expr, ...], i: int, j: int) -> tuple[Expr, ...]:
    return tuple(key[j] if k == i else key[i] if k == j else e for k, e in enumerate(key))


def _gradient_mistakes(
    f: Expr,
    variables: tuple[Symbol, ...],
    clock: _Clock,
    limit: int,
    budget_s: float,
) -> list[Candidate[Expr]]:
    key = tuple(_diff(f, u) for u in variables)
    n = len(key)
    rows: list[tuple[_Raw, tuple[Expr, ...]]] = []
    order = ", ".join(f"∂f/∂{u}" for u in variables)
    swapped = mistake("gradient-swapped", order=order)
    for i in range(n):
        for j in range(i + 1, n):
            rows.append((_Raw("gradient-swapped", None, swapped), _swapped(key, i, j)))
    if n > 3:  # for three components the reversal is one of the swaps
        rows.append((_Raw("gradient-swapped", None, swapped), tuple(reversed(key))))
    per_component: list[list[_Raw]] = [[] for _ in range(n)]
    try:
        for i, u in enumerate(variables):
            sink = _Sink(per_component[i])
            for j, w in enumerate(variables):
                if j != i:
                    message = mistake("wrong-variable", v=str(u), u=str(w))
                    sink.add(_Raw("wrong-variable", key[j], message))
            _key_mistakes(key[i], clock, sink)
            _step_mistakes(f, u, variables, clock, sink, returned=mistake("function-returned"))
    except _OutOfTime:
        pass
    # The same mistake in every component where it can be made, then in one component only.
    aligned: dict[str, dict[int, _Raw]] = {}
    for i, raws in enumerate(per_component):
        for raw in raws:
            if raw.align:
                aligned.setdefault(raw.align, {}).setdefault(i, raw)
    for by_component in aligned.values():
        if len(by_component) < 2:
            continue
        first = by_component[min(by_component)]
        exprs = tuple(by_component[i].expr if i in by_component else key[i] for i in range(n))
        rows.append((_Raw(first.code, None, first.generic or first.message), exprs))
    for i, raws in enumerate(per_component):
        for raw in raws:
            exprs = tuple(raw.expr if j == i else key[j] for j in range(n))
            rows.append((_Raw(raw.code, None, in_component(raw.message, str(variables[i]))), exprs))
    symbols = f.free_symbols | set(variables)
    return _finish(rows, key, symbols, limit, _finish_allowance(budget_s))


def mistakes_for_reference(reference: tuple[Expr, ...]) -> list[Candidate[Expr]]:
    """Mistakes visible from the key alone: signs, a factor 2 missing or extra, swapped components.

    For a task given only as a key (no function to differentiate). Never raises.
    """
    try:
        key = tuple(reference)
        if not key or not all(isinstance(e, sympy.Expr) for e in key):
            return []
        n = len(key)
        rows: list[tuple[_Raw, tuple[Expr, ...]]] = []
        if n > 1:
            swapped = mistake("gradient-swapped", "vector")
            for i in range(n):
                for j in range(i + 1, n):
                    rows.append((_Raw("gradient-swapped", None, swapped), _swapped(key, i, j)))
        sign = mistake("sign-error")
        rows.append((_Raw("sign-error", None, sign), tuple(-e for e in key)))
        if n == 1:
            raws: list[_Raw] = []
            _key_mistakes(key[0], _Clock(time.perf_counter() + 0.05), _Sink(raws))
            rows.extend((raw, (raw.expr,)) for raw in raws if raw.code == "sign-error")
        else:
            for i in range(n):
                message = mistake("sign-error", "component", i=str(i + 1))
                exprs = tuple(-e if j == i else e for j, e in enumerate(key))
                rows.append((_Raw("sign-error", None, message), exprs))
        half = mistake("missing-factor-2")
        rows.append((_Raw("missing-factor-2", None, half), tuple(e / 2 for e in key)))
        doubled = mistake("doubled")
        rows.append((_Raw("doubled", None, doubled), tuple(2 * e for e in key)))
        symbols = {s for e in key for s in e.free_symbols}
        return _finish(rows, key, symbols, _MAX_CANDIDATES, _finish_allowance(0.05))
    except Exception:
        return []


# --------------------------------------------------------------------------------------------
# Naming the mistake a wrong answer makes


def task_mistakes(c: Compiled) -> list[Candidate[Expr]]:
    """The task's typical mistakes, generated once per compiled task and process (variant_check
    makes them when the variant is made; every wrong answer after that reuses them)."""
    if c.typical_mistakes is None:
        assert c.function is not None
        c.typical_mistakes = typical_mistakes(
            c.function,
            wrt=[c.symbols[v] for v in c.task.wrt],
            variables=[c.symbols[v] for v in c.task.variables],
            gradient=c.task.gradient,
            budget_s=limits.DIAGNOSIS_BUDGET_S,
        )
    return c.typical_mistakes


def candidates(c: Compiled) -> Iterable[Any]:
    """The mistakes to match a wrong answer against: parsed from the prepared task (one at a
    time, as the matching reaches them), made by SymPy from the function, or (a bare key) made
    from the key's AST."""
    if c.prepared_mistakes is not None:
        if c.prepared_candidates is None:
            c.prepared_candidates = _PreparedCandidates(c.prepared_mistakes, c.task.variables)
        found: Iterable[Any] = c.prepared_candidates
        return found
    if c.function is not None:
        return task_mistakes(c)
    return _reference_mistakes(c)


class _PreparedCandidates:
    """A prepared task's mistakes, parsed when first reached (those that cannot be parsed are
    left out) and kept for the next wrong answer. A compiled task is shared by the threads of a
    process (a web process grading practice answers): one parses at a time, so that every
    iteration meets the mistakes in the task's order (the first match names the mistake)."""

    def __init__(self, mistakes: tuple[PreparedMistake, ...], variables: tuple[str, ...]) -> None:
        self._pending = iter(mistakes)
        self._variables = variables
        self._parsed: list[_AstCandidate] = []
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[_AstCandidate]:
        i = 0
        while True:
            if i < len(self._parsed):
                yield self._parsed[i]
                i += 1
                continue
            with self._lock:
                if i < len(self._parsed):  # another thread parsed it meanwhile
                    continue
                if not self._parse_next():
                    return

    def _parse_next(self) -> bool:
        """Parse the next usable mistake onto the list; False when none is left."""
        for m in self._pending:
            try:
                nodes = prepared_nodes(m.trees, m.parts, self._variables)
            except KeyInvalid:
                continue
            self._parsed.append(_AstCandidate(m.code, tuple(nodes), m.message, m.component))
            return True
        return False


class _AstCandidate(Candidate[Node]):
    """A candidate built on the key's AST, not SymPy: its components are AST nodes."""


def _reference_mistakes(c: Compiled) -> list[_AstCandidate]:
    """Mistakes visible from a key alone (no function given): sign, factor 2, swapped parts.

    Built on the key's AST, not SymPy, so that diagnosing a wrong answer stays cheap.
    """
    key = tuple(c.key_nodes)
    n = len(key)
    two = Num(0, 0, 0, 0, value=Fraction(2), text="2")

    def neg(node: Node) -> Node:
        return Neg(0, 0, 0, 0, operand=node)

    out: list[_AstCandidate] = []
    for i in range(n):
        for j in range(i + 1, n):
            swapped = list(key)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            out.append(
                _AstCandidate(
                    "gradient-swapped", tuple(swapped), mistake("gradient-swapped", "vector")
                )
            )
    out.append(_AstCandidate("sign-error", tuple(neg(k) for k in key), mistake("sign-error")))
    if n > 1:
        for i in range(n):
            parts = tuple(neg(k) if j == i else k for j, k in enumerate(key))
            out.append(
                _AstCandidate(
                    "sign-error", parts, mistake("sign-error", "component", i=str(i + 1)), i
                )
            )
    out.append(
        _AstCandidate(
            "missing-factor-2",
            tuple(BinOp(0, 0, 0, 0, op="/", left=k, right=two) for k in key),
            mistake("missing-factor-2"),
        )
    )
    out.append(
        _AstCandidate(
            "doubled",
            tuple(BinOp(0, 0, 0, 0, op="*", left=two, right=k) for k in key),
            mistake("doubled"),
        )
    )
    return out


_UNCOMPILABLE = (Unsupported, RecursionError, ValueError, TypeError)


class _CompileFailed(Exception):
    """A candidate's evaluators, made on first use, could not be compiled."""


def _compiled(compile_one: Callable[[Node], Any], nodes: list[Node]) -> list[Any]:
    try:
        return [compile_one(n) for n in nodes]
    except _UNCOMPILABLE:
        raise _CompileFailed from None


def diagnose(
    c: Compiled,
    answer: Evaluators,
    seed: int,
    rtol: float = 0.0,
    floor: float = 0.0,
    written: Sequence[Node] = (),
    component: int | None = None,
) -> Message | None:
    """Name the typical mistake the wrong answer matches, if any. `written`: the answer as
    parsed, to name a slip by the form it was made in (a quotient rule's numerator).

    `component`: the mistake made in that one component of a vector answer: the task's
    mistakes that change that component alone (said of it: "In ∂f/∂x: ..."), matched against
    the answer's component (`answer`: its evaluators; `written`: that part as parsed)."""
    try:
        found = iter(candidates(c) if component is None else _component_candidates(c, component))
    except Exception:  # noqa: BLE001 - a diagnosis failure must never fail the grade
        return None
    return named_by_form(_match(c, found, answer, seed, rtol, floor), written)


def named_by_form(named: Message | None, written: Sequence[Node]) -> Message | None:
    """The mistake named as the answer was written: a sign slip in an answer written as
    (f'g + fg')/g^2 or (fg' - f'g)/g^2 was made in the quotient rule, whatever form the
    matching candidate had."""
    if named is not None and named.code in ("product-rule-sign", "sign-error"):
        if _raw_quotient(written):
            return mistake("quotient-rule-sign")
    return named


def _raw_quotient(written: Sequence[Node]) -> bool:
    """One expression written as a quotient over a square: the quotient rule's raw form."""
    if len(written) != 1:
        return False
    node = written[0]
    while isinstance(node, (Neg, Group)):
        node = node.operand if isinstance(node, Neg) else node.inner
    if not (isinstance(node, BinOp) and node.op == "/"):
        return False
    den = node.right
    while isinstance(den, Group):
        den = den.inner
    return isinstance(den, BinOp) and den.op == "^" and integer_exponent(den.right) == 2


def _component_candidates(c: Compiled, index: int) -> Iterator[_AstCandidate]:
    """The candidates that differ from the key in component `index` only, as that component."""
    for cand in candidates(c):
        if cand.component != index:
            continue
        if isinstance(cand, _AstCandidate):
            node = cand.expr[index]
        else:
            expr = cand.expr[index]
            try:
                node = from_sympy(expr.subs(c.point) if c.point else expr)
            except _UNCOMPILABLE:
                continue
        yield _AstCandidate(cand.code, (node,), cand.message)


def _match(
    c: Compiled,
    found: Iterator[Any],
    answer: Evaluators,
    seed: int,
    rtol: float,
    floor: float,
) -> Message | None:
    """The first of the candidates `found` that the answer matches at the task's seeded points
    (a value problem: the only one), by its message."""
    matched: dict[str, Message] = {}
    answer_side = multiprecision.Memo(answer.fns)
    answer_quick = floats.Memo(answer.doubles)
    answer_exactly = exact.Memo(answer.exact) if answer.exact is not None else None
    # every candidate is compared at the same seeded points: drawn once
    draws = sampling.SharedDraws(c.sample_variables, seed, c.task.positive, c.hints)
    # a count, not a clock, bounds the matching: the named mistake must not depend on load
    for _ in range(limits.DIAGNOSIS_MAX_CANDIDATES):
        try:
            cand = next(found, None)
        except Exception:  # noqa: BLE001 - as above (prepared candidates are parsed here)
            return None
        if cand is None:
            break
        try:
            if isinstance(cand, _AstCandidate):
                nodes = list(cand.expr)
            else:
                exprs = list(cand.expr)
                if c.point:
                    exprs = [e.subs(c.point) for e in exprs]
                nodes = [from_sympy(e) for e in exprs]
            if len(nodes) != len(answer.fns):
                continue
            memo: dict[Any, Any] = {}  # the candidate's, for its nodes
            cand_exact = exact.compile_all(nodes, memo) if answer_exactly is not None else None
        except _UNCOMPILABLE:
            continue
        # the evaluators compare() does not reach are never made: compared exactly, a
        # candidate needs neither; most differ from the answer at the first point, in doubles
        fns = Lazy(partial(_compiled, partial(compile_node, memo=memo), nodes), len(nodes))
        quick = Lazy(
            partial(_compiled, partial(floats.compile_float, memo=memo), nodes), len(nodes)
        )
        try:
            outcome = comparison.compare(
                fns,
                answer_side,
                c.sample_variables,
                seed=seed,
                positive=c.task.positive,
                hints=c.hints,
                rtol=rtol,
                floor=floor,
                target=4,
                max_draws=24,
                confirm=False,
                key_floats=quick,
                answer_floats=answer_quick,
                key_exact=cand_exact,
                answer_exact=answer_exactly,
                explain=False,
                shared=draws,
            )
        except _CompileFailed:
            continue  # as if it had failed before the comparison: the candidate is skipped
        if outcome.equivalent:
            if not c.is_number:
                named: Message = cand.message
                return named
            # a single value matches several mistakes by coincidence: name one only if unique
            matched.setdefault(cand.code, cand.message)
            if len(matched) > 1:
                return None
    return next(iter(matched.values()), None)
