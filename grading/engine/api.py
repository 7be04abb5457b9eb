"""The engine's public operations, each a few steps over the modules below it: preview (parse
and show), grade (compile the task, parse, judge with equivalence.py, name the mistake with
diagnosis.py), key_of, prepare and variant_check."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import sympy

from grading.engine import diagnosis, equivalence, limits
from grading.engine.compiled import (
    Compiled,
    ComponentKey,
    KeyInvalid,
    KeyUnavailable,
    compile_task,
)
from grading.engine.messages import message, message_each
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import latex_name, parsed_latex, to_latex, to_text, vector_latex
from grading.engine.sympy_bridge import Unsupported, from_sympy
from grading.engine.tree import Node, Parsed, Var, tree_to_data, walk
from grading.engine.types import (
    ENGINE_VERSION,
    ComponentVerdict,
    Message,
    ParseFailure,
    Prepared,
    PreparedMistake,
    Preview,
    Task,
    Verdict,
)


@dataclass(frozen=True)
class Key:
    """The key as SymPy computed it: plain text (re-parseable), LaTeX, and per-component."""

    text: str
    latex: str
    components: tuple[str, ...]
    is_vector: bool
    is_number: bool


@lru_cache(maxsize=256)
def parse_answer(text: str, variables: tuple[str, ...]) -> Parsed:
    """parse(), remembered for the last answers: a worker previews an answer (for the verdict
    cache's key) and then grades it; the parsed tree is only read after parsing."""
    return parse(text, variables)


@lru_cache(maxsize=256)
def answer_texts(text: str, variables: tuple[str, ...]) -> tuple[str, ...]:
    """The plain text of each part of a parsed answer (raises ParseError), remembered as the
    parse is: preview's normalized text (the verdict cache's key) and grade's structural
    check read the same texts, so a worker that previews then grades prints the answer once."""
    return tuple(to_text(p) for p in parse_answer(text, variables).parts())


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
        c = compile_task(task)
    except KeyInvalid as exc:
        raise KeyUnavailable(exc.msg) from None
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
        eq = max(text.find(c) for c in "=＝:：")
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
            c = compile_task(task)
            n = len(c.key_nodes) if len(c.key_nodes) > 1 else None
        except KeyInvalid:
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
    normalize: bool = True,
) -> Preview:
    """Parse and show: LaTeX of what was read, warnings, or the positioned error. Never grades.

    latex=False leaves `latex` empty: for callers that only need to know whether the answer
    is gradable, or its normalized text (the verdict cache's key). normalize=False leaves
    `normalized` empty too: for callers that only ask whether it is gradable (storing a
    submission), since printing the tree back is a fifth of a preview's work."""
    try:
        parsed = parse_answer(text, tuple(variables))
    except ParseError as exc:
        return Preview(ok=False, error=exc.failure(text), readings=exc.readings)
    if task is not None:
        failure = _shape_failure(parsed, task, text)
        if failure is not None:
            return Preview(ok=False, error=failure, latex=parsed_latex(parsed) if latex else "")
    normalized = ", ".join(answer_texts(text, tuple(variables))) if normalize else ""
    if parsed.is_vector and normalize:
        normalized = "<" + normalized + ">"
    return Preview(
        ok=True,
        latex=parsed_latex(parsed) if latex else "",
        normalized=normalized,
        warnings=_warnings(parsed, task),
    )


def _warnings(parsed: Parsed, task: Task | None) -> tuple[Message, ...]:
    """The parser's warnings that are true of this task: a value problem compares decimals
    with its tolerance, so "decimals are taken exactly" is not said there."""
    if task is not None and task.at:
        return tuple(w for w in parsed.warnings if w.code != "decimal-exact")
    return tuple(parsed.warnings)


# --------------------------------------------------------------------------- grading


_GRADE_LOCK = threading.Lock()


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


def _grade(
    task: Task,
    answer: str,
    seed: int,
    prepared: Prepared | None = None,
    per_component: bool = True,
) -> Verdict:
    """grade() under the lock; `per_component=False` leaves a vector's components undecided
    (variant_check, which needs the whole verdict only: no second cost per candidate)."""
    start = time.perf_counter()

    def done(**kw: Any) -> Verdict:
        kw.setdefault("method", "none")
        return Verdict(elapsed_ms=round((time.perf_counter() - start) * 1000, 3), **kw)

    try:
        c = compile_task(task, prepared)
    except KeyInvalid as exc:
        return done(equivalent=None, reason=_key_invalid(exc.msg))
    try:
        parsed = parse_answer(answer, task.variables)
    except ParseError as exc:
        return done(equivalent=None, error=exc.failure(answer))
    failure = _shape_failure(parsed, task, answer)
    if failure is not None:
        return done(equivalent=None, error=failure)
    warnings = _warnings(parsed, task)
    if parsed.label_text:
        warnings += (message("label-accepted", label=parsed.label_text),)
    parts = parsed.parts()
    # each part's LaTeX, printed once: the whole answer's and, for a vector, each component's
    shown = [to_latex(p) for p in parts]
    answer_latex = vector_latex(shown) if parsed.is_vector else shown[0]
    key_latex = c.latex
    texts = answer_texts(answer, task.variables)
    judged = equivalence.judge(c, parts, seed, texts)
    mistake = None
    if judged.answer is not None:
        mistake = diagnosis.diagnose(c, judged.answer, seed, judged.rtol, judged.floor, parts)
    components: tuple[ComponentVerdict, ...] = ()
    if per_component and c.is_vector and parsed.is_vector:
        components = _component_verdicts(c, parts, texts, shown, judged, mistake, seed)
    return done(
        equivalent=judged.equivalent,
        method=judged.method,
        evidence=judged.evidence,
        reason=judged.reason,
        mistake=mistake,
        warnings=warnings,
        answer_latex=answer_latex,
        key_latex=key_latex,
        components=components,
    )


