"""submission_grade: read a submission, run the engine, record the verdict (idempotent)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from exercises.authoring.generators import task_of
from exercises.authoring.generators.parts import carry_of, is_parts, part_params, part_points
from exercises.authoring.models import ProblemInstance
from exercises.authoring.scoring import verdict_credit
from exercises.authoring.selectors import item_tolerance
from exercises.lti.services.passback import passback_record, unlinked_sql
from grading.engine import ENGINE_VERSION, Prepared, Task, Verdict, grade, preview
from grading.models import Submission

logger = logging.getLogger(__name__)


def score_of(
    *,
    equivalent: bool | None,
    late: bool,
    points: Decimal,
    late_penalty: Decimal,
    credit: Decimal | None = None,
) -> Decimal:
    """The points times the share earned (`credit`, 0 to 1: authoring.scoring.verdict_credit;
    None: all when right, else none), reduced by the item's late penalty when late."""
    if credit is None:
        credit = Decimal("1") if equivalent is True else Decimal("0")
    if not credit:
        return Decimal("0.00")
    factor = Decimal("1") - late_penalty if late else Decimal("1")
    return (points * credit * factor).quantize(Decimal("0.01"))


def submission_score(*, submission: Submission, verdict: Verdict) -> Decimal:
    item = submission.instance.item
    return score_of(
        equivalent=verdict.equivalent,
        late=submission.late,
        points=item.points,
        late_penalty=item.late_penalty,
        credit=verdict_credit(verdict=verdict, vector_credit=item.vector_credit),
    )


def task_under(*, params: dict[str, Any], tolerance: float | None) -> Task:
    """The instance's task (with the template's tolerance), under the item's tolerance when
    the instructor has set one."""
    task = task_of(params)
    return task if tolerance is None else replace(task, tolerance=tolerance)


def submission_task(*, submission: Submission) -> Task:
    """What the submission is graded against."""
    return task_under(
        params=submission.instance.params, tolerance=item_tolerance(item=submission.instance.item)
    )


def prepared_of(*, data: dict[str, Any] | None, instance_id: int) -> Prepared | None:
    """The engine's prepared task kept with an instance, if any (the engine ignores one made
    by another engine version)."""
    prepared = Prepared.load(data)
    if prepared is None and data:
        logger.warning("instance %s: unreadable prepared task, recomputing", instance_id)
    return prepared


def instance_prepared(*, instance: ProblemInstance) -> Prepared | None:
    return prepared_of(data=instance.prepared, instance_id=instance.pk)


@dataclass(frozen=True)
class GradingInput:
    """What grading a submission reads: the answer, the instance's variant, the item's rules."""

    submission_id: int
    answer: str
    late: bool
    instance_id: int
    seed: int
    params: dict[str, Any]
    prepared: dict[str, Any] | None
    points: Decimal
    late_penalty: Decimal
    tolerance: float | None
    student_id: int
    problem_set_id: int
    part: int = 0
    vector_credit: str = "per_component"


_INPUT_COLUMNS = (
    "part",
    "answer",
    "late",
    "instance_id",
    "instance__seed",
    "instance__params",
    "instance__prepared",
    "instance__item__points",
    "instance__item__late_penalty",
    "instance__item__grading_policy__tolerance",
    "instance__student_id",
    "instance__item__problem_set_id",
    "instance__item__vector_credit",
)


