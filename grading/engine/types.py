"""Frozen value types of the engine's public API, each with a JSON round trip."""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Method = Literal["structural", "symbolic", "numeric", "none"]

# Part of every cached verdict's key and of every prepared task: bump it when a change can
# alter verdicts, keys or the typical mistakes.
ENGINE_VERSION = "2026.12.07a"


@dataclass(frozen=True)
class Message:
    """A sentence for a person, in both UI languages, with a stable code for programs."""

    code: str
    en: str
    ko: str

    def text(self, lang: str = "en") -> str:
        return self.ko if lang.startswith("ko") else self.en

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(code=str(data["code"]), en=str(data["en"]), ko=str(data["ko"]))


def _columns(text: str) -> int:
    """How many columns of a monospaced font the text takes."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) in ("Me", "Mn")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in text
    )


@dataclass(frozen=True)
class ParseFailure:
    """Why an input was rejected: a message and the 0-based character span it points at."""

    message: Message
    position: int
    end: int
    text: str

    def caret(self) -> str:
        """The input with a caret line under the offending characters, in display columns:
        a combining mark (x̄ typed as x + U+0304) takes none, a wide character (３, ｘ) two."""
        before = _columns(self.text[: self.position])
        width = max(1, _columns(self.text[self.position : self.end]))
        return f"{self.text}\n{' ' * before}{'^' * width}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message.to_dict(),
            "position": self.position,
            "end": self.end,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParseFailure:
        return cls(
            message=Message.from_dict(data["message"]),
            position=int(data["position"]),
            end=int(data["end"]),
            text=str(data["text"]),
        )


@dataclass(frozen=True)
class Reading:
    """One possible reading of an ambiguous input, for "did you mean ...?"."""

    text: str
    latex: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Preview:
    """The cheap "parse and show" result: no grading, no attempt used."""

    ok: bool
    latex: str = ""
    normalized: str = ""
    warnings: tuple[Message, ...] = ()
    error: ParseFailure | None = None
    readings: tuple[Reading, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "latex": self.latex,
            "normalized": self.normalized,
            "warnings": [w.to_dict() for w in self.warnings],
            "error": self.error.to_dict() if self.error else None,
            "readings": [r.to_dict() for r in self.readings],
        }


@dataclass(frozen=True)
class Evidence:
    """How a verdict was reached, enough to reproduce and to explain it."""

    seed: int = 0
    points: int = 0
    witness: dict[str, str] | None = None
    key_value: str | None = None
    answer_value: str | None = None
    max_rel_error: float | None = None
    component: int | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        # An answer undefined where the key is defined has no relative error, not an infinite
        # one: JSON has no Infinity, and a verdict must always be storable (issue #12).
        if self.max_rel_error is not None and not math.isfinite(self.max_rel_error):
            object.__setattr__(self, "max_rel_error", None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            seed=int(data.get("seed", 0)),
            points=int(data.get("points", 0)),
            witness=data.get("witness"),
            key_value=data.get("key_value"),
            answer_value=data.get("answer_value"),
            max_rel_error=data.get("max_rel_error"),
            component=data.get("component"),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class ComponentVerdict:
    """How one component of a vector answer (a gradient's ∂f/∂x) was decided on its own.

    `index` is 0-based; `label` is LaTeX naming what the component is (\\partial f/\\partial x)
    for a gradient task, empty for a vector given as a key; `answer_latex` is the component as
    read. `equivalent`, `method`, `evidence`, `reason` and `mistake` mean what they mean in a
    Verdict, said of this component alone.
    """

    index: int
    equivalent: bool | None
    method: Method
    evidence: Evidence = field(default_factory=Evidence)
    reason: Message | None = None
    mistake: Message | None = None
    answer_latex: str = ""
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "equivalent": self.equivalent,
            "method": self.method,
            "evidence": self.evidence.to_dict(),
            "reason": self.reason.to_dict() if self.reason else None,
            "mistake": self.mistake.to_dict() if self.mistake else None,
            "answer_latex": self.answer_latex,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComponentVerdict:
        return cls(
            index=int(data["index"]),
            equivalent=data.get("equivalent"),
            method=data.get("method", "none"),
            evidence=Evidence.from_dict(data.get("evidence") or {}),
            reason=Message.from_dict(data["reason"]) if data.get("reason") else None,
            mistake=Message.from_dict(data["mistake"]) if data.get("mistake") else None,
            answer_latex=str(data.get("answer_latex", "")),
            label=str(data.get("label", "")),
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of grading one answer against one key.

    `equivalent` is True, False, or None (undecided, or the answer could not be read);
    `method` says what decided it; `error` is set when the answer was rejected before grading.
    `components`: for a vector answer of the task's shape (a gradient), how each component was
    decided on its own (empty for a scalar answer, a refused one, and verdicts stored before
    components were recorded). Every component is right when the whole is, and not every one
    is when the whole is not.
    """

    equivalent: bool | None
    method: Method
    evidence: Evidence = field(default_factory=Evidence)
    elapsed_ms: float = 0.0
    warnings: tuple[Message, ...] = ()
    error: ParseFailure | None = None
    mistake: Message | None = None
    reason: Message | None = None
    answer_latex: str = ""
    key_latex: str = ""
    components: tuple[ComponentVerdict, ...] = ()

    @property
    def components_right(self) -> int:
        """How many components were decided right (0 for a scalar answer)."""
        return sum(1 for c in self.components if c.equivalent is True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent,
            "method": self.method,
            "evidence": self.evidence.to_dict(),
            "elapsed_ms": round(self.elapsed_ms, 3),
            "warnings": [w.to_dict() for w in self.warnings],
            "error": self.error.to_dict() if self.error else None,
            "mistake": self.mistake.to_dict() if self.mistake else None,
            "reason": self.reason.to_dict() if self.reason else None,
            "answer_latex": self.answer_latex,
            "key_latex": self.key_latex,
            "components": [c.to_dict() for c in self.components],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            equivalent=data["equivalent"],
            method=data["method"],
            evidence=Evidence.from_dict(data.get("evidence") or {}),
            elapsed_ms=float(data.get("elapsed_ms", 0.0)),
            warnings=tuple(Message.from_dict(w) for w in data.get("warnings") or ()),
            error=ParseFailure.from_dict(data["error"]) if data.get("error") else None,
            mistake=Message.from_dict(data["mistake"]) if data.get("mistake") else None,
            reason=Message.from_dict(data["reason"]) if data.get("reason") else None,
            answer_latex=str(data.get("answer_latex", "")),
            key_latex=str(data.get("key_latex", "")),
            components=tuple(ComponentVerdict.from_dict(c) for c in data.get("components") or ()),
        )

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class Task:
    """What is asked, from which the key is computed (or given directly as `reference`).

    - `reference`: the key as an expression (or a vector "<a, b>"), or
    - `function` with `wrt`: the partial derivative in that order (("x", "y") is f_xy), or
    - `function` with `gradient=True`: the vector of first partials in the order of `variables`.
    `at` evaluates the key at a point (values are expressions such as "pi/2").
    `tolerance` is the relative tolerance for answers that contain decimals (or are a whole
    number and the key irrational) when the key is a number; a key of exactly 0 takes it
    relative to the terms that cancelled there (exercises/authoring/tolerance.py has the
    policy); symbolic answers are compared exactly (decimals taken as exact fractions).
    """

    variables: tuple[str, ...]
    reference: str | None = None
    function: str | None = None
    wrt: tuple[str, ...] = ()
    gradient: bool = False
    at: tuple[tuple[str, str], ...] = ()
    tolerance: float = 1e-3
    positive: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "variables": list(self.variables),
            "reference": self.reference,
            "function": self.function,
            "wrt": list(self.wrt),
            "gradient": self.gradient,
            "at": {k: v for k, v in self.at},
            "tolerance": self.tolerance,
            "positive": self.positive,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        at = data.get("at") or {}
        return cls(
            variables=tuple(data["variables"]),
            reference=data.get("reference"),
            function=data.get("function"),
            wrt=tuple(data.get("wrt") or ()),
            gradient=bool(data.get("gradient", False)),
            at=tuple((str(k), str(v)) for k, v in at.items()),
            tolerance=float(data.get("tolerance", 1e-3)),
            positive=bool(data.get("positive", False)),
        )


@dataclass(frozen=True)
class PreparedMistake:
    """One typical mistake of a task, as text (re-parseable) with what to tell the student."""

    code: str
    parts: tuple[str, ...]
    message: Message
    # the same expressions as trees (parsing.tree_to_data), rebuilt without parsing
    trees: tuple[Any, ...] = ()
    # of a vector: the one component the mistake changes (None: several, or a scalar)
    component: int | None = None


@dataclass(frozen=True)
class Prepared:
    """What the engine computes once per task with SymPy, kept with the variant: the key's
    components as text, its LaTeX and the typical mistakes. Grading with it only parses.

    Made by `prepare(task)`; ignored (and recomputed) when `engine` is not this engine's
    version, so that a stored one never outlives a change to how keys or mistakes are made.
    """

    key: tuple[str, ...]
    latex: str
    mistakes: tuple[PreparedMistake, ...] = ()
    engine: str = ENGINE_VERSION
    key_trees: tuple[Any, ...] = ()

    def __hash__(self) -> int:  # the trees are lists (JSON data): hash what identifies it
        return hash((self.key, self.latex, self.engine, len(self.mistakes)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": list(self.key),
            "latex": self.latex,
            "key_trees": list(self.key_trees),
            "mistakes": [
                {
                    "code": m.code,
                    "parts": list(m.parts),
                    "message": m.message.to_dict(),
                    "trees": list(m.trees),
                    "component": m.component,
                }
                for m in self.mistakes
            ],
            "engine": self.engine,
        }

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Prepared | None:
        """from_dict for stored data that may be empty ({}: none kept) or unreadable: None."""
        if not data:
            return None
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prepared:
        return cls(
            key=tuple(str(k) for k in data["key"]),
            latex=str(data["latex"]),
            mistakes=tuple(
                PreparedMistake(
                    code=str(m["code"]),
                    parts=tuple(str(p) for p in m["parts"]),
                    message=Message.from_dict(m["message"]),
                    trees=tuple(m.get("trees") or ()),
                    component=_index(m.get("component")),
                )
                for m in data.get("mistakes", ())
            ),
            engine=str(data.get("engine", "")),
            key_trees=tuple(data.get("key_trees") or ()),
        )


def _index(value: Any) -> int | None:
    """A stored component index: a non-negative int, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
