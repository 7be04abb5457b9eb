"""Refusals the editor shows to instructors, in their language.

A service cannot know who will read its error (the web page of an instructor reading Korean, a
YAML import report, a check run by a worker), so it raises a msgid marked with gettext_noop and
its values; the words are chosen when the error is shown: `str(error)` in the active language,
`error.text("ko")` in a given one. A value may be an engine Message, shown in the same language.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext

from grading.engine import Message


class Refused(ValueError):
    """What cannot be done and why, as a translatable msgid with %(name)s values."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid, params)
        self.msgid, self.params = msgid, params

    def text(self, lang: str | None = None) -> str:
        """The sentence in `lang` (the active language when None)."""
        if lang is None:
            lang = translation.get_language() or "en"
        with translation.override(lang):
            words = gettext(self.msgid)
        values = {k: v.text(lang) if isinstance(v, Message) else v for k, v in self.params.items()}
        return words % values if values else words

    def texts(self) -> dict[str, str]:
        """The sentence in both languages of the site, as stored with a template check."""
        return {"en": self.text("en"), "ko": self.text("ko")}

    def __str__(self) -> str:
        return self.text()

    def __reduce__(self) -> tuple[object, ...]:  # pickled with its values, as keywords
        return (_rebuild, (type(self), self.msgid, self.params))


def _rebuild(cls: type[Refused], msgid: str, params: dict[str, object]) -> Refused:
    return cls(msgid, **params)
