"""The engine's public operations: preview, grade, key_of, variant_check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, partial
from typing import Any

import sympy

from grading.engine import equivalence, limits
from grading.engine.messages import message, message_each, mistake
from grading.engine.numeric import comparison, exact, floats, multiprecision, sampling
from grading.engine.numeric.bounds import Clamped, NeedPrecision, Undefined, Unusable
from grading.engine.numeric.multiprecision import compile_node
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import parsed_latex, to_text
from grading.engine.sympy_bridge import Unsupported, from_sympy, make_symbols, to_sympy
from grading.engine.tree import (
    BinOp,
    Neg,
    Node,
    Num,
    Parsed,
    Var,
    tree_from_data,
    tree_to_data,
    walk,
)
from grading.engine.types import (
    ENGINE_VERSION,
    Evidence,
    Message,
    ParseFailure,
    Prepared,
    PreparedMistake,
    Preview,
    Task,
    Verdict,
)


class KeyError_(Exception):
    """The task's key cannot be computed or is undefined where it is asked for."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Key:
    """The key as SymPy computed it: plain text (re-parseable), LaTeX, and per-component."""

    text: str
    latex: str
    components: tuple[str, ...]
    is_vector: bool
    is_number: bool


class _Compiled:
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
        self._mistakes: list[Any] | None = None
        self._expanded: list[Any] | None = None
        self.prepared_mistakes: tuple[PreparedMistake, ...] | None = None
        self._prepared_candidates: _PreparedCandidates | None = None
        self.key_nodes: list[Node] = []
        if prepared is not None and (prepared.engine != ENGINE_VERSION or task.function is None):
            prepared = None
        if prepared is not None:
            # the key as SymPy computed it when the variant was made (point already applied):
            # rebuilt from its trees (no parsing), or parsed from its text
            self.key_nodes = _prepared_nodes(prepared.key_trees, prepared.key, task.variables)
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
                raise KeyError_("the function must be a single expression")
            self.function = to_sympy(parsed.node, self.symbols)
            if task.gradient:
                self._exprs = [sympy.diff(self.function, self.symbols[v]) for v in task.variables]
            else:
                if not task.wrt:
                    raise KeyError_("a function needs wrt (the variables to differentiate by)")
                unknown = [v for v in task.wrt if v not in self.symbols]
                if unknown:
                    raise KeyError_(f"wrt names undeclared variables: {', '.join(unknown)}")
                self._exprs = [sympy.diff(self.function, *[self.symbols[v] for v in task.wrt])]
        else:
            raise KeyError_("a task needs a reference or a function")
        if task.at and prepared is None:
            for name, value in task.at:
                if name not in self.symbols:
                    raise KeyError_(f"the point names an undeclared variable: {name}")
                vparsed = _parse_key_expression(value, ())
                self.point[self.symbols[name]] = to_sympy(vparsed.node, {})
            missing = [v for v in task.variables if self.symbols[v] not in self.point]
            if missing:
                raise KeyError_(f"the point has no value for {', '.join(missing)}")
            assert self._exprs is not None
            self._exprs = [e.subs(self.point) for e in self._exprs]
        if self._exprs is not None:
            for e in self._exprs:
                if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
                    raise KeyError_("the key is not real and finite")
            try:
                self.key_nodes = [from_sympy(e) for e in self._exprs]
            except Unsupported as exc:
                raise KeyError_(f"the key uses {exc}, which cannot be graded") from None
        # one memo for the three compilers of the key (they look at the same subtrees)
        memo: dict[Any, Any] = {}
        self.key_fns = [compile_node(n, memo) for n in self.key_nodes]
        self.key_floats = [floats.compile_float(n, memo) for n in self.key_nodes]
        self.key_exact = exact.compile_all(self.key_nodes, memo)
        self.hints = sampling.boundary_hints(self.key_nodes)
        if task.at:
            if not _defined_at_point(self.key_fns):
                raise KeyError_("the key is undefined at the given point") from None

    def mistakes(self) -> list[Any]:
        """The task's typical mistakes, generated once per task and process (variant_check
        makes them when the variant is made; every wrong answer after that reuses them)."""
        if self._mistakes is None:
            from grading.engine import diagnosis

            assert self.function is not None
            self._mistakes = diagnosis.typical_mistakes(
                self.function,
                wrt=[self.symbols[v] for v in self.task.wrt],
                variables=[self.symbols[v] for v in self.task.variables],
                gradient=self.task.gradient,
                budget_s=limits.DIAGNOSIS_BUDGET_S,
            )
        return self._mistakes

    def candidates(self) -> Iterable[Any]:
        """The mistakes to match a wrong answer against: parsed from the prepared task (one
        at a time, as the matching reaches them), made by SymPy from the function, or (a bare
        key) made from the key's AST."""
        if self.prepared_mistakes is not None:
            if self._prepared_candidates is None:
                self._prepared_candidates = _PreparedCandidates(
                    self.prepared_mistakes, self.task.variables
                )
            return self._prepared_candidates
        if self.function is not None:
            return self.mistakes()
        return _reference_mistakes(self)

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
            latexes = [sympy.latex(e) for e in self.key_exprs]
            if self.is_vector:
                self._latex = r"\left\langle " + ", ".join(latexes) + r"\right\rangle"
            else:
                self._latex = latexes[0]
        return self._latex

    @property
    def is_number(self) -> bool:
        return bool(self.task.at)

    @property
    def is_vector(self) -> bool:
        return len(self.key_nodes) > 1 or self.task.gradient

    @property
    def sample_variables(self) -> tuple[str, ...]:
        return () if self.is_number else self.task.variables


