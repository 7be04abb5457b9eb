"""The one rule for characters nobody types into a name, a title or a reason: wherever such a
text comes in (a roster, the YAML import, a score override's reason), it is refused with them.

Control characters (NUL, ESC: Unicode's Cc), lone surrogates (Cs: not text at all) and the
bidirectional overrides and isolates (U+202A-E, U+2066-9), which make a text show as another
one wherever it is shown next (the people list, the gradebook, the sign-in links, a set's
title on a student's page)."""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def untypable(text: str, allowed: str = "") -> bool:
    """Whether `text` holds such a character, other than those in `allowed` (a newline, a tab
    in a text of several lines)."""
    return any(
        (unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS) and c not in allowed
        for c in text
    )
