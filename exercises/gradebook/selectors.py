"""Reads for staff watching a class: the gradebook, common wrong answers, scores for LMS files."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Count, Max, Q

from exercises.authoring.generators import task_of
from exercises.authoring.generators.parts import part_params, template_part_count
from exercises.authoring.models import (
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
    ScoreOverride,
    ScoreOverrideEvent,
    StudentException,
    StudentSetException,
)
from exercises.authoring.scoring import (
    GRADED_ROW_COLUMNS,
    PartsBest,
    item_counts,
    own_points,
    parts_best,
    scaled_to_full,
    scored_pairs,
    set_points,
    set_scores,
)
from exercises.authoring.terms import Terms, merged_exception, score_adjustments, terms_of
from exercises.courses.models import Course, Membership
from exercises.gradebook.lms import ExportColumn, ExportStudent, Sheet
from exercises.gradebook.models import LmsColumnLink, LmsStudentLink
from grading.engine import Task, grade, preview
from grading.models import Submission


@dataclass
class GradebookCell:
    item: ProblemSetItem
    score: Decimal | None  # the score in force (an override, else the best); None: none yet
    attempts: int = 0
    solved: bool = False
    overridden: bool = False
    excused: bool = False  # left out of the totals
    extended: bool = False  # the student has an extension on this problem

    @property
    def counts(self) -> bool:
        """In the student's set total (exercises.authoring.scoring.item_counts)."""
        return item_counts(
            retired=self.item.retired, excused=self.excused, scored=self.score is not None
        )


@dataclass
class SetTotal:
    problem_set: ProblemSet
    score: Decimal
    maximum: Decimal  # the set's points, excused problems left out


@dataclass
class GradebookRow:
    student: Any
    name: str
    student_id: str
    cells: list[GradebookCell]
    set_totals: list[SetTotal]

    @property
    def scores(self) -> list[Decimal | None]:
        return [cell.score for cell in self.cells]

    @property
    def blocks(self) -> list[tuple[list[GradebookCell], SetTotal]]:
        """The cells of each set with its total, in the table's order."""
        result, at = [], 0
        for total in self.set_totals:
            size = sum(1 for c in self.cells if c.item.problem_set_id == total.problem_set.pk)
            result.append((self.cells[at : at + size], total))
            at += size
        return result

    @property
    def total(self) -> Decimal:
        return sum((t.score for t in self.set_totals), Decimal("0"))

    @property
    def max_total(self) -> Decimal:
        return sum((t.maximum for t in self.set_totals), Decimal("0"))


@dataclass
class ItemColumn:
    item: ProblemSetItem
    label: str  # "2.1": the set's place and the item's place in it, unique in the book

    @property
    def key(self) -> str:
        return f"item-{self.item.pk}"


@dataclass
class SetGroup:
    problem_set: ProblemSet
    number: int  # the set's place in the course, 1-based (two sets may share a title)
    columns: list[ItemColumn]

    @property
    def points(self) -> Decimal:
        """The set's points possible, retired items left out (exercises.authoring.scoring)."""
        return set_points(items=[c.item for c in self.columns]).get(
            self.problem_set.pk, Decimal("0")
        )

    @property
    def key(self) -> str:
        return f"set-{self.problem_set.pk}"


@dataclass
class ItemStats:
    attempted: int  # students with at least one submission
    correct: int  # students with a correct submission
    median_attempts: float | None  # among the students who attempted


DISTRIBUTION_BINS = 5  # 0-20 %, 20-40 %, ..., 80-100 % of the points


@dataclass
class Distribution:
    """How many students' scores fall in each fifth of the points (excused ones left out)."""

    title: str
    counts: list[int]

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Each bin with its bar's height in a 0..60 SVG box (drawn by the template)."""
        top = max(self.counts) or 1
        labels = [
            f"{100 * i // DISTRIBUTION_BINS}-{100 * (i + 1) // DISTRIBUTION_BINS}%"
            for i in range(DISTRIBUTION_BINS)
        ]
        return [
            {
                "label": label,
                "count": count,
                "x": 4 + i * 28,
                "height": round(56 * count / top),
                "y": 60 - round(56 * count / top),
            }
            for i, (label, count) in enumerate(zip(labels, self.counts, strict=True))
        ]


