"""A task made ready to grade: its key as trees and evaluators (from SymPy, or read back from a
Prepared task), kept per (task, prepared) so that every grade of the same variant reuses it;
and the evaluators of one side of a comparison (Evaluators), made on first use."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy

from grading.engine.messages import message, message_each
from grading.engine.numeric import exact, floats, multiprecision, sampling
from grading.engine.numeric.bounds import Clamped, NeedPrecision, Undefined, Unusable
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import to_text, vector_latex
from grading.engine.sympy_bridge import (
    Unsupported,
    from_sympy,
    make_symbols,
    shown_latex,
    to_sympy,
)
from grading.engine.tree import Node, Parsed, tree_from_data
from grading.engine.types import ENGINE_VERSION, Message, Prepared, PreparedMistake, Task


class KeyInvalid(Exception):
    """The task's key cannot be computed or is undefined where it is asked for: why, in both
    languages (`msg`), and in English (`detail`)."""

    def __init__(self, msg: Message) -> None:
        super().__init__(msg.en)
        self.msg, self.detail = msg, msg.en


class KeyUnavailable(ValueError):
    """key_of's refusal: a ValueError whose text is English, with the Message in `msg`."""

    def __init__(self, msg: Message) -> None:
        super().__init__(msg.en)
        self.msg = msg


class Compiled:
    """A task made ready to grade: key ASTs and evaluators now, SymPy forms on demand.

    With a `Prepared` of this engine's version, the key and the typical mistakes are parsed
    from it instead of being computed by SymPy (no differentiation, no LaTeX printing).
    """

    def __init__(self, task: Task, prepared: Prepared | None = None) -> None:
        self.task = task
        self.symbols: dict[str, Any] = make_symbols(task.variables, task.positive)
        self.function: Any | None = None
        self.point: dict[Any, Any] = {}
        self._exprs: list[Any] | None = None
        self._latex: str | None = None
        self._expanded: list[Any] | None = None
        self._zero_scale: float | None = None
        self.prepared_mistakes: tuple[PreparedMistake, ...] | None = None
        # what diagnosis.py learns about the task's mistakes, kept with it (made on first need)
        self.typical_mistakes: list[Any] | None = None
        self.prepared_candidates: Any = None
        self.key_nodes: list[Node] = []
        self._texts: list[str] | None = None
        if prepared is not None and (prepared.engine != ENGINE_VERSION or task.function is None):
            prepared = None
        if prepared is not None:
            # the key as SymPy computed it when the variant was made (point already applied):
            # rebuilt from its trees (no parsing), or parsed from its text
            self.key_nodes = prepared_nodes(prepared.key_trees, prepared.key, task.variables)
            self._latex = prepared.latex
            self.prepared_mistakes = prepared.mistakes
        elif task.reference is not None:
            # the key is graded as typed: its AST keeps its exact real domain
            self.key_nodes = _parse_key_expression(task.reference, task.variables).parts()
            if task.at:
                self._exprs = [to_sympy(n, self.symbols) for n in self.key_nodes]
        elif task.function is not None:
            parsed = _parse_key_expression(task.function, task.variables)
            if parsed.is_vector:
                raise KeyInvalid(message("key-single"))
            self.function = to_sympy(parsed.node, self.symbols)
            if task.gradient:
                self._exprs = [sympy.diff(self.function, self.symbols[v]) for v in task.variables]
            else:
                if not task.wrt:
                    raise KeyInvalid(message("key-needs-wrt"))
                unknown = [v for v in task.wrt if v not in self.symbols]
                if unknown:
                    raise KeyInvalid(message("key-wrt-undeclared", names=", ".join(unknown)))
                self._exprs = [sympy.diff(self.function, *[self.symbols[v] for v in task.wrt])]
        else:
            raise KeyInvalid(message("key-no-source"))
        if task.at and prepared is None:
            for name, value in task.at:
                if name not in self.symbols:
                    raise KeyInvalid(message("key-point-undeclared", name=name))
                vparsed = _parse_key_expression(value, ())
                self.point[self.symbols[name]] = to_sympy(vparsed.node, {})
            missing = [v for v in task.variables if self.symbols[v] not in self.point]
            if missing:
                raise KeyInvalid(message("key-point-missing", names=", ".join(missing)))
            assert self._exprs is not None
            self._exprs = [e.subs(self.point) for e in self._exprs]
        if self._exprs is not None:
            for e in self._exprs:
                if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
                    raise KeyInvalid(message("key-not-finite"))
            try:
                self.key_nodes = [from_sympy(e) for e in self._exprs]
            except Unsupported as exc:
                raise KeyInvalid(message("key-unsupported", what=str(exc))) from None
        # one memo for the three compilers of the key (they look at the same subtrees)
        memo: dict[Any, Any] = {}
        self.key_fns = [multiprecision.compile_node(n, memo) for n in self.key_nodes]
        self.key_floats = [floats.compile_float(n, memo) for n in self.key_nodes]
        self.key_exact = exact.compile_all(self.key_nodes, memo)
        self.hints = sampling.boundary_hints(self.key_nodes)
        if task.at:
            if not _defined_at_point(self.key_fns):
                raise KeyInvalid(message("key-undefined-at-point")) from None

    @property
    def key_texts(self) -> list[str]:
        """The key's plain text per component (printing.to_text), for the structural check:
        printed once per compiled task, not once per grade."""
        if self._texts is None:
            self._texts = [to_text(n) for n in self.key_nodes]
        return self._texts

    @property
    def key_expanded(self) -> list[Any]:
        """The key's expansion, for the symbolic step (made once per task)."""
        if self._expanded is None:
            self._expanded = [sympy.expand(e) for e in self.key_exprs]
        return self._expanded

    @property
    def key_exprs(self) -> list[Any]:
        if self._exprs is None:
            self._exprs = [to_sympy(n, self.symbols) for n in self.key_nodes]
        return self._exprs

    @property
    def latex(self) -> str:
        if self._latex is None:
            self.key_expanded  # noqa: B018 - made with the key, as the variant is made
            latexes = [shown_latex(e) for e in self.key_exprs]
            if self.is_vector:
                self._latex = vector_latex(latexes)
            else:
                self._latex = latexes[0]
        return self._latex

    @property
    def key_is_rational(self) -> bool:
        """A value key that is a rational number (5, -3/7), not e^7 or sqrt(2)."""
        return all(e.is_Rational for e in self.key_exprs)

    @property
    def zero_scale(self) -> float:
        """The absolute size a value key of 0 is compared at: the largest term of the
        derivative (expanded) at the point, the size of what cancelled to give 0 (3x^2 - 3
        at x = 1: 3). 0 when every term vanishes there (2xy at y = 0): then only 0 is 0.
        Policy: exercises/authoring/tolerance.py."""
        if self._zero_scale is None:
            self._zero_scale = _zero_scale(self)
        return self._zero_scale

    @property
    def is_number(self) -> bool:
        return bool(self.task.at)

    @property
    def is_vector(self) -> bool:
        return len(self.key_nodes) > 1 or self.task.gradient

    @property
    def sample_variables(self) -> tuple[str, ...]:
        return () if self.is_number else self.task.variables


