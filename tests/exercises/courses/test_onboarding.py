"""Onboarding (issue #16 item 5): roster students are told their login, may log in with their
email in any case or their student id, and get their one-time link by email."""

from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.courses.selectors import login_account, roster_signin_links
from exercises.courses.services.accounts import membership_create
from exercises.courses.services.roster import roster_import
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
def test_a_roster_student_logs_in_with_email_in_any_case_or_student_id(client, course, typed):
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


def test_the_roster_page_sends_invitations_with_the_same_one_time_links(client, course):
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    people = client.get(reverse("courses:course-people", args=[course.pk])).content.decode()
    assert 'id="send-invitations"' in people
    response = client.post(reverse("courses:course-invitations", args=[course.pk]), follow=True)
    assert "2 invitations sent." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@example.edu", "minji@example.edu"]
    minji = next(m for m in mail.outbox if m.to == ["minji@example.edu"])
    links = {lk.user.username: lk for lk in roster_signin_links(course=course)}
    link = links["minji@example.edu"]
    assert f"/accounts/reset/{link.uidb64}/{link.token}/" in minji.body
    assert (
        "log in at http://testserver/accounts/login/ with your email: minji@example.edu"
        in minji.body
    )
    assert "2024001" in minji.body and "이메일로 로그인하세요" in minji.body
    # a TA may not send them
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    assert client.post(reverse("courses:course-invitations", args=[course.pk])).status_code == 404
    assert len(mail.outbox) == 2


def test_a_mail_server_that_refuses_is_a_message_not_a_500(client, course, monkeypatch):
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    response = client.post(reverse("courses:course-invitations", args=[course.pk]), follow=True)
    assert response.status_code == 200
    assert "The mail server did not take the invitations (0 of 2 sent)" in response.content.decode()


def test_the_login_page_asks_for_email_or_student_id_in_both_languages(client):
    page = client.get(reverse("login")).content.decode()
    assert "Email or student ID" in page
    client.cookies["django_language"] = "ko"
    korean = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이메일 또는 학번" in korean and "아이디" not in korean
