"""Reads: what a student may see, shaped for the pages (fixed query counts on list pages)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from exercises.authoring.generators import Params, task_of
from exercises.authoring.generators.parts import (
    carry_of,
    part_count,
    part_params,
    part_points,
    template_part_count,
)
from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem, ProblemTemplate
from exercises.authoring.scoring import PartsBest, item_counts, parts_best
from exercises.authoring.selectors import template_at_version
from exercises.authoring.services.instances import (
    MAX_VARIANT_TRIES,
    NoUsableVariant,
    usable_variant,
)
from exercises.authoring.terms import (
    Standing,
    Terms,
    score_adjustments,
    standing_annotations,
    standing_of,
    student_standing,
    student_terms_by_item,
)
from exercises.courses.models import Membership
from grading.engine import Key, Prepared, key_of, prepare
from grading.engine.derivation import Solution, solution
from grading.engine.hints import Hint, Worked, hint
from grading.engine.plotting import PLOT_VERSION, PlotUnavailable, plot_data
from grading.engine.types import Task
from grading.models import Submission

logger = logging.getLogger(__name__)


def _released(prefix: str = "", now: datetime | None = None) -> Q:
    """Sets that are not hidden and whose release time (opens_at) has come, or have none."""
    opened = Q(**{f"{prefix}opens_at__isnull": True}) | Q(
        **{f"{prefix}opens_at__lte": now or timezone.now()}
    )
    return opened & Q(**{f"{prefix}hidden": False})


def _open_to(user: Any, prefix: str = "", now: datetime | None = None) -> Q:
    """The one rule of what a student reaches, on the problem set at `prefix`: the user is a
    member of its course now, and the set is released (not hidden, opens_at passed). Every
    student selector below filters on it, so every student page follows a removed membership,
    a hidden set or a release date by construction."""
    # a subquery rather than a join through the course: the polled result region stays narrow
    courses = Membership.objects.filter(user=user).values("course_id")
    return Q(**{f"{prefix}course_id__in": courses}) & _released(prefix, now)


def student_problem_sets(*, user: Any) -> QuerySet[ProblemSet]:
    return ProblemSet.objects.filter(_open_to(user)).select_related("course")


def _not_retired(user: Any, prefix: str = "") -> Q:
    """A retired item stays only for the students who opened it (with their history)."""
    opened = ProblemInstance.objects.filter(student=user).values("item_id")
    return Q(**{f"{prefix}retired": False}) | Q(**{f"{prefix}pk__in": opened})


def student_items(*, user: Any) -> QuerySet[ProblemSetItem]:
    return (
        ProblemSetItem.objects.filter(_open_to(user, "problem_set__"))
        .filter(_not_retired(user))
        .select_related("problem_set", "template")
    )


def student_instances(*, user: Any, now: datetime | None = None) -> QuerySet[ProblemInstance]:
    """Only the user's own instances, of sets open to them: any other id is simply not found."""
    return (
        ProblemInstance.objects.filter(student=user)
        .filter(_open_to(user, "item__problem_set__", now))
        .select_related("item__problem_set__course", "template")
    )


def student_result_instances(
    *, user: Any, now: datetime | None = None
) -> QuerySet[ProblemInstance]:
    """student_instances joined only to what the result region and the submit read (the item
    and its set's due date): it is polled while grading and read on every submit, so each
    should be as cheap as it can be (student_result_instance reads one)."""
    return (
        student_instances(user=user, now=now)
        .select_related(None)
        .select_related("item__problem_set")
        # the prepared task (about 12 kB of JSON) is read only to reveal the key, and the worked
        # solution and hints only to show them
        .defer("prepared", "worked")
        # and the student's own terms and override, in the same query (terms.standing_of)
        .annotate(
            **standing_annotations(
                item_ref="item_id", set_ref="item__problem_set_id", student_id=user.pk
            )
        )
    )


# student_result_instance's query is built and compiled by the ORM once per process and
# database connection, with these stand-ins for its three values, then run with the real ones:
# building and compiling it (its membership and terms subqueries) took about 3 ms of CPU per
# submit and per poll that shows a verdict, against under 1 ms to run it and make the instance.
#
# What this relies on, and why each is safe (tests/exercises/practice/test_result_read.py
# checks each):
# - threads: Django's connections are per thread (and per async context), and the compiled
#   read is kept on the connection wrapper, so no two threads share one;
# - the database's kind: kept per connection, so the SQL is the one its backend writes;
# - reconnects: the wrapper outlives its database connection (CONN_MAX_AGE, a dropped
#   connection), and the SQL and the columns' converters do not depend on the session;
# - the parameters' order: each parameter is mapped back by its stand-in's value (all three
#   differ from each other and from anything the query holds), never by position, and a
#   parameter that is no stand-in refuses the compiled read;
# - the subqueries (membership, the student's terms and override): their parameters are the
#   same stand-ins, mapped the same way;
# - the ORM's internals it reads (the compiler's select, klass_info, annotation_col_map,
#   results_iter, get_related_populators): if a Django upgrade changes them, the read falls
#   back to the queryset itself (the same result at the ORM's full cost) and logs it once per
#   connection, instead of failing the request.
_ANY_USER, _ANY_PK = -7_340_001, -7_340_002
_ANY_NOW = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)
_INTERNALS_CHANGED = (AttributeError, TypeError, KeyError, IndexError, ValueError, ImportError)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # each one of the stand-ins (as the database takes them)
    compiler: Any  # the ORM's compiler that made sql: its columns, converters, related objects


