"""submission_grade: load a submission, run the engine, record the verdict (idempotent)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from exercises.generators import task_of
from exercises.models import ProblemInstance, ProblemSetItem, Submission
from grading.engine import ENGINE_VERSION, Prepared, Task, Verdict, grade, preview
from grading.models import GradingPolicy

logger = logging.getLogger(__name__)


def submission_score(*, submission: Submission, verdict: Verdict) -> Decimal:
    """Full points when right, reduced by the item's late penalty when late; else zero."""
    if verdict.equivalent is not True:
        return Decimal("0.00")
    item = submission.instance.item
    factor = Decimal("1") - item.late_penalty if submission.late else Decimal("1")
    return (item.points * factor).quantize(Decimal("0.01"))


def item_tolerance(*, item: ProblemSetItem) -> float | None:
    """The tolerance the instructor set on the item (its policy), or None: the template's."""
    try:
        return item.grading_policy.tolerance
    except GradingPolicy.DoesNotExist:
        return None


def submission_task(*, submission: Submission) -> Task:
    """What the submission is graded against: its instance's task (with the template's
    tolerance), under the item's tolerance when the instructor has set one."""
    task = task_of(submission.instance.params)
    tolerance = item_tolerance(item=submission.instance.item)
    return task if tolerance is None else replace(task, tolerance=tolerance)


def instance_prepared(*, instance: ProblemInstance) -> Prepared | None:
    """The engine's prepared task kept with the instance, if any (the engine ignores one made
    by another engine version)."""
    prepared = Prepared.load(instance.prepared)
    if prepared is None and instance.prepared:
        logger.warning("instance %s: unreadable prepared task, recomputing", instance.pk)
    return prepared


def submission_grade(*, submission_id: int) -> Submission:
    """Grade once. A submission already graded is returned unchanged, so a redelivered or
    requeued task records no second verdict.

    Three statements, each atomic on its own: claim the submission (a conditional UPDATE to
    "grading"), read it with what grading needs, and record the verdict with a conditional
    UPDATE that only succeeds if no verdict was recorded meanwhile (by a worker that got the
    same submission again after a requeue). No row lock is held while the engine runs.
    """
    graded = Submission.Status.GRADED
    claimed = (
        Submission.objects.filter(pk=submission_id)
        .exclude(status=graded)
        .update(status=Submission.Status.GRADING, started_at=timezone.now())
    )
    submission = Submission.objects.select_related("instance__item__grading_policy").get(
        pk=submission_id
    )
    if not claimed:
        return submission  # already graded

    # The engine runs outside any transaction: it is pure and may take a while. It is built
    # never to raise; should it all the same, this answer is marked "could not grade" (the
    # instructor sees it flagged, the attempt does not count) and the worker goes on.
    try:
        verdict, cache_use = verdict_for(
            task=submission_task(submission=submission),
            answer=submission.answer,
            seed=submission.instance.seed,
            prepared=instance_prepared(instance=submission.instance),
        )
    except Exception as exc:  # noqa: BLE001
        logger.exception("the engine failed on submission %s", submission_id)
        submission_mark_error(
            submission_id=submission_id, detail=f"could not grade: {type(exc).__name__}"
        )
        return Submission.objects.get(pk=submission_id)

    # "cache": whether this verdict was reused from an identical (task, answer) graded before
    # ("hit"), graded now and kept ("miss"), or graded without the cache ("off")
    fields = {
        "verdict": {**verdict.to_dict(), "cache": cache_use},
        "equivalent": verdict.equivalent,
        "method": verdict.method,
        "score": submission_score(submission=submission, verdict=verdict),
        "status": graded,
        "graded_at": timezone.now(),
        "error_detail": "",
    }
    recorded = Submission.objects.filter(pk=submission_id).exclude(status=graded).update(**fields)
    if not recorded:
        # another worker finished first; keep its verdict
        return Submission.objects.get(pk=submission_id)
    for name, value in fields.items():
        setattr(submission, name, value)
    logger.info(
        "graded submission %s: %s by %s in %.1f ms",
        submission_id,
        verdict.equivalent,
        verdict.method,
        verdict.elapsed_ms,
    )
    return submission


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