@functools.cache
def _grading_input_sql(vendor: str) -> str:
    """The SQL of grading_input, as the ORM writes it, made once per process and database
    kind. Django compiles a query anew every time; for this read across four tables that
    took about 3 ms of CPU, a fifth of what a worker spent per answer (bench/submit_cost.py),
    against 0.3 ms to run it."""
    query = Submission.objects.filter(pk=0).order_by().values_list(*_INPUT_COLUMNS).query
    sql, params = query.sql_with_params()
    if params != (0,):  # the id must be the only parameter, so that it can be swapped
        raise AssertionError(f"unexpected parameters {params!r} in {sql}")
    return str(sql)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def grading_input(*, submission_id: int) -> GradingInput | None:
    """One read, no model instances (None when there is no such submission)."""
    with connection.cursor() as cursor:
        cursor.execute(_grading_input_sql(connection.vendor), [submission_id])
        row = cursor.fetchone()
    if row is None:
        return None
    (part, answer, late, instance_id, seed, params, prepared, points, penalty, tolerance, *who) = (
        row
    )
    return GradingInput(
        submission_id=submission_id,
        part=int(part),
        answer=answer,
        late=bool(late),
        instance_id=instance_id,
        seed=int(seed),
        params=_json(params),
        prepared=_json(prepared),
        points=Decimal(str(points)),
        late_penalty=Decimal(str(penalty)),
        tolerance=None if tolerance is None else float(tolerance),
        student_id=who[0],
        problem_set_id=who[1],
        vector_credit=who[2],
    )


def submission_grade(*, submission_id: int) -> Submission:
    """Grade once (submission_grade_record) and return the submission as stored."""
    submission_grade_record(submission_id=submission_id)
    return Submission.objects.get(pk=submission_id)


def submission_grade_record(*, submission_id: int, passbacks: list[int] | None = None) -> bool:
    """Grade once and record the verdict; False when nothing was recorded (already graded,
    no such submission, or the engine failed and the submission is marked "could not grade").
    A submission already graded keeps its verdict, so a redelivered or requeued task records
    no second one. `passbacks`, when given, receives the LTI outbox rows whose score the
    verdict changed (to send once this returns; none where no LMS is involved).

    Three steps, each atomic on its own: claim the submission (a conditional UPDATE to
    "grading"), read what grading needs, and record the verdict with a conditional UPDATE that
    only succeeds if no verdict was recorded meanwhile (by a worker that got the same
    submission again after a requeue), in one transaction with the LTI outbox's new score
    (exercises.lti.services.passback). No row lock is held while the engine runs.
    """
    if not _claim(submission_id=submission_id, now=timezone.now()):
        return False  # already graded (or gone)
    given = grading_input(submission_id=submission_id)
    if given is None:
        return False

    # The engine runs outside any transaction: it is pure and may take a while. It is built
    # never to raise; should it all the same, this answer is marked "could not grade" (the
    # instructor sees it flagged, the attempt does not count) and the worker goes on.
    try:
        outcome = graded_outcome(given=given)
    except Exception as exc:  # noqa: BLE001
        logger.exception("the engine failed on submission %s", submission_id)
        submission_mark_error(
            submission_id=submission_id, detail=f"could not grade: {type(exc).__name__}"
        )
        return False

    recorded = _verdict_store(given=given, outcome=outcome, passbacks=passbacks)
    if recorded:  # else another worker finished first; its verdict stays
        verdict = outcome.verdict
        logger.info(
            "graded submission %s: %s by %s in %.1f ms",
            submission_id,
            verdict.equivalent,
            verdict.method,
            verdict.elapsed_ms,
        )
    return bool(recorded)


def _verdict_store(
    *, given: GradingInput, outcome: GradedOutcome, passbacks: list[int] | None
) -> bool:
    """Record the verdict unless one was recorded meanwhile; True when this one was.

    The verdict and, when the submission's set is linked from an LMS, the student's new score
    in the LTI outbox: one transaction, so a score is never recorded without its passback nor
    the reverse. Where no LMS links the set (most sets), the verdict is stored by one
    statement that checks so itself (exercises.lti.services.passback.unlinked_sql): atomic on
    its own, it spares the transaction's BEGIN and COMMIT and the outbox's query, three of a
    grade's six round trips. When it stores nothing (a link, or a verdict already there), the
    transaction decides as before."""
    if _verdict_record(
        submission_id=given.submission_id, outcome=outcome, unlinked_set=given.problem_set_id
    ):
        return True
    with transaction.atomic():
        recorded = _verdict_record(submission_id=given.submission_id, outcome=outcome)
        if recorded:
            changed = passback_record(student_id=given.student_id, set_id=given.problem_set_id)
            if passbacks is not None:
                passbacks.extend(changed)
    return bool(recorded)


