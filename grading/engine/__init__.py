"""The grading engine: a pure library (stdlib, SymPy, NumPy, mpmath) with a small public API.

    preview(text, variables, *, task=None) -> Preview     cheap: parse and show, never grades
    grade(task, answer, *, seed=0) -> Verdict             parse, compare with the key, diagnose
    key_of(task) -> Key                                   the key computed by SymPy (text, LaTeX)
    variant_check(task, *, seed=0) -> list[Message]       problems that keep a variant from use
    prepare(task) -> Prepared                             the SymPy work of a task, done once:
                                                          grade(..., prepared=) then only parses

Nothing here imports Django, Celery or the web layer (an import-linter contract checks it).
"""

from grading.engine.api import Key, grade, key_of, prepare, preview, variant_check
from grading.engine.types import (
    ENGINE_VERSION,
    Evidence,
    Message,
    ParseFailure,
    Prepared,
    PreparedMistake,
    Preview,
    Reading,
    Task,
    Verdict,
)

__all__ = [
    "ENGINE_VERSION",
    "Evidence",
    "Key",
    "Message",
    "ParseFailure",
    "Prepared",
    "PreparedMistake",
    "Preview",
    "Reading",
    "Task",
    "Verdict",
    "grade",
    "key_of",
    "prepare",
    "preview",
    "variant_check",
]
