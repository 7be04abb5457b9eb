"""Grade passback (AGS) through the transactional outbox, against the fake LMS: the score of a
student's answer reaches the platform on commit; with the platform down it arrives after it
is back, exactly once, the newest; a newer score during a send goes after it; regrades
follow; staff see the status and resend."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.services.problem_sets import problem_set_item_update
from exercises.lti.models import LtiIdentity, ScorePassback
from exercises.lti.selectors import passbacks_due
from exercises.lti.services import passback as passback_service
from exercises.lti.services.passback import backoff, line_item_tag, passback_send
from exercises.lti.tasks import passback_sweep_task
from grading.models import RegradeJob, Submission
from tests import factories
from tests.support.fake_lms import LEARNER
from tests.support.lti import linked_course

pytestmark = pytest.mark.django_db

RIGHT, WRONG = "3x^2 + y", "3x^2"


@pytest.fixture
def klass(lms, registration):
    """A linked course with a two-item set, its instructor's client, a student launched in."""
    teacher = Client()
    course, problem_set = linked_course(lms, teacher, items=2)
    student_client = Client()
    assert lms.launch(student_client, sub="student-1", roles=LEARNER, name="Kim").status_code == 302
    student = LtiIdentity.objects.get(sub="student-1").user
    items = list(problem_set.items.order_by("position", "id"))
    return {
        "course": course,
        "set": problem_set,
        "teacher": teacher,
        "client": student_client,
        "student": student,
        "instances": [factories.instance(for_item=i, for_student=student) for i in items],
    }


def answer(klass, capture, text, index=0):
    """The student submits through the web layer; on commit it is graded (eager Celery) and
    the new score is sent."""
    url = reverse("practice:submission-create", args=[klass["instances"][index].pk])
    with capture(execute=True):
        assert klass["client"].post(url, {"answer": text}).status_code in (200, 302)


def test_a_verdict_reaches_the_lms_on_commit(lms, klass, django_capture_on_commit_callbacks):
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    [score] = lms.received.scores
    body = score["body"]
    assert body["userId"] == "student-1"
    assert (body["scoreGiven"], body["scoreMaximum"]) == (2.0, 4.0)
    assert body["gradingProgress"] == "FullyGraded"
    assert body["activityProgress"] == "InProgress"  # one of two items answered
    item = lms.received.lineitems[score["lineitem"]]
    assert item["tag"] == line_item_tag(klass["set"].pk)
    assert item["scoreMaximum"] == 4.0 and item["label"] == klass["set"].title_en
    row = ScorePassback.objects.get()
    assert row.status == "sent" and row.sent_version == row.version == 1

    answer(klass, django_capture_on_commit_callbacks, RIGHT, index=1)
    assert len(lms.received.lineitems) == 1  # the line item is made once
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["activityProgress"]) == (4.0, "Completed")


def test_an_unchanged_score_is_not_sent_again(lms, klass, django_capture_on_commit_callbacks):
    answer(klass, django_capture_on_commit_callbacks, WRONG)
    answer(klass, django_capture_on_commit_callbacks, WRONG)
    assert [s["body"]["scoreGiven"] for s in lms.received.scores] == [0.0]
    assert ScorePassback.objects.get().version == 1