@functools.cache
def _claim_sql(vendor: str) -> str:
    """The claim's conditional UPDATE, written once per database kind: the ORM's compile of
    this one-table UPDATE took about 0.4 ms of a worker's CPU per grade, against 0.03 ms for
    a round trip (status is never NULL, so NOT (status = graded) is the ORM's exclude)."""
    qn = connection.ops.quote_name
    table, status, started = qn(Submission._meta.db_table), qn("status"), qn("started_at")
    # the model's own table and columns, quoted; every value is a parameter
    return f"UPDATE {table} SET {status} = %s, {started} = %s WHERE {qn('id')} = %s AND NOT ({status} = %s)"  # noqa: E501, S608


def _claim(*, submission_id: int, now: datetime) -> bool:
    """Mark the submission "grading" (started now) unless it is graded: True when it was."""
    started = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(connection.vendor),
            [
                Submission.Status.GRADING.value,
                started,
                submission_id,
                Submission.Status.GRADED.value,
            ],
        )
        return cursor.rowcount == 1


def _storable(value: Any) -> Any:
    """The verdict as JSON can hold it: a non-finite number (the engine sends none; this is the
    backstop) becomes null, so that no answer can make its verdict unstorable and its submission
    loop through retries and requeues (issue #12)."""
    if isinstance(value, float) and not math.isfinite(value):
        logger.warning("a non-finite number in a verdict was stored as null")
        return None
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


_VERDICT_COLUMNS = (
    "verdict",
    "equivalent",
    "method",
    "score",
    "earned",
    "status",
    "graded_at",
    "error_detail",
)


@functools.cache
def _verdict_sql(vendor: str) -> str:
    """The verdict's conditional UPDATE, written once per database kind (as _claim_sql): the
    ORM compiled it on every grade, inside the verdict's transaction."""
    qn = connection.ops.quote_name
    table, status = qn(Submission._meta.db_table), qn("status")
    sets = ", ".join(f"{qn(Submission._meta.get_field(n).column)} = %s" for n in _VERDICT_COLUMNS)
    # the model's own table and columns, quoted; every value is a parameter
    return f"UPDATE {table} SET {sets} WHERE {qn('id')} = %s AND NOT ({status} = %s)"  # noqa: S608


@functools.cache
def _verdict_unlinked_sql(vendor: str) -> str:
    """The verdict's UPDATE, storing only where no LMS links the submission's set."""
    return f"{_verdict_sql(vendor)} AND {unlinked_sql(vendor)}"


def _verdict_record(
    *, submission_id: int, outcome: GradedOutcome, unlinked_set: int | None = None
) -> int:
    """Store the verdict unless one was stored meanwhile (1 when this one was); with
    `unlinked_set`, only if no LMS links that set (the submission's)."""
    graded = Submission.Status.GRADED
    verdict = outcome.verdict
    values = {
        # "cache": whether this verdict was reused from an identical (task, answer) graded
        # before ("hit"), graded now and kept ("miss"), or graded without the cache ("off")
        "verdict": _storable(outcome.verdict_data()),
        "equivalent": verdict.equivalent,
        "method": verdict.method,
        "score": outcome.score,
        "earned": outcome.earned,
        "status": graded.value,
        "graded_at": timezone.now(),
        "error_detail": "",
    }
    # each value as the ORM's UPDATE prepares it (Field.get_db_prep_save)
    params = [
        Submission._meta.get_field(n).get_db_prep_save(values[n], connection)
        for n in _VERDICT_COLUMNS
    ]
    params += [submission_id, graded.value]
    if unlinked_set is None:
        sql = _verdict_sql(connection.vendor)
    else:
        sql = _verdict_unlinked_sql(connection.vendor)
        params.append(unlinked_set)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@dataclass(frozen=True)