def _bin(score: Decimal, maximum: Decimal) -> int:
    if maximum <= 0:
        return 0
    share = score / maximum
    return min(DISTRIBUTION_BINS - 1, max(0, int(share * DISTRIBUTION_BINS)))


@dataclass
class Gradebook:
    course: Course
    groups: list[SetGroup]
    rows: list[GradebookRow]  # filtered and sorted as asked
    all_rows: int  # students in the course, before the filter
    query: str = ""
    sort: str = "name"
    descending: bool = False

    @property
    def items(self) -> list[ProblemSetItem]:
        return [c.item for g in self.groups for c in g.columns]

    @property
    def columns(self) -> list[ItemColumn]:
        return [c for g in self.groups for c in g.columns]

    @property
    def max_total(self) -> Decimal:
        return sum((g.points for g in self.groups), Decimal("0"))

    @property
    def stats(self) -> list[ItemStats]:
        result = []
        for index in range(len(self.items)):
            cells = [row.cells[index] for row in self.rows if row.cells[index].attempts]
            result.append(
                ItemStats(
                    attempted=len(cells),
                    correct=sum(1 for c in cells if c.solved),
                    median_attempts=median(c.attempts for c in cells) if cells else None,
                )
            )
        return result

    @property
    def stat_blocks(self) -> list[list[ItemStats]]:
        """The items' statistics, set by set."""
        stats = iter(self.stats)
        return [[next(stats) for _ in group.columns] for group in self.groups]

    def item_distributions(self) -> list[Distribution]:
        result = []
        for index, column in enumerate(self.columns):
            counts = [0] * DISTRIBUTION_BINS
            for row in self.rows:
                cell = row.cells[index]
                if cell.score is not None and not cell.excused:
                    counts[_bin(cell.score, column.item.points)] += 1
            result.append(Distribution(title=column.label, counts=counts))
        return result

    def set_distributions(self) -> list[tuple[SetGroup, Distribution, list[Distribution]]]:
        """Per set: the distribution of the students' set totals, then its problems'."""
        per_item = iter(self.item_distributions())
        result = []
        for index, group in enumerate(self.groups):
            counts = [0] * DISTRIBUTION_BINS
            for row in self.rows:
                total = row.set_totals[index]
                if total.maximum > 0:
                    counts[_bin(total.score, total.maximum)] += 1
            items = [next(per_item) for _ in group.columns]
            result.append((group, Distribution(title=str(group.number), counts=counts), items))
        return result


GRADEBOOK_SORTS = ("name", "student_id", "total")


def _student_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _profile_id(user: Any) -> str:
    profile = getattr(user, "student_profile", None)
    return (profile.student_id or "") if profile is not None else ""


def course_items(*, course: Course) -> list[ProblemSetItem]:
    """The course's items in the gradebook's order: sets by due date, items by position."""
    return list(
        ProblemSetItem.objects.filter(problem_set__course=course)
        .select_related("problem_set", "template")
        .order_by(
            "problem_set__due_at", "problem_set__position", "problem_set_id", "position", "id"
        )
    )


def set_groups(*, items: list[ProblemSetItem]) -> list[SetGroup]:
    """Items grouped by set, numbered "set.item" so that no two columns read the same."""
    groups: list[SetGroup] = []
    for item in items:
        if not groups or groups[-1].problem_set.pk != item.problem_set_id:
            number = len(groups) + 1
            groups.append(SetGroup(problem_set=item.problem_set, number=number, columns=[]))
        group = groups[-1]
        group.columns.append(
            ItemColumn(item=item, label=f"{group.number}.{len(group.columns) + 1}")
        )
    return groups


