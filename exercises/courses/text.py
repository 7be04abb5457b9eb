"""The one rule for characters nobody types into a name, a title or a reason: wherever such a
text comes in (a roster, the YAML import, a score override's reason, the title of a course, a
set or a template typed in its editor), it is refused with them.

Control characters (NUL, ESC: Unicode's Cc), lone surrogates (Cs: not text at all) and the
bidirectional overrides and isolates (U+202A-E, U+2066-9), which make a text show as another
one wherever it is shown next (the people list, the gradebook, the sign-in links, a set's
title on a student's page)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def untypable(text: str, allowed: str = "") -> bool:
    """Whether `text` holds such a character, other than those in `allowed` (a newline, a tab
    in a text of several lines)."""
    return any(
        (unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS) and c not in allowed
        for c in text
    )


# What a text of several lines may hold between them: a browser sends a text box's line breaks
# as CR LF, and a tab may be pasted in.
LINE_BREAKS = "\r\n\t"


def reject_untypable(value: str, allowed: str = "") -> None:
    """A form field's validator of the same rule: a title typed (or pasted) into an editor is
    shown to students as a YAML import's is, so it is refused as the import refuses it."""
    if untypable(value, allowed):
        raise ValidationError(
            _(
                "This text contains a character that cannot be typed (a control character or a "
                "direction override, often pasted from another program): delete it, or type "
                "the text again."
            ),
            code="untypable",
        )


def reject_untypable_lines(value: str) -> None:
    """reject_untypable for a text box: its line breaks and tabs are typed."""
    reject_untypable(value, LINE_BREAKS)
