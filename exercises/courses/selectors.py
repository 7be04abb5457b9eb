"""Reads about courses: who teaches what, a user's role, the roster's sign-in links."""

from __future__ import annotations

import unicodedata
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from exercises.courses.models import Course, Membership

STAFF_ROLES = (Membership.Role.INSTRUCTOR, Membership.Role.TA)


def courses_taught(*, user: Any, instructor_only: bool = False) -> QuerySet[Course]:
    """Courses where the user is an instructor (or a TA, unless instructor_only)."""
    roles = [Membership.Role.INSTRUCTOR] if instructor_only else list(STAFF_ROLES)
    return Course.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def login_account(text: str) -> Any | None:
    """The account a login box's text names when it is not its exact username: the email in
    another case, or a roster's student id (unique on the site). None when nothing or more than
    one account matches (an ambiguous login never guesses)."""
    typed = unicodedata.normalize("NFKC", text or "").strip()
    if not typed or len(typed) > 254:
        return None
    users = get_user_model().objects
    by_name = list(users.filter(username__iexact=typed)[:2])
    by_id = list(users.filter(student_profile__student_id__iexact=typed)[:2])
    found = {u.pk: u for u in by_name + by_id}
    return next(iter(found.values())) if len(found) == 1 else None


def course_zone(course: Course) -> zoneinfo.ZoneInfo:
    """The zone the course's dates are shown and typed in (the site's when its name is not a
    known zone: a value set outside the site's form)."""
    try:
        return zoneinfo.ZoneInfo(course.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def course_zone_activate(course: Course) -> None:
    """Show and read this request's dates in the course's zone (reset after the request by
    config.middleware.TimeZoneResetMiddleware)."""
    timezone.activate(course_zone(course))


def may_create_courses(*, user: Any) -> bool:
    """Who may create a course on the site: staff users (`is_staff`) and anyone who is already
    an instructor of a course. Students and TAs ask one of them (or the site admin)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        bool(user.is_staff)
        or Membership.objects.filter(user=user, role=Membership.Role.INSTRUCTOR).exists()
    )


def is_instructor(*, user: Any, course: Course) -> bool:
    return course_role(user=user, course=course) == Membership.Role.INSTRUCTOR


def course_role(*, user: Any, course: Course) -> str | None:
    return (
        Membership.objects.filter(course=course, user=user).values_list("role", flat=True).first()
    )


def accounts_roster_protected() -> QuerySet[Any]:
    """Accounts that no roster may enrol and no instructor may get a set-password link for:
    staff, superusers, and instructors or TAs of any course."""
    teaching = Membership.objects.filter(role__in=STAFF_ROLES).values("user_id")
    return get_user_model().objects.filter(
        Q(is_staff=True) | Q(is_superuser=True) | Q(pk__in=teaching)
    )


@dataclass
class SigninLink:
    user: Any
    uidb64: str
    token: str


def roster_signin_links(*, course: Course, user_id: int | None = None) -> list[SigninLink]:
    """Students of the course whose account this course's roster made and who have never set a
    password nor logged in, with a one-time set-password token each (it stops working once the
    password is set, or after PASSWORD_RESET_TIMEOUT). Any other account (made by another
    course's roster, by an administrator, or protected: `accounts_roster_protected`) is never
    handed over, whatever its password."""
    memberships = (
        Membership.objects.filter(
            course=course,
            role=Membership.Role.STUDENT,
            user__student_profile__created_by_course=course,
            user__last_login__isnull=True,
        )
        .exclude(user__in=accounts_roster_protected())
        .select_related("user")
        .order_by("user__username")
    )
    if user_id is not None:  # only this student's link, if they still get one
        memberships = memberships.filter(user_id=user_id)
    return [
        SigninLink(
            user=m.user,
            uidb64=urlsafe_base64_encode(force_bytes(m.user.pk)),
            token=default_token_generator.make_token(m.user),
        )
        for m in memberships
        if not m.user.has_usable_password()
    ]