def _sort_key(sort: str, groups: list[SetGroup]) -> Any:
    """The row key of a sort choice: name, student id, total, a set ("set-<id>") or an item
    ("item-<id>"); an unknown choice sorts by name."""
    set_index = {g.key: i for i, g in enumerate(groups)}
    columns = [c for g in groups for c in g.columns]
    item_index = {f"item-{c.item.pk}": i for i, c in enumerate(columns)}
    if sort == "student_id":
        return lambda r: (r.student_id == "", r.student_id, r.name.casefold())
    if sort == "total":
        return lambda r: (r.total, r.name.casefold())
    if sort in set_index:
        at = set_index[sort]
        return lambda r: (r.set_totals[at].score, r.name.casefold())
    if sort in item_index:
        at = item_index[sort]
        return lambda r: (
            r.cells[at].score is not None,
            r.cells[at].score or Decimal("0"),
            r.name.casefold(),
        )
    return lambda r: (r.name.casefold(), r.student.get_username())


def gradebook_rows(
    *, course: Course, query: str = "", sort: str = "name", descending: bool = False
) -> Gradebook:
    """Each student's score per item (an override, else the best attempt; None: nothing yet),
    set totals with excused problems left out, students filtered by `query` (name, student
    id, login or email contain it) and sorted; in six queries whatever the class's size."""
    items = course_items(course=course)
    groups = set_groups(items=items)
    students = [
        m.user
        for m in Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user__student_profile")
        .order_by("user__username")
    ]
    found = {
        (row["student_id"], row["item_id"]): row
        for row in ProblemInstance.objects.filter(item__problem_set__course=course)
        .annotate(
            best=Max("submissions__score"),
            n_submissions=Count("submissions"),
            n_correct=Count("submissions", filter=Q(submissions__equivalent=True)),
        )
        .values("student_id", "item_id", "best", "n_submissions", "n_correct")
    }
    for key, best in course_parts_best(items=items).items():  # multi-part: the parts' sum
        if key in found:
            found[key] = {**found[key], "best": best.score, "n_correct": int(best.solved)}
    adjustments = score_adjustments(item_ids=[i.pk for i in items])
    extends = Q(due_at__isnull=False) | Q(late_until__isnull=False) | Q(max_attempts__isnull=False)
    item_ids = {i.pk for i in items}
    extended = {
        pair
        for pair in StudentException.objects.filter(item__in=items)
        .filter(extends)
        .values_list("student_id", "item_id")
        .union(
            StudentSetException.objects.filter(problem_set__items__in=items)
            .filter(extends)
            .values_list("student_id", "problem_set__items__id")
        )
        if pair[1] in item_ids
    }
    wanted = query.strip().casefold()
    rows = []
    for student in students:
        name, student_id = _student_name(student), _profile_id(student)
        haystack = " ".join([name, student_id, student.get_username(), student.email]).casefold()
        if wanted and wanted not in haystack:
            continue
        cells = []
        for item in items:
            key = (student.pk, item.pk)
            row = found.get(key)
            override = adjustments.overrides.get(key)
            cells.append(
                GradebookCell(
                    item=item,
                    score=override if override is not None else (row["best"] if row else None),
                    attempts=row["n_submissions"] if row else 0,
                    solved=bool(row and row["n_correct"]),
                    overridden=override is not None,
                    excused=key in adjustments.excused,
                    extended=key in extended,
                )
            )
        totals = []
        at = 0
        for group in groups:
            mine = cells[at : at + len(group.columns)]
            at += len(group.columns)
            counted = [c for c in mine if c.counts]
            totals.append(
                SetTotal(
                    problem_set=group.problem_set,
                    score=sum((c.score for c in counted if c.score is not None), Decimal("0")),
                    maximum=sum((c.item.points for c in counted), Decimal("0")),
                )
            )
        rows.append(
            GradebookRow(
                student=student, name=name, student_id=student_id, cells=cells, set_totals=totals
            )
        )
    rows.sort(key=_sort_key(sort, groups), reverse=descending)
    return Gradebook(
        course=course,
        groups=groups,
        rows=rows,
        all_rows=len(students),
        query=query,
        sort=sort,
        descending=descending,
    )


def part_counts(*, items: list[ProblemSetItem]) -> dict[int, int]:
    """The multi-part items among `items` and how many parts each has."""
    return {
        i.pk: n
        for i in items
        if (n := template_part_count(family=i.template.family, config=i.template.config)) > 1
    }