class GradedOutcome:
    """What grading one submission decided: the engine's verdict against the key, the score,
    and for a part of a multi-part problem its score before any late penalty and the credit
    carried forward from the student's own earlier derivative (None: none)."""

    verdict: Verdict
    cache_use: str
    score: Decimal
    earned: Decimal | None = None
    carried: dict[str, Any] | None = None
    credit: Decimal | None = None  # the share earned (authoring.scoring.verdict_credit)

    def verdict_data(self) -> dict[str, Any]:
        """The verdict as stored with the submission: the engine's, with the share it earned
        (read back by authoring.scoring.row_credit: an export without the late penalty)."""
        data: dict[str, Any] = {**self.verdict.to_dict(), "cache": self.cache_use}
        if self.credit is not None:
            data["credit"] = str(self.credit)
        if self.carried is not None:
            data["carried"] = self.carried
        return data


def part_score_of(
    *, credit: Decimal, late: bool, points: Decimal, late_penalty: Decimal
) -> tuple[Decimal, Decimal]:
    """A part's (score, score before the late penalty): `credit` (1 right, the carry share,
    0) of the part's points, reduced by the late penalty when late."""
    earned = (points * credit).quantize(Decimal("0.01"))
    factor = Decimal("1") - late_penalty if late else Decimal("1")
    return (earned * factor).quantize(Decimal("0.01")), earned


def graded_outcome(
    *, given: GradingInput, use_cache: bool = True, grader: Any = grade
) -> GradedOutcome:
    """Grade what `given` holds: against the key of its part (the only part of a single-part
    problem, graded exactly as always), and for a wrong value of a part that carries forward,
    against the key the student's own earlier derivative gives (carried_verdict). `grader`:
    the engine's grade, for a caller that grades without the verdict cache (a regrade)."""
    multi = is_parts(given.params)
    params = part_params(given.params, given.part)
    task = task_under(params=params, tolerance=given.tolerance)
    prepared = prepared_of(
        data=part_prepared_data(data=given.prepared, part=given.part),
        instance_id=given.instance_id,
    )
    if use_cache:
        verdict, cache_use = verdict_for(
            task=task, answer=given.answer, seed=given.seed, prepared=prepared
        )
    else:
        verdict = grader(task, given.answer, seed=given.seed, prepared=prepared)
        cache_use = "off"
    # the share earned: all when right; a vector answer's right components (per component)
    credit = verdict_credit(verdict=verdict, vector_credit=given.vector_credit)
    if not multi:
        score = score_of(
            equivalent=verdict.equivalent,
            late=given.late,
            points=given.points,
            late_penalty=given.late_penalty,
            credit=credit,
        )
        return GradedOutcome(verdict=verdict, cache_use=cache_use, score=score, credit=credit)
    carried = None
    carry = carry_of(given.params, given.part)
    if carry is not None and verdict.equivalent is False:
        carried = carried_verdict(given=given, source=carry[0], share=carry[1], task=task)
        if carried is not None:
            credit = max(credit, carry[1])
    points = part_points(given.params, given.points)[given.part]
    score, earned = part_score_of(
        credit=credit, late=given.late, points=points, late_penalty=given.late_penalty
    )
    return GradedOutcome(
        verdict=verdict,
        cache_use=cache_use,
        score=score,
        earned=earned,
        carried=carried,
        credit=credit,
    )


def part_prepared_data(*, data: dict[str, Any] | None, part: int) -> dict[str, Any] | None:
    """The prepared task of one part, as kept with the instance: part 0's is the instance's
    own; the others' are listed under "parts" (authoring.services.instances)."""
    if not data or part == 0:
        return data
    listed = data.get("parts")
    if isinstance(listed, list) and part < len(listed) and isinstance(listed[part], dict):
        return dict(listed[part])
    return None


