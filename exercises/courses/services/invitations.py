"""Invitations: the one-time set-password links of a roster (`roster_signin_links`) sent by
email, each saying which login to use. Django's email backend carries them: the console in
development, SMTP configured by the environment in production, the in-memory outbox in tests.

Never inside the web request: `roster_invitations_queue` stores one Invitation per student,
and a worker sends each (`invitation_send`, through exercises.courses.tasks), retried with a
backoff while the mail server refuses, up to MAX_TRIES; the roster page shows their status."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from exercises.courses.models import Course, Invitation
from exercises.courses.selectors import SigninLink, roster_signin_links

logger = logging.getLogger(__name__)

MAX_INVITATIONS = 2000  # a roster's size; one click never sends more
# A student sent an invitation this recently is not sent another (a second click, a double
# tap): after it, a reminder to those who still have no password is the instructor's to send.
RESEND_AFTER = timedelta(hours=1)


MAX_TRIES = 5  # sends of one invitation before it is marked "not sent"


class InvitationNotSent(Exception):
    """The mail server refused or did not answer; the invitation is tried again later."""


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


@dataclass(frozen=True)
class Queued:
    """What a click on "Send invitations" queued: the invitations' ids to send, and how many
    students were left out because they were sent one in the last RESEND_AFTER."""

    ids: list[int]
    held: int


def roster_invitations_queue(*, course: Course, site_url: str, requested_by: Any) -> Queued:
    """Store an invitation for each student `roster_signin_links` lists with an email (those
    the course's roster made who have not set a password) and was not sent one in the last
    RESEND_AFTER, at most MAX_INVITATIONS; the ids to send: these, and any of theirs still
    waiting from an earlier click (none twice).

    Two clicks at once (a double click, two instructors) are taken one after the other: the
    course's row is locked first, so the second reads the first's invitations as waiting (on
    SQLite, the write transaction does that by itself)."""
    with transaction.atomic():
        list(Course.objects.select_for_update().filter(pk=course.pk).values_list("pk"))
        links = [link for link in roster_signin_links(course=course) if link.user.email]
        recent = set(
            Invitation.objects.filter(
                course=course,
                status=Invitation.Status.SENT,
                sent_at__gte=timezone.now() - RESEND_AFTER,
                student__in=[link.user for link in links],
            ).values_list("student_id", flat=True)
        )
        links = [link for link in links if link.user.pk not in recent][:MAX_INVITATIONS]
        waiting = dict(
            Invitation.objects.filter(
                course=course,
                status=Invitation.Status.PENDING,
                student__in=[link.user for link in links],
            ).values_list("student_id", "pk")
        )
        # a new invitation replaces a student's earlier one that the mail server did not take
        Invitation.objects.filter(
            course=course,
            status=Invitation.Status.FAILED,
            student__in=[link.user for link in links if link.user.pk not in waiting],
        ).delete()
        made = Invitation.objects.bulk_create(
            Invitation(
                course=course,
                student=link.user,
                email=link.user.email,
                site_url=site_url[:200],
                requested_by=requested_by,
            )
            for link in links
            if link.user.pk not in waiting
        )
    return Queued(ids=sorted([*waiting.values(), *(i.pk for i in made)]), held=len(recent))


def _still_needed(invitation: Invitation) -> SigninLink | None:
    """The student's one-time link, made now, while they still have no password."""
    links = roster_signin_links(course=invitation.course, user_id=invitation.student_id)
    return links[0] if links and links[0].user.email else None


def invitation_send(*, invitation_id: int) -> str:
    """Send one stored invitation (safe to run twice: a sent one is not sent again); its new
    status. A student who has set a password since is not written to. InvitationNotSent when
    the mail server refuses and tries remain (the task retries it); after MAX_TRIES it is
    marked failed with the server's message."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("course")
            .filter(pk=invitation_id, status=Invitation.Status.PENDING)
            .first()
        )
        if invitation is None:
            return "done"
        link = _still_needed(invitation)
        if link is None:
            invitation.status = Invitation.Status.NOT_NEEDED
            invitation.save(update_fields=["status"])
            return invitation.status
        site = invitation.site_url.rstrip("/")
        path = reverse("password_reset_confirm", args=[link.uidb64, link.token])
        course = invitation.course
        message = EmailMessage(
            subject=f"{course.title_en} / {course.title_ko}: set your password · 비밀번호 설정",
            body=_body(course, link, f"{site}{path}", f"{site}{reverse('login')}"),
            to=[link.user.email],  # their address now, if it changed since
        )
        invitation.tries += 1
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("invitation %s, try %s: %r", invitation.pk, invitation.tries, exc)
            invitation.last_error = str(exc)[:300] or type(exc).__name__
            if invitation.tries >= MAX_TRIES:
                invitation.status = Invitation.Status.FAILED
            invitation.save(update_fields=["tries", "last_error", "status"])
            if invitation.status == Invitation.Status.FAILED:
                return invitation.status
        else:
            invitation.status = Invitation.Status.SENT
            invitation.sent_at = timezone.now()
            invitation.save(update_fields=["tries", "status", "sent_at"])
            return invitation.status
    raise InvitationNotSent(invitation.last_error)


def invitation_counts(*, course: Course) -> dict[str, int]:
    """How many of the course's invitations are in each status (for the roster page)."""
    counts = {status: 0 for status in Invitation.Status.values}
    for row in Invitation.objects.filter(course=course).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def invitations_failed(*, course: Course, limit: int = 20) -> list[Invitation]:
    return list(
        Invitation.objects.filter(course=course, status=Invitation.Status.FAILED)
        .select_related("student")
        .order_by("-created_at", "-id")[:limit]
    )
