"""Tolerance change and regrade: a background job (eager here), resumable, no double counting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exercises.authoring.models import GradingPolicy
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.selectors import gradebook_rows
from exercises.gradebook.services import item_tolerance_set, regrade_job_create
from grading.models import RegradeJob, Submission
from grading.regrade import regrade_job_run
from tests import factories

pytestmark = pytest.mark.django_db

# f_x of x^3 + xy - y at (1/3, 1) is 4/3.
AT_POINT = {
    "function": "x^3 + x*y - y",
    "function_latex": "",
    "wrt": ["x"],
    "at": {"x": "1/3", "y": "1"},
}


@pytest.fixture
def decimals():
    c = factories.course()
    prof = factories.user(username="prof")
    membership_create(course=c, user=prof, role=Membership.Role.INSTRUCTOR)
    item = factories.item(
        in_set=factories.problem_set(in_course=c), tpl=factories.template(config=AT_POINT)
    )
    ann = factories.student(in_course=c, username="ann")
    ben = factories.student(in_course=c, username="ben")
    ann_inst = factories.instance(for_item=item, for_student=ann)
    first = factories.graded(ann_inst, "1.32")  # 1% off
    second = factories.graded(ann_inst, "1.36")  # 2% off
    right = factories.graded(factories.instance(for_item=item, for_student=ben), "1.3333")
    return {"course": c, "item": item, "prof": prof, "subs": [first, second, right]}


def test_default_tolerance_grades_near_decimals_wrong(decimals):
    assert [s.score for s in decimals["subs"]] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("2.00"),
    ]


def test_wider_tolerance_regrades_and_lists_changed_scores_once(
    decimals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = item_tolerance_set(
            item=decimals["item"], tolerance=0.05, requested_by=decimals["prof"]
        )
    assert len(callbacks) == 1
    assert GradingPolicy.objects.get(item=decimals["item"]).tolerance == 0.05
    assert (job.status, job.total, job.reason) == ("queued", 3, "tolerance 0.001 -> 0.05")
    job = regrade_job_run(job_id=job.pk)
    first, second, _ = decimals["subs"]
    assert (job.status, job.done, job.total, job.percent) == ("done", 3, 3, 100)
    assert [
        (c["submission"], c["student"], c["old_score"], c["new_score"]) for c in job.changes
    ] == [
        (first.pk, "ann", "0.00", "2.00"),
        (second.pk, "ann", "0.00", "2.00"),
    ]
    # Run again (a redelivered task): nothing is regraded twice, nothing added.
    assert regrade_job_run(job_id=job.pk).changes == job.changes
    book = gradebook_rows(course=decimals["course"])
    assert [(r.student.username, r.total) for r in book.rows] == [
        ("ann", Decimal("2.00")),
        ("ben", Decimal("2.00")),
    ]


def test_a_second_run_continues_after_the_cursor(decimals):
    job = regrade_job_create(item=decimals["item"], requested_by=None)
    first = decimals["subs"][0]
    RegradeJob.objects.filter(pk=job.pk).update(status="running", cursor=first.pk, done=1)
    GradingPolicy.objects.create(item=decimals["item"], tolerance=0.05)
    job = regrade_job_run(job_id=job.pk)
    assert (job.done, job.total) == (3, 3)
    assert [c["submission"] for c in job.changes] == [decimals["subs"][1].pk]
    assert Submission.objects.get(pk=first.pk).score == Decimal("0.00")  # before the cursor


def test_new_submissions_are_graded_under_the_new_tolerance(decimals):
    GradingPolicy.objects.create(item=decimals["item"], tolerance=0.05)
    c = decimals["course"]
    inst = factories.instance(for_item=decimals["item"], for_student=factories.student(in_course=c))
    assert factories.graded(inst, "1.36").score == Decimal("2.00")


def test_tolerance_out_of_range_is_refused_and_changes_nothing(decimals):
    with pytest.raises(ValueError):
        item_tolerance_set(item=decimals["item"], tolerance=2.0, requested_by=None)
    assert GradingPolicy.objects.count() == 0
    assert RegradeJob.objects.count() == 0


def test_tolerance_form_runs_the_job_and_the_page_polls_until_done(
    client, decimals, django_capture_on_commit_callbacks
):
    client.force_login(decimals["prof"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gradebook:item-tolerance", args=[decimals["item"].pk]), {"tolerance": "0.05"}
        )
    job = RegradeJob.objects.get()
    assert response["Location"] == reverse("gradebook:regrade-detail", args=[job.pk])
    assert job.status == "done"
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in partial
    assert "hx-trigger" not in partial
    assert "0.00 → 2.00" in partial
    RegradeJob.objects.filter(pk=job.pk).update(status="running", done=1)
    polling = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 500ms"' in polling
    assert "1 of 3 submissions regraded" in polling


@pytest.mark.parametrize(
    "who, expected", [(None, 302), ("student", 404), ("stranger", 404), ("ta", 302)]
)
def test_regrade_writes_are_for_the_course_staff_only(client, decimals, who, expected):
    c = decimals["course"]
    users = {
        "student": factories.student(in_course=c),
        "stranger": factories.user(),
        "ta": factories.user(),
    }
    membership_create(
        course=factories.course(), user=users["stranger"], role=Membership.Role.INSTRUCTOR
    )
    membership_create(course=c, user=users["ta"], role=Membership.Role.TA)
    if who:
        client.force_login(users[who])
    item = decimals["item"]
    assert (
        client.post(
            reverse("gradebook:item-tolerance", args=[item.pk]), {"tolerance": "0.05"}
        ).status_code
        == expected
    )
    assert client.post(reverse("gradebook:item-regrade", args=[item.pk])).status_code == expected
    # a TA grades (README "Roles"): the tolerance change and the regrade each queue a job
    assert RegradeJob.objects.count() == (2 if who == "ta" else 0)
    job = regrade_job_create(item=item, requested_by=None)
    detail = client.get(reverse("gradebook:regrade-detail", args=[job.pk])).status_code
    assert detail == (200 if who == "ta" else expected)


def test_regrade_reasons_are_stored_in_english_and_shown_in_korean(
    client, decimals, django_capture_on_commit_callbacks
):
    client.force_login(decimals["prof"])
    client.cookies["django_language"] = "ko"
    item = decimals["item"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gradebook:item-tolerance", args=[item.pk]), {"tolerance": "0.05"})
        client.post(reverse("gradebook:item-regrade", args=[item.pk]))
    requested, changed = RegradeJob.objects.all()
    assert (requested.reason, changed.reason) == ("regrade requested", "tolerance 0.001 -> 0.05")
    page = client.get(reverse("gradebook:item-wrong-answers", args=[item.pk])).content.decode()
    assert ": 재채점 요청</a>" in page
    assert ": 허용 오차 0.001 -&gt; 0.05</a>" in page
    detail = client.get(reverse("gradebook:regrade-detail", args=[changed.pk])).content.decode()
    assert '<p class="muted">허용 오차 0.001 -&gt; 0.05</p>' in detail
    client.cookies["django_language"] = "en"
    detail = client.get(reverse("gradebook:regrade-detail", args=[changed.pk])).content.decode()
    assert '<p class="muted">tolerance 0.001 -&gt; 0.05</p>' in detail