class ComponentKey(Compiled):
    """One component of a compiled vector task, to judge that component of an answer on its
    own (equivalence.judge): the key's trees, evaluators and SymPy forms of component `index`,
    sharing the task, its symbols and its sampling hints (boundaries of every component: more
    points near where the key changes, never fewer). Made from a Compiled, never compiled."""

    def __init__(self, whole: Compiled, index: int) -> None:
        # no super().__init__: nothing is compiled, every field is the whole's (or its part)
        self.whole, self.index = whole, index
        self.task = whole.task
        self.symbols = whole.symbols
        self.function = whole.function
        self.point = whole.point
        self.prepared_mistakes = None
        self.typical_mistakes = None
        self.prepared_candidates = None
        self.key_nodes = [whole.key_nodes[index]]
        self.key_fns = [whole.key_fns[index]]
        self.key_floats = [whole.key_floats[index]]
        self.key_exact = None if whole.key_exact is None else [whole.key_exact[index]]
        self.hints = whole.hints
        self._exprs = None
        self._latex = None
        self._expanded = None
        self._zero_scale = None

    @property
    def key_texts(self) -> list[str]:
        """This component's text, from the whole key's (printed once for all components)."""
        return [self.whole.key_texts[self.index]]

    @property
    def key_expanded(self) -> list[Any]:
        return [self.whole.key_expanded[self.index]]

    @property
    def key_exprs(self) -> list[Any]:
        return [self.whole.key_exprs[self.index]]

    @property
    def latex(self) -> str:
        return str(shown_latex(self.key_exprs[0]))

    @property
    def zero_scale(self) -> float:
        # one scale for the whole vector, as the whole was compared with
        return self.whole.zero_scale

    @property
    def is_vector(self) -> bool:
        return False


