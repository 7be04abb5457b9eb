"""The score outbox: a student's newest score on a linked set, written in the transaction
that records the verdict, and sent to the LMS (AGS) after it commits.

- One row per (LMS course, student, set): a newer score replaces an unsent one in place and
  raises its `version`, so only the newest score is ever sent.
- A sender claims a row for LEASE (no two senders at once), sends the version it read, and
  marks it sent only if no newer version came meanwhile; else it sends again.
- A refused or failed call marks the row failed with the LMS's message and a backoff; beat's
  sweep sends due rows again, without end, so no score is lost.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from lti_tool.lti_core.constants import AgsScope
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from exercises.lti.models import LtiIdentity, ResourceLinkSet, ScorePassback, SetLineItem
from exercises.lti.platform import service_connector
from exercises.lti.selectors import student_set_score

LEASE = timedelta(seconds=120)  # longer than the four calls of one send with their timeouts
SENDS_PER_CALL = 3  # a score superseded while sending is sent again, this many times
FIRST_RETRY_SECONDS = 5  # the wait after a first failure (before jitter)


def line_item_tag(problem_set_id: int) -> str:
    """The tag of a set's line item in the LMS (deep links and passback find it by it)."""
    return f"partial-credit-set-{problem_set_id}"


def passback_record(*, student_id: int, set_id: int, now: datetime | None = None) -> list[int]:
    """Put the student's new score on the set in the outbox of every LMS course where that set
    is linked and the student came from; call it inside the transaction that records the
    verdict. Returns the rows whose score changed (none when no LMS is involved: one query)."""
    targets = _targets(set_id=set_id)
    if not targets:
        return []
    subs = dict(
        LtiIdentity.objects.filter(
            user_id=student_id, issuer__in={issuer for _, issuer in targets}
        ).values_list("issuer", "sub")
    )
    changed = []
    for context_id, issuer in sorted(targets):
        if issuer in subs:
            row_id = _record(
                context_id=context_id,
                student_id=student_id,
                set_id=set_id,
                sub=subs[issuer],
                now=now or timezone.now(),
            )
            if row_id is not None:
                changed.append(row_id)
    return changed


_TARGET_COLUMNS = (
    "resource_link__context_id",
    "resource_link__context__deployment__registration__issuer",
)


@functools.cache
def _targets_sql(vendor: str) -> str:
    """The SQL of _targets, as the ORM writes it, made once per process and database kind
    (as grading.services' grading input). It runs in every grade's transaction; the ORM's
    compile of its join across four tables took about 0.6 ms of a worker's CPU per grade
    (bench/submit_cost.py), against well under 0.1 ms to run it where no LMS is involved."""
    query = (
        ResourceLinkSet.objects.filter(problem_set_id=0)
        .order_by()
        .values_list(*_TARGET_COLUMNS)
        .query
    )
    sql, params = query.sql_with_params()
    if params != (0,):  # the set's id must be the only parameter, so that it can be swapped
        raise AssertionError(f"unexpected parameters {params!r} in {sql}")
    return str(sql)


@functools.cache
def unlinked_sql(vendor: str) -> str:
    """A condition for a statement's WHERE, true when no LMS link opens the set whose id is
    its one parameter: then passback_record has nothing to record, and a verdict may be
    stored by one statement on its own (grading.services). It asks for a link row at all,
    whatever it joins: wider than _targets, so that no verdict the outbox should see is
    stored this way."""
    qn = connection.ops.quote_name
    table = qn(ResourceLinkSet._meta.db_table)
    column = qn(ResourceLinkSet._meta.get_field("problem_set").column)
    # the model's own table and column, quoted; the id is a parameter
    return f"NOT EXISTS (SELECT 1 FROM {table} WHERE {column} = %s)"  # noqa: S608


def _targets(*, set_id: int) -> set[tuple[int, str]]:
    """(LMS course id, issuer) of every LMS course where the set is linked."""
    with connection.cursor() as cursor:
        cursor.execute(_targets_sql(connection.vendor), [set_id])
        return {(context_id, issuer) for context_id, issuer in cursor.fetchall()}


def passback_set_record(*, set_id: int) -> list[int]:
    """The set's totals changed with no new answer (an item retired, added, removed, its
    points changed): put the new score of every student the LMSs hold a score of on the set
    in the outbox. Returns the rows whose score changed (one query when no LMS holds any)."""
    students = (
        ScorePassback.objects.filter(problem_set_id=set_id)
        .order_by("student_id")
        .values_list("student_id", flat=True)
        .distinct()
    )
    changed: list[int] = []
    with transaction.atomic():
        for student_id in students:
            changed += passback_record(student_id=student_id, set_id=set_id)
    return changed


def _record(
    *, context_id: int, student_id: int, set_id: int, sub: str, now: datetime
) -> int | None:
    keys = {"context_id": context_id, "student_id": student_id, "problem_set_id": set_id}
    ScorePassback.objects.get_or_create(**keys, defaults={"sub": sub})
    # Locked before the score is summed: a verdict recorded meanwhile by another worker is
    # counted by whichever of the two takes the lock second.
    row = ScorePassback.objects.select_for_update().get(**keys)
    score = student_set_score(student_id=student_id, problem_set_id=set_id)
    if (
        row.version
        and (row.score_given, row.score_maximum, row.completed)
        == (score.given, score.maximum, score.completed)
        and row.sub == sub
    ):
        return None  # the LMS has (or will get) this very score
    row.sub = sub
    row.score_given, row.score_maximum, row.completed = score.given, score.maximum, score.completed
    row.scored_at = max(now, row.scored_at + timedelta(milliseconds=1)) if row.version else now
    row.version += 1
    row.status = ScorePassback.Status.PENDING
    row.attempts = 0
    row.next_attempt_at = now
    row.last_error = ""
    row.save()
    return row.pk