def _component_verdicts(
    c: Compiled,
    parts: list[Node],
    texts: tuple[str, ...],
    shown: list[str],
    whole: equivalence.Judgement,
    whole_mistake: Message | None,
    seed: int,
) -> tuple[ComponentVerdict, ...]:
    """How each component of a vector answer is decided, for credit per component.

    A right vector is right in every component, as the whole was decided (one comparison, no
    second cost for the answers most students give). Otherwise each component is judged on its
    own against its part of the key (equivalence.judge with a ComponentKey) and a wrong one's
    typical mistake is named in that component alone; when exactly one component is wrong, the
    whole's named mistake is that component's. Should the components each agree where the whole
    did not (domains that only meet at too few points), the component the whole named as
    differing (else the first) keeps the whole's verdict: the parts never earn more than the
    whole could."""
    labels = _component_labels(c)
    if whole.equivalent is True:
        return tuple(
            ComponentVerdict(
                index=i,
                equivalent=True,
                method=whole.method,
                evidence=replace(whole.evidence, component=i),
                answer_latex=shown[i],
                label=labels[i],
            )
            for i in range(len(parts))
        )
    judged = [
        equivalence.judge(ComponentKey(c, i), [p], seed, texts[i : i + 1])
        for i, p in enumerate(parts)
    ]
    wrong = [i for i, j in enumerate(judged) if j.equivalent is False]
    out: list[ComponentVerdict] = []
    for i, j in enumerate(judged):
        named = None
        if j.equivalent is False and j.answer is not None:
            if len(wrong) == 1 and whole_mistake is not None:
                named = whole_mistake
            else:
                named = diagnosis.diagnose(
                    c, j.answer, seed, j.rtol, j.floor, [parts[i]], component=i
                )
        out.append(
            ComponentVerdict(
                index=i,
                equivalent=j.equivalent,
                method=j.method,
                evidence=replace(j.evidence, component=i),
                reason=j.reason,
                mistake=named,
                answer_latex=shown[i],
                label=labels[i],
            )
        )
    if all(v.equivalent is True for v in out):
        k = whole.evidence.component if whole.evidence.component is not None else 0
        out[k] = replace(
            out[k],
            equivalent=whole.equivalent,
            method=whole.method,
            evidence=replace(whole.evidence, component=k),
            reason=whole.reason,
            mistake=whole_mistake,
        )
    return tuple(out)


def _component_labels(c: Compiled) -> list[str]:
    """LaTeX naming each component: ∂f/∂x for a gradient; nothing for a vector given as key."""
    if c.task.gradient:
        return [rf"\frac{{\partial f}}{{\partial {latex_name(v)}}}" for v in c.task.variables]
    return [""] * len(c.key_nodes)


# --------------------------------------------------------------------------- variants


def prepare(task: Task) -> Prepared:
    """The SymPy work of a task, done once: the key, its LaTeX and the typical mistakes as
    text. Raises ValueError when the key cannot be computed."""
    key = key_of(task)
    c = compile_task(task)
    mistakes: list[PreparedMistake] = []
    if c.function is not None:
        for cand in diagnosis.task_mistakes(c)[: limits.DIAGNOSIS_MAX_CANDIDATES]:
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
                    component=cand.component,
                )
            )
    return Prepared(
        key=key.components,
        latex=key.latex,
        mistakes=tuple(mistakes),
        key_trees=tuple(tree_to_data(n) for n in c.key_nodes),
    )


def _key_invalid(why: Message) -> Message:
    return message_each("key-invalid", {"detail": why.en}, {"detail": why.ko})


def variant_check(task: Task, *, seed: int = 0) -> list[Message]:
    """Problems that keep a variant from being shown: the key is undefined or not accepted,
    grading it is too slow, or a typical mistake of the task would be accepted as right."""
    problems: list[Message] = []
    try:
        key = key_of(task)
    except KeyUnavailable as exc:
        return [_key_invalid(exc.msg)]
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
    c = compile_task(task)
    if c.function is None:
        return problems
    for cand in diagnosis.task_mistakes(c)[:8]:
        try:
            exprs = [e.subs(c.point) if c.point else e for e in cand.expr]
            texts = [to_text(from_sympy(e)) for e in exprs]
        except (Unsupported, RecursionError, ValueError, TypeError):
            continue
        text = "<" + ", ".join(texts) + ">" if c.is_vector else texts[0]
        with _GRADE_LOCK:
            wrong = _grade(task, text, seed, per_component=False)
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
