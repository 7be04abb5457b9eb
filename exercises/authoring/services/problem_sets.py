"""Writes for problem sets in the instructor's editor: edit, order items, assign, duplicate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Required, TypedDict, Unpack, cast

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from exercises.authoring.errors import Refused
from exercises.authoring.models import (
    GradingPolicy,
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
)
from exercises.authoring.scoring import VECTOR_CREDIT
from exercises.authoring.selectors import item_tolerance
from exercises.authoring.signals import set_totals_changed
from exercises.courses.models import Course


class ItemRefused(Refused):
    """The item cannot be added or removed (unpublished template, instances exist, ...)."""


UNPUBLISHED_IN_RELEASE = gettext_noop(
    "%(slugs)s is not published: publish it, or remove its problem, before you release the set"
)


BELONGS_ELSEWHERE = gettext_noop("%(slug)s belongs to another course")


def _check_dates(
    opens_at: datetime | None, due_at: datetime, late_until: datetime | None = None
) -> None:
    if opens_at is not None and opens_at > due_at:
        raise Refused(gettext_noop("The set opens after it is due."))
    if late_until is not None and late_until < due_at:
        raise Refused(gettext_noop("The late window ends before the due date."))


def problem_set_update(
    *,
    problem_set: ProblemSet,
    course: Course,
    title_en: str,
    title_ko: str,
    due_at: datetime,
    opens_at: datetime | None = None,
    position: int = 0,
    hidden: bool | None = None,
) -> ProblemSet:
    """Change a set's titles, dates and order; `course` assigns it to another course;
    `hidden` (None: unchanged) keeps it from students or releases it."""
    _check_dates(opens_at, due_at)
    opened = problem_set.items.filter(instances__isnull=False).exists()
    if course.pk != problem_set.course_id and opened:
        raise ItemRefused(
            gettext_noop("students have opened this set; duplicate it instead of moving it")
        )
    if hidden is False and problem_set.hidden:
        # released with a problem whose template is a draft: students would find it "not
        # available" while it counts in their totals (templates.template_unpublish's rule)
        drafts = sorted(
            problem_set.items.filter(retired=False, template__published=False)
            .values_list("template__slug", flat=True)
            .distinct()
        )
        if drafts:
            raise ItemRefused(UNPUBLISHED_IN_RELEASE, slugs=", ".join(drafts))
    problem_set.course = course
    problem_set.title_en, problem_set.title_ko = title_en, title_ko
    problem_set.due_at, problem_set.opens_at, problem_set.position = due_at, opens_at, position
    if hidden is not None:
        problem_set.hidden = hidden
    problem_set.save()
    return problem_set


def problem_set_item_add(
    *,
    problem_set: ProblemSet,
    template: ProblemTemplate,
    **values: Unpack[ItemValues],
) -> ProblemSetItem:
    """Append a published template usable in the set's course; `points` (left out or None)
    defaults to the template's suggested points (1 when it has none)."""
    if not template.published:
        raise ItemRefused(gettext_noop("%(slug)s is not published"), slug=template.slug)
    if template.course_id not in (None, problem_set.course_id):
        raise ItemRefused(BELONGS_ELSEWHERE, slug=template.slug)
    _check_dates(None, problem_set.due_at, values.get("late_until"))
    if values.get("points") is None:
        values["points"] = Decimal(str(template.config.get("points", "1")))
    last = problem_set.items.aggregate(m=Max("position"))["m"]
    position = 0 if last is None else last + 1
    return problem_set_item_create(
        problem_set=problem_set, template=template, position=position, **values
    )


def problem_set_item_update(
    *,
    item: ProblemSetItem,
    points: Decimal,
    max_attempts: int,
    late_until: datetime | None,
    late_penalty: Decimal,
    show_plots: bool | None = None,
    show_hints: bool | None = None,
    vector_credit: str | None = None,
) -> ProblemSetItem:
    """Change an item's rules; `show_plots`, `show_hints` or `vector_credit` None keeps the
    item's choice. A new `vector_credit` counts for answers graded from now on (a regrade
    applies it to the earlier ones)."""
    _check_item_values(max_attempts, late_penalty, vector_credit)
    _check_dates(None, item.effective_due_at, late_until)
    points_changed = item.points != points
    item.points, item.max_attempts = points, max_attempts
    item.late_until, item.late_penalty = late_until, late_penalty
    if show_plots is not None:
        item.show_plots = show_plots
    if show_hints is not None:
        item.show_hints = show_hints
    if vector_credit is not None:
        item.vector_credit = vector_credit
    item.save()
    if points_changed:
        _totals_changed(item.problem_set_id)
    return item


def _totals_changed(problem_set_id: int) -> None:
    """Tell the rooms above (the LMS passback) once the change commits; a set no student has
    opened a problem of has no score anywhere to change (a new or imported set: no message)."""
    if not ProblemInstance.objects.filter(item__problem_set_id=problem_set_id).exists():
        return
    transaction.on_commit(
        lambda: set_totals_changed.send(sender=ProblemSetItem, problem_set_id=problem_set_id)
    )


