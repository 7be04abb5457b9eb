"""Reads for staff watching a class: the gradebook, common wrong answers, scores for LMS files."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Count, Max, Q

from exercises.authoring.generators import task_of
from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem
from exercises.authoring.scoring import excused_points, scaled_to_full, set_points, set_scores
from exercises.authoring.terms import score_adjustments
from exercises.courses.models import Course, Membership
from exercises.gradebook.lms import ExportColumn, ExportStudent
from grading.engine import Task, grade, preview
from grading.models import Submission


@dataclass
class GradebookCell:
    score: Decimal | None  # best score; None: not attempted
    attempts: int = 0
    solved: bool = False


@dataclass
class GradebookRow:
    student: Any
    cells: list[GradebookCell]
    total: Decimal

    @property
    def scores(self) -> list[Decimal | None]:
        return [cell.score for cell in self.cells]


@dataclass
class ItemStats:
    attempted: int  # students with at least one submission
    correct: int  # students with a correct submission
    median_attempts: float | None  # among the students who attempted


@dataclass
class Gradebook:
    course: Course
    items: list[ProblemSetItem]
    rows: list[GradebookRow]

    @property
    def max_total(self) -> Decimal:
        return sum((item.points for item in self.items), Decimal("0"))

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


def gradebook_rows(*, course: Course) -> Gradebook:
    """Each student's best score and attempts per item (score None: not attempted), in four
    queries."""
    items = list(
        ProblemSetItem.objects.filter(problem_set__course=course)
        .select_related("problem_set", "template")
        .order_by("problem_set__due_at", "problem_set_id", "position", "id")
    )
    students = [
        m.user
        for m in Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user")
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
    rows = []
    for student in students:
        cells = []
        for item in items:
            row = found.get((student.pk, item.pk))
            cells.append(
                GradebookCell(
                    score=row["best"] if row else None,
                    attempts=row["n_submissions"] if row else 0,
                    solved=bool(row and row["n_correct"]),
                )
            )
        total = sum((c.score for c in cells if c.score is not None), Decimal("0"))
        rows.append(GradebookRow(student=student, cells=cells, total=total))
    return Gradebook(course=course, items=items, rows=rows)


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
            "answer", "verdict", "instance__params", "instance__student_id"
        )[:WRONG_ANSWERS_EXAMINED]
    )
    groups: dict[tuple[str, str], WrongAnswerGroup] = {}
    group_task: dict[tuple[str, str], Task] = {}
    mistake_counts: Counter[str] = Counter()
    mistake_messages: dict[str, dict[str, str]] = {}
    readings: dict[tuple[str, str], str] = {}
    for row in rows:
        params = row["instance__params"]
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


@dataclass
class ExportData:
    students: list[ExportStudent]
    columns: list[ExportColumn]
    scores: dict[tuple[str, str], Decimal | None]


def export_scores(
    *,
    course: Course,
    problem_set: ProblemSet | None = None,
    attempt: str = "best",
    late_penalty: bool = True,
) -> ExportData:
    """One column per problem set (or just the one), a score per student and set: the sum over
    its items of the best (or last) graded attempt, with or without the late penalty; None
    when the student has no graded attempt in the set. Overrides replace what the attempts
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
    columns = [
        ExportColumn(
            key=str(s.pk),
            title=s.title_en,
            points_possible=points.get(s.pk, Decimal("0")),
            aliases=(s.title_ko,) if s.title_ko and s.title_ko != s.title_en else (),
        )
        for s in set_list
    ]
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
            )
        )
    graded = Submission.objects.filter(
        instance__item_id__in=list(items), status=Submission.Status.GRADED, score__isnull=False
    ).values("instance__student_id", "instance__item_id", "attempt", "score", "equivalent")
    adjustments = score_adjustments(item_ids=list(items))
    excused = excused_points(items=items, adjustments=adjustments)
    scores: dict[tuple[str, str], Decimal | None] = {
        # an excused problem leaves the student's score out of fewer points: the file's
        # column has one maximum, so the score is given as the same share of it
        (str(student_id), str(set_id)): scaled_to_full(
            given=score,
            full=points.get(set_id, Decimal("0")),
            excused=excused.get((student_id, set_id), Decimal("0")),
        )
        for (student_id, set_id), score in set_scores(
            items=items,
            graded=graded,
            attempt=attempt,
            late_penalty=late_penalty,
            adjustments=adjustments,
        ).items()
    }
    return ExportData(students=students, columns=columns, scores=scores)
