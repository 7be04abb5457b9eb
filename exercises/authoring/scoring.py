"""The rule that turns graded attempts into a score per student and problem set, in one home:
the gradebook (gradebook.selectors.gradebook_rows, student_detail), the LMS files
(gradebook.selectors.export_scores), the LTI passback (lti) and the student's own pages all use
it.

Which items count for a student (item_counts): every item of the set, except
- an excused item (out of their score and of their points possible), and
- a retired item (ProblemSetItem.retired: an opened problem the instructor took out of the
  set) on which the student has no score: never opened, or opened and never graded. It is out
  of their points possible, as if excused. A student who already has a score on it (a graded
  attempt, or an override) keeps it: what they earned counts, out of the item's points, as it
  did before the item was retired (the retire confirmation says so). An instructor who wants it
  to count for nobody excuses it for those students.

Pure: it reads rows the caller queried, never the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from exercises.authoring.terms import Adjustments
from grading.engine import Verdict

ATTEMPT_RULES = ("best", "last")


class ScoredItem(Protocol):
    problem_set_id: int
    points: Decimal
    retired: bool


def item_counts(*, retired: bool, excused: bool, scored: bool) -> bool:
    """Whether an item counts in a student's set total (score and points possible): the rule
    of the module's docstring. `scored`: the student has a graded attempt or an override."""
    if excused:
        return False
    return scored or not retired


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
    if row.get("earned") is not None:  # a part of a multi-part problem: its own points
        return Decimal(row["earned"])
    return (item.points * row_credit(row)).quantize(Decimal("0.01"))


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
    """Each set's points possible for a student without exceptions or scores on retired items:
    the sum of its items' points, retired items left out (an LMS column's maximum)."""
    points: dict[int, Decimal] = {}
    for item in items:
        if item_counts(retired=item.retired, excused=False, scored=False):
            cell = item.problem_set_id
            points[cell] = points.get(cell, Decimal("0")) + item.points
    return points


def scored_pairs(
    *, graded: Iterable[Mapping[str, Any]], adjustments: Adjustments
) -> set[tuple[int, int]]:
    """(student id, item id) pairs with a score: a graded attempt among `graded` (rows as
    set_scores reads them) or an override."""
    pairs = {(row["instance__student_id"], row["instance__item_id"]) for row in graded}
    return pairs | set(adjustments.overrides)


def own_points(
    *,
    items: Mapping[int, ScoredItem],
    students: Iterable[int],
    scored: set[tuple[int, int]],
    adjustments: Adjustments,
) -> dict[tuple[int, int], Decimal]:
    """(student id, set id) -> the points possible for the student: the items that count for
    them (item_counts), for each set of `items` (0 when none does)."""
    points: dict[tuple[int, int], Decimal] = {}
    for student_id in students:
        for item_id, item in items.items():
            cell = (student_id, item.problem_set_id)
            points.setdefault(cell, Decimal("0"))
            pair = (student_id, item_id)
            if item_counts(
                retired=item.retired, excused=pair in adjustments.excused, scored=pair in scored
            ):
                points[cell] += item.points
    return points


# The columns of a graded Submission that set_scores, scored_pairs and row_credit read: the
# caller's `.values(*GRADED_ROW_COLUMNS)` over the graded submissions it scores.
GRADED_ROW_COLUMNS = (
    "instance__student_id",
    "instance__item_id",
    "part",
    "attempt",
    "score",
    "earned",
    "equivalent",
    "verdict__credit",
)


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
    attempt (nor override) in a set has no entry. Rows may carry `part` and `earned`
    (multi-part problems): an item's score is then the sum over its parts of each part's best
    (or last) attempt.

    `adjustments`: an override replaces what the attempts earned on its item (with or without
    the late penalty: it is the score the instructor gave); an excused item counts for nothing
    (item_counts; own_points gives the points possible that go with these scores)."""
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
        excused = (student_id, item_id) in adjustments.excused
        if not item_counts(retired=items[item_id].retired, excused=excused, scored=True):
            continue
        cell = (student_id, items[item_id].problem_set_id)
        scores[cell] = scores.get(cell, Decimal("0")) + score
    return scores


def scaled_to_full(*, given: Decimal, full: Decimal, own: Decimal) -> Decimal | None:
    """A score out of the student's own points possible (`own`: excused items out, scored
    retired items in) as the same share of `full`, for a file whose column has one maximum for
    everyone (None when nothing counts for the student)."""
    if own <= 0:
        return None
    if own == full:
        return given
    return (given * full / own).quantize(Decimal("0.01"))
