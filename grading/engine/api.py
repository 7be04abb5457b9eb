"""The engine's public operations: preview, grade, key_of, variant_check."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy

from grading.engine import equivalence, limits
from grading.engine.equivalence import Sides, compile_node, from_sympy
from grading.engine.messages import message
from grading.engine.parsing import (
    Node,
    Num,
    ParseError,
    Parsed,
    Var,
    make_symbols,
    parse,
    parsed_latex,
    to_sympy,
    to_text,
    walk,
)
from grading.engine.types import Evidence, Message, ParseFailure, Preview, Task, Verdict


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


@dataclass
class _Compiled:
    task: Task
    symbols: dict[str, Any]
    key_exprs: list[Any]
    key_nodes: list[Node]
    key_fns: list[Any]
    function: Any | None
    point: dict[Any, Any] = field(default_factory=dict)

    @property
    def is_number(self) -> bool:
        return bool(self.task.at)

    @property
    def is_vector(self) -> bool:
        return len(self.key_exprs) > 1 or self.task.gradient

    @property
    def sample_variables(self) -> tuple[str, ...]:
        return () if self.is_number else self.task.variables


def _parse_key_expression(text: str, variables: tuple[str, ...]) -> Parsed:
    try:
        return parse(text, variables)
    except ParseError as exc:
        raise KeyError_(f"'{text}': {exc.msg.en}") from None


@lru_cache(maxsize=1024)
def _compile(task: Task) -> _Compiled:
    symbols = make_symbols(task.variables, task.positive)
    function = None
    if task.reference is not None:
        parsed = _parse_key_expression(task.reference, task.variables)
        nodes = parsed.parts()
        exprs = [to_sympy(n, symbols) for n in nodes]
    elif task.function is not None:
        parsed = _parse_key_expression(task.function, task.variables)
        if parsed.is_vector:
            raise KeyError_("the function must be a single expression")
        function = to_sympy(parsed.node, symbols)
        if task.gradient:
            exprs = [sympy.diff(function, symbols[v]) for v in task.variables]
        else:
            if not task.wrt:
                raise KeyError_("a function needs wrt (the variables to differentiate by)")
            unknown = [v for v in task.wrt if v not in symbols]
            if unknown:
                raise KeyError_(f"wrt names undeclared variables: {', '.join(unknown)}")
            exprs = [sympy.diff(function, *[symbols[v] for v in task.wrt])]
        nodes = []
    else:
        raise KeyError_("a task needs a reference or a function")
    point: dict[Any, Any] = {}
    if task.at:
        for name, value in task.at:
            if name not in symbols:
                raise KeyError_(f"the point names an undeclared variable: {name}")
            vparsed = _parse_key_expression(value, ())
            point[symbols[name]] = to_sympy(vparsed.node, {})
        missing = [v for v in task.variables if symbols[v] not in point]
        if missing:
            raise KeyError_(f"the point has no value for {', '.join(missing)}")
        exprs = [e.subs(point) for e in exprs]
        nodes = []
    if not nodes:
        try:
            nodes = [from_sympy(e) for e in exprs]
        except equivalence.Unsupported as exc:
            raise KeyError_(f"the key uses {exc}, which cannot be graded") from None
    for e in exprs:
        if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
            raise KeyError_("the key is not real and finite")
    fns = [compile_node(n) for n in nodes]
    compiled = _Compiled(task, symbols, exprs, nodes, fns, function, point)
    if task.at:
        try:
            equivalence.evaluate(fns, {})
        except (equivalence.Undefined, equivalence.Unusable, ZeroDivisionError, ValueError):
            raise KeyError_("the key is undefined at the given point") from None
    return compiled


def key_of(task: Task) -> Key:
    """The key for a task, computed by SymPy. Raises ValueError when it cannot be computed."""
    try:
        c = _compile(task)
    except KeyError_ as exc:
        raise ValueError(exc.detail) from None
    texts = tuple(to_text(n) for n in c.key_nodes)
    latexes = [sympy.latex(e) for e in c.key_exprs]
    if c.is_vector:
        text = "<" + ", ".join(texts) + ">"
        latex = r"\left\langle " + ", ".join(latexes) + r"\right\rangle"
    else:
        text, latex = texts[0], latexes[0]
    return Key(text=text, latex=latex, components=texts, is_vector=c.is_vector,
               is_number=c.is_number)


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
            return ParseFailure(message("label-mismatch", label=parsed.label_text,
                                        asked=_asked(task)), 0, end, text)
        if parsed.label is not None:
            if parsed.label == () and task.function is not None:
                return ParseFailure(message("label-function", asked=_asked(task)), 0, end, text)
            if task.gradient or (task.wrt and sorted(parsed.label) != sorted(task.wrt)):
                return ParseFailure(message("label-mismatch", label=parsed.label_text,
                                            asked=_asked(task)), 0, end, text)
    n = len(task.variables) if task.gradient else None
    if task.reference is not None:
        try:
            c = _compile(task)
            n = len(c.key_exprs) if len(c.key_exprs) > 1 else None
        except KeyError_:
            n = None
    if n is None and parsed.is_vector:
        return ParseFailure(message("vector-not-expected"), 0, len(text), text)
    if n is not None and not parsed.is_vector:
        return ParseFailure(message("vector-expected", n=n), 0, len(text), text)
    if n is not None and parsed.components is not None and len(parsed.components) != n:
        return ParseFailure(message("vector-size", got=len(parsed.components), n=n), 0,
                            len(text), text)
    if task.at:
        for part in parsed.parts():
            for node in walk(part):
                if isinstance(node, Var):
                    return ParseFailure(message("number-expected", name=node.name),
                                        0, len(text), text)
    return None


def preview(text: str, variables: tuple[str, ...] | list[str], *, task: Task | None = None) -> Preview:
    """Parse and show: LaTeX of what was read, warnings, or the positioned error. Never grades."""
    try:
        parsed = parse(text, tuple(variables))
    except ParseError as exc:
        return Preview(ok=False, error=exc.failure(text), readings=exc.readings)
    if task is not None:
        failure = _shape_failure(parsed, task, text)
        if failure is not None:
            return Preview(ok=False, error=failure, latex=parsed_latex(parsed))
    normalized = ", ".join(to_text(p) for p in parsed.parts())
    if parsed.is_vector:
        normalized = "<" + normalized + ">"
    return Preview(ok=True, latex=parsed_latex(parsed), normalized=normalized,
                   warnings=tuple(parsed.warnings))


# --------------------------------------------------------------------------- grading


def _has_decimal(parsed: Parsed) -> bool:
    return any(isinstance(n, Num) and n.is_decimal for p in parsed.parts() for n in walk(p))


def grade(task: Task, answer: str, *, seed: int = 0) -> Verdict:
    """Grade one answer. Never raises for bad input: the verdict carries the reason."""
    start = time.perf_counter()

    def done(**kw: Any) -> Verdict:
        kw.setdefault("method", "none")
        return Verdict(elapsed_ms=round((time.perf_counter() - start) * 1000, 3), **kw)

    try:
        c = _compile(task)
    except KeyError_ as exc:
        return done(equivalent=None, reason=message("key-invalid", detail=exc.detail))
    key_latex = key_of(task).latex
    try:
        parsed = parse(answer, task.variables)
    except ParseError as exc:
        return done(equivalent=None, error=exc.failure(answer), key_latex=key_latex)
    failure = _shape_failure(parsed, task, answer)
    if failure is not None:
        return done(equivalent=None, error=failure, key_latex=key_latex)
    warnings = tuple(parsed.warnings)
    if parsed.label_text:
        warnings += (message("label-accepted", label=parsed.label_text),)
    answer_latex = parsed_latex(parsed)
    parts = parsed.parts()
    common = {"warnings": warnings, "answer_latex": answer_latex, "key_latex": key_latex}

    try:
        answer_exprs = [to_sympy(p, c.symbols) for p in parts]
    except (RecursionError, ValueError, TypeError, ZeroDivisionError, OverflowError):
        answer_exprs = []
    if answer_exprs and not any(equivalence.restricts_domain(p) for p in parts):
        if equivalence.structurally_equal(c.key_exprs, answer_exprs):
            return done(equivalent=True, method="structural",
                        evidence=Evidence(seed=seed, detail="same canonical form"), **common)

    rtol = equivalence.RTOL
    floor = 0.0
    if c.is_number and _has_decimal(parsed):
        rtol, floor = task.tolerance, 1.0
    sides = Sides(key=c.key_fns, answer=[compile_node(p) for p in parts])
    outcome = equivalence.compare_numeric(
        sides, c.sample_variables, seed=seed, positive=task.positive, rtol=rtol, floor=floor
    )
    evidence = Evidence(
        seed=seed,
        points=outcome.points,
        witness=outcome.witness,
        key_value=outcome.key_value,
        answer_value=outcome.answer_value,
        max_rel_error=outcome.max_rel_error,
        component=outcome.component,
        detail=f"{outcome.draws} points drawn",
    )
    if outcome.equivalent is None:
        return done(equivalent=None, method="numeric", evidence=evidence,
                    reason=message("too-few-points", points=outcome.points), **common)
    if outcome.equivalent is False:
        reason = _reason(outcome, c, rtol)
        mistake = _diagnose(c, sides.answer, seed) if not outcome.answer_undefined else None
        return done(equivalent=False, method="numeric", evidence=evidence, reason=reason,
                    mistake=mistake, **common)
    method: Any = "numeric"
    if answer_exprs and not (c.is_number and _has_decimal(parsed)):
        elapsed = time.perf_counter() - start
        budget = max(0.005, limits.SYMBOLIC_BUDGET_S - elapsed)
        if equivalence.prove_equal(c.key_exprs, answer_exprs, budget):
            method = "symbolic"
    return done(equivalent=True, method=method, evidence=evidence, **common)


def _reason(outcome: equivalence.NumericOutcome, c: _Compiled, rtol: float) -> Message:
    if outcome.answer_undefined:
        return message("undefined-answer")
    if c.is_number and rtol != equivalence.RTOL:
        return message("outside-tolerance", tolerance=f"{rtol:.2%}")
    if outcome.component is not None:
        return message("component-differs", index=outcome.component + 1)
    if outcome.witness:
        point = ", ".join(f"{k} = {v}" for k, v in outcome.witness.items())
        return message("differs", point=point)
    return message("differs", point="—")


def _diagnose(c: _Compiled, answer_fns: list[Any], seed: int) -> Message | None:
    """Name the typical mistake the wrong answer matches, if any."""
    try:
        from grading.engine import diagnosis
    except ImportError:  # pragma: no cover - diagnosis ships with the engine
        return None
    deadline = time.perf_counter() + limits.DIAGNOSIS_BUDGET_S
    try:
        if c.function is not None:
            wrt = [c.symbols[v] for v in c.task.wrt]
            variables = [c.symbols[v] for v in c.task.variables]
            candidates = diagnosis.typical_mistakes(
                c.function, wrt=wrt, variables=variables, gradient=c.task.gradient,
                budget_s=limits.DIAGNOSIS_BUDGET_S / 2,
            )
        else:
            candidates = diagnosis.mistakes_for_reference(tuple(c.key_exprs))
    except Exception:  # noqa: BLE001 - a diagnosis failure must never fail the grade
        return None
    for cand in candidates:
        if time.perf_counter() > deadline:
            return None
        exprs = list(cand.expr)
        if len(exprs) != len(answer_fns):
            continue
        try:
            if c.point:
                exprs = [e.subs(c.point) for e in exprs]
            fns = [compile_node(from_sympy(e)) for e in exprs]
        except (equivalence.Unsupported, RecursionError, ValueError, TypeError):
            continue
        outcome = equivalence.compare_numeric(
            Sides(key=fns, answer=answer_fns), c.sample_variables, seed=seed,
            positive=c.task.positive, target=4, max_draws=24,
        )
        if outcome.equivalent:
            return cand.message
    return None


# --------------------------------------------------------------------------- variants


def variant_check(task: Task, *, seed: int = 0) -> list[Message]:
    """Problems that keep a variant from being shown: key undefined, not accepted, too slow."""
    problems: list[Message] = []
    try:
        key = key_of(task)
    except ValueError as exc:
        return [message("key-invalid", detail=str(exc))]
    verdict = grade(task, key.text, seed=seed)
    if verdict.equivalent is not True:
        detail = verdict.error.message.en if verdict.error else (
            verdict.reason.en if verdict.reason else "not accepted")
        problems.append(message("key-invalid", detail=f"the key is not accepted: {detail}"))
    if verdict.elapsed_ms > 1000:
        problems.append(message("key-invalid", detail="grading the key takes over 1 s"))
    return problems