def backoff(attempts: int, *, jitter: float | None = None) -> timedelta:
    """Wait after `attempts` failed tries: 5 s, 10 s, 20 s, 40 s, ... doubling up to
    LTI_PASSBACK_MAX_BACKOFF_SECONDS (5 min), each cut by up to half at random (`jitter`, in
    [0, 1): 0 keeps the whole wait), so that scores that failed together (an LMS down for a
    whole class) do not all come back at once. Short first waits bound how long a score waits
    once the LMS is back: about as long as the outage lasted, at most the maximum (beat's sweep,
    every LTI_PASSBACK_SWEEP_SECONDS, adds up to that)."""
    ceiling = min(
        FIRST_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 20),
        settings.LTI_PASSBACK_MAX_BACKOFF_SECONDS,
    )
    cut = random.random() if jitter is None else jitter  # noqa: S311 (spreading retries)
    return timedelta(seconds=ceiling * (1 - cut / 2))


def passback_send(*, passback_id: int, now: datetime | None = None) -> str:
    """Send a row's newest score: "sent", "failed", or "skipped" (already sent, another
    sender holds it, or there is nothing to send)."""
    outcome = "skipped"
    for _ in range(SENDS_PER_CALL):
        outcome = _send_once(passback_id=passback_id, now=now or timezone.now())
        if outcome != "superseded":
            return outcome
    return "failed" if outcome == "superseded" else outcome


def _send_once(*, passback_id: int, now: datetime) -> str:
    claimed = (
        ScorePassback.objects.filter(
            pk=passback_id,
            version__gt=0,
            status__in=[ScorePassback.Status.PENDING, ScorePassback.Status.FAILED],
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )
    if not claimed:
        return "skipped"
    row = ScorePassback.objects.select_related(
        "context__deployment__registration", "problem_set"
    ).get(pk=passback_id)
    same_version = ScorePassback.objects.filter(pk=passback_id, version=row.version)
    try:
        _deliver(row)
    except (LtiException, requests.RequestException, ValueError, KeyError, TypeError) as exc:
        failed = same_version.update(
            status=ScorePassback.Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=str(exc)[:1000] or type(exc).__name__,
            next_attempt_at=now + backoff(row.attempts + 1),
            claimed_until=None,
        )
        if failed:
            return "failed"
    else:
        sent = same_version.update(
            status=ScorePassback.Status.SENT,
            sent_at=now,
            sent_version=row.version,
            attempts=0,
            last_error="",
            claimed_until=None,
        )
        if sent:
            return "sent"
    # A newer score came while this one was on its way: it goes next.
    ScorePassback.objects.filter(pk=passback_id).update(claimed_until=None)
    return "superseded"


def _scopes(context: Any) -> list[str]:
    granted = [
        (context.can_publish_scores, AgsScope.PUBLISH_SCORES),
        (context.can_query_lineitems, AgsScope.QUERY_LINEITEMS),
        (context.can_manage_lineitems, AgsScope.MANAGE_LINEITEMS),
        (context.can_access_results, AgsScope.ACCESS_RESULTS),
    ]
    return [str(scope.value) for allowed, scope in granted if allowed]


def _deliver(row: ScorePassback) -> None:
    """One score to the LMS: the set's line item (found by our tag, or made), then the score."""
    context = row.context
    if not context.can_publish_scores:
        raise LtiException("the LMS did not grant the score scope for this course")
    if row.score_maximum <= 0:
        raise ValueError("the problem set has no points")
    ags = AssignmentsGradesService(
        service_connector(context.deployment.registration),
        {"scope": _scopes(context), "lineitems": context.lineitems_url},  # type: ignore[typeddict-item]
    )
    known = SetLineItem.objects.filter(context=context, problem_set=row.problem_set).first()
    if known is not None:
        lineitem = LineItem({"id": known.url})
    else:
        if not context.lineitems_url:
            raise LtiException("the LMS gave no line items URL for this course")
        lineitem = ags.find_or_create_lineitem(
            LineItem()
            .set_tag(line_item_tag(row.problem_set_id))
            .set_label(row.problem_set.title_en)
            .set_resource_id(str(row.problem_set_id))
            .set_score_maximum(float(row.score_maximum))
        )
        url = lineitem.get_id()
        if not url:
            raise LtiException("the LMS returned a line item without an id")
        SetLineItem.objects.get_or_create(
            context=context, problem_set=row.problem_set, defaults={"url": url[:1000]}
        )
    grade = (
        Grade()
        .set_user_id(row.sub)
        .set_score_given(float(row.score_given))
        .set_score_maximum(float(row.score_maximum))
        .set_activity_progress("Completed" if row.completed else "InProgress")
        .set_grading_progress("FullyGraded")
        .set_timestamp(row.scored_at.astimezone(UTC).isoformat(timespec="milliseconds"))
    )
    ags.put_grade(grade, lineitem)


def passback_resend(*, passback: ScorePassback, now: datetime | None = None) -> None:
    """Send a row's score again now (an instructor asked), whatever its status."""
    ScorePassback.objects.filter(pk=passback.pk, version__gt=0).update(
        status=ScorePassback.Status.PENDING, next_attempt_at=now or timezone.now(), attempts=0
    )
