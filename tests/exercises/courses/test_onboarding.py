"""Onboarding (issue #16 item 5): roster students are told their login, may log in with their
email in any case or their student id, and get their one-time link by email."""

from __future__ import annotations

import re
import smtplib
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends import locmem
from django.urls import reverse
from django.utils import timezone

from exercises.courses.models import Invitation, Membership
from exercises.courses.selectors import login_account, roster_signin_links
from exercises.courses.services.accounts import membership_create
from exercises.courses.services.invitations import MAX_TRIES
from exercises.courses.services.roster import roster_import
from exercises.courses.tasks import invitation_send_task
from tests import factories

pytestmark = pytest.mark.django_db

ROSTER = (
    "name,email,student id\n김민지,minji@example.edu,2024001\nBen Lee,ben@example.edu,2024002\n"
)


@pytest.fixture
def course():
    c = factories.course()
    roster_import(course=c, text=ROSTER)
    return c


def _set_password(client, user, password="a-long-new-password-1"):
    [link] = [
        lk for lk in roster_signin_links(course=user.memberships.get().course) if lk.user == user
    ]
    url = reverse("password_reset_confirm", args=[link.uidb64, link.token])
    page = client.get(url, follow=True)
    body = page.content.decode()
    client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    return body


def test_the_set_password_page_names_the_login_and_the_done_page_says_what_to_type(client, course):
    minji = get_user_model().objects.get(username="minji@example.edu")
    body = _set_password(client, minji)
    assert "Your login is your email:" in body and "minji@example.edu" in body
    assert "2024001" in body
    done = client.get(reverse("password_reset_complete")).content.decode()
    assert "Log in with your email" in done and "student ID" in done


@pytest.mark.parametrize(
    "typed", ["minji@example.edu", "Minji@Example.EDU", "2024001", " 2024001 "]
)
def test_a_roster_student_logs_in_with_email_in_any_case_or_student_id(
    client, course, typed, rendered_context
):
    minji = get_user_model().objects.get(username="minji@example.edu")
    _set_password(client, minji)
    client.logout()
    response = client.post(
        reverse("login"), {"username": typed, "password": "a-long-new-password-1"}
    )
    assert response.status_code == 302
    assert client.get(reverse("practice:dashboard")).context["user"] == minji


def test_a_wrong_password_or_an_ambiguous_login_logs_nobody_in(client, course):
    minji = get_user_model().objects.get(username="minji@example.edu")
    _set_password(client, minji)
    client.logout()
    for typed, password in [("2024001", "wrong-password-99"), ("2024003", "a-long-new-password-1")]:
        response = client.post(reverse("login"), {"username": typed, "password": password})
        assert response.status_code == 200
        assert "Type your email (or student ID)" in response.content.decode()
    # a student id that is also another account's username: two accounts, no guess
    factories.user(username="2024002")
    assert login_account("2024002") is None
    assert login_account("") is None and login_account("x" * 1000) is None


def test_failed_logins_by_student_id_count_against_the_account(client, course, settings):
    from exercises.courses.login_limits import login_username

    assert login_username(None, {"username": "2024001"}) == "minji@example.edu"
    assert login_username(None, {"username": "MINJI@example.edu"}) == "minji@example.edu"
    assert login_username(None, {"username": "nobody"}) == "nobody"


def _instructor(client, course):
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    return teacher


def test_the_roster_page_sends_invitations_with_the_same_one_time_links(
    client, course, django_capture_on_commit_callbacks
):
    _instructor(client, course)
    people = client.get(reverse("courses:course-people", args=[course.pk])).content.decode()
    assert 'id="send-invitations"' in people
    with django_capture_on_commit_callbacks(execute=True):  # the worker (eager) sends them
        response = client.post(reverse("courses:course-invitations", args=[course.pk]))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).content.decode()
    assert "2 invitations are being sent: their status is shown below." in page
    assert "Sent: 2 · being sent: 0 · not sent: 0" in page
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@example.edu", "minji@example.edu"]
    assert set(Invitation.objects.values_list("status", "tries")) == {("sent", 1)}
    minji = next(m for m in mail.outbox if m.to == ["minji@example.edu"])
    links = {lk.user.username: lk for lk in roster_signin_links(course=course)}
    link = links["minji@example.edu"]
    # the same kind of one-time link as the CSV's, made by the worker when it sends, and valid
    [path] = set(
        re.findall(rf"http://testserver(/accounts/reset/{link.uidb64}/[\w-]+/)", minji.body)
    )
    opened = client.get(path)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/set-password/")
    assert (
        "log in at http://testserver/accounts/login/ with your email: minji@example.edu"
        in minji.body
    )
    assert "2024001" in minji.body and "이메일로 로그인하세요" in minji.body
    # sent ones are not sent again by a task run twice
    for invitation in Invitation.objects.all():
        invitation_send_task.delay(invitation.pk)
    assert len(mail.outbox) == 2
    # a TA may not send them
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    assert client.post(reverse("courses:course-invitations", args=[course.pk])).status_code == 404
    assert len(mail.outbox) == 2