def test_the_outbox_row_is_written_in_the_verdicts_transaction(klass):
    """If the outbox write fails, the verdict is not recorded either (and the task retries)."""
    from grading.services import submission_grade_record

    with mock.patch("grading.tasks.submission_grade_task.delay"):
        url = reverse("practice:submission-create", args=[klass["instances"][0].pk])
        klass["client"].post(url, {"answer": RIGHT})
    submission = Submission.objects.get()
    with (
        mock.patch("grading.services.passback_record", side_effect=RuntimeError("outbox")),
        pytest.raises(RuntimeError),
    ):
        submission_grade_record(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status != Submission.Status.GRADED and submission.score is None
    assert not ScorePassback.objects.exists()
    assert submission_grade_record(submission_id=submission.pk) is True
    assert ScorePassback.objects.get().score_given == Decimal("2.00")


def test_lms_down_then_back_newest_score_exactly_once(
    lms, klass, django_capture_on_commit_callbacks
):
    lms.down = True
    answer(klass, django_capture_on_commit_callbacks, WRONG)
    row = ScorePassback.objects.get()
    assert row.status == "failed" and "503" in row.last_error
    assert row.next_attempt_at > timezone.now()  # backoff
    answer(klass, django_capture_on_commit_callbacks, RIGHT)  # a newer score, still down
    row.refresh_from_db()
    assert (row.status, row.version, row.score_given) == ("failed", 2, Decimal("2.00"))
    assert lms.received.scores == []

    assert passbacks_due() == []  # the sweep waits for the backoff
    later = timezone.now() + backoff(1, jitter=0)  # the first wait: the newer score's own
    assert passbacks_due(now=later) == [row.pk]
    lms.down = False
    for _ in range(3):  # the sweep runs again and again: nothing more is sent
        for passback_id in passbacks_due(now=later):
            passback_send(passback_id=passback_id, now=later)
        later += timedelta(hours=1)
    assert [s["body"]["scoreGiven"] for s in lms.received.scores] == [2.0]
    row.refresh_from_db()
    assert (row.status, row.sent_version, row.last_error) == ("sent", 2, "")


def test_an_lms_that_does_not_answer_gets_the_score_once_it_listens_again(
    lms, klass, django_capture_on_commit_callbacks
):
    lms.stop_listening()  # connection refused, not a 503
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    row = ScorePassback.objects.get()
    assert row.status == "failed" and row.last_error and row.attempts == 1
    assert passbacks_due() == []
    lms.listen_again()
    later = timezone.now() + timedelta(seconds=backoff(1, jitter=0).total_seconds())
    assert passbacks_due(now=later) == [row.pk]  # due after the first, short, wait
    assert passback_send(passback_id=row.pk, now=later) == "sent"
    assert [s["body"]["scoreGiven"] for s in lms.received.scores] == [2.0]
    assert passbacks_due(now=later + timedelta(hours=1)) == []


def test_the_backoff_doubles_from_seconds_to_the_maximum_with_jitter(settings):
    settings.LTI_PASSBACK_MAX_BACKOFF_SECONDS = 300
    whole = [backoff(n, jitter=0).total_seconds() for n in range(1, 10)]
    assert whole == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert backoff(10**6, jitter=0) == timedelta(seconds=300)
    # jitter cuts a wait by at most half ...
    assert backoff(3, jitter=0.999999).total_seconds() == pytest.approx(10, abs=0.001)
    # ... at random, so that scores that failed together do not come back together
    waits = [backoff(4) for _ in range(20)]
    assert len(set(waits)) > 1
    assert all(timedelta(seconds=20) <= wait <= timedelta(seconds=40) for wait in waits)


def test_the_beat_sweep_sends_what_the_broker_did_not(
    lms, klass, django_capture_on_commit_callbacks
):
    with mock.patch("exercises.lti.tasks.passback_send_task.delay", side_effect=OSError):
        answer(klass, django_capture_on_commit_callbacks, RIGHT)
    assert lms.received.scores == [] and ScorePassback.objects.get().status == "pending"
    assert passback_sweep_task() == [ScorePassback.objects.get().pk]
    assert len(lms.received.scores) == 1
    assert passback_sweep_task() == []


def _sweep_schedule():
    from django.conf import settings

    return settings.CELERY_BEAT_SCHEDULE["lti-passback-sweep"]["schedule"]


def test_beat_sends_the_sweep_only_when_a_score_is_due(
    lms, klass, django_capture_on_commit_callbacks, settings
):
    """Beat asks the outbox before it sends the sweep: nothing due (no LMS involved, or all
    sent) sends nothing; a pending score, or a failed one past its backoff, is swept at the
    sweep's interval as before."""
    sweep = _sweep_schedule()
    assert sweep.seconds == settings.LTI_PASSBACK_SWEEP_SECONDS
    long_ago = timezone.now() - timedelta(hours=1)
    assert sweep.is_due(long_ago) == (False, sweep.seconds)  # empty outbox: asked again later
    with mock.patch("exercises.lti.tasks.passback_send_task.delay", side_effect=OSError):
        answer(klass, django_capture_on_commit_callbacks, RIGHT)  # pending: the broker failed
    assert sweep.is_due(long_ago).is_due is True
    assert sweep.is_due(timezone.now()).is_due is False  # and not before its interval
    assert passback_sweep_task() == [ScorePassback.objects.get().pk]  # sent
    assert sweep.is_due(long_ago).is_due is False
    lms.down = True
    answer(klass, django_capture_on_commit_callbacks, WRONG, index=1)  # failed: backoff first
    row = ScorePassback.objects.get()
    assert row.status == "failed"
    assert sweep.is_due(long_ago).is_due is False
    ScorePassback.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert sweep.is_due(long_ago).is_due is True


def test_beat_sends_the_sweep_when_it_cannot_ask(caplog):
    """The question only saves the sweep's cost: when the database cannot answer, beat sends
    the sweep as before."""
    import pickle

    sweep = _sweep_schedule()
    long_ago = timezone.now() - timedelta(hours=1)
    with mock.patch("exercises.lti.selectors._due", side_effect=RuntimeError("down")):
        assert sweep.is_due(long_ago).is_due is True
    assert "sending the sweep anyway" in caplog.text
    kept = pickle.loads(pickle.dumps(sweep))  # beat keeps its schedule in a shelve
    assert kept == sweep and kept.check == sweep.check and kept.seconds == sweep.seconds


def test_a_score_recorded_while_sending_is_sent_after_it(
    lms, klass, django_capture_on_commit_callbacks
):
    """The sender marks a row sent only for the version it sent; a newer one goes next, so
    the LMS never ends on an older score."""
    deliver = passback_service._deliver
    newer = {}

    def deliver_then_new_verdict(row):
        deliver(row)
        if not newer:  # while the first score is on its way, the student answers again
            newer["done"] = True
            sub = factories.graded(klass["instances"][1], RIGHT)
            assert sub.score == Decimal("2.00")

    with mock.patch.object(passback_service, "_deliver", deliver_then_new_verdict):
        answer(klass, django_capture_on_commit_callbacks, RIGHT)
    sent = [s["body"] for s in lms.received.scores]
    assert [s["scoreGiven"] for s in sent] == [2.0, 4.0]
    assert sent[0]["timestamp"] < sent[1]["timestamp"]
    row = ScorePassback.objects.get()
    assert (row.status, row.version, row.sent_version) == ("sent", 2, 2)


def test_a_regrade_that_changes_a_score_reaches_the_lms(
    lms, klass, django_capture_on_commit_callbacks
):
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    item = klass["instances"][0].item
    item.points = Decimal("3")
    item.save(update_fields=["points"])
    from grading.tasks import regrade_job_run_task

    job = RegradeJob.objects.create(item=item, reason="regrade requested")
    regrade_job_run_task(job.pk)
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (3.0, 5.0)


def test_staff_see_the_status_and_resend(lms, klass, django_capture_on_commit_callbacks):
    lms.down = True
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    page_url = reverse("lti:course-lti", args=[klass["course"].pk])
    page = klass["teacher"].get(page_url).content.decode()
    assert "Kim" in page and "Failed" in page and "503" in page
    lms.down = False
    row = ScorePassback.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = klass["teacher"].post(reverse("lti:passback-resend", args=[row.pk]))
    assert response.status_code == 302
    assert len(lms.received.scores) == 1
    assert "Sent" in klass["teacher"].get(page_url).content.decode()
    # a student sees neither the page nor the button
    assert klass["client"].get(page_url).status_code == 404
    assert klass["client"].post(reverse("lti:passback-resend", args=[row.pk])).status_code == 404


def test_a_student_not_from_the_lms_puts_nothing_in_the_outbox(klass):
    other = factories.student(in_course=klass["course"])
    instance = factories.instance(for_item=klass["instances"][0].item, for_student=other)
    factories.graded(instance, RIGHT)
    assert not ScorePassback.objects.exists()


def test_a_retired_problem_without_a_score_is_out_of_the_score_sent(
    lms, klass, django_capture_on_commit_callbacks
):
    """The student opened both problems; the second is retired before she answers it: it
    counts for nothing (exercises.authoring.scoring.item_counts), so 2 of 2 is complete."""
    second = klass["instances"][1].item
    url = reverse("authoring:item-change", args=[second.pk])
    assert klass["teacher"].post(url, {"action": "retire"}).status_code == 302
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (2.0, 2.0)
    assert latest["activityProgress"] == "Completed"


def test_a_retired_problem_the_student_answered_keeps_counting(
    lms, klass, django_capture_on_commit_callbacks
):
    answer(klass, django_capture_on_commit_callbacks, RIGHT, index=1)
    second = klass["instances"][1].item
    url = reverse("authoring:item-change", args=[second.pk])
    assert klass["teacher"].post(url, {"action": "retire"}).status_code == 302
    answer(klass, django_capture_on_commit_callbacks, WRONG)
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (2.0, 4.0)


def test_retiring_a_problem_sends_the_new_totals_at_once(
    lms, klass, django_capture_on_commit_callbacks
):
    """The LMS holds 2 of 4; the problem the student never answered is retired: 2 of 2 goes
    out without waiting for her next answer, and bringing it back sends 2 of 4 again."""
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    assert lms.result_for("student-1")["scoreMaximum"] == 4.0
    url = reverse("authoring:item-change", args=[klass["instances"][1].item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert klass["teacher"].post(url, {"action": "retire"}).status_code == 302
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (2.0, 2.0)
    assert latest["activityProgress"] == "Completed"
    with django_capture_on_commit_callbacks(execute=True):
        assert klass["teacher"].post(url, {"action": "restore"}).status_code == 302
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (2.0, 4.0)
    assert len(lms.received.scores) == 3


def test_changing_a_problems_points_sends_the_new_totals(
    lms, klass, django_capture_on_commit_callbacks
):
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    item = klass["instances"][1].item
    with django_capture_on_commit_callbacks(execute=True):
        problem_set_item_update(
            item=item,
            points=Decimal("5"),
            max_attempts=item.max_attempts,
            late_until=item.late_until,
            late_penalty=item.late_penalty,
        )
    latest = lms.result_for("student-1")
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (2.0, 7.0)


def test_a_set_no_lms_holds_sends_nothing_when_an_item_is_retired(
    klass, django_capture_on_commit_callbacks
):
    url = reverse("authoring:item-change", args=[klass["instances"][1].item.pk])
    with mock.patch("exercises.lti.tasks.passback_send_task.delay") as send:
        with django_capture_on_commit_callbacks(execute=True):
            assert klass["teacher"].post(url, {"action": "retire"}).status_code == 302
    send.assert_not_called()
    assert not ScorePassback.objects.exists()


def test_the_lti_page_shows_when_a_score_was_sent_in_the_courses_zone(
    lms, klass, django_capture_on_commit_callbacks
):
    answer(klass, django_capture_on_commit_callbacks, RIGHT)
    row = ScorePassback.objects.get()
    local = timezone.localtime(row.sent_at, ZoneInfo(klass["course"].time_zone))
    page = klass["teacher"].get(reverse("lti:course-lti", args=[klass["course"].pk]))
    assert f"{local:%Y-%m-%d %H:%M} {local.tzname()}" in page.content.decode()
    assert local.tzname() == "KST"  # the course's zone, Asia/Seoul by default


def test_the_outbox_finds_the_linked_courses_with_the_sql_compiled_once(klass):
    """passback_record's read of where a set is linked (its SQL made once per database kind)
    finds exactly what the queryset finds: the linked set's LMS course, nothing for a set
    linked nowhere."""
    from exercises.lti.models import ResourceLinkSet

    def orm(set_id):
        return set(
            ResourceLinkSet.objects.filter(problem_set_id=set_id).values_list(
                "resource_link__context_id",
                "resource_link__context__deployment__registration__issuer",
            )
        )

    linked, unlinked = klass["set"].pk, factories.problem_set(in_course=klass["course"]).pk
    found = passback_service._targets(set_id=linked)
    assert found == orm(linked) and len(found) == 1
    assert passback_service._targets(set_id=unlinked) == orm(unlinked) == set()


def test_the_verdicts_one_statement_stores_only_where_no_lms_links_the_set(klass):
    """grading.services stores a verdict by one UPDATE when no LMS links the set (no outbox
    row to write); for a linked set that UPDATE stores nothing, and the verdict goes through
    the transaction that writes the outbox (the student's score reaches the outbox)."""
    from grading.engine import Verdict
    from grading.services import GradedOutcome, _verdict_record, submission_grade_record

    with mock.patch("grading.tasks.submission_grade_task.delay"):
        url = reverse("practice:submission-create", args=[klass["instances"][0].pk])
        klass["client"].post(url, {"answer": RIGHT})
    submission = Submission.objects.get()
    outcome = GradedOutcome(
        verdict=Verdict(equivalent=True, method="numeric"), cache_use="off", score=Decimal("2")
    )
    linked, unlinked = klass["set"].pk, factories.problem_set(in_course=klass["course"]).pk
    assert _verdict_record(submission_id=submission.pk, outcome=outcome, unlinked_set=linked) == 0
    submission.refresh_from_db()
    assert submission.status != Submission.Status.GRADED
    assert submission_grade_record(submission_id=submission.pk) is True
    assert ScorePassback.objects.get().score_given == Decimal("2.00")

    again = Submission.objects.filter(pk=submission.pk)
    again.update(status=Submission.Status.GRADING)
    assert _verdict_record(submission_id=submission.pk, outcome=outcome, unlinked_set=unlinked)
    assert again.get().status == Submission.Status.GRADED