class _PreparedCandidates:
    """A prepared task's mistakes, parsed when first reached (those that cannot be parsed are
    left out) and kept for the next wrong answer."""

    def __init__(self, mistakes: tuple[PreparedMistake, ...], variables: tuple[str, ...]) -> None:
        self._pending = iter(mistakes)
        self._variables = variables
        self._parsed: list[_AstCandidate] = []

    def __iter__(self) -> Iterator[_AstCandidate]:
        i = 0
        while True:
            if i < len(self._parsed):
                yield self._parsed[i]
                i += 1
                continue
            m = next(self._pending, None)
            if m is None:
                return
            try:
                nodes = _prepared_nodes(m.trees, m.parts, self._variables)
            except KeyError_:
                continue
            self._parsed.append(_AstCandidate(m.code, tuple(nodes), m.message))


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


def _prepared_nodes(
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


@lru_cache(maxsize=256)
def _parse_answer(text: str, variables: tuple[str, ...]) -> Parsed:
    """parse(), remembered for the last answers: a worker previews an answer (for the verdict
    cache's key) and then grades it; the parsed tree is only read after parsing."""
    return parse(text, variables)


def _parse_key_expression(text: str, variables: tuple[str, ...]) -> Parsed:
    try:
        return parse(text, variables)
    except ParseError as exc:
        raise KeyError_(f"'{text}': {exc.msg.en}") from None


def _compile(task: Task, prepared: Prepared | None = None) -> _Compiled:
    # one cache entry per (task, prepared), however the caller passed them
    return _compile_cached(task, prepared)


@lru_cache(maxsize=1024)
def _compile_cached(task: Task, prepared: Prepared | None) -> _Compiled:
    return _Compiled(task, prepared)


def key_of(task: Task, prepared: Prepared | None = None) -> Key:
    """The key for a task, computed by SymPy (or read from a prepared task of this engine
    version). Raises ValueError when it cannot be computed."""
    if prepared is not None and prepared.engine == ENGINE_VERSION and task.function is not None:
        is_vector = len(prepared.key) > 1 or task.gradient
        text = "<" + ", ".join(prepared.key) + ">" if is_vector else prepared.key[0]
        return Key(
            text=text,
            latex=prepared.latex,
            components=prepared.key,
            is_vector=is_vector,
            is_number=bool(task.at),
        )
    try:
        c = _compile(task)
    except KeyError_ as exc:
        raise ValueError(exc.detail) from None
    texts = tuple(to_text(n) for n in c.key_nodes)
    text = "<" + ", ".join(texts) + ">" if c.is_vector else texts[0]
    return Key(
        text=text, latex=c.latex, components=texts, is_vector=c.is_vector, is_number=c.is_number
    )


# --------------------------------------------------------------------------- preview


def _label_name(order: tuple[str, ...]) -> str:
    return "f_" + "".join(order) if order else "f"


def _asked(task: Task) -> str:
    if task.gradient:
        return "∇f"
    return _label_name(task.wrt)


def _shape_failure(parsed: Parsed, task: Task, text: str) -> ParseFailure | None:
    """Label, vector shape and number-only checks that need the task."""
    if parsed.label is not None or parsed.label_gradient:
        eq = max(text.find("="), text.find("＝"))
        end = eq if eq > 0 else len(text)
        if parsed.label_gradient and not task.gradient:
            return ParseFailure(
                message("label-mismatch", label=parsed.label_text, asked=_asked(task)), 0, end, text
            )
        if parsed.label is not None:
            if parsed.label == () and task.function is not None:
                return ParseFailure(message("label-function", asked=_asked(task)), 0, end, text)
            if task.gradient or (task.wrt and sorted(parsed.label) != sorted(task.wrt)):
                return ParseFailure(
                    message("label-mismatch", label=parsed.label_text, asked=_asked(task)),
                    0,
                    end,
                    text,
                )
    n = len(task.variables) if task.gradient else None
    if task.reference is not None:
        try:
            c = _compile(task)
            n = len(c.key_nodes) if len(c.key_nodes) > 1 else None
        except KeyError_:
            n = None
    if n is None and parsed.is_vector:
        return ParseFailure(message("vector-not-expected"), 0, len(text), text)
    if n is not None and not parsed.is_vector:
        return ParseFailure(message("vector-expected", n=n), 0, len(text), text)
    if n is not None and parsed.components is not None and len(parsed.components) != n:
        return ParseFailure(
            message("vector-size", got=len(parsed.components), n=n), 0, len(text), text
        )
    if task.at:
        for part in parsed.parts():
            for node in walk(part):
                if isinstance(node, Var):
                    return ParseFailure(
                        message("number-expected", name=node.name), 0, len(text), text
                    )
    return None


def preview(
    text: str,
    variables: tuple[str, ...] | list[str],
    *,
    task: Task | None = None,
    latex: bool = True,
) -> Preview:
    """Parse and show: LaTeX of what was read, warnings, or the positioned error. Never grades.

    latex=False leaves `latex` empty: for callers that only need to know whether the answer
    is gradable, or its normalized text (storing a submission, the verdict cache's key)."""
    try:
        parsed = _parse_answer(text, tuple(variables))
    except ParseError as exc:
        return Preview(ok=False, error=exc.failure(text), readings=exc.readings)
    if task is not None:
        failure = _shape_failure(parsed, task, text)
        if failure is not None:
            return Preview(ok=False, error=failure, latex=parsed_latex(parsed) if latex else "")
    normalized = ", ".join(to_text(p) for p in parsed.parts())
    if parsed.is_vector:
        normalized = "<" + normalized + ">"
    return Preview(
        ok=True,
        latex=parsed_latex(parsed) if latex else "",
        normalized=normalized,
        warnings=tuple(parsed.warnings),
    )


# --------------------------------------------------------------------------- grading


def _has_decimal(parsed: Parsed) -> bool:
    return any(isinstance(n, Num) and n.is_decimal for p in parsed.parts() for n in walk(p))


_GRADE_LOCK = threading.Lock()


class _Lazy(Sequence[Any]):
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


def _warm_up() -> None:
    """Load SymPy's lazily imported parts now, so that no grade pays for them (and the symbolic
    step's budget means the same on the first grade as on the thousandth)."""
    x = sympy.Symbol("x", real=True)
    d = sympy.exp(x) / (x + 1) - sympy.sqrt(x) * sympy.sin(x) ** 2
    sympy.cancel(sympy.together(sympy.expand(d - d + x / (x + 1))))
    sympy.latex(d)
    sympy.diff(d, x)


_warm_up()


def grade(task: Task, answer: str, *, seed: int = 0, prepared: Prepared | None = None) -> Verdict:
    """Grade one answer. Never raises for bad input: the verdict carries the reason.

    `prepared` (from `prepare(task)`, kept with the variant) spares the SymPy work of the task;
    the verdict is the same with or without it.
    mpmath's working precision is process-wide, so grades in one process run one at a time.
    """
    with _GRADE_LOCK:
        return _grade(task, answer, seed, prepared)


def _grade(task: Task, answer: str, seed: int, prepared: Prepared | None = None) -> Verdict:
    start = time.perf_counter()

    def done(**kw: Any) -> Verdict:
        kw.setdefault("method", "none")
        return Verdict(elapsed_ms=round((time.perf_counter() - start) * 1000, 3), **kw)

    try:
        c = _compile(task, prepared)
    except KeyError_ as exc:
        return done(equivalent=None, reason=message("key-invalid", detail=exc.detail))
    try:
        parsed = _parse_answer(answer, task.variables)
    except ParseError as exc:
        return done(equivalent=None, error=exc.failure(answer))
    failure = _shape_failure(parsed, task, answer)
    if failure is not None:
        return done(equivalent=None, error=failure)
    warnings = tuple(parsed.warnings)
    if parsed.label_text:
        warnings += (message("label-accepted", label=parsed.label_text),)
    answer_latex = parsed_latex(parsed)
    parts = parsed.parts()
    common = {"warnings": warnings, "answer_latex": answer_latex, "key_latex": c.latex}

    if equivalence.structurally_equal(c.key_nodes, parts):
        return done(
            equivalent=True,
            method="structural",
            evidence=Evidence(seed=seed, detail="same expression"),
            **common,
        )

    rtol = 0.0
    floor = 0.0
    decimal_value = c.is_number and _has_decimal(parsed)
    if decimal_value:
        rtol, floor = task.tolerance, 1.0
    # compiled on first use: rational answers compared exactly never need them
    memo: dict[Any, Any] = {}  # shared by the answer's compilers (parts outlive it)
    answer_fns = _Lazy(lambda: [compile_node(p, memo) for p in parts], len(parts))
    answer_floats = _Lazy(lambda: [floats.compile_float(p, memo) for p in parts], len(parts))
    answer_exact = exact.compile_all(parts, memo) if c.key_exact is not None else None
    hints = dict(c.hints)
    for name, roots in sampling.boundary_hints(parts).items():
        hints[name] = list(dict.fromkeys([*hints.get(name, []), *roots]))
    outcome = comparison.compare(
        c.key_fns,
        answer_fns,
        c.sample_variables,
        seed=seed,
        positive=task.positive,
        rtol=rtol,
        floor=floor,
        hints=hints,
        key_floats=c.key_floats,
        answer_floats=answer_floats,
        key_exact=c.key_exact,
        answer_exact=answer_exact,
    )
    evidence = Evidence(
        seed=seed,
        points=outcome.points,
        witness=outcome.witness,
        key_value=outcome.key_value,
        answer_value=outcome.answer_value,
        max_rel_error=outcome.max_rel_error,
        component=outcome.component,
        detail=(
            f"{outcome.draws} points drawn, evaluated exactly (rational arithmetic)"
            if outcome.max_prec == 0
            else f"{outcome.draws} points drawn, up to {outcome.max_prec} bits"
        ),
    )
    if outcome.equivalent is None:
        return done(
            equivalent=None,
            method="numeric",
            evidence=evidence,
            reason=message("too-few-points", points=outcome.points),
            **common,
        )
    if outcome.equivalent is False:
        reason = _reason(outcome, c, rtol)
        mistake = None
        if not outcome.answer_undefined:
            mistake = _diagnose(c, answer_fns, answer_floats, answer_exact, seed, rtol, floor)
        return done(
            equivalent=False,
            method="numeric",
            evidence=evidence,
            reason=reason,
            mistake=mistake,
            **common,
        )
    if decimal_value:
        return done(equivalent=True, method="numeric", evidence=evidence, **common)
    # The symbolic step runs where it can decide what sampling cannot: a rational difference
    # too small to see at 512 bits is refuted, an identity is proven. With exp, log, trig or
    # real powers SymPy could only prove (expansion), never refute, so it cannot change the
    # verdict: the agreement above stands, and the method says it was numeric.
    settled = None
    size = max(len(walk(p)) for p in [*c.key_nodes, *parts])
    if size <= limits.SYMBOLIC_MAX_NODES and all(
        equivalence.is_rational(p) for p in [*c.key_nodes, *parts]
    ):
        settled = equivalence.symbolic_check(
            c.key_exprs, parts, c.symbols, limits.SYMBOLIC_BUDGET_S, c.key_expanded
        )
    if settled is False:
        evidence = Evidence(
            seed=seed,
            points=outcome.points,
            detail="the sampled points agree, but key - answer simplifies to a nonzero value",
        )
        mistake = _diagnose(c, answer_fns, answer_floats, answer_exact, seed)
        return done(
            equivalent=False,
            method="symbolic",
            evidence=evidence,
            reason=message("differs-symbolic"),
            mistake=mistake,
            **common,
        )
    method: Any = "symbolic" if settled else "numeric"
    return done(equivalent=True, method=method, evidence=evidence, **common)


def _reason(outcome: comparison.Outcome, c: _Compiled, rtol: float) -> Message:
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


@dataclass(frozen=True)
class _AstCandidate:
    code: str
    nodes: tuple[Node, ...]
    message: Message


def _reference_mistakes(c: _Compiled) -> list[_AstCandidate]:
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
                _AstCandidate("sign-error", parts, mistake("sign-error", "component", i=str(i + 1)))
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


def _diagnose(
    c: _Compiled,
    answer_fns: Sequence[Any],
    answer_floats: Sequence[Any],
    answer_exact: list[Any] | None,
    seed: int,
    rtol: float = 0.0,
    floor: float = 0.0,
) -> Message | None:
    """Name the typical mistake the wrong answer matches, if any."""
    matched: dict[str, Message] = {}
    try:
        candidates = iter(c.candidates())
    except Exception:  # noqa: BLE001 - a diagnosis failure must never fail the grade
        return None
    answer_side = multiprecision.Memo(answer_fns)
    answer_quick = floats.Memo(answer_floats)
    answer_exactly = exact.Memo(answer_exact) if answer_exact is not None else None
    # every candidate is compared at the same seeded points: drawn once
    draws = sampling.SharedDraws(c.sample_variables, seed, c.task.positive, c.hints)
    # a count, not a clock, bounds the matching: the named mistake must not depend on load
    for _ in range(limits.DIAGNOSIS_MAX_CANDIDATES):
        try:
            cand = next(candidates, None)
        except Exception:  # noqa: BLE001 - as above (prepared candidates are parsed here)
            return None
        if cand is None:
            break
        try:
            if isinstance(cand, _AstCandidate):
                nodes = list(cand.nodes)
            else:
                exprs = list(cand.expr)
                if c.point:
                    exprs = [e.subs(c.point) for e in exprs]
                nodes = [from_sympy(e) for e in exprs]
            if len(nodes) != len(answer_fns):
                continue
            memo: dict[Any, Any] = {}  # the candidate's, for its nodes
            cand_exact = exact.compile_all(nodes, memo) if answer_exactly is not None else None
        except _UNCOMPILABLE:
            continue
        # the evaluators compare() does not reach are never made: compared exactly, a
        # candidate needs neither; most differ from the answer at the first point, in doubles
        fns = _Lazy(partial(_compiled, partial(compile_node, memo=memo), nodes), len(nodes))
        quick = _Lazy(
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


# --------------------------------------------------------------------------- variants


def prepare(task: Task) -> Prepared:
    """The SymPy work of a task, done once: the key, its LaTeX and the typical mistakes as
    text. Raises ValueError when the key cannot be computed."""
    key = key_of(task)
    c = _compile(task)
    mistakes: list[PreparedMistake] = []
    if c.function is not None:
        for cand in c.mistakes()[: limits.DIAGNOSIS_MAX_CANDIDATES]:
            try:
                exprs = [e.subs(c.point) if c.point else e for e in cand.expr]
                nodes = [from_sympy(e) for e in exprs]
            except (Unsupported, RecursionError, ValueError, TypeError):
                continue
            mistakes.append(
                PreparedMistake(
                    code=cand.code,
                    parts=tuple(to_text(n) for n in nodes),
                    message=cand.message,
                    trees=tuple(tree_to_data(n) for n in nodes),
                )
            )
    return Prepared(
        key=key.components,
        latex=key.latex,
        mistakes=tuple(mistakes),
        key_trees=tuple(tree_to_data(n) for n in c.key_nodes),
    )


def variant_check(task: Task, *, seed: int = 0) -> list[Message]:
    """Problems that keep a variant from being shown: the key is undefined or not accepted,
    grading it is too slow, or a typical mistake of the task would be accepted as right."""
    problems: list[Message] = []
    try:
        key = key_of(task)
    except ValueError as exc:
        return [message("key-invalid", detail=str(exc))]
    verdict = grade(task, key.text, seed=seed)
    if verdict.equivalent is not True:
        why = verdict.error.message if verdict.error else verdict.reason
        problems.append(
            message_each(
                "key-not-accepted",
                {"key": key.text, "detail": why.en if why else "undecided"},
                {"key": key.text, "detail": why.ko if why else "판정 불가"},
            )
        )
    if verdict.elapsed_ms > 1000:
        problems.append(message("key-slow"))
    c = _compile(task)
    if c.function is None:
        return problems
    for cand in c.mistakes()[:8]:
        try:
            exprs = [e.subs(c.point) if c.point else e for e in cand.expr]
            texts = [to_text(from_sympy(e)) for e in exprs]
        except (Unsupported, RecursionError, ValueError, TypeError):
            continue
        text = "<" + ", ".join(texts) + ">" if c.is_vector else texts[0]
        wrong = grade(task, text, seed=seed)
        if wrong.equivalent is not False and wrong.error is None:
            code = "mistake-accepted" if wrong.equivalent else "mistake-undecided"
            found = message_each(
                code,
                {"text": text, "mistake": cand.message.en},
                {"text": text, "mistake": cand.message.ko},
            )
            if found not in problems:  # two forms of one mistake can say the same
                problems.append(found)
    return problems