def course_parts_best(
    *, items: list[ProblemSetItem], student: Any | None = None
) -> dict[tuple[int, int], PartsBest]:
    """(student id, item id) -> the score on a multi-part item, the sum of each part's best
    (one query, none when no item has parts); a single-part item's is the best attempt."""
    counts = part_counts(items=items)
    if not counts:
        return {}
    found = Submission.objects.filter(instance__item_id__in=list(counts))
    if student is not None:
        found = found.filter(instance__student=student)
    rows: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in (
        found.order_by()
        .values("instance__student_id", "instance__item_id", "part")
        .annotate(
            best=Max("score"),
            n_correct=Count("id", filter=Q(equivalent=True)),
            n_counted=Count("id", filter=~Q(status=Submission.Status.ERROR)),
        )
    ):
        key = (row["instance__student_id"], row["instance__item_id"])
        rows.setdefault(key, []).append(row)
    return {key: parts_best(rows=listed, parts=counts[key[1]]) for key, listed in rows.items()}


# ------------------------------------------------------------------ one student's answers


@dataclass
class ItemDetail:
    column: ItemColumn
    terms: Terms
    exception: StudentException | None  # in force: the item's own, else the whole set's
    override: ScoreOverride | None
    events: list[ScoreOverrideEvent]
    submissions: list[Submission]
    earned: Decimal | None  # the best graded score; None: nothing graded
    own_exception: StudentException | None = None  # the item's own (not the whole set's)
    parts: int = 1  # a multi-part problem's parts (its score: the sum of each part's best)

    @property
    def item(self) -> ProblemSetItem:
        return self.column.item

    @property
    def score(self) -> Decimal | None:
        return self.override.score if self.override is not None else self.earned

    @property
    def counts(self) -> bool:
        """In the student's set total (exercises.authoring.scoring.item_counts)."""
        return item_counts(
            retired=self.item.retired, excused=self.terms.excused, scored=self.score is not None
        )


@dataclass
class SetDetail:
    group: SetGroup
    items: list[ItemDetail]
    exception: StudentSetException | None = None  # the student's terms on the whole set

    @property
    def score(self) -> Decimal:
        return sum((i.score for i in self.items if i.score is not None and i.counts), Decimal("0"))

    @property
    def maximum(self) -> Decimal:
        return sum((i.item.points for i in self.items if i.counts), Decimal("0"))


@dataclass
class StudentDetail:
    course: Course
    student: Any
    name: str
    student_id: str
    sets: list[SetDetail]


def course_student(*, course: Course, student_pk: int) -> Any | None:
    """A student of the course (None for anyone else: another course's student, staff)."""
    membership = (
        Membership.objects.filter(course=course, user_id=student_pk, role=Membership.Role.STUDENT)
        .select_related("user__student_profile")
        .first()
    )
    return membership.user if membership is not None else None


def student_detail(*, course: Course, student: Any) -> StudentDetail:
    """Everything staff look at for one student: per set and problem, their terms, the score
    in force and how it came about, every submission with its verdict; seven queries."""
    items = course_items(course=course)
    groups = set_groups(items=items)
    own = {e.item_id: e for e in StudentException.objects.filter(item__in=items, student=student)}
    whole_sets = {
        e.problem_set_id: e
        for e in StudentSetException.objects.filter(problem_set__course=course, student=student)
    }
    exceptions = {
        item.pk: merged_exception(own.get(item.pk), whole_sets.get(item.problem_set_id))
        for item in items
    }
    overrides = {
        o.item_id: o
        for o in ScoreOverride.objects.filter(item__in=items, student=student).select_related(
            "set_by"
        )
    }
    events: dict[int, list[ScoreOverrideEvent]] = {}
    for event in ScoreOverrideEvent.objects.filter(item__in=items, student=student).select_related(
        "by"
    ):
        events.setdefault(event.item_id, []).append(event)
    submissions: dict[int, list[Submission]] = {}
    for sub in (
        Submission.objects.filter(instance__item__in=items, instance__student=student)
        .order_by("instance__item_id", "part", "attempt")
        .select_related("instance")
    ):
        submissions.setdefault(sub.instance.item_id, []).append(sub)
    counts = part_counts(items=items)
    sets = []
    for group in groups:
        details = []
        for column in group.columns:
            item = column.item
            subs = submissions.get(item.pk, [])
            graded = [s.score for s in subs if s.score is not None]
            if item.pk in counts and graded:  # multi-part: the sum of each part's best
                best: dict[int, Decimal] = {}
                for sub in subs:
                    if sub.score is not None:
                        best[sub.part] = max(best.get(sub.part, sub.score), sub.score)
                graded = [sum(best.values(), Decimal("0"))]
            details.append(
                ItemDetail(
                    column=column,
                    terms=terms_of(item, exceptions.get(item.pk)),
                    exception=exceptions.get(item.pk),
                    own_exception=own.get(item.pk),
                    override=overrides.get(item.pk),
                    events=events.get(item.pk, []),
                    submissions=subs,
                    earned=max(graded) if graded else None,
                    parts=counts.get(item.pk, 1),
                )
            )
        sets.append(
            SetDetail(
                group=group,
                items=details,
                exception=whole_sets.get(group.problem_set.pk),
            )
        )
    return StudentDetail(
        course=course,
        student=student,
        name=_student_name(student),
        student_id=_profile_id(student),
        sets=sets,
    )


