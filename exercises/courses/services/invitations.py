"""Invitations: the one-time set-password links of a roster (`roster_signin_links`) sent by
email, each saying which login to use. Django's email backend carries them: the console in
development, SMTP configured by the environment in production, the in-memory outbox in tests."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from exercises.courses.models import Course
from exercises.courses.selectors import SigninLink, roster_signin_links

logger = logging.getLogger(__name__)

MAX_INVITATIONS = 2000  # a roster's size; one click never sends more


class InvitationsFailed(Exception):
    """The mail server refused or did not answer; `sent` of `total` had gone."""

    def __init__(self, *, sent: int, total: int) -> None:
        super().__init__(f"{sent} of {total} invitations sent")
        self.sent, self.total = sent, total


def _body(course: Course, link: SigninLink, url: str, login_url: str) -> str:
    user = link.user
    login = user.get_username()
    profile = getattr(user, "student_profile", None)
    student_id = getattr(profile, "student_id", None)
    also_en = f" (or your student id, {student_id})" if student_id else ""
    also_ko = f" (또는 학번: {student_id})" if student_id else ""
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    return (
        f"{course.title_en}\n\n"
        f"You are enrolled in {course.title_en}. Set your password with this one-time link "
        f"(it works once, for {days} days):\n{url}\n\n"
        f"Then log in at {login_url} with your email: {login}{also_en}.\n\n"
        "----\n\n"
        f"{course.title_ko}\n\n"
        f"{course.title_ko} 강좌에 등록되었습니다. 아래 일회용 링크에서 비밀번호를 설정하세요 "
        f"(한 번만, {days}일 동안 쓸 수 있습니다):\n{url}\n\n"
        f"그다음 로그인 페이지에서 이메일로 로그인하세요: {login}{also_ko}\n{login_url}\n"
    )


def roster_invitations_send(
    *, course: Course, link_url: Callable[[SigninLink], str], login_url: str
) -> int:
    """Email each student `roster_signin_links` lists (those the course's roster made who have
    not set a password) their one-time link; the number sent. InvitationsFailed when the mail
    server refuses: the message says how many had gone (each link stays valid; send again)."""
    links = [link for link in roster_signin_links(course=course) if link.user.email]
    messages = [
        EmailMessage(
            subject=f"{course.title_en} / {course.title_ko}: set your password · 비밀번호 설정",
            body=_body(course, link, link_url(link), login_url),
            to=[link.user.email],
        )
        for link in links[:MAX_INVITATIONS]
    ]
    if not messages:
        return 0
    sent = 0
    try:
        with get_connection() as connection:
            for message in messages:
                sent += connection.send_messages([message]) or 0
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("invitations of course %s: %s sent, then %r", course.pk, sent, exc)
        raise InvitationsFailed(sent=sent, total=len(messages)) from None
    return sent
