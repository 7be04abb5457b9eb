"""The rule that turns graded attempts into a score per student and problem set, in one home:
the LMS files (gradebook.selectors.export_scores) and the LTI passback (lti) both use it.

Pure: it reads rows the caller queried, never the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from exercises.authoring.terms import Adjustments
from grading.engine import Verdict

ATTEMPT_RULES = ("best", "last")


class ScoredItem(Protocol):
    problem_set_id: int
    points: Decimal


# How a vector answer (a gradient) earns its points (ProblemSetItem.vector_credit).
PER_COMPONENT = "per_component"
ALL_OR_NOTHING = "all_or_nothing"
VECTOR_CREDIT = (PER_COMPONENT, ALL_OR_NOTHING)

_SHARE = Decimal("0.0001")


def verdict_credit(*, verdict: Verdict, vector_credit: str = PER_COMPONENT) -> Decimal:
    """The share of the points a verdict earns, from 0 to 1: all when right; for a vector
    answer graded per component, the share of its components that are right (a gradient with
    one of two right earns half); else nothing. An answer that is not right as a whole never
    earns all (the engine makes every component right only when the whole is)."""
    if verdict.equivalent is True:
        return Decimal("1")
    n = len(verdict.components)
    if vector_credit != PER_COMPONENT or not n:
        return Decimal("0")
    right = min(verdict.components_right, n - 1)
    return (Decimal(right) / Decimal(n)).quantize(_SHARE, rounding=ROUND_DOWN)


def row_credit(row: Mapping[str, Any]) -> Decimal:
    """The share a graded attempt earned, as recorded with its verdict (`credit`, queried as
    verdict__credit); a verdict recorded before shares were: all when right, else none."""
    recorded = row.get("verdict__credit")
    if recorded is not None:
        try:
            share = Decimal(str(recorded))
        except ArithmeticError:
            share = None
        if share is not None and share.is_finite() and 0 <= share <= 1:
            return share
    return Decimal("1") if row.get("equivalent") is True else Decimal("0")


def attempt_score(*, item: ScoredItem, row: Mapping[str, Any], late_penalty: bool) -> Decimal:
    """What one graded attempt is worth: its score (late penalty applied), or without the
    penalty the item's points times the share the attempt earned (row_credit)."""
    if late_penalty:
        return Decimal(row["score"])
    return (item.points * row_credit(row)).quantize(Decimal("0.01"))


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
    attempt. `graded` rows carry instance__student_id, instance__item_id, attempt, score,
    equivalent and verdict__credit (the share earned: row_credit); a student with no graded
    attempt (nor override) in a set has no entry.

    `adjustments`: an override replaces what the attempts earned on its item (with or without
    the late penalty: it is the score the instructor gave); an excused item counts for nothing
    (see excused_points for the points it takes out)."""
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
    adjustments = adjustments or Adjustments.none()
    earned = {
        key: attempt_score(item=items[key[1]], row=row, late_penalty=late_penalty)
        for key, row in chosen.items()
    }
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