def course_override_events(*, course: Course, limit: int = 500) -> list[ScoreOverrideEvent]:
    """The course's audit trail of overrides, newest first."""
    return list(
        ScoreOverrideEvent.objects.filter(item__problem_set__course=course)
        .select_related("item__problem_set", "item__template", "student__student_profile", "by")
        .order_by("-at", "-id")[:limit]
    )


@dataclass
class SubmissionLine:
    student_name: str
    student_id: str
    username: str
    label: str
    problem_set: ProblemSet
    item: ProblemSetItem
    submission: Submission


def course_submissions(*, course: Course) -> Iterator[SubmissionLine]:
    """Every submission of the course's students, by student and problem, read in chunks."""
    groups = set_groups(items=course_items(course=course))
    labels = {c.item.pk: (c.label, c.item) for g in groups for c in g.columns}
    students = Membership.objects.filter(course=course, role=Membership.Role.STUDENT).values(
        "user_id"
    )
    subs = (
        Submission.objects.filter(
            instance__item__problem_set__course=course, instance__student_id__in=students
        )
        .select_related("instance__student__student_profile", "instance__item__problem_set")
        .order_by("instance__student__username", "instance__item_id", "attempt")
    )
    for sub in subs.iterator(chunk_size=500):
        label, item = labels[sub.instance.item_id]
        student = sub.instance.student
        yield SubmissionLine(
            student_name=_student_name(student),
            student_id=_profile_id(student),
            username=student.get_username(),
            label=label,
            problem_set=item.problem_set,
            item=item,
            submission=sub,
        )


# Bounds that keep the wrong-answers page fast however large the class is.
WRONG_ANSWERS_EXAMINED = 400  # most recent wrong submissions looked at


WRONG_ANSWER_GROUPS = 10  # groups shown


ENGINE_COMPARISONS = 40  # engine calls spent on merging groups


@dataclass
class WrongAnswerGroup:
    answer: str  # the spelling typed most often
    latex: str
    submissions: int
    students: set[int] = field(default_factory=set)
    spellings: Counter[str] = field(default_factory=Counter)
    mistakes: Counter[str] = field(default_factory=Counter)
    mistake_messages: dict[str, dict[str, str]] = field(default_factory=dict)
    share: int = 0  # percent of the wrong submissions examined

    @property
    def mistake(self) -> dict[str, str] | None:
        if not self.mistakes:
            return None
        code, _ = self.mistakes.most_common(1)[0]
        return self.mistake_messages[code]

    @property
    def other_spellings(self) -> list[str]:
        return [s for s, _ in self.spellings.most_common(4) if s != self.answer][:3]


@dataclass
class MistakeShare:
    message: dict[str, str] | None  # None: no typical mistake matched
    submissions: int
    share: int


