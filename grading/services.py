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
from exercises.authoring.models import ProblemInstance
from exercises.authoring.selectors import item_tolerance
from exercises.lti.services.passback import passback_record
from grading.engine import ENGINE_VERSION, Prepared, Task, Verdict, grade, preview
from grading.models import Submission

logger = logging.getLogger(__name__)


def score_of(
    *, equivalent: bool | None, late: bool, points: Decimal, late_penalty: Decimal
) -> Decimal:
    """Full points when right, reduced by the item's late penalty when late; else zero."""
    if equivalent is not True:
        return Decimal("0.00")
    factor = Decimal("1") - late_penalty if late else Decimal("1")
    return (points * factor).quantize(Decimal("0.01"))


def submission_score(*, submission: Submission, verdict: Verdict) -> Decimal:
    item = submission.instance.item
    return score_of(
        equivalent=verdict.equivalent,
        late=submission.late,
        points=item.points,
        late_penalty=item.late_penalty,
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


_INPUT_COLUMNS = (
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
    (answer, late, instance_id, seed, params, prepared, points, penalty, tolerance, *who) = row
    return GradingInput(
        submission_id=submission_id,
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
    graded = Submission.Status.GRADED
    claimed = (
        Submission.objects.filter(pk=submission_id)
        .exclude(status=graded)
        .update(status=Submission.Status.GRADING, started_at=timezone.now())
    )
    if not claimed:
        return False  # already graded (or gone)
    given = grading_input(submission_id=submission_id)
    if given is None:
        return False

    # The engine runs outside any transaction: it is pure and may take a while. It is built
    # never to raise; should it all the same, this answer is marked "could not grade" (the
    # instructor sees it flagged, the attempt does not count) and the worker goes on.
    try:
        verdict, cache_use = verdict_for(
            task=task_under(params=given.params, tolerance=given.tolerance),
            answer=given.answer,
            seed=given.seed,
            prepared=prepared_of(data=given.prepared, instance_id=given.instance_id),
        )
    except Exception as exc:  # noqa: BLE001
        logger.exception("the engine failed on submission %s", submission_id)
        submission_mark_error(
            submission_id=submission_id, detail=f"could not grade: {type(exc).__name__}"
        )
        return False

    # The verdict and, when the submission's set is linked from an LMS, the student's new
    # score in the LTI outbox: one transaction, so a score is never recorded without its
    # passback nor the reverse.
    with transaction.atomic():
        recorded = _verdict_record(
            submission_id=submission_id, verdict=verdict, given=given, cache_use=cache_use
        )
        if recorded:
            changed = passback_record(student_id=given.student_id, set_id=given.problem_set_id)
            if passbacks is not None:
                passbacks.extend(changed)
    if recorded:  # else another worker finished first; its verdict stays
        logger.info(
            "graded submission %s: %s by %s in %.1f ms",
            submission_id,
            verdict.equivalent,
            verdict.method,
            verdict.elapsed_ms,
        )
    return bool(recorded)


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


def _verdict_record(
    *, submission_id: int, verdict: Verdict, given: GradingInput, cache_use: str
) -> int:
    """Store the verdict unless one was stored meanwhile (1 when this one was)."""
    graded = Submission.Status.GRADED
    return (
        Submission.objects.filter(pk=submission_id)
        .exclude(status=graded)
        .update(
            # "cache": whether this verdict was reused from an identical (task, answer) graded
            # before ("hit"), graded now and kept ("miss"), or graded without the cache ("off")
            verdict=_storable({**verdict.to_dict(), "cache": cache_use}),
            equivalent=verdict.equivalent,
            method=verdict.method,
            score=score_of(
                equivalent=verdict.equivalent,
                late=given.late,
                points=given.points,
                late_penalty=given.late_penalty,
            ),
            status=graded,
            graded_at=timezone.now(),
            error_detail="",
        )
    )


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
