"""The range a moment of the site (a set's opening and due date, a late window's end, a
student's extension) must fall in, for every way it comes in: the forms (courses.forms.
MomentField) and the YAML import (authoring.yaml_schema).

Python's datetime ends with the year 9999 and begins with the year 1, so a moment near either
end, typed in a course's zone, may have no UTC time at all (9999-12-31 23:00 in New York), or
lose it when the course moves to another zone: storing or showing it raised OverflowError, a
500 on every later load of the page. No course's date is near either end: these bounds leave
any zone's offset (±14 h) far inside Python's range."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_noop

FIRST_YEAR, LAST_YEAR = 2000, 2199
OUT_OF_RANGE = gettext_noop("Give a date from the year 2000 to 2199.")


def in_range(moment: datetime) -> bool:
    """Whether a moment is within the site's range: its year as written in its own zone (the
    course's for a form, the file's offset for YAML), so that 2000-01-01 00:00 in Seoul is in.
    Any offset (at most 14 h) keeps its UTC time inside Python's range."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR
