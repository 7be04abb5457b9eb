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
from exercises.practice.selectors import PracticeVariant
from grading.engine import Message, ParseFailure, Reading, Verdict, grade, preview
from grading.models import Submission
from grading.tasks import submission_grade_enqueue

MAX_ANSWER_LENGTH = 2000


# Why an answer is refused (SubmissionRejected.reason), by code: English, Korean.
_REFUSALS: dict[str, tuple[str, str]] = {
    "closed": (
        "This problem is closed: the due date has passed.",
        "마감 기한이 지나 더 이상 제출할 수 없습니다.",
    ),
    "rate_limited": (
        "Too many answers in the last minute: wait a moment, then submit again.",
        "1분 사이에 너무 많이 제출했습니다. 잠시 기다린 뒤 다시 제출하세요.",
    ),
    "no_attempts": (
        "You have used all your attempts for this problem.",
        "이 문제의 제출 기회를 모두 사용했습니다.",
    ),
    "empty": ("Type an answer first.", "먼저 답을 입력하세요."),
    "too_long": (
        f"The answer is longer than {MAX_ANSWER_LENGTH} characters.",
        f"답이 {MAX_ANSWER_LENGTH}자보다 깁니다.",
    ),
    "null_character": (
        "The answer contains a character that can't be typed (a null character, often pasted "
        "from another program): delete it, or type the answer again.",
        "답에 키보드로 입력할 수 없는 문자(널 문자, 다른 프로그램에서 붙여 넣을 때 자주 "
        "섞입니다)가 들어 있습니다. 그 문자를 지우거나 답을 다시 입력하세요.",
    ),
    "ambiguous": (
        "This answer can be read in more than one way: choose what you meant.",
        "이 답은 여러 가지로 읽힐 수 있습니다. 의도한 식을 고르세요.",
    ),
    "solved": ("You have already solved this problem.", "이미 맞힌 문제입니다."),
    "practice_busy": (
        "Too many practice pages in the last minute: wait a moment, then try again.",
        "1분 사이에 연습 문제를 너무 많이 열었습니다. 잠시 기다린 뒤 다시 시도하세요.",
    ),
    "unreadable": ("This answer could not be read.", "답을 읽을 수 없습니다."),
}


def refusal(code: str) -> Message:
    """The sentence that says why an answer is refused (a code of _REFUSALS)."""
    en, ko = _REFUSALS[code]
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
    answer = _answer_text(answer)
    params = instance.params
    shown = preview(answer, tuple(params["variables"]), task=task_of(params), latex=False)
    if not shown.ok:
        ambiguous = shown.error is None and shown.readings
        reason = refusal("ambiguous") if ambiguous else _parse_reason(shown.error)
        raise SubmissionRejected(reason, error=shown.error, readings=shown.readings)
    if shown.readings:
        raise SubmissionRejected(refusal("ambiguous"), readings=shown.readings)

    recent = Submission.objects.filter(
        instance__student_id=instance.student_id, created_at__gte=now - timedelta(minutes=1)
    ).count()
    if recent >= settings.SUBMISSIONS_PER_MINUTE:
        raise SubmissionRejected(refusal("rate_limited"))

    item = instance.item  # the caller's read (the view joins it); the lock is on the instance
    if now > item.closes_at:
        raise SubmissionRejected(refusal("closed"))
    with transaction.atomic():
        # Lock this instance's row only (not its item or set, which the whole class shares), so
        # that two answers of one student to one problem are numbered one after the other.
        list(ProblemInstance.objects.select_for_update().filter(pk=instance.pk).values_list("pk"))
        previous = list(instance.submissions.order_by("attempt"))
        if any(s.equivalent is True for s in previous):
            raise SubmissionRejected(refusal("solved"))
        # A submission whose grading failed for good does not cost the student an attempt.
        counted = sum(1 for s in previous if s.status != Submission.Status.ERROR)
        if counted >= item.max_attempts:
            raise SubmissionRejected(refusal("no_attempts"))
        submission = Submission.objects.create(
            instance=instance,
            attempt=len(previous) + 1,
            answer=answer,
            status=Submission.Status.QUEUED,
            late=now > item.effective_due_at,
            queued_at=now,
        )
        graded_inline: list[bool] = []
        transaction.on_commit(lambda: graded_inline.append(submission_grade_enqueue(submission.pk)))
    if any(graded_inline):  # graded as the transaction committed: show the recorded verdict
        submission.refresh_from_db()
    return Submitted(submission=submission, submissions=[*previous, submission])


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