@dataclass
class WrongAnswers:
    item: ProblemSetItem
    total_wrong: int
    examined: int
    groups: list[WrongAnswerGroup]
    mistakes: list[MistakeShare]
    variants: int  # distinct variants (parameter sets) among the examined submissions
    comparisons: int  # engine calls spent merging groups


def _variant_key(params: dict[str, Any]) -> str:
    task = task_of(params)
    return json.dumps([task.variables, task.function, task.wrt, task.gradient, task.at])


def common_wrong_answers(*, item: ProblemSetItem) -> WrongAnswers:
    """The most common wrong answers of an item, grouped by equivalence, in two queries.

    Answers are first grouped by the engine's normalized reading (cheap: parse only). Groups of
    the same variant (identical parameters) are then merged when the engine grades one group's
    answer as equivalent to another's (bounded by ENGINE_COMPARISONS). Answers to different
    variants are never merged: the same wrong expression is a different mistake there; the
    named mistakes, which do not depend on the variant, are counted across variants instead.
    """
    wrong = Submission.objects.filter(
        instance__item=item, status=Submission.Status.GRADED, equivalent=False
    )
    total = wrong.count()
    rows = list(
        wrong.order_by("-id").values(
            "answer", "verdict", "instance__params", "instance__student_id", "part"
        )[:WRONG_ANSWERS_EXAMINED]
    )
    groups: dict[tuple[str, str], WrongAnswerGroup] = {}
    group_task: dict[tuple[str, str], Task] = {}
    mistake_counts: Counter[str] = Counter()
    mistake_messages: dict[str, dict[str, str]] = {}
    readings: dict[tuple[str, str], str] = {}
    for row in rows:
        # a multi-part problem: each part is a question of its own (a variant of its own here)
        params = part_params(row["instance__params"], row["part"])
        variant = _variant_key(params)
        task = task_of(params)
        cache_key = (variant, row["answer"])
        if cache_key not in readings:
            shown = preview(row["answer"], task.variables, task=task)
            readings[cache_key] = shown.normalized if shown.ok else row["answer"]
        key = (variant, readings[cache_key])
        verdict = row["verdict"] or {}
        group = groups.get(key)
        if group is None:
            group = groups[key] = WrongAnswerGroup(
                answer=row["answer"], latex=str(verdict.get("answer_latex", "")), submissions=0
            )
            group_task[key] = task
        group.submissions += 1
        group.students.add(row["instance__student_id"])
        group.spellings[row["answer"]] += 1
        mistake = verdict.get("mistake")
        code = mistake["code"] if mistake else ""
        if mistake:
            group.mistakes[code] += 1
            group.mistake_messages[code] = mistake
            mistake_messages[code] = mistake
        mistake_counts[code] += 1

    ordered = sorted(groups.items(), key=lambda kv: -kv[1].submissions)
    kept: list[tuple[tuple[str, str], WrongAnswerGroup]] = []
    comparisons = 0
    for key, group in ordered:
        merged = False
        for kept_key, kept_group in kept:
            if kept_key[0] != key[0] or comparisons >= ENGINE_COMPARISONS:
                continue
            comparisons += 1
            task = group_task[kept_key]
            reference = Task(variables=task.variables, reference=kept_key[1], at=task.at)
            if grade(reference, key[1]).equivalent is True:
                kept_group.submissions += group.submissions
                kept_group.students |= group.students
                kept_group.spellings.update(group.spellings)
                kept_group.mistakes.update(group.mistakes)
                kept_group.mistake_messages.update(group.mistake_messages)
                merged = True
                break
        if not merged:
            kept.append((key, group))
        if len(kept) >= WRONG_ANSWER_GROUPS and comparisons >= ENGINE_COMPARISONS:
            break
    examined = len(rows)
    shown_groups = sorted((g for _, g in kept), key=lambda g: -g.submissions)[:WRONG_ANSWER_GROUPS]
    for group in shown_groups:
        group.answer = group.spellings.most_common(1)[0][0]
        group.share = round(100 * group.submissions / examined) if examined else 0
    mistakes = [
        MistakeShare(
            message=mistake_messages.get(code),
            submissions=count,
            share=round(100 * count / examined) if examined else 0,
        )
        for code, count in mistake_counts.most_common()
    ]
    return WrongAnswers(
        item=item,
        total_wrong=total,
        examined=examined,
        groups=shown_groups,
        mistakes=mistakes,
        variants=len({k[0] for k in groups}),
        comparisons=comparisons,
    )