class _Unsupported(Exception):
    """The compiled read cannot be made or used here: read with the queryset instead."""


def _compiled_result_read(connection: Any) -> _Compiled | None:
    """The compiled read kept on this connection, made on first use; None when it cannot be
    made with this Django (then the queryset reads, and this is not tried again)."""
    compiled = getattr(connection, "_pc_result_read", None)
    if compiled is None:
        try:
            compiled = _compile_result_read(connection)
        except (_Unsupported, *_INTERNALS_CHANGED):
            logger.warning("the compiled result read is unavailable: the queryset reads")
            compiled = False
        connection._pc_result_read = compiled  # noqa: SLF001 (one per connection wrapper)
    return compiled or None


def _compile_result_read(connection: Any) -> _Compiled:
    from django.contrib.auth import get_user_model

    stand_in = get_user_model()(pk=_ANY_USER)
    query = student_result_instances(user=stand_in, now=_ANY_NOW).filter(pk=_ANY_PK).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    stand_ins = {_ANY_USER, _ANY_PK, connection.ops.adapt_datetimefield_value(_ANY_NOW)}
    if len(stand_ins) != 3 or not params or not all(p in stand_ins for p in params):
        raise _Unsupported(f"unexpected parameters {params!r} in {sql}")
    # what the read below takes from the compiler, checked now rather than on a request
    fields = compiler.klass_info["select_fields"]
    if not fields or fields != list(range(fields[0], fields[-1] + 1)):
        raise _Unsupported("the instance's columns are not one run")
    if not callable(getattr(compiler, "results_iter", None)):
        raise _Unsupported("no results_iter")
    dict(compiler.annotation_col_map)
    return _Compiled(str(sql), tuple(params), compiler)


def student_result_instance(*, user: Any, pk: int) -> ProblemInstance | None:
    """The user's instance `pk` as student_result_instances reads it (the item and its set
    with it, the student's standing annotated), or None: the same SQL, compiled once."""
    from django.db import connections

    connection = connections[ProblemInstance.objects.db]
    compiled = _compiled_result_read(connection)
    if compiled is None:
        return student_result_instances(user=user).filter(pk=pk).first()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    real = {
        _ANY_USER: user.pk,
        _ANY_PK: pk,
        connection.ops.adapt_datetimefield_value(_ANY_NOW): now,
    }
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [real[p] for p in compiled.params])
        rows = cursor.fetchall()
    if not rows:
        return None
    try:
        return _instance_of(rows, compiled.compiler, connection.alias)
    except _INTERNALS_CHANGED:
        logger.warning("the compiled result read failed: the queryset reads")
        connection._pc_result_read = False  # noqa: SLF001 (one per connection wrapper)
        return student_result_instances(user=user).filter(pk=pk).first()


def _instance_of(rows: list[tuple[Any, ...]], compiler: Any, alias: str) -> ProblemInstance:
    """The instance, its item and set, and its annotations from the compiled read's row, as
    the queryset's iterator makes them (django.db.models.query.ModelIterable)."""
    from django.db.models.query import get_related_populators

    select, klass_info = compiler.select, compiler.klass_info
    row = next(iter(compiler.results_iter([rows])))
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [f[0].target.attname for f in select[start:end]]
    instance = ProblemInstance.from_db(alias, names, row[start:end])
    for populator in get_related_populators(klass_info, select, alias):
        populator.populate(row, instance)
    for name, position in compiler.annotation_col_map.items():
        setattr(instance, name, row[position])
    return instance


# The result region waits for a verdict through a URL of its own that carries this signed token
# (practice.views.submission_wait): a poll then reads one status and touches no session, user or
# instance. The token names the submission and the region to load once it is graded (the
# problem's, the submission's, or one part's of a multi-part problem), and expires: it says
# nothing but "still grading".
WAIT_SALT = "practice.submission-wait"
WAIT_MAX_AGE_SECONDS = 3600
WAIT_REGIONS = ("problem", "submission", "part")


