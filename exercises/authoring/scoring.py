"""The rule that turns graded attempts into a score per student and problem set, in one home:
the LMS files (gradebook.selectors.export_scores) and the LTI passback (lti) both use it.

Pure: it reads rows the caller queried, never the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from exercises.authoring.terms import Adjustments

ATTEMPT_RULES = ("best", "last")


class ScoredItem(Protocol):
    problem_set_id: int
    points: Decimal


def attempt_score(*, item: ScoredItem, row: Mapping[str, Any], late_penalty: bool) -> Decimal:
    """What one graded attempt is worth: its score (late penalty applied), or without the
    penalty the item's full points when it was right."""
    if late_penalty:
        return Decimal(row["score"])
    if row.get("earned") is not None:  # a part of a multi-part problem: its own points
        return Decimal(row["earned"])
    return item.points.quantize(Decimal("0.01")) if row["equivalent"] is True else Decimal("0.00")


@dataclass(frozen=True)
class PartsBest:
    """A student's standing on a multi-part item: the sum of each part's best score, whether
    every part is solved, and the fewest attempts used on a part not solved yet (the problem
    takes answers while that is under the attempt limit)."""

    score: Decimal
    solved: bool
    counted: int


def parts_best(*, rows: Iterable[Mapping[str, Any]], parts: int) -> PartsBest:
    """PartsBest from per-part rows (part, best, n_correct, n_counted) of one student and item."""
    by_part = {int(row["part"]): row for row in rows}
    score = sum((Decimal(r["best"] or 0) for r in by_part.values()), Decimal("0"))
    unsolved = [k for k in range(parts) if not (by_part.get(k) or {}).get("n_correct")]
    counted = min(((by_part.get(k) or {}).get("n_counted") or 0 for k in unsolved), default=0)
    return PartsBest(score=score.quantize(Decimal("0.01")), solved=not unsolved, counted=counted)


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
    adjustments: Adjustments | None = None,
) -> dict[tuple[int, int], Decimal]:
    """(student id, set id) -> the sum over the set's items of the best (or last) graded
    attempt. `graded` rows carry instance__student_id, instance__item_id, attempt, score and
    equivalent; a student with no graded attempt (nor override) in a set has no entry. Rows
    may carry `part` and `earned` (multi-part problems): an item's score is then the sum over
    its parts of each part's best (or last) attempt.

    `adjustments`: an override replaces what the attempts earned on its item (with or without
    the late penalty: it is the score the instructor gave); an excused item counts for nothing
    (see excused_points for the points it takes out)."""
    if attempt not in ATTEMPT_RULES:
        raise ValueError("attempt is 'best' or 'last'")
    chosen: dict[tuple[int, int, int], Mapping[str, Any]] = {}
    for row in graded:
        key = (row["instance__student_id"], row["instance__item_id"], int(row.get("part") or 0))
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
    adjustments = adjustments or Adjustments.none()
    earned: dict[tuple[int, int], Decimal] = {}
    for (student_id, item_id, _part), row in chosen.items():
        score = attempt_score(item=items[item_id], row=row, late_penalty=late_penalty)
        earned[(student_id, item_id)] = earned.get((student_id, item_id), Decimal("0")) + score
    earned.update({k: v for k, v in adjustments.overrides.items() if k[1] in items})
    scores: dict[tuple[int, int], Decimal] = {}
    for (student_id, item_id), score in earned.items():
        if (student_id, item_id) in adjustments.excused:
            continue
        cell = (student_id, items[item_id].problem_set_id)
        scores[cell] = scores.get(cell, Decimal("0")) + score
    return scores


def excused_points(
    *, items: Mapping[int, ScoredItem], adjustments: Adjustments
) -> dict[tuple[int, int], Decimal]:
    """(student id, set id) -> the points of the set's items excused for the student."""
    points: dict[tuple[int, int], Decimal] = {}
    for student_id, item_id in adjustments.excused:
        item = items.get(item_id)
        if item is not None:
            cell = (student_id, item.problem_set_id)
            points[cell] = points.get(cell, Decimal("0")) + item.points
    return points


def scaled_to_full(*, given: Decimal, full: Decimal, excused: Decimal) -> Decimal | None:
    """A score out of (full - excused) points as the same share of `full`, for a file whose
    column has one maximum for everyone (None when everything is excused)."""
    own = full - excused
    if own <= 0:
        return None
    if not excused:
        return given
    return (given * full / own).quantize(Decimal("0.01"))
