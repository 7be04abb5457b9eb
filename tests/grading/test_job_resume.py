"""Issue #12 item 9: a regrade or template check whose worker died is noticed by beat's sweep and
resumed from its own progress within a minute, not after the broker's visibility timeout; one
that keeps losing its worker is given up. (Tasks run inline here; the sweep against a real
worker that was killed is in test_worker_integration.py.)"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from exercises.authoring.models import TemplateCheck
from exercises.authoring.services import checks
from exercises.authoring.services.templates import custom_template_create
from exercises.authoring.tasks import template_check_resume_stuck_task
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from grading.models import ERROR_GAVE_UP, RegradeJob, Submission
from grading.tasks import regrade_job_resume_stuck_task
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=10)


@pytest.fixture
def regrade():
    """An item with three graded answers and a regrade whose worker died after the first: its
    cursor is past the first, it says running, its heartbeat stopped long ago."""
    course = factories.course()
    prof = factories.user()
    membership_create(course=course, user=prof, role=Membership.Role.INSTRUCTOR)
    item = factories.item(in_set=factories.problem_set(in_course=course))
    subs = [
        factories.graded(factories.instance(for_item=item, for_student=student), answer)
        for student, answer in (
            (factories.student(in_course=course), "3x^2 + y"),
            (factories.student(in_course=course), "x"),
            (factories.student(in_course=course), "3*x^2 + y"),
        )
    ]
    job = RegradeJob.objects.create(
        item=item,
        requested_by=prof,
        status=RegradeJob.Status.RUNNING,
        total=3,
        done=1,
        cursor=subs[0].pk,
        started_at=timezone.now() - LONG_AGO,
        heartbeat_at=timezone.now() - LONG_AGO,
    )
    return {"job": job, "subs": subs, "prof": prof}


def test_the_sweep_resumes_a_regrade_from_its_cursor(regrade):
    job, subs = regrade["job"], regrade["subs"]
    before = [s.graded_at for s in subs]
    assert regrade_job_resume_stuck_task() == [job.pk]  # and sent: run inline here
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.cursor) == ("done", 3, 3, subs[2].pk)
    assert job.resume_count == 1
    after = [Submission.objects.get(pk=s.pk).graded_at for s in subs]
    # the submission the dead worker had done is not regraded again; the others are
    assert after[0] == before[0]
    assert after[1] > before[1] and after[2] > before[2]
    assert regrade_job_resume_stuck_task() == []  # finished: nothing more to resume


def test_a_regrade_with_a_recent_heartbeat_is_left_alone(regrade, settings):
    settings.JOB_STUCK_AFTER_SECONDS = 30
    job = regrade["job"]
    RegradeJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    with mock.patch("grading.tasks.regrade_job_run_task.delay") as send:
        assert regrade_job_resume_stuck_task() == []
    send.assert_not_called()
    RegradeJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=31))
    with mock.patch("grading.tasks.regrade_job_run_task.delay") as send:
        assert regrade_job_resume_stuck_task() == [job.pk]
    send.assert_called_once_with(job.pk)


def test_a_queued_regrade_whose_message_was_lost_is_sent(regrade):
    job = regrade["job"]
    RegradeJob.objects.filter(pk=job.pk).update(
        status=RegradeJob.Status.QUEUED, done=0, cursor=0, started_at=None
    )
    assert regrade_job_resume_stuck_task() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 3)


def test_each_step_of_a_regrade_beats_its_heartbeat(regrade):
    job, subs = regrade["job"], regrade["subs"]
    beats = []
    from grading import regrade as regrade_module

    real_grade = regrade_module.grade

    def grade_and_look(*args, **kwargs):
        beats.append(RegradeJob.objects.get(pk=job.pk).heartbeat_at)
        return real_grade(*args, **kwargs)

    with mock.patch.object(regrade_module, "grade", grade_and_look):
        regrade_module.regrade_job_run(job_id=job.pk)
    assert len(beats) == len(subs) - 1
    assert all(beat > job.heartbeat_at for beat in beats)  # the run started: a fresh beat
    assert beats == sorted(beats)


def test_a_regrade_that_keeps_losing_its_worker_is_given_up(client, regrade, settings):
    job = regrade["job"]
    RegradeJob.objects.filter(pk=job.pk).update(resume_count=settings.JOB_MAX_RESUMES)
    with mock.patch("grading.tasks.regrade_job_run_task.delay") as send:
        assert regrade_job_resume_stuck_task() == []
    send.assert_not_called()
    job.refresh_from_db()
    assert (job.status, job.error_detail) == ("failed", ERROR_GAVE_UP)
    assert job.finished_at is not None
    client.force_login(regrade["prof"])
    page = client.get(reverse("gradebook:regrade-detail", args=[job.pk]))
    assert ERROR_GAVE_UP in page.content.decode()
    with override("ko"):
        assert job.error_display != ERROR_GAVE_UP
        assert any("\uac00" <= ch <= "\ud7a3" for ch in job.error_display)  # Hangul


@pytest.fixture
def check():
    """A check of seeds 1..6 whose worker died after seed 2."""
    course = factories.course()
    tpl = custom_template_create(course=course, slug="t", title_en="T", title_ko="T", config=TOY)
    return TemplateCheck.objects.create(
        template=tpl,
        version=tpl.version,
        seeds_total=6,
        seeds_done=2,
        status=TemplateCheck.Status.RUNNING,
        heartbeat_at=timezone.now() - LONG_AGO,
    )


def test_the_sweep_resumes_a_check_after_seeds_done(check):
    seen = []
    real_report = checks.seed_report

    def report(*, template, seed):
        seen.append(seed)
        return real_report(template=template, seed=seed)

    with mock.patch.object(checks, "seed_report", report):
        assert template_check_resume_stuck_task() == [check.pk]
    check.refresh_from_db()
    assert seen == [3, 4, 5, 6]
    assert (check.status, check.seeds_done, check.resume_count) == ("passed", 6, 1)
    assert template_check_resume_stuck_task() == []


def test_a_check_that_keeps_losing_its_worker_is_given_up(check, settings):
    TemplateCheck.objects.filter(pk=check.pk).update(resume_count=settings.JOB_MAX_RESUMES)
    with mock.patch("exercises.authoring.tasks.template_check_run_task.delay") as send:
        assert template_check_resume_stuck_task() == []
    send.assert_not_called()
    check.refresh_from_db()
    assert check.status == "failed"
    (problem,) = check.failures[-1]["problems"]
    assert set(problem) == {"en", "ko"} and "lost its worker" in problem["en"]


def test_a_check_run_that_finds_its_seed_done_by_another_run_stops(check):
    """Two runs at once (a resumed one while the first was only slow): no seed twice."""
    real_report = checks.seed_report

    def report_while_another_run_records_it(*, template, seed):
        result = real_report(template=template, seed=seed)
        TemplateCheck.objects.filter(pk=check.pk).update(seeds_done=seed)  # the other run
        return result

    with mock.patch.object(checks, "seed_report", report_while_another_run_records_it):
        checks.template_check_run(check_id=check.pk)
    check.refresh_from_db()
    assert (check.status, check.seeds_done) == ("running", 3)  # left to the run ahead
    assert checks.template_check_run(check_id=check.pk).seeds_done == 6


def test_beat_sweeps_the_jobs_often_enough_to_resume_them_within_a_minute():
    schedule = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    for task in (
        "grading.tasks.regrade_job_resume_stuck_task",
        "exercises.authoring.tasks.template_check_resume_stuck_task",
    ):
        assert schedule[task] + django_settings.JOB_STUCK_AFTER_SECONDS <= 60, task