@dataclass(frozen=True)
class WaitRegion:
    """The region a wait URL loads once its submission is graded: `kind` is one of
    WAIT_REGIONS, `pk` the problem instance's or the submission's, `part` a part's index (only
    for "part": that part's region of the problem's page)."""

    kind: str
    pk: int
    part: int | None = None


def wait_token(*, submission_id: int, region: WaitRegion) -> str:
    """The token of a wait URL for `region`."""
    return signing.dumps([submission_id, region.kind, region.pk, region.part], salt=WAIT_SALT)


def wait_region(*, submission_id: int, token: str) -> WaitRegion | None:
    """The region a valid token of this submission names, or None (forged, another
    submission's, expired, malformed)."""
    try:
        found = signing.loads(token, salt=WAIT_SALT, max_age=WAIT_MAX_AGE_SECONDS)
        # a token made before parts had regions ([sid, kind, pk]) stays good until it expires
        sid, kind, pk, part = [*found, None] if len(found) == 3 else found
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if sid != submission_id or kind not in WAIT_REGIONS or type(pk) is not int:
        return None
    if (kind == "part") != (type(part) is int and part >= 0):
        return None
    return WaitRegion(kind=str(kind), pk=pk, part=part)


@lru_cache(maxsize=4)
def _waiting_sql(vendor: str) -> str:
    """The wait URL's status read, written once per database kind: the ORM's compile of this
    one-row EXISTS took about 0.3 ms of CPU on every poll, against a few hundredths for the SQL."""
    from django.db import connection

    qn = connection.ops.quote_name
    table, status = qn(Submission._meta.db_table), qn("status")
    # the model's own table and columns, quoted; every value is a parameter
    return f"SELECT 1 FROM {table} WHERE {qn('id')} = %s AND {status} IN (%s, %s) LIMIT 1"  # noqa: S608


def submission_waiting(*, submission_id: int) -> bool:
    """Whether the submission is still queued or being graded (one indexed read)."""
    from django.db import connections

    connection = connections[Submission.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            _waiting_sql(connection.vendor),
            [submission_id, Submission.Status.QUEUED.value, Submission.Status.GRADING.value],
        )
        return cursor.fetchone() is not None


def student_submissions(*, user: Any) -> QuerySet[Submission]:
    """Only the user's own submissions, to problems of sets open to them."""
    return (
        Submission.objects.filter(instance__student=user)
        .filter(_open_to(user, "instance__item__problem_set__"))
        .select_related("instance__item__problem_set")
    )


@dataclass
class ItemRow:
    item: ProblemSetItem
    instance_id: int | None = None
    attempts: int = 0
    solved: bool = False
    score: Decimal = Decimal("0")
    counted: int = 0  # attempts that count (a grading error does not)
    closed: bool = False  # past its last date (the late window's end, if it has one)
    late: bool = False  # past due, still taking late answers
    terms: Terms | None = None  # the student's own terms (exercises.authoring.terms)
    scored: bool = False  # a graded attempt or an override
    parts: int = 1  # a multi-part problem: attempts are per part, the score their sum

    @property
    def counts(self) -> bool:
        """In the student's set total (exercises.authoring.scoring.item_counts)."""
        excused = bool(self.terms and self.terms.excused)
        return item_counts(retired=self.item.retired, excused=excused, scored=self.scored)

    @property
    def max_attempts(self) -> int:
        return self.terms.max_attempts if self.terms else self.item.max_attempts

    @property
    def closed_for_credit(self) -> bool:
        """No answer counts any more: solved, attempts used, or closed (practice is offered)."""
        return self.closed or self.solved or self.counted >= self.max_attempts


@dataclass
class SetRow:
    problem_set: ProblemSet
    items: list[ItemRow] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return sum(1 for row in self.items if row.solved)

    @property
    def attempted(self) -> int:
        return sum(1 for row in self.items if row.attempts)

    @property
    def counted_items(self) -> list[ItemRow]:
        """The items in the student's total: an excused problem is left out, and a retired one
        without a score (exercises.authoring.scoring)."""
        return [row for row in self.items if row.counts]

    @property
    def score(self) -> Decimal:
        return sum((row.score for row in self.counted_items), Decimal("0"))

    @property
    def max_score(self) -> Decimal:
        return sum((row.item.points for row in self.counted_items), Decimal("0"))

    @property
    def progress_percent(self) -> int:
        return round(100 * self.solved / len(self.items)) if self.items else 0


