"""Abuse limits: login throttling and the per-student submission rate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from exercises.practice.services import SubmissionRejected, submission_create
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_logins_are_refused_after_repeated_failures_even_with_the_right_password():
    user = factories.student(in_course=factories.course())
    user.set_password("right-password-1")
    user.save()
    client = Client()
    for _ in range(3):
        assert _login(client, user.username, "wrong").status_code == 200
    refused = _login(client, user.username, "right-password-1")
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_successful_login_resets_the_count():
    user = factories.student(in_course=factories.course())
    user.set_password("right-password-1")
    user.save()
    client = Client()
    for _ in range(2):
        _login(client, user.username, "wrong")
    assert _login(client, user.username, "right-password-1").status_code == 302
    client.logout()
    for _ in range(2):
        _login(client, user.username, "wrong")
    assert _login(client, user.username, "right-password-1").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_other_users_are_not_locked_out_by_someone_elses_failures():
    a = factories.student(in_course=factories.course())
    b = factories.student(in_course=factories.course())
    b.set_password("b-password-123")
    b.save()
    client = Client()
    for _ in range(5):
        _login(client, a.username, "wrong")
    assert _login(client, b.username, "b-password-123").status_code == 302


@override_settings(SUBMISSIONS_PER_MINUTE=3)
def test_submissions_beyond_the_rate_are_refused_and_store_nothing():
    inst = factories.toy_instance(max_attempts=100)
    now = timezone.now()
    for i in range(3):
        submission_create(instance=inst, answer=f"{i + 2}x", now=now)
    with pytest.raises(SubmissionRejected) as info:
        submission_create(instance=inst, answer="7x", now=now)
    assert info.value.reason.code == "rate_limited"
    assert Submission.objects.count() == 3
    # a minute later the student may answer again
    later = now + timedelta(minutes=2)
    Submission.objects.update(created_at=now - timedelta(minutes=2))
    submission_create(instance=inst, answer="3x^2 + y", now=later)
    assert Submission.objects.count() == 4


@override_settings(SUBMISSIONS_PER_MINUTE=3)
def test_the_rate_counts_every_problem_of_the_student_and_nobody_elses():
    first = factories.toy_instance(max_attempts=100)
    course = first.item.problem_set.course
    other_item = factories.item(in_set=first.item.problem_set)
    second = factories.instance(for_item=other_item, for_student=first.student)
    classmate = factories.instance(
        for_item=first.item, for_student=factories.student(in_course=course)
    )
    now = timezone.now()
    for i in range(3):  # a classmate's answers do not count against the student
        submission_create(instance=classmate, answer=f"{i + 2}x", now=now)
    submission_create(instance=first, answer="2x", now=now)
    submission_create(instance=second, answer="3x", now=now)
    submission_create(instance=first, answer="4x", now=now)
    with pytest.raises(SubmissionRejected) as info:
        submission_create(instance=second, answer="5x", now=now)
    assert info.value.reason.code == "rate_limited"
    assert Submission.objects.filter(instance__student=first.student).count() == 3
    # answers older than a minute no longer count
    Submission.objects.filter(instance__student=first.student, answer="2x").update(
        created_at=now - timedelta(seconds=61)
    )
    submission_create(instance=second, answer="5x", now=now)
