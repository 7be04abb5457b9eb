"""Cells that a spreadsheet opens as text, never as a formula (CSV injection, OWASP)."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP: leading apostrophe).
    Only for free text (names, titles, sections): never for ids or numbers."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