def test_invitations_are_stored_in_the_request_and_sent_by_the_worker(client, course):
    """Without the commit's callbacks (the worker) nothing is sent by the request itself; the
    page says they are being sent, and a second click does not store them twice."""
    _instructor(client, course)
    url = reverse("courses:course-invitations", args=[course.pk])
    with mock.patch("exercises.courses.views.invitations_enqueue") as enqueue:
        response = client.post(url, follow=True)
        client.post(url)
    assert mail.outbox == []
    page = response.content.decode()
    assert "2 invitations are being sent" in page
    assert "Sent: 0 · being sent: 2 · not sent: 0" in page
    assert Invitation.objects.filter(status="pending").count() == 2
    assert enqueue.call_count == 0  # on commit, which a test's transaction never reaches
    client.cookies["django_language"] = "ko"
    korean = client.get(
        reverse("courses:course-people", args=[course.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "보내는 중: 2" in korean


@pytest.fixture
def worker_retries(monkeypatch):
    """Eager tasks that retry as a worker does (one after the other, at once), instead of
    raising Retry to the caller as CELERY_TASK_EAGER_PROPAGATES makes them."""
    monkeypatch.setitem(invitation_send_task.app.conf, "task_eager_propagates", False)


def test_a_mail_server_that_refuses_then_takes_them_is_retried(
    client, course, monkeypatch, django_capture_on_commit_callbacks, worker_retries
):
    _instructor(client, course)
    real = locmem.EmailBackend.send_messages
    refused = []

    def refuse_first(self, messages):
        if not refused:
            refused.append(messages[0].to[0])
            raise smtplib.SMTPServerDisconnected("gone")
        return real(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:course-invitations", args=[course.pk]))
    assert len(mail.outbox) == 2
    tries = dict(Invitation.objects.values_list("email", "tries"))
    assert tries[refused[0]] == 2  # the worker tried that one again
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}


def test_a_mail_server_that_refuses_is_a_status_not_a_500(
    client, course, monkeypatch, django_capture_on_commit_callbacks, worker_retries
):
    _instructor(client, course)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:course-invitations", args=[course.pk]))
    assert response.status_code == 302
    page = client.get(reverse("courses:course-people", args=[course.pk])).content.decode()
    assert "Sent: 0 · being sent: 0 · not sent: 2" in page
    assert "The mail server did not take these after several tries" in page
    assert set(Invitation.objects.values_list("status", "tries", "last_error")) == {
        ("failed", MAX_TRIES, "gone")
    }
    # sending again replaces the failed ones
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:course-invitations", args=[course.pk]))
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2


def test_the_login_page_asks_for_email_or_student_id_in_both_languages(client):
    page = client.get(reverse("login")).content.decode()
    assert "Email or student ID" in page
    client.cookies["django_language"] = "ko"
    korean = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이메일 또는 학번" in korean and "아이디" not in korean


def test_a_second_click_within_the_hour_sends_no_second_email(
    client, course, django_capture_on_commit_callbacks
):
    """Each click sent every student without a password another email (two clicks, two each);
    within RESEND_AFTER of a sent one, a click says so and sends none, and after it a reminder
    goes out as before."""
    from datetime import timedelta

    from exercises.courses.services.invitations import RESEND_AFTER

    _instructor(client, course)
    url = reverse("courses:course-invitations", args=[course.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True).content.decode()
    assert len(mail.outbox) == 2
    assert "was sent an invitation in the last hour: none was sent again." in again
    Invitation.objects.update(sent_at=timezone.now() - RESEND_AFTER - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(mail.outbox) == 4  # a reminder, an hour on
