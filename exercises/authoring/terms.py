"""One home for the rule "what are this student's terms on this item": due date, last date
(the late window's end), attempts, and whether the problem is excused, after any exception
their instructor or TA granted: on the item (StudentException), or on its whole set
(StudentSetException, which covers items added later too); the item's own wins field by field.
The submit, the problem and set pages and the gradebook all ask here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery

from exercises.authoring.models import (
    ProblemSetItem,
    ScoreOverride,
    StudentException,
    StudentSetException,
)


@dataclass(frozen=True)
class Terms:
    due_at: datetime
    closes_at: datetime  # after this no answer is taken (the late window's end, if any)
    max_attempts: int
    late_until: datetime | None  # None: no late window
    excused: bool = False
    extended: bool = False  # an exception changed a date or the attempts

    def closed(self, now: datetime) -> bool:
        return now > self.closes_at

    def late(self, now: datetime) -> bool:
        """Past due, still taking (late) answers."""
        return now > self.due_at and not self.closed(now)


def terms_of(item: ProblemSetItem, exception: StudentException | None = None) -> Terms:
    """The item's terms for a student with this exception (None: the item's own).

    An exception's due date moves the due date; its late window, if given, ends when it says,
    else the item's late window still holds when it ends later than the new due date."""
    due = item.effective_due_at
    late_until = item.late_until
    attempts = item.max_attempts
    if exception is None:
        return Terms(
            due_at=due, closes_at=late_until or due, max_attempts=attempts, late_until=late_until
        )
    if exception.due_at is not None:
        due = exception.due_at
        if late_until is not None and late_until <= due:
            late_until = None
    if exception.late_until is not None:
        late_until = exception.late_until
    if exception.max_attempts is not None:
        attempts = exception.max_attempts
    extended = (
        exception.due_at is not None
        or exception.late_until is not None
        or exception.max_attempts is not None
    )
    return Terms(
        due_at=due,
        closes_at=late_until or due,
        max_attempts=attempts,
        late_until=late_until,
        excused=exception.excused,
        extended=extended,
    )


@dataclass(frozen=True)
class Standing:
    """A student's terms on an item and the score set by hand there, if any."""

    terms: Terms
    override: Decimal | None


_EXCEPTION_FIELDS = ("due_at", "late_until", "max_attempts", "excused")
_TERMS_FIELDS = ("due_at", "late_until", "max_attempts")


def merged_exception(
    item_exception: StudentException | None, set_exception: StudentSetException | None
) -> StudentException | None:
    """The exception in force on an item: the item's own fields where it gives them, else the
    whole set's; excused when either excuses it (None: neither exists)."""
    if set_exception is None:
        return item_exception
    if item_exception is None:
        item_exception = StudentException()
        item_exception.excused = False
    values = {
        name: getattr(item_exception, name)
        if getattr(item_exception, name) is not None
        else getattr(set_exception, name)
        for name in _TERMS_FIELDS
    }
    return StudentException(**values, excused=bool(item_exception.excused or set_exception.excused))


def _exception_subqueries(*, item_ref: str, set_ref: str, student_id: Any) -> dict[str, Subquery]:
    """The student's exception fields on a row whose `item_ref` column is the item's id and
    `set_ref` its set's (x_*: the item's own, s_*: the whole set's) and override (x_override)."""
    mine = {"item_id": OuterRef(item_ref), "student_id": student_id}
    exception = StudentException.objects.filter(**mine)
    whole_set = StudentSetException.objects.filter(
        problem_set_id=OuterRef(set_ref), student_id=student_id
    )
    return {
        **{f"x_{name}": Subquery(exception.values(name)[:1]) for name in _EXCEPTION_FIELDS},
        **{f"s_{name}": Subquery(whole_set.values(name)[:1]) for name in _EXCEPTION_FIELDS},
        "x_override": Subquery(ScoreOverride.objects.filter(**mine).values("score")[:1]),
    }


_SUBQUERY_NAMES = (
    *(f"{prefix}_{name}" for prefix in ("x", "s") for name in _EXCEPTION_FIELDS),
    "x_override",
)


def _exceptions_by_item(*, item_ids: list[int], student_id: Any) -> dict[int, dict[str, Any]]:
    """Each item's exception fields and override for one student, in one query."""
    rows = (
        ProblemSetItem.objects.filter(pk__in=item_ids)
        .annotate(
            **_exception_subqueries(item_ref="pk", set_ref="problem_set_id", student_id=student_id)
        )
        .values("pk", *_SUBQUERY_NAMES)
    )
    return {row["pk"]: row for row in rows}


