"""The grading engine: a pure library (stdlib, SymPy, NumPy, mpmath) with a small public API.

    preview(text, variables, *, task=None) -> Preview     cheap: parse and show, never grades
    grade(task, answer, *, seed=0) -> Verdict             parse, compare with the key, diagnose
                                                          (a vector: each component on its own too)
    key_of(task) -> Key                                   the key computed by SymPy (text, LaTeX);
                                                          KeyUnavailable (a ValueError) says why not
    variant_check(task, *, seed=0) -> list[Message]       problems that keep a variant from use
    prepare(task) -> Prepared                             the SymPy work of a task, done once:
                                                          grade(..., prepared=) then only parses

For authoring (exercise templates, generated keys), the expression tools under them:
    parse(text, variables) -> Parsed (raises ParseError)  the student grammar, text -> tree
    to_text(node) -> str                                  a tree as plain, re-parseable text
    make_symbols, to_sympy(node, symbols)                 tree -> SymPy
    from_sympy(expr) -> tree (raises Unsupported)         SymPy -> tree

Nothing here imports Django, Celery or the web layer (an import-linter contract checks it).
"""

from grading.engine.api import Key, grade, key_of, prepare, preview, variant_check
from grading.engine.compiled import KeyUnavailable
from grading.engine.parsing import ParseError, parse
from grading.engine.printing import to_text
from grading.engine.sympy_bridge import Unsupported, from_sympy, make_symbols, to_sympy
from grading.engine.types import (
    ENGINE_VERSION,
    ComponentVerdict,
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
    "ComponentVerdict",
    "Evidence",
    "Key",
    "KeyUnavailable",
    "Message",
    "ParseError",
    "ParseFailure",
    "Prepared",
    "PreparedMistake",
    "Preview",
    "Reading",
    "Task",
    "Unsupported",
    "Verdict",
    "from_sympy",
    "grade",
    "key_of",
    "make_symbols",
    "parse",
    "prepare",
    "preview",
    "to_sympy",
    "to_text",
    "variant_check",
]
