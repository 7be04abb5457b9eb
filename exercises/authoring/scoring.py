"""The rule that turns graded attempts into a score per student and problem set, in one home:
the LMS files (gradebook.selectors.export_scores) and the LTI passback (lti) both use it.

Pure: it reads rows the caller queried, never the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

ATTEMPT_RULES = ("best", "last")


class ScoredItem(Protocol):
    problem_set_id: int
    points: Decimal


def attempt_score(*, item: ScoredItem, row: Mapping[str, Any], late_penalty: bool) -> Decimal:
    """What one graded attempt is worth: its score (late penalty applied), or without the
    penalty the item's full points when it was right."""
    if late_penalty:
        return Decimal(row["score"])
    return item.points.quantize(Decimal("0.01")) if row["equivalent"] is True else Decimal("0.00")


def set_points(*, items: Iterable[ScoredItem]) -> dict[int, Decimal]:
    """Each set's points possible: the sum of its items' points."""
    points: dict[int, Decimal] = {}
    for item in items:
        points[item.problem_set_id] = points.get(item.problem_set_id, Decimal("0")) + item.points
    return points


def set_scores(
    *,
    items: Mapping[int, ScoredItem],
    graded: Iterable[Mapping[str, Any]],
    attempt: str = "best",
    late_penalty: bool = True,
) -> dict[tuple[int, int], Decimal]:
    """(student id, set id) -> the sum over the set's items of the best (or last) graded
    attempt. `graded` rows carry instance__student_id, instance__item_id, attempt, score and
    equivalent; a student with no graded attempt in a set has no entry."""
    if attempt not in ATTEMPT_RULES:
        raise ValueError("attempt is 'best' or 'last'")
    chosen: dict[tuple[int, int], Mapping[str, Any]] = {}
    for row in graded:
        key = (row["instance__student_id"], row["instance__item_id"])
        item = items[key[1]]
        previous = chosen.get(key)
        if previous is None:
            chosen[key] = row
        elif attempt == "last":
            if row["attempt"] > previous["attempt"]:
                chosen[key] = row
        elif attempt_score(item=item, row=row, late_penalty=late_penalty) > attempt_score(
            item=item, row=previous, late_penalty=late_penalty
        ):
            chosen[key] = row
    scores: dict[tuple[int, int], Decimal] = {}
    for (student_id, item_id), row in chosen.items():
        item = items[item_id]
        cell = (student_id, item.problem_set_id)
        scores[cell] = scores.get(cell, Decimal("0")) + attempt_score(
            item=item, row=row, late_penalty=late_penalty
        )
    return scores