class Lazy(Sequence[Any]):
    """A list of compiled evaluators, made on first access (its length is known before)."""

    def __init__(self, make: Callable[[], list[Any]], n: int) -> None:
        self._make = make
        self._n = n
        self._items: list[Any] | None = None

    def _get(self) -> list[Any]:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        return self._get()[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get())


@dataclass(frozen=True)
class Evaluators:
    """One side's evaluators, component by component: mpmath (`fns`), doubles (`doubles`), both
    made on first use, and exact (`exact`, None unless every component is a small rational
    function and exact evaluation is asked for)."""

    fns: Sequence[Any]
    doubles: Sequence[Any]
    exact: list[Any] | None


def evaluators(parts: Sequence[Node], with_exact: bool) -> Evaluators:
    """The evaluators of an answer's parts. One memo is shared by its compilers (the parts
    outlive it); the mpmath and double ones are compiled on first use: rational answers
    compared exactly never need them."""
    memo: dict[Any, Any] = {}
    return Evaluators(
        fns=Lazy(lambda: [multiprecision.compile_node(p, memo) for p in parts], len(parts)),
        doubles=Lazy(lambda: [floats.compile_float(p, memo) for p in parts], len(parts)),
        exact=exact.compile_all(parts, memo) if with_exact else None,
    )


_ZERO_SCALE_MAX_OPS = 300  # larger derivatives are not expanded to find their terms


def _zero_scale(c: Compiled) -> float:
    task = c.task
    if not task.at:
        return 0.0
    symbols = make_symbols(task.variables, task.positive)
    try:
        if task.function is not None:
            f = to_sympy(_parse_key_expression(task.function, task.variables).node, symbols)
            if task.gradient:
                exprs = [sympy.diff(f, symbols[v]) for v in task.variables]
            else:
                exprs = [sympy.diff(f, *[symbols[v] for v in task.wrt])]
        elif task.reference is not None:
            parts = _parse_key_expression(task.reference, task.variables).parts()
            exprs = [to_sympy(n, symbols) for n in parts]
        else:
            return 0.0
        point = {
            symbols[name]: to_sympy(_parse_key_expression(value, ()).node, {})
            for name, value in task.at
        }
        scale = 0.0
        for e in exprs:
            if e.subs(point) != 0:
                continue
            whole = sympy.expand(e) if sympy.count_ops(e) <= _ZERO_SCALE_MAX_OPS else e
            for term in sympy.Add.make_args(whole):
                value = complex(sympy.N(term.subs(point), 15))
                if value.imag == 0 and abs(value.real) != float("inf"):
                    scale = max(scale, abs(value.real))
        return scale
    except (KeyInvalid, TypeError, ValueError, ZeroDivisionError, RecursionError):
        return 0.0


def _defined_at_point(fns: list[Any]) -> bool:
    prec = multiprecision.BASE_PREC
    while True:
        try:
            multiprecision.evaluate(fns, {}, prec)
            return True
        except NeedPrecision:
            if prec >= multiprecision.MAX_PREC:
                return False
            prec *= 2
        except (Undefined, Unusable, Clamped):
            return False


def prepared_nodes(
    trees: tuple[Any, ...], texts: tuple[str, ...], variables: tuple[str, ...]
) -> list[Node]:
    """Expressions kept with a prepared task: from their trees when they are there and valid,
    else parsed from their text."""
    if trees and len(trees) == len(texts):
        try:
            return [tree_from_data(t, variables) for t in trees]
        except (ValueError, TypeError, RecursionError):
            pass
    return [_parse_key_expression(t, variables).node for t in texts]


def _parse_key_expression(text: str, variables: tuple[str, ...]) -> Parsed:
    """An expression of the task (reference, function, a point's value), or KeyInvalid."""
    try:
        return parse(text, variables)
    except ParseError as exc:
        why = message_each(
            "key-unreadable", {"text": text, "why": exc.msg.en}, {"text": text, "why": exc.msg.ko}
        )
        raise KeyInvalid(why) from None


def compile_task(task: Task, prepared: Prepared | None = None) -> Compiled:
    """The task compiled, remembered for the last 1024 (task, prepared) pairs. Raises
    KeyInvalid when its key cannot be computed."""
    # one cache entry per (task, prepared), however the caller passed them
    return _compile_cached(task, prepared)


@lru_cache(maxsize=1024)
def _compile_cached(task: Task, prepared: Prepared | None) -> Compiled:
    return Compiled(task, prepared)


def forget_compiled() -> None:
    """Drop the remembered compiled tasks (a cold start, for benchmarks and tests)."""
    _compile_cached.cache_clear()
