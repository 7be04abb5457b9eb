"""The grading engine: a pure library (stdlib, SymPy, NumPy, mpmath) with a small public API.

    preview(text, variables, *, task=None) -> Preview     cheap: parse and show, never grades
    grade(task, answer, *, seed=0) -> Verdict             parse, compare with the key, diagnose
    key_of(task) -> Key                                   the key computed by SymPy (text, LaTeX)
    variant_check(task, *, seed=0) -> list[Message]       problems that keep a variant from use

Nothing here imports Django, Celery or the web layer (an import-linter contract checks it).
"""

from grading.engine.api import Key, grade, key_of, preview, variant_check
from grading.engine.types import (
    Evidence,
    Message,
    ParseFailure,
    Preview,
    Reading,
    Task,
    Verdict,
)

# Part of every cached verdict's key: bump it when a change can alter verdicts.
ENGINE_VERSION = "2026.11.28"

__all__ = [
    "ENGINE_VERSION",
    "Evidence",
    "Key",
    "Message",
    "ParseFailure",
    "Preview",
    "Reading",
    "Task",
    "Verdict",
    "grade",
    "key_of",
    "preview",
    "variant_check",
]