def export_scores(
    *,
    course: Course,
    problem_set: ProblemSet | None = None,
    attempt: str = "best",
    late_penalty: bool = True,
) -> Sheet:
    """One column per problem set (or just the one), a score per student and set: the sum over
    its items of the best (or last) graded attempt, with or without the late penalty; None
    when the student has no graded attempt in the set. With the LMS ids and points
    that filled LMS files taught us. Overrides replace what the attempts
    earned and excused problems count for nothing (exercises.authoring.scoring). Six queries,
    whatever the size.

    Columns carry the set's English title whatever the page's language: an LMS matches its
    columns by title, so a file must not change with the UI language. The Korean title is an
    alias, so a file exported under it still matches when it comes back to be filled."""
    sets = ProblemSet.objects.filter(course=course).order_by("due_at", "position", "id")
    if problem_set is not None:
        sets = sets.filter(pk=problem_set.pk)
    set_list = list(sets)
    items = {
        item.pk: item
        for item in ProblemSetItem.objects.filter(problem_set__in=[s.pk for s in set_list])
    }
    points = set_points(items=items.values())
    column_ids: dict[int, dict[str, str]] = {}
    column_points: dict[int, dict[str, Decimal]] = {}
    for link in LmsColumnLink.objects.filter(problem_set__in=[s.pk for s in set_list]):
        if link.lms_id:
            column_ids.setdefault(link.problem_set_id, {})[link.lms] = link.lms_id
        if link.points_possible is not None:
            column_points.setdefault(link.problem_set_id, {})[link.lms] = link.points_possible
    columns = [
        ExportColumn(
            key=str(s.pk),
            title=s.title_en,
            points_possible=points.get(s.pk, Decimal("0")),
            aliases=(s.title_ko,) if s.title_ko and s.title_ko != s.title_en else (),
            lms_ids=column_ids.get(s.pk, {}),
            lms_points=column_points.get(s.pk, {}),
        )
        for s in set_list
    ]
    student_ids: dict[int, dict[str, str]] = {}
    for user_id, key, value in LmsStudentLink.objects.filter(course=course).values_list(
        "user_id", "key", "value"
    ):
        student_ids.setdefault(user_id, {})[key] = value
    memberships = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user__student_profile")
        .order_by("user__username")
    )
    students = []
    for m in memberships:
        user = m.user
        profile = getattr(user, "student_profile", None)
        student_id = (profile.student_id or "") if profile is not None else ""
        students.append(
            ExportStudent(
                key=str(user.pk),
                name=user.get_full_name() or user.get_username(),
                email=user.email,
                username=user.get_username(),
                student_id=student_id,
                sis_user_id=student_id,
                lms_ids=student_ids.get(user.pk, {}),
            )
        )
    graded = list(
        Submission.objects.filter(
            instance__item_id__in=list(items), status=Submission.Status.GRADED, score__isnull=False
        ).values(*GRADED_ROW_COLUMNS)
    )
    adjustments = score_adjustments(item_ids=list(items))
    given = set_scores(
        items=items,
        graded=graded,
        attempt=attempt,
        late_penalty=late_penalty,
        adjustments=adjustments,
    )
    own = own_points(
        items=items,
        students={student_id for student_id, _ in given},
        scored=scored_pairs(graded=graded, adjustments=adjustments),
        adjustments=adjustments,
    )
    scores: dict[tuple[str, str], Decimal | None] = {
        # excused problems (and scored retired ones) leave the student's score out of other
        # points than the column's: the file's column has one maximum, so the score is given
        # as the same share of it (exercises.authoring.scoring)
        (str(student_id), str(set_id)): scaled_to_full(
            given=score, full=points.get(set_id, Decimal("0")), own=own[(student_id, set_id)]
        )
        for (student_id, set_id), score in given.items()
    }
    return Sheet(students=students, columns=columns, scores=scores)