def _check_item_values(
    max_attempts: int, late_penalty: Decimal, vector_credit: str | None = None
) -> None:
    if max_attempts < 1:
        raise Refused(gettext_noop("Give at least one attempt."))
    if not Decimal("0") <= late_penalty <= Decimal("1"):
        raise Refused(gettext_noop("The late penalty is a fraction from 0 to 1."))
    if vector_credit is not None and vector_credit not in VECTOR_CREDIT:
        raise Refused(
            gettext_noop("Credit for a vector answer is per component or all or nothing.")
        )


@transaction.atomic
def problem_set_item_move(*, item: ProblemSetItem, offset: int) -> None:
    """Move an item up (-1) or down (+1); positions become 0..n-1 in the new order."""
    items = list(
        ProblemSetItem.objects.select_for_update()
        .filter(problem_set_id=item.problem_set_id)
        .order_by("position", "id")
    )
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    target = min(max(index + offset, 0), len(items) - 1)
    items.insert(target, items.pop(index))
    for position, it in enumerate(items):
        if it.position != position:
            it.position = position
            it.save(update_fields=["position"])


def problem_set_item_remove(*, item: ProblemSetItem) -> None:
    """Remove an item no student has opened (their work would go with it); an opened one can be
    retired instead (problem_set_item_retire)."""
    if item.instances.exists():
        raise ItemRefused(
            gettext_noop(
                "Students have opened this problem, so it cannot be removed: retire it instead "
                "(students who opened it keep it and their work; nobody else sees it)."
            )
        )
    problem_set_id = item.problem_set_id
    item.delete()
    _totals_changed(problem_set_id)


def problem_set_item_retire(*, item: ProblemSetItem, retired: bool = True) -> ProblemSetItem:
    """Retire an item (hidden from every student who has not opened it; those who have keep it
    and their submissions) or bring it back."""
    if item.retired != retired:
        item.retired = retired
        item.save(update_fields=["retired"])
        _totals_changed(item.problem_set_id)
    return item


# A copy's titles are content in each language, whatever language the instructor reads.
COPY_TITLE = gettext_noop("%(title)s (copy)")


def _in_korean(message: str) -> str:
    with translation.override("ko"):
        return gettext(message)


@transaction.atomic
def problem_set_duplicate(*, problem_set: ProblemSet, course: Course | None = None) -> ProblemSet:
    """A copy of the set and its items with their rules (ItemValues: credit for a vector answer
    too) and tolerances, not instances or submissions, in `course` or its own. The copy is
    hidden from students until the instructor releases it: its dates are the original's, which
    are rarely right for the copy."""
    course = course or problem_set.course
    items = list(
        problem_set.items.select_related("template", "grading_policy").order_by("position", "id")
    )
    for it in items:
        if it.template.course_id not in (None, course.pk):
            raise ItemRefused(BELONGS_ELSEWHERE, slug=it.template.slug)
    copy = problem_set_create(
        course=course,
        title_en=COPY_TITLE % {"title": problem_set.title_en},
        title_ko=_in_korean(COPY_TITLE) % {"title": problem_set.title_ko},
        position=problem_set.position,
        opens_at=problem_set.opens_at,
        due_at=problem_set.due_at,
        hidden=True,
    )
    for it in items:
        # The tolerance set on the wrong-answers page is the item's, not the template's: copy it.
        problem_set_item_copy(
            problem_set=copy,
            template=it.template,
            position=it.position,
            fields=it,
            tolerance=item_tolerance(item=it),
        )
    return copy


class ProblemSetValues(TypedDict, total=False):
    """A set's own fields as problem_set_create takes them; one left out takes the model's
    default."""

    title_en: Required[str]
    title_ko: Required[str]
    due_at: Required[datetime]
    position: int
    opens_at: datetime | None
    hidden: bool


def problem_set_create(*, course: Course, **values: Unpack[ProblemSetValues]) -> ProblemSet:
    return ProblemSet.objects.create(course=course, **values)


class ItemValues(TypedDict, total=False):
    """An item's own fields, as problem_set_item_create takes them (one left out takes the
    model's default) and problem_set_item_copy copies them."""

    points: Decimal
    max_attempts: int
    due_at: datetime | None
    late_until: datetime | None
    late_penalty: Decimal
    show_plots: bool
    show_hints: bool
    vector_credit: str


def problem_set_item_create(
    *,
    problem_set: ProblemSet,
    template: ProblemTemplate,
    position: int = 0,
    tolerance: float | None = None,
    **values: Unpack[ItemValues],
) -> ProblemSetItem:
    """One item, with its own tolerance (a GradingPolicy) unless `tolerance` is None."""
    item = ProblemSetItem(problem_set=problem_set, template=template, position=position, **values)
    _check_item_values(item.max_attempts, item.late_penalty, item.vector_credit)
    item.save()
    if tolerance is not None:
        GradingPolicy.objects.create(item=item, tolerance=tolerance)
    _totals_changed(problem_set.pk)
    return item


def problem_set_item_copy(
    *,
    problem_set: ProblemSet,
    template: ProblemTemplate,
    position: int,
    fields: object,
    tolerance: float | None,
) -> ProblemSetItem:
    """An item with the fields of `fields` (a duplicated item, an imported entry): those that
    ItemValues names."""
    values = {name: getattr(fields, name) for name in ItemValues.__annotations__}
    return problem_set_item_create(
        problem_set=problem_set,
        template=template,
        position=position,
        tolerance=tolerance,
        **cast(ItemValues, values),
    )
