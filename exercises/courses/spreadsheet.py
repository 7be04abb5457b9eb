"""Cells that a spreadsheet opens as text, never as a formula (CSV injection, OWASP)."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP: leading apostrophe).
    For every text cell of a file people open, but never for numbers, nor for the identifier an
    LMS matches a row on (it must stay as it is; rosters refuse ids that start like a formula)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