def dashboard_rows(
    *, user: Any, problem_set_id: int | None = None, as_student: bool = False
) -> list[SetRow]:
    """The user's problem sets with per-item progress and score (their own terms, and an
    override in place of what the attempts earned), in five queries; `as_student`: only those
    of courses where the user is a student (the dashboard: staff see their courses there, not
    their own progress in them)."""
    sets = student_problem_sets(user=user).order_by("due_at", "position", "id")
    if problem_set_id is not None:
        sets = sets.filter(pk=problem_set_id)
    if as_student:
        studying = Membership.objects.filter(user=user, role=Membership.Role.STUDENT)
        sets = sets.filter(course_id__in=studying.values("course_id"))
    rows = {ps.pk: SetRow(problem_set=ps) for ps in sets}
    if not rows:
        return []
    items = (
        ProblemSetItem.objects.filter(problem_set_id__in=rows)
        .filter(_not_retired(user))
        .select_related("template", "problem_set")
        .order_by("problem_set_id", "position", "id")
    )
    instances = (
        ProblemInstance.objects.filter(student=user, item__problem_set_id__in=rows)
        .annotate(
            n_submissions=Count("submissions"),
            best_score=Max("submissions__score"),
            n_correct=Count("submissions", filter=Q(submissions__equivalent=True)),
            n_counted=Count("submissions", filter=~Q(submissions__status=Submission.Status.ERROR)),
        )
        .values("id", "item_id", "n_submissions", "best_score", "n_correct", "n_counted")
    )
    by_item = {row["item_id"]: row for row in instances}
    items = list(items)
    by_parts = _parts_best(user=user, items=items)
    terms = student_terms_by_item(items=items, student_id=user.pk)
    overrides = score_adjustments(item_ids=[i.pk for i in items], student_id=user.pk).overrides
    now = timezone.now()
    for item in items:
        found = by_item.get(item.pk)
        mine = terms[item.pk]
        row = ItemRow(item=item, closed=mine.closed(now), late=mine.late(now), terms=mine)
        if found:
            row.instance_id = found["id"]
            row.attempts = found["n_submissions"]
            row.counted = found["n_counted"]
            row.solved = found["n_correct"] > 0
            row.score = found["best_score"] or Decimal("0")
            row.scored = found["best_score"] is not None
        row.parts = template_part_count(family=item.template.family, config=item.template.config)
        if found and item.pk in by_parts:  # a multi-part problem: its parts' sum
            best = by_parts[item.pk]
            row.solved, row.score, row.counted = best.solved, best.score, best.counted
        override = overrides.get((user.pk, item.pk))
        if override is not None:
            row.score, row.scored = override, True
        rows[item.problem_set_id].items.append(row)
    return list(rows.values())


def _parts_best(*, user: Any, items: list[ProblemSetItem]) -> dict[int, PartsBest]:
    """The user's score on each multi-part item of `items` (one query, none when there are
    none): per item, the sum of each part's best score."""
    counts = {
        i.pk: n
        for i in items
        if (n := template_part_count(family=i.template.family, config=i.template.config)) > 1
    }
    if not counts:
        return {}
    rows = (
        Submission.objects.filter(instance__student=user, instance__item_id__in=list(counts))
        .order_by()
        .values("instance__item_id", "part")
        .annotate(
            best=Max("score"),
            n_correct=Count("id", filter=Q(equivalent=True)),
            n_counted=Count("id", filter=~Q(status=Submission.Status.ERROR)),
        )
    )
    by_item: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_item.setdefault(row["instance__item_id"], []).append(row)
    return {pk: parts_best(rows=by_item.get(pk, []), parts=n) for pk, n in counts.items()}


