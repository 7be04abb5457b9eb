"""Services: instances are reproducible; submissions are stored first, queued on commit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from exercises.authoring.models import ProblemInstance
from exercises.authoring.services.instances import instance_get_or_create, instance_regenerate
from exercises.authoring.services.templates import problem_template_upsert
from exercises.practice.services import SubmissionRejected, submission_create
from grading.models import Submission
from grading.services import submission_requeue_stuck
from grading.tasks import submission_requeue_stuck_task
from tests import factories

pytestmark = pytest.mark.django_db


def test_instance_is_created_once_and_regenerates_identically():
    c = factories.course()
    s = factories.student(in_course=c)
    item = factories.item(
        in_set=factories.problem_set(in_course=c), tpl=factories.template(family="polynomial")
    )
    first = instance_get_or_create(item=item, student=s)
    second = instance_get_or_create(item=item, student=s)
    assert first.pk == second.pk
    assert ProblemInstance.objects.count() == 1
    assert first.template_version == 1
    assert instance_regenerate(instance=first) == first.params


def test_two_students_get_their_own_seeds():
    c = factories.course()
    item = factories.item(
        in_set=factories.problem_set(in_course=c), tpl=factories.template(family="polynomial")
    )
    a = instance_get_or_create(item=item, student=factories.student(in_course=c))
    b = instance_get_or_create(item=item, student=factories.student(in_course=c))
    assert a.seed != b.seed


def test_template_version_bumps_only_when_config_changes():
    tpl = problem_template_upsert(slug="t", family="polynomial", title_en="a", title_ko="b")
    same = problem_template_upsert(slug="t", family="polynomial", title_en="a2", title_ko="b")
    changed = problem_template_upsert(
        slug="t", family="polynomial", title_en="a2", title_ko="b", config={"wrt": ["y"]}
    )
    assert (tpl.version, same.version, changed.version) == (1, 1, 2)


def test_submission_is_stored_then_queued_on_commit(django_capture_on_commit_callbacks):
    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            sub = submission_create(instance=inst, answer="3x^2 + y")
        assert delay.call_count == 0
        assert len(callbacks) == 1
        callbacks[0]()
    delay.assert_called_once_with(sub.pk)
    assert (sub.attempt, sub.status, sub.late, sub.answer) == (1, "queued", False, "3x^2 + y")


def test_eager_grading_on_commit_records_the_verdict(django_capture_on_commit_callbacks):
    inst = factories.toy_instance()
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_create(instance=inst, answer="3x^2 + y")
    sub.refresh_from_db()
    assert (sub.status, sub.equivalent, sub.score) == ("graded", True, Decimal("2.00"))


@pytest.mark.parametrize("answer", ["3x^2 + (", "", "   ", "3x^2 + z"])
def test_malformed_answer_uses_no_attempt(answer, django_capture_on_commit_callbacks):
    inst = factories.toy_instance()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(SubmissionRejected) as raised:
            submission_create(instance=inst, answer=answer)
    assert Submission.objects.count() == 0
    assert callbacks == []
    assert raised.value.reason.en
    assert raised.value.reason.ko


def test_parse_error_carries_its_position():
    inst = factories.toy_instance()
    with pytest.raises(SubmissionRejected) as raised:
        submission_create(instance=inst, answer="3x^2 + (")
    assert raised.value.error is not None
    assert 0 <= raised.value.error.position <= len("3x^2 + (")


def test_attempt_limit(django_capture_on_commit_callbacks):
    inst = factories.toy_instance(max_attempts=2)
    with django_capture_on_commit_callbacks(execute=True):
        submission_create(instance=inst, answer="x")
        submission_create(instance=inst, answer="y")
    with pytest.raises(SubmissionRejected) as raised:
        submission_create(instance=inst, answer="3x^2+y")
    assert raised.value.reason.code == "no_attempts"
    assert list(inst.submissions.values_list("attempt", flat=True)) == [1, 2]


def test_solved_problem_takes_no_more_submissions(django_capture_on_commit_callbacks):
    inst = factories.toy_instance()
    with django_capture_on_commit_callbacks(execute=True):
        submission_create(instance=inst, answer="3x^2+y")
    with pytest.raises(SubmissionRejected) as raised:
        submission_create(instance=inst, answer="3x^2+y")
    assert raised.value.reason.code == "solved"
    assert inst.submissions.count() == 1


def test_late_submission_is_flagged_and_penalised(django_capture_on_commit_callbacks):
    now = timezone.now()
    inst = factories.toy_instance(
        due_at=now - timedelta(hours=1),
        late_until=now + timedelta(days=1),
        late_penalty=Decimal("0.25"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_create(instance=inst, answer="3x^2+y")
    sub.refresh_from_db()
    assert (sub.late, sub.score) == (True, Decimal("1.50"))


def test_closed_problem_rejects_and_stores_nothing():
    now = timezone.now()
    inst = factories.toy_instance(
        due_at=now - timedelta(hours=2), late_until=now - timedelta(hours=1)
    )
    with pytest.raises(SubmissionRejected) as raised:
        submission_create(instance=inst, answer="3x^2+y")
    assert raised.value.reason.code == "closed"
    assert Submission.objects.count() == 0


def test_a_closed_problem_shows_the_key_kept_with_the_variant():
    from exercises.practice.selectors import problem_state
    from grading.engine import Prepared

    now = timezone.now()
    inst = factories.toy_instance(
        due_at=now - timedelta(hours=2), late_until=now - timedelta(hours=1)
    )
    assert problem_state(instance=inst, now=now).key.text == "3*x^2 + y"
    # read from what the engine kept, not differentiated again on every page view
    inst.prepared = Prepared(key=("4*y",), latex="4 y").to_dict()
    key = problem_state(instance=inst, now=now).key
    assert (key.text, key.latex) == ("4*y", "4 y")
    inst.prepared = {}  # a variant made before the key was kept
    assert problem_state(instance=inst, now=now).key.text == "3*x^2 + y"


def test_requeue_stuck_requeues_old_pending_only(settings, django_capture_on_commit_callbacks):
    settings.GRADING_STUCK_AFTER_SECONDS = 60
    inst = factories.toy_instance(max_attempts=5)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        with django_capture_on_commit_callbacks(execute=True):
            old = submission_create(instance=inst, answer="x")
            fresh = submission_create(instance=inst, answer="y")
    Submission.objects.filter(pk=old.pk).update(
        queued_at=timezone.now() - timedelta(minutes=5), status="grading"
    )
    with mock.patch("grading.tasks.submission_grade_task.delay") as delay:
        requeued = submission_requeue_stuck_task()  # beat's sweep: mark, then send
    assert requeued == [old.pk]
    delay.assert_called_once_with(old.pk)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.requeue_count) == ("queued", 1)
    assert (fresh.status, fresh.requeue_count) == ("queued", 0)


def test_requeue_gives_up_after_the_limit(settings):
    settings.GRADING_MAX_REQUEUES = 2
    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="x")
    Submission.objects.filter(pk=sub.pk).update(
        queued_at=timezone.now() - timedelta(hours=1), requeue_count=2
    )
    assert submission_requeue_stuck() == []
    sub.refresh_from_db()
    assert sub.status == "error"