def carried_verdict(
    *, given: GradingInput, source: int, share: Decimal, task: Task
) -> dict[str, Any] | None:
    """Carry forward: the student's latest graded answer to part `source` before this one,
    when it was wrong, is taken as the key of this value part (evaluated at the part's point
    by the engine from its parsed text: never evaluated as code). When this answer is right
    for it, what the page and the gradebook say of it; else None (no earlier wrong
    derivative, one undefined at the point, or this value wrong for it too)."""
    earlier = (
        Submission.objects.filter(
            instance_id=given.instance_id,
            part=source,
            status=Submission.Status.GRADED,
            pk__lt=given.submission_id,
        )
        .order_by("-pk")
        .values("attempt", "answer", "equivalent")
        .first()
    )
    if earlier is None or earlier["equivalent"] is not False:
        return None
    source_task = task_of(part_params(given.params, source))
    read = preview(earlier["answer"], source_task.variables, task=source_task)
    if not read.ok or read.readings:
        return None
    own_key = replace(task, reference=read.normalized, function=None, wrt=(), gradient=False)
    verdict = grade(own_key, given.answer, seed=given.seed)
    if verdict.equivalent is not True:
        return None
    return {
        "from_part": source,
        "attempt": earlier["attempt"],
        "answer": read.normalized,
        "answer_latex": read.latex,
        "share": str(share),
        "method": verdict.method,
        "key_latex": verdict.key_latex,
    }


def verdict_for(
    *, task: Task, answer: str, seed: int, prepared: Prepared | None = None
) -> tuple[Verdict, str]:
    """The engine's verdict, cached by (task, normalized answer, engine version), and how the
    cache was used: "hit", "miss" (graded and kept) or "off" (not cacheable, or no cache).

    The common answers of a class are graded once. The task holds everything that decides a
    verdict (key or function and order, point, tolerance, positivity), so changing a key or a
    tolerance changes the cache key: nothing needs deleting. The verdict of the first grader is
    reused whole, its evidence (seed, points) included. A cache outage only costs speed.
    """
    shown = preview(answer, task.variables, task=task, latex=False)
    if not shown.ok:
        return grade(task, answer, seed=seed, prepared=prepared), "off"
    blob = json.dumps([ENGINE_VERSION, task.to_dict(), shown.normalized], sort_keys=True)
    key = "verdict:" + hashlib.sha256(blob.encode()).hexdigest()
    available = True
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001
        cached, available = None, False
    if cached is not None:
        return Verdict.from_dict(cached), "hit"
    verdict = grade(task, answer, seed=seed, prepared=prepared)
    if verdict.error is not None or not available:
        return verdict, "off"
    try:
        cache.set(key, verdict.to_dict(), timeout=settings.VERDICT_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("verdict cache unavailable")
        return verdict, "off"
    return verdict, "miss"


def submission_mark_error(*, submission_id: int, detail: str) -> None:
    """Record that grading failed for good (time limit); never overwrite a verdict."""
    Submission.objects.filter(pk=submission_id).exclude(status=Submission.Status.GRADED).update(
        status=Submission.Status.ERROR, error_detail=detail[:500]
    )


def submission_requeue_stuck(*, now: datetime | None = None) -> list[int]:
    """Mark as queued again the submissions left in queued/grading too long (a lost message or
    worker) and return their ids; the sweep task (grading.tasks) sends them once this commits.

    After GRADING_MAX_REQUEUES tries a submission is marked as an error instead of looping.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.GRADING_STUCK_AFTER_SECONDS)
    pending = [Submission.Status.QUEUED, Submission.Status.GRADING]
    requeued: list[int] = []
    with transaction.atomic():
        stuck = Submission.objects.select_for_update(skip_locked=True).filter(
            status__in=pending, queued_at__lt=cutoff
        )
        for submission in stuck:
            if submission.requeue_count >= settings.GRADING_MAX_REQUEUES:
                submission.status = Submission.Status.ERROR
                submission.error_detail = "gave up after repeated requeues"
                submission.save(update_fields=["status", "error_detail"])
                continue
            Submission.objects.filter(pk=submission.pk).update(
                status=Submission.Status.QUEUED,
                queued_at=now,
                started_at=None,
                requeue_count=F("requeue_count") + 1,
            )
            requeued.append(submission.pk)
    return requeued