@dataclass
class Attempts:
    """A student's attempts at one answer (a problem, or one part of a multi-part problem):
    their history, what they left, the verdicts and the key once it is shown."""

    submissions: list[Submission]
    attempts_used: int
    attempts_left: int
    solved: bool
    closed: bool
    late: bool
    pending: Submission | None
    best_score: Decimal
    key: Key | None

    @property
    def latest(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None


def _attempts(
    submissions: list[Submission], *, terms: Terms, now: datetime, key: Callable[[], Key]
) -> dict[str, Any]:
    """The fields of Attempts for `submissions` (in attempt order) under the student's terms:
    the key (computed by `key`) once they are closed, solved or used up."""
    used = sum(1 for s in submissions if s.status != Submission.Status.ERROR)
    solved = any(s.equivalent is True for s in submissions)
    closed = terms.closed(now)
    pending = next((s for s in submissions if s.is_pending), None)
    # With a late window the key waits until the window closes, or it could be copied late.
    reveal = closed or (pending is None and (solved or used >= terms.max_attempts))
    return {
        "submissions": submissions,
        "attempts_used": used,
        "attempts_left": max(0, terms.max_attempts - used),
        "solved": solved,
        "closed": closed,
        "late": terms.late(now),
        "pending": pending,
        "best_score": max((s.score or Decimal("0") for s in submissions), default=Decimal("0")),
        "key": key() if reveal else None,
    }


@dataclass
class ProblemState(Attempts):
    instance: ProblemInstance
    terms: Terms | None = None  # the student's own terms (exercises.authoring.terms)
    overridden: bool = False  # best_score is a score set by hand

    @property
    def excused(self) -> bool:
        """The student is excused from the problem: it takes no answer from them."""
        return bool(self.terms and self.terms.excused)

    @property
    def can_submit(self) -> bool:
        return not (self.excused or self.closed or self.solved or self.attempts_left <= 0)


def _instance_key(instance: ProblemInstance) -> Key:
    """The instance's key: from what the engine prepared when the variant was made, or
    computed again for variants made before that was kept."""
    _load_kept(instance)
    return key_of(task_of(instance.params), Prepared.load(instance.prepared))


def _load_kept(instance: ProblemInstance) -> None:
    """Read what student_result_instances leaves out (the prepared task, the worked solution
    and hints) in one query, once something on the region needs one of them: the key shown
    goes with the worked solution, a hint needs the worked hints."""
    deferred = sorted(instance.get_deferred_fields() & {"prepared", "worked"})
    if not deferred:
        return
    from django.db import connections

    connection = connections[instance._state.db or ProblemInstance.objects.db]
    fields = [ProblemInstance._meta.get_field(name) for name in deferred]
    with connection.cursor() as cursor:
        cursor.execute(_kept_sql(connection.vendor, tuple(deferred)), [instance.pk])
        row = cursor.fetchone()
    if row is None:  # gone since it was read: as refresh_from_db, which raises DoesNotExist
        raise ProblemInstance.DoesNotExist
    # each value as the ORM reads it (JSONField.from_db_value), without its per-call compile
    for f, value in zip(fields, row, strict=True):
        setattr(instance, f.attname, f.from_db_value(value, None, connection))


@lru_cache(maxsize=8)
def _kept_sql(vendor: str, names: tuple[str, ...]) -> str:
    """_load_kept's read, written once per database kind and columns: refresh_from_db compiled
    a query on each region that shows a key or a hint (about 0.5 ms of CPU)."""
    from django.db import connection

    qn = connection.ops.quote_name
    table = qn(ProblemInstance._meta.db_table)
    columns = ", ".join(qn(ProblemInstance._meta.get_field(n).column) for n in names)
    # the model's own table and columns, quoted; the id is a parameter
    return f"SELECT {columns} FROM {table} WHERE {qn('id')} = %s"  # noqa: S608


@dataclass(frozen=True)
class _HistoryRead:
    sql: str
    names: list[str]
    converters: list[tuple[Any, list[Any]]]  # per column: (its expression, its converters)


def _history_read(connection: Any, order: tuple[str, ...], by_part: bool) -> _HistoryRead:
    """instance_history's SELECT, written once per connection wrapper (so per thread and
    database kind), order and filter, with each column's converters as the ORM's compiler
    finds them (SQLCompiler.get_converters)."""
    reads = connection.__dict__.setdefault("_pc_history_reads", {})
    read = reads.get((order, by_part))
    if read is not None:
        return read
    qn = connection.ops.quote_name
    fields = Submission._meta.concrete_fields
    table = Submission._meta.db_table
    where = f"{qn('instance_id')} = %s" + (f" AND {qn('part')} = %s" if by_part else "")
    sql = (
        f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(table)} WHERE {where}"  # noqa: S608 (the model's own names, quoted; the values are parameters)
        f" ORDER BY {', '.join(qn(Submission._meta.get_field(n).column) for n in order)}"
    )
    converters = []
    for f in fields:
        col = f.get_col(table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((col, found))
    read = reads[(order, by_part)] = _HistoryRead(sql, [f.attname for f in fields], converters)
    return read


def instance_history(
    instance: ProblemInstance, *, order: tuple[str, ...], part: int | None = None
) -> list[Submission]:
    """The instance's submissions (one part's with `part`) in `order`: what
    `instance.submissions.order_by(*order)` reads, each submission's instance set, as SQL
    written once: the ORM compiled this query on every result region and submit (about 0.5 ms
    of CPU)."""
    from django.db import connections

    alias = instance._state.db or Submission.objects.db
    connection = connections[alias]
    read = _history_read(connection, order, part is not None)
    params = [instance.pk] if part is None else [instance.pk, part]
    with connection.cursor() as cursor:
        cursor.execute(read.sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for i, (col, converters) in enumerate(read.converters):
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        submission = Submission.from_db(alias, read.names, values)
        submission.instance = instance
        found.append(submission)
    return found


def problem_state(
    *,
    instance: ProblemInstance,
    now: datetime,
    submissions: list[Submission] | None = None,
    standing: Standing | None = None,
) -> ProblemState:
    """Attempts, deadlines, history; the key once attempts are used up, solved, or closed.

    `submissions`: the instance's submissions in attempt order when the caller has just read
    them (a submit does, under the instance's lock); otherwise they are read here. So with
    `standing`, the student's terms and override (exercises.authoring.terms), which an instance
    read by student_result_instances carries already."""
    item = instance.item
    if submissions is None:
        submissions = instance_history(instance, order=("attempt",))
    if standing is None:
        standing = standing_of(instance=instance) or student_standing(
            item=item, student_id=instance.student_id
        )
    if part_count(instance.params) > 1:
        return _parts_summary(
            instance=instance, now=now, submissions=submissions, standing=standing
        )
    terms = standing.terms
    attempts = _attempts(submissions, terms=terms, now=now, key=lambda: _instance_key(instance))
    if standing.override is not None:
        attempts["best_score"] = standing.override
    return ProblemState(
        instance=instance, terms=terms, overridden=standing.override is not None, **attempts
    )


@dataclass
class PartState(Attempts):
    """One part of a multi-part problem, as its region of the page shows it: its own
    attempts, verdicts, best score (of its share of the points) and key."""

    index: int
    params: Params
    points: Decimal
    carry: tuple[int, Decimal] | None  # (earlier part, share) when it carries forward

    @property
    def can_submit(self) -> bool:
        return not (self.closed or self.solved or self.attempts_left <= 0)

    @property
    def letter(self) -> str:
        return "abcdefghij"[self.index]


@dataclass
class PartsState:
    """A multi-part problem: its parts, and the item's score, the sum of the parts' best."""

    instance: ProblemInstance
    parts: list[PartState]
    terms: Terms
    closed: bool
    late: bool
    earned: Decimal
    overridden: bool
    best_score: Decimal  # the override when there is one, else earned

    @property
    def solved(self) -> bool:
        return all(p.solved for p in self.parts)

    @property
    def can_submit(self) -> bool:
        """A part still takes an answer (the problem is not closed for credit)."""
        excused = bool(self.terms and self.terms.excused)
        return not excused and any(p.can_submit for p in self.parts)

    @property
    def pending(self) -> Submission | None:
        return next((p.pending for p in self.parts if p.pending is not None), None)


def part_key(instance: ProblemInstance, part: int) -> Key:
    """One part's key: from the part's prepared task kept with the variant, or computed."""
    data = instance.prepared or {}
    if part:
        listed = data.get("parts")
        data = listed[part] if isinstance(listed, list) and part < len(listed) else None
    params = part_params(instance.params, part)
    return key_of(task_of(params), Prepared.load(data if isinstance(data, dict) else None))


def problem_parts_state(
    *,
    instance: ProblemInstance,
    now: datetime,
    submissions: list[Submission] | None = None,
    standing: Standing | None = None,
) -> PartsState:
    """problem_state for a multi-part problem: per part its attempts (counted per part, with
    the student's terms for each), verdicts and key (shown once that part is solved, its
    attempts are used up, or the problem is closed)."""
    item = instance.item
    if submissions is None:
        submissions = instance_history(instance, order=("part", "attempt"))
    if standing is None:
        standing = student_standing(item=item, student_id=instance.student_id)
    terms = standing.terms
    closed = terms.closed(now)
    params = instance.params
    points = part_points(params, item.points)
    parts = []
    for k in range(part_count(params)):
        mine = sorted((s for s in submissions if s.part == k), key=lambda s: s.attempt)
        parts.append(
            PartState(
                index=k,
                params=part_params(params, k),
                points=points[k],
                carry=carry_of(params, k),
                **_attempts(mine, terms=terms, now=now, key=partial(part_key, instance, k)),
            )
        )
    earned = sum((p.best_score for p in parts), Decimal("0"))
    return PartsState(
        instance=instance,
        parts=parts,
        terms=terms,
        closed=closed,
        late=terms.late(now),
        earned=earned,
        overridden=standing.override is not None,
        best_score=earned if standing.override is None else standing.override,
    )


def _parts_summary(
    *, instance: ProblemInstance, now: datetime, submissions: list[Submission], standing: Standing
) -> ProblemState:
    """problem_state of a multi-part problem as a whole: solved when every part is, open for
    answers while a part that is not solved has attempts left, its score the parts' sum; no
    single key (each part shows its own: problem_parts_state)."""
    whole = problem_parts_state(
        instance=instance, now=now, submissions=submissions, standing=standing
    )
    open_parts = [p for p in whole.parts if not p.solved]
    return ProblemState(
        instance=instance,
        submissions=submissions,
        attempts_used=sum(p.attempts_used for p in whole.parts),
        attempts_left=sum(p.attempts_left for p in open_parts),
        solved=whole.solved,
        closed=whole.closed,
        late=whole.late,
        pending=next((p.pending for p in whole.parts if p.pending is not None), None),
        best_score=whole.best_score,
        key=None,
        terms=whole.terms,
        overridden=whole.overridden,
    )


def item_neighbours(
    *, user: Any, item: ProblemSetItem
) -> tuple[ProblemSetItem | None, ProblemSetItem | None]:
    """The items before and after `item` in its set, in the set's order (None at either end)."""
    items = list(
        student_items(user=user)
        .filter(problem_set_id=item.problem_set_id)
        .order_by("position", "id")
    )
    at = next((i for i, it in enumerate(items) if it.pk == item.pk), None)
    if at is None:
        return None, None
    return (items[at - 1] if at > 0 else None), (items[at + 1] if at + 1 < len(items) else None)


def problem_plot(
    *,
    instance: ProblemInstance,
    now: datetime,
    state: ProblemState | PartsState | None = None,
) -> dict[str, Any] | None:
    """What the problem page draws (grading.engine.plotting), or None when the item's plots
    are off or the task cannot be plotted. The latest graded answer is drawn against the
    function; the key's derivative only once problem_state would show the key. `state`: the
    page's own problem_state (or problem_parts_state) when it has just read it (the page
    inlines this data). A multi-part problem's parts share one function: it is drawn once, for
    its first part asking a derivative (no point), with that part's latest answer."""
    if not instance.item.show_plots:
        return None
    drawn: Attempts
    params: Params
    if part_count(instance.params) > 1:
        if not isinstance(state, PartsState):
            state = problem_parts_state(instance=instance, now=now)
        part = plotted_part(state)
        drawn, params = part, part.params
    else:
        if not isinstance(state, ProblemState):
            state = problem_state(instance=instance, now=now)
        drawn, params = state, instance.params
    graded = [s for s in drawn.submissions if s.status == Submission.Status.GRADED]
    answer = graded[-1].answer if graded else None
    data = cached_plot_data(task=task_of(params), answer=answer, reveal=drawn.key is not None)
    if data is None:
        return None
    data["attempt"] = graded[-1].attempt if graded else None
    return data


def plotted_part(whole: PartsState) -> PartState:
    """The part whose derivative a multi-part problem's plots draw: the first asking one
    without a point (its answer is a function, whose tangent the slice shows), else part 0."""
    return next((p for p in whole.parts if not p.params.get("at")), whole.parts[0])


UNPLOTTABLE = "unplottable"  # cached too: a task that cannot be plotted is not tried again


def cached_plot_data(*, task: Task, answer: str | None, reveal: bool) -> dict[str, Any] | None:
    """plot_data(task, answer, reveal) through the cache, None when the task cannot be plotted.

    The data is a pure function of what the key is made of: the engine's plotting version, the
    task (function, variables, order, point: everything the variant's template version and
    parameters decide), the answer drawn and whether the key is revealed. So students with the
    same variant and answer share an entry, and a changed template makes a new key. `reveal` is
    part of the key: an entry with the key's values is reached only by a request that may show
    them. A cache outage only costs speed."""
    blob = json.dumps([PLOT_VERSION, task.to_dict(), answer or "", reveal], sort_keys=True)
    key = "plot:" + hashlib.sha256(blob.encode()).hexdigest()
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 (the cache is an optimisation)
        cached = None
        logger.warning("plot cache unavailable")
    if cached is not None:
        return None if cached == UNPLOTTABLE else dict(cached)
    data = _plot_data_or_unplottable(task, answer, reveal)
    try:
        cache.set(key, data, timeout=settings.PLOT_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("plot cache unavailable")
    return None if data == UNPLOTTABLE else dict(data)  # type: ignore[arg-type]


def _plot_data_or_unplottable(task: Task, answer: str | None, reveal: bool) -> dict[str, Any] | str:
    """plot_data, or UNPLOTTABLE. The plots are drawn on every load of the problem page, with
    the student's latest answer: a failure the engine did not foresee in drawing that answer
    must not make the page fail from then on (1/0 once did), so it is logged and the plots are
    drawn without the answer; one in drawing the key leaves the page without plots."""
    for drawn in (answer, None) if answer else (None,):
        try:
            return plot_data(task, answer=drawn, reveal=reveal)
        except PlotUnavailable:
            return UNPLOTTABLE
        except Exception:  # noqa: BLE001 (the backstop: the page is worth more than its plots)
            logger.exception("plot data failed: %s, answer %r", task.to_dict(), drawn)
    return UNPLOTTABLE


def part_worked(instance: ProblemInstance, part: int = 0) -> Worked | None:
    """The worked solution and hints kept with the variant for one part (part 0: the problem
    itself, or a multi-part problem's first part; the others' are kept beside it, see
    authoring.services.instances.instance_worked_record), or None when not derived yet."""
    _load_kept(instance)
    data = instance.worked
    if part:
        listed = data.get("parts") if isinstance(data, dict) else None
        data = listed[part] if isinstance(listed, list) and part < len(listed) else None
    return Worked.load(data if isinstance(data, dict) else None)


def problem_hint(
    *, instance: ProblemInstance, state: Attempts, shown: Submission | None, part: int = 0
) -> Hint | None:
    """The hint after the shown answer (grading.engine.hints) to a problem or to one part of
    it: only when it was graded wrong, before the key is shown, on an item whose hints are on."""
    if shown is None or state.key is not None or not instance.item.show_hints:
        return None
    if shown.status != Submission.Status.GRADED or shown.equivalent is not False:
        return None
    mistake = (shown.verdict or {}).get("mistake")
    code = mistake.get("code") if isinstance(mistake, dict) else None
    code = code if isinstance(code, str) else None
    worked = part_worked(instance, part)
    if worked is not None:
        kept, found = worked.hint_for(code)
        if kept:
            return found
    return hint(task_of(part_params(instance.params, part)), code)


def problem_solution(
    *, instance: ProblemInstance, state: Attempts, part: int = 0
) -> Solution | None:
    """The worked solution of a problem or of one part of it, once its key is shown (None
    before, or when a step of it did not check: then only the key is shown). A value part's
    ends with the key's value at the point."""
    if state.key is None:
        return None
    worked = part_worked(instance, part)  # made with the variant (variants since 0006)
    if worked is not None:
        return worked.solution
    params = part_params(instance.params, part)
    return solution(task_of(params), str(params.get("fname", "f")))


# --------------------------------------------------------------------------- keep practising

PRACTICE_MAX = 1000  # practice variants a student can step through per problem


@dataclass(frozen=True)
class PracticeVariant:
    """An ungraded variant of a closed problem's template: made again from its seed on every
    request, never stored, never a submission (so never in a score, the gradebook or the LMS)."""

    n: int
    seed: int
    params: Params
    prepared: Prepared
    # a multi-part variant's parts, each practised as a problem of its own (nothing is stored,
    # so no answer is carried forward)
    parts: tuple[PracticeVariant, ...] = ()

    def part(self, index: int) -> PracticeVariant | None:
        """The variant practised for part `index` (0 for a single-part one), or None."""
        if not self.parts:
            return self if index == 0 else None
        return self.parts[index] if 0 <= index < len(self.parts) else None


def practice_open(*, state: ProblemState | PartsState) -> bool:
    """Practice variants only once the problem is closed for credit (solved, attempts used, or
    past its last date) and nothing is being graded: never while an answer still counts."""
    return not state.can_submit and state.pending is None


def practice_plot(*, variant: PracticeVariant, answer: str) -> dict[str, Any] | None:
    """The plot data of a practice variant with the answer drawn; the key's derivative only
    once there is an answer (as the page shows the key then). None when it cannot be plotted."""
    task = task_of(variant.params)
    data = cached_plot_data(task=task, answer=answer or None, reveal=bool(answer))
    if data is None:
        return None
    data["attempt"] = None  # a practice answer, not an attempt
    return data


def _practice_seeds(owner: int, n: int) -> list[int]:
    """The seeds of practice variant n of instance `owner`: chosen here, not by the student, and
    apart from the graded variants' seeds (authoring.services.instances)."""
    return [
        int.from_bytes(hashlib.sha256(f"practice:{owner}:{n}:{k}".encode()).digest()[:6], "big")
        for k in range(MAX_VARIANT_TRIES)
    ]


def practice_variant(*, instance: ProblemInstance, n: int) -> PracticeVariant | None:
    """Practice variant n (1..PRACTICE_MAX) of the instance's template at the version the
    instance was made from (a library template may have had a new version since: practice
    stays on the graded problem's), or None (out of range, template not published, that
    version not kept, no usable variant)."""
    if not 1 <= n <= PRACTICE_MAX or not instance.template.published:
        return None
    template = template_at_version(template=instance.template, version=instance.template_version)
    if template is None:
        return None
    config = json.dumps(template.config, sort_keys=True)
    return _practice_variant(
        template.slug, template.family, template.version, config, instance.pk, n
    )


@lru_cache(maxsize=128)
def _practice_variant(
    slug: str, family: str, version: int, config: str, owner: int, n: int
) -> PracticeVariant | None:
    """Remembered per process: the engine's SymPy work on a variant is done once."""
    template = ProblemTemplate(slug=slug, family=family, version=version, config=json.loads(config))
    try:
        seed, params = usable_variant(template=template, seeds=_practice_seeds(owner, n))
    except NoUsableVariant:
        return None
    parts = tuple(
        PracticeVariant(n=n, seed=seed, params=p, prepared=prepare(task_of(p)))
        for p in (part_params(params, k) for k in range(part_count(params)))
        if part_count(params) > 1
    )
    prepared = parts[0].prepared if parts else prepare(task_of(params))
    return PracticeVariant(n=n, seed=seed, params=params, prepared=prepared, parts=parts)
