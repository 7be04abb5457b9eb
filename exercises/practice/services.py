"""Writes for what a student does: store an answer as the next attempt and hand it to grading."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from exercises.authoring.generators import task_of
from exercises.authoring.generators.parts import part_count, part_params
from exercises.authoring.models import ProblemInstance
from exercises.authoring.terms import Standing, standing_of, student_standing
from exercises.practice.selectors import PracticeVariant, instance_history
from grading.engine import Message, ParseFailure, Reading, Verdict, grade, preview
from grading.models import Submission
from grading.tasks import submission_grade_enqueue

MAX_ANSWER_LENGTH = 2000


# Why an answer is refused (SubmissionRejected.reason), by code; the Korean is in django.po.
_REFUSALS: dict[str, str] = {
    "closed": gettext_noop("This problem is closed: the due date has passed."),
    "excused": gettext_noop(
        "You are excused from this problem: it does not count in your total, and no answer "
        "is taken."
    ),
    "rate_limited": gettext_noop(
        "Too many answers in the last minute: wait a moment, then submit again."
    ),
    "no_attempts": gettext_noop("You have used all your attempts for this problem."),
    "empty": gettext_noop("Type an answer first."),
    "too_long": gettext_noop("The answer is longer than %(limit)s characters."),
    "null_character": gettext_noop(
        "The answer contains a character that can't be typed (a null character, often pasted "
        "from another program): delete it, or type the answer again."
    ),
    "ambiguous": gettext_noop(
        "This answer can be read in more than one way: choose what you meant."
    ),
    "solved": gettext_noop("You have already solved this problem."),
    "practice_busy": gettext_noop(
        "Too many practice pages in the last minute: wait a moment, then try again."
    ),
    "unreadable": gettext_noop("This answer could not be read."),
}


def refusal(code: str) -> Message:
    """The sentence that says why an answer is refused (a code of _REFUSALS), in English and
    in Korean whatever the request's language: it is shown, and kept, as a Message."""
    texts = []
    for lang in ("en", "ko"):
        with translation.override(lang):
            texts.append(gettext(_REFUSALS[code]) % {"limit": MAX_ANSWER_LENGTH})
    en, ko = texts
    return Message(code=code, en=en, ko=ko)


logger = logging.getLogger(__name__)


@dataclass
class SubmissionRejected(Exception):
    """Nothing was stored and no attempt was used; `reason` says why, in both languages."""

    reason: Message
    error: ParseFailure | None = None
    readings: tuple[Reading, ...] = ()


@dataclass(frozen=True)
class Submitted:
    """A stored submission, and the instance's submissions in attempt order (this one last) as
    they were under the instance's lock: what the result region shows next, without reading
    them again."""

    submission: Submission
    submissions: list[Submission]
    standing: Standing  # the student's terms and override, as the submit read them


def submission_create(
    *, instance: ProblemInstance, answer: str, now: datetime | None = None, part: int = 0
) -> Submission:
    """Store a gradable answer as the next attempt and queue it for grading on commit
    (submission_submit, for callers that want only the submission)."""
    return submission_submit(instance=instance, answer=answer, now=now, part=part).submission


def submission_submit(
    *, instance: ProblemInstance, answer: str, now: datetime | None = None, part: int = 0
) -> Submitted:
    """Store a gradable answer as the next attempt and queue it for grading on commit.

    Rejected (nothing stored, no attempt used): a problem the student is excused from, closed
    problem, no attempts left, already
    solved, empty or too long answer, an answer the parser rejects or reads more than one way,
    more than SUBMISSIONS_PER_MINUTE answers by the student in the last minute.

    `part`: which part of a multi-part problem it answers (0 for any other problem; a part it
    does not have is a ValueError, which views turn into 404). Attempts, "already solved" and
    the attempt limit are per part: each part is a question of its own, with the item's
    attempts (or the student's own) for each. `submissions` are the part's.
    """
    now = now or timezone.now()
    if not 0 <= part < part_count(instance.params):
        raise ValueError(f"no part {part}")
    answer = _answer_text(answer)
    params = part_params(instance.params, part)
    # whether it is gradable, not how it reads: no LaTeX, no normalized text
    shown = preview(
        answer, tuple(params["variables"]), task=task_of(params), latex=False, normalize=False
    )
    if not shown.ok:
        ambiguous = shown.error is None and shown.readings
        reason = refusal("ambiguous") if ambiguous else _parse_reason(shown.error)
        raise SubmissionRejected(reason, error=shown.error, readings=shown.readings)
    if shown.readings:
        raise SubmissionRejected(refusal("ambiguous"), readings=shown.readings)

    recent = _recent_count(student_id=instance.student_id, since=now - timedelta(minutes=1))
    if recent >= settings.SUBMISSIONS_PER_MINUTE:
        raise SubmissionRejected(refusal("rate_limited"))

    item = instance.item  # the caller's read (the view joins it); the lock is on the instance
    # the student's own terms: an extension moves the dates or the attempts (read with the
    # instance when the caller's query annotated them, else one query)
    standing = standing_of(instance=instance) or student_standing(
        item=item, student_id=instance.student_id
    )
    terms = standing.terms
    if terms.excused:
        raise SubmissionRejected(refusal("excused"))
    if terms.closed(now):
        raise SubmissionRejected(refusal("closed"))
    with transaction.atomic():
        # Lock this instance's row only (not its item or set, which the whole class shares), so
        # that two answers of one student to one problem are numbered one after the other.
        _lock(instance_id=instance.pk)
        previous = instance_history(instance, order=("attempt",), part=part)
        if any(s.equivalent is True for s in previous):
            raise SubmissionRejected(refusal("solved"))
        # A submission whose grading failed for good does not cost the student an attempt.
        counted = sum(1 for s in previous if s.status != Submission.Status.ERROR)
        if counted >= terms.max_attempts:
            raise SubmissionRejected(refusal("no_attempts"))
        submission = Submission.objects.create(
            instance=instance,
            part=part,
            attempt=len(previous) + 1,
            answer=answer,
            status=Submission.Status.QUEUED,
            late=now > terms.due_at,
            queued_at=now,
        )
        graded_inline: list[bool] = []
        transaction.on_commit(lambda: graded_inline.append(submission_grade_enqueue(submission.pk)))
    if any(graded_inline):  # graded as the transaction committed: show the recorded verdict
        submission.refresh_from_db()
    return Submitted(submission=submission, submissions=[*previous, submission], standing=standing)


