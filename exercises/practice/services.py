"""Writes for what a student does: store an answer as the next attempt and hand it to grading."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from exercises.authoring.generators import task_of
from exercises.authoring.models import ProblemInstance
from exercises.authoring.terms import Standing, student_standing
from exercises.practice.selectors import PracticeVariant
from grading.engine import Message, ParseFailure, Reading, Verdict, grade, preview
from grading.models import Submission
from grading.tasks import submission_grade_enqueue

MAX_ANSWER_LENGTH = 2000


CLOSED = Message(
    code="closed",
    en="This problem is closed: the due date has passed.",
    ko="마감 기한이 지나 더 이상 제출할 수 없습니다.",
)


RATE_LIMITED = Message(
    code="rate_limited",
    en="Too many answers in the last minute: wait a moment, then submit again.",
    ko="1분 사이에 너무 많이 제출했습니다. 잠시 기다린 뒤 다시 제출하세요.",
)


NO_ATTEMPTS = Message(
    code="no_attempts",
    en="You have used all your attempts for this problem.",
    ko="이 문제의 제출 기회를 모두 사용했습니다.",
)


EMPTY = Message(code="empty", en="Type an answer first.", ko="먼저 답을 입력하세요.")


TOO_LONG = Message(
    code="too_long",
    en=f"The answer is longer than {MAX_ANSWER_LENGTH} characters.",
    ko=f"답이 {MAX_ANSWER_LENGTH}자보다 깁니다.",
)


NULL_CHARACTER = Message(
    code="null_character",
    en=(
        "The answer contains a character that can't be typed (a null character, often pasted "
        "from another program): delete it, or type the answer again."
    ),
    ko=(
        "답에 키보드로 입력할 수 없는 문자(널 문자, 다른 프로그램에서 붙여 넣을 때 자주 "
        "섞입니다)가 들어 있습니다. 그 문자를 지우거나 답을 다시 입력하세요."
    ),
)


AMBIGUOUS = Message(
    code="ambiguous",
    en="This answer can be read in more than one way: choose what you meant.",
    ko="이 답은 여러 가지로 읽힐 수 있습니다. 의도한 식을 고르세요.",
)


SOLVED = Message(
    code="solved",
    en="You have already solved this problem.",
    ko="이미 맞힌 문제입니다.",
)


PRACTICE_BUSY = Message(
    code="practice_busy",
    en="Too many practice pages in the last minute: wait a moment, then try again.",
    ko="1분 사이에 연습 문제를 너무 많이 열었습니다. 잠시 기다린 뒤 다시 시도하세요.",
)


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
    *, instance: ProblemInstance, answer: str, now: datetime | None = None
) -> Submission:
    """Store a gradable answer as the next attempt and queue it for grading on commit
    (submission_submit, for callers that want only the submission)."""
    return submission_submit(instance=instance, answer=answer, now=now).submission


def submission_submit(
    *, instance: ProblemInstance, answer: str, now: datetime | None = None
) -> Submitted:
    """Store a gradable answer as the next attempt and queue it for grading on commit.

    Rejected (nothing stored, no attempt used): closed problem, no attempts left, already
    solved, empty or too long answer, an answer the parser rejects or reads more than one way,
    more than SUBMISSIONS_PER_MINUTE answers by the student in the last minute.
    """
    now = now or timezone.now()
    answer = answer.strip()
    if not answer:
        raise SubmissionRejected(EMPTY)
    if len(answer) > MAX_ANSWER_LENGTH:
        raise SubmissionRejected(TOO_LONG)
    params = instance.params
    shown = preview(answer, tuple(params["variables"]), task=task_of(params), latex=False)
    if not shown.ok:
        reason = (
            AMBIGUOUS if (shown.error is None and shown.readings) else _parse_reason(shown.error)
        )
        raise SubmissionRejected(reason, error=shown.error, readings=shown.readings)
    if shown.readings:
        raise SubmissionRejected(AMBIGUOUS, readings=shown.readings)

    recent = Submission.objects.filter(
        instance__student_id=instance.student_id, created_at__gte=now - timedelta(minutes=1)
    ).count()
    if recent >= settings.SUBMISSIONS_PER_MINUTE:
        raise SubmissionRejected(RATE_LIMITED)

    item = instance.item  # the caller's read (the view joins it); the lock is on the instance
    # the student's own terms: an extension moves the dates or the attempts (one query)
    standing = student_standing(item=item, student_id=instance.student_id)
    terms = standing.terms
    if terms.closed(now):
        raise SubmissionRejected(CLOSED)
    with transaction.atomic():
        # Lock this instance's row only (not its item or set, which the whole class shares), so
        # that two answers of one student to one problem are numbered one after the other.
        list(ProblemInstance.objects.select_for_update().filter(pk=instance.pk).values_list("pk"))
        previous = list(instance.submissions.order_by("attempt"))
        if any(s.equivalent is True for s in previous):
            raise SubmissionRejected(SOLVED)
        # A submission whose grading failed for good does not cost the student an attempt.
        counted = sum(1 for s in previous if s.status != Submission.Status.ERROR)
        if counted >= terms.max_attempts:
            raise SubmissionRejected(NO_ATTEMPTS)
        submission = Submission.objects.create(
            instance=instance,
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


def _parse_reason(error: ParseFailure | None) -> Message:
    if error is None:
        return Message(
            code="unreadable", en="This answer could not be read.", ko="답을 읽을 수 없습니다."
        )
    return error.message


def practice_answer(*, user_id: int, variant: PracticeVariant, answer: str) -> Verdict:
    """The engine's verdict on an answer to a practice variant, graded in this request (the
    engine bounds its own work) and stored nowhere: no submission, no score, no gradebook, no
    LMS. Refused (SubmissionRejected) when empty, or past SUBMISSIONS_PER_MINUTE practice
    answers by the student in the current minute."""
    answer = answer.strip()
    if not answer:
        raise SubmissionRejected(EMPTY)
    if len(answer) > MAX_ANSWER_LENGTH:
        raise SubmissionRejected(TOO_LONG)
    if not _within_minute(user_id=user_id, what="answer", limit=settings.SUBMISSIONS_PER_MINUTE):
        raise SubmissionRejected(RATE_LIMITED)
    return grade(task_of(variant.params), answer, seed=variant.seed, prepared=variant.prepared)


def practice_page_allow(*, user_id: int) -> None:
    """Count a practice page (it may make a new variant, SymPy work in the request); refused
    (SubmissionRejected) past PRACTICE_PAGES_PER_MINUTE in the current minute."""
    if not _within_minute(user_id=user_id, what="page", limit=settings.PRACTICE_PAGES_PER_MINUTE):
        raise SubmissionRejected(PRACTICE_BUSY)


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
