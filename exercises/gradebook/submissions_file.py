"""A CSV of every submission of a course: who, which problem, the answer as typed and as read,
the verdict, the named mistake, the score and the time. Every text cell is made safe for
spreadsheets (exercises.courses.spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from exercises.authoring.generators.parts import template_part_count
from exercises.courses.spreadsheet import neutralize

HEADER = [
    "student_name",
    "student_id",
    "login",
    "problem",
    "problem_set",
    "problem_title",
    "attempt",
    "answer",
    "read_as_latex",
    "status",
    "verdict",
    "method",
    "mistake",
    "score",
    "points",
    "late",
    "submitted_at",
    "graded_at",
    # multi-part problems (exercises/authoring/generators/parts.py): the part answered, a to f
    # (empty for a problem of one part), and "yes" when a value earned carried-forward credit
    "part",
    "carried_forward",
]


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def _when(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def submissions_csv(lines: Iterable[Any]) -> Iterator[str]:
    """The file, line by line (UTF-8 with a BOM, so that spreadsheets read Korean names)."""
    yield "\ufeff" + _line(HEADER)
    for line in lines:
        sub = line.submission
        verdict = sub.verdict or {}
        mistake = verdict.get("mistake") or {}
        text = [
            line.student_name,
            line.student_id,
            line.username,
            line.label,
            line.problem_set.title_en,
            line.item.template.title_en,
        ]
        yield _line(
            [neutralize(cell) for cell in text]
            + [str(sub.attempt)]
            + [
                neutralize(cell)
                for cell in (
                    sub.answer,
                    str(verdict.get("answer_latex", "")),
                    sub.status,
                    sub.outcome,
                    sub.method,
                    str(mistake.get("en", "")) if isinstance(mistake, dict) else "",
                )
            ]
            + [
                "" if sub.score is None else f"{sub.score:.2f}",
                f"{line.item.points:.2f}",
                "yes" if sub.late else "no",
                _when(sub.created_at),
                _when(sub.graded_at),
                sub.part_letter if _has_parts(line.item) else "",
                "yes" if sub.carried is not None else "",
            ]
        )


def _has_parts(item: Any) -> bool:
    return template_part_count(family=item.template.family, config=item.template.config) > 1