@functools.cache
def _submit_sql(vendor: str) -> tuple[str, str]:
    """The submit's rate count and instance lock, written once per database kind: the ORM
    compiled each per submit (the count's join about 0.9 ms of CPU, the lock 0.4 ms), against
    a few hundredths of a millisecond for the SQL. The model's own tables and columns, quoted;
    every value is a parameter. The lock is the ORM's select_for_update: FOR UPDATE where the
    database has it (PostgreSQL), nothing where it has not (SQLite: one writer at a time)."""
    qn = connection.ops.quote_name
    sub, inst = qn(Submission._meta.db_table), qn(ProblemInstance._meta.db_table)
    count = (
        f"SELECT COUNT(*) FROM {sub} INNER JOIN {inst} ON ({sub}.{qn('instance_id')} = {inst}.{qn('id')})"  # noqa: E501, S608
        f" WHERE {inst}.{qn('student_id')} = %s AND {sub}.{qn('created_at')} >= %s"
    )
    lock = f"SELECT {inst}.{qn('id')} FROM {inst} WHERE {inst}.{qn('id')} = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        lock += " " + connection.ops.for_update_sql()
    return count, lock


def _recent_count(*, student_id: int, since: datetime) -> int:
    """The student's submissions (to any problem) created at `since` or later."""
    with connection.cursor() as cursor:
        cursor.execute(
            _submit_sql(connection.vendor)[0],
            [student_id, connection.ops.adapt_datetimefield_value(since)],
        )
        return int(cursor.fetchone()[0])


def _lock(*, instance_id: int) -> None:
    """Lock the instance's row until the transaction ends (inside transaction.atomic)."""
    if connection.get_autocommit():  # as select_for_update refuses: it would lock nothing
        raise TransactionManagementError("the submit's lock is taken inside transaction.atomic")
    with connection.cursor() as cursor:
        cursor.execute(_submit_sql(connection.vendor)[1], [instance_id])
        cursor.fetchall()


def _answer_text(answer: str) -> str:
    """The answer without surrounding space; refused when that leaves nothing or too much."""
    answer = answer.strip()
    if not answer:
        raise SubmissionRejected(refusal("empty"))
    if len(answer) > MAX_ANSWER_LENGTH:
        raise SubmissionRejected(refusal("too_long"))
    return answer


def _parse_reason(error: ParseFailure | None) -> Message:
    return refusal("unreadable") if error is None else error.message


def practice_answer(*, user_id: int, variant: PracticeVariant, answer: str) -> Verdict:
    """The engine's verdict on an answer to a practice variant, graded in this request (the
    engine bounds its own work) and stored nowhere: no submission, no score, no gradebook, no
    LMS. Refused (SubmissionRejected) when empty, or past SUBMISSIONS_PER_MINUTE practice
    answers by the student in the current minute."""
    answer = _answer_text(answer)
    if not _within_minute(user_id=user_id, what="answer", limit=settings.SUBMISSIONS_PER_MINUTE):
        raise SubmissionRejected(refusal("rate_limited"))
    return grade(task_of(variant.params), answer, seed=variant.seed, prepared=variant.prepared)


def practice_page_allow(*, user_id: int) -> None:
    """Count a practice page (it may make a new variant, SymPy work in the request); refused
    (SubmissionRejected) past PRACTICE_PAGES_PER_MINUTE in the current minute."""
    if not _within_minute(user_id=user_id, what="page", limit=settings.PRACTICE_PAGES_PER_MINUTE):
        raise SubmissionRejected(refusal("practice_busy"))


def _within_minute(*, user_id: int, what: str, limit: int) -> bool:
    """Count one more `what` of the student in the current minute (in the cache); False once
    the count passes `limit`."""
    key = f"practice-{what}:{user_id}:{int(timezone.now().timestamp()) // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        count = 1
    return count <= limit