def _exception_of(row: dict[str, Any]) -> StudentException | None:
    found = []
    for prefix, model in (("x", StudentException), ("s", StudentSetException)):
        if row.get(f"{prefix}_excused") is None:  # no row (excused is never null in one)
            found.append(None)
            continue
        record = model(**{name: row[f"{prefix}_{name}"] for name in _EXCEPTION_FIELDS})
        record.excused = bool(record.excused)
        found.append(record)
    return merged_exception(found[0], found[1])  # type: ignore[arg-type]


def standing_annotations(*, item_ref: str, set_ref: str, student_id: Any) -> dict[str, Subquery]:
    """Subqueries that put the student's exceptions (the item's and the whole set's) and
    override on each row of a query whose `item_ref` column is the item's id and `set_ref`
    its set's (standing_of reads them back): the terms come with that row, in the same query."""
    found = _exception_subqueries(item_ref=item_ref, set_ref=set_ref, student_id=student_id)
    return {f"standing_{name}": subquery for name, subquery in found.items()}


# The names under which standing_annotations puts them on a row.
_ANNOTATED = tuple(f"standing_{name}" for name in _SUBQUERY_NAMES)


def _standing(item: ProblemSetItem, row: dict[str, Any]) -> Standing:
    override = row.get("x_override")
    return Standing(
        terms=terms_of(item, _exception_of(row)),
        override=None if override is None else Decimal(str(override)).quantize(Decimal("0.01")),
    )


def standing_of(*, instance: Any) -> Standing | None:
    """The standing a query with standing_annotations put on this instance (None when it was
    read without them)."""
    if not all(hasattr(instance, name) for name in _ANNOTATED):
        return None
    return _standing(
        instance.item, {name: getattr(instance, f"standing_{name}") for name in _SUBQUERY_NAMES}
    )


def student_standing(*, item: ProblemSetItem, student_id: int) -> Standing:
    """The student's terms and override on the item, in one query (for an instance read with
    standing_annotations, standing_of reads them with no query)."""
    row = _exceptions_by_item(item_ids=[item.pk], student_id=student_id).get(item.pk, {})
    return _standing(item, row)


def student_terms(*, item: ProblemSetItem, student_id: int) -> Terms:
    """One query."""
    return student_standing(item=item, student_id=student_id).terms


def student_terms_by_item(*, items: Iterable[ProblemSetItem], student_id: int) -> dict[int, Terms]:
    """Terms of each item for one student, in one query."""
    items = list(items)
    rows = _exceptions_by_item(item_ids=[i.pk for i in items], student_id=student_id)
    return {item.pk: terms_of(item, _exception_of(rows.get(item.pk, {}))) for item in items}


@dataclass(frozen=True)
class Adjustments:
    """What changes scores beside the attempts: (student id, item id) -> an override's score,
    and the (student id, item id) pairs that are excused (left out of totals)."""

    overrides: dict[tuple[int, int], Decimal]
    excused: frozenset[tuple[int, int]]

    @classmethod
    def none(cls) -> Adjustments:
        return cls(overrides={}, excused=frozenset())


def score_adjustments(*, item_ids: Iterable[int], student_id: Any = None) -> Adjustments:
    """Overrides and excused problems of these items (of one student, when given), an excused
    set excusing each of its items: two queries."""
    ids = list(item_ids)
    overrides = ScoreOverride.objects.filter(item_id__in=ids)
    excused = StudentException.objects.filter(item_id__in=ids, excused=True)
    whole_sets = StudentSetException.objects.filter(problem_set__items__in=ids, excused=True)
    if student_id is not None:
        overrides = overrides.filter(student_id=student_id)
        excused = excused.filter(student_id=student_id)
        whole_sets = whole_sets.filter(student_id=student_id)
    pairs = excused.values_list("student_id", "item_id").union(
        whole_sets.values_list("student_id", "problem_set__items__id")
    )
    wanted = set(ids)
    return Adjustments(
        overrides={
            (row["student_id"], row["item_id"]): row["score"]
            for row in overrides.values("student_id", "item_id", "score")
        },
        excused=frozenset((student, item) for student, item in pairs if item in wanted),
    )
