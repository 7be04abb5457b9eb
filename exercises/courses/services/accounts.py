"""Writes for accounts, courses and memberships (tests build their data with these too)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from exercises.courses.models import Course, Membership


def user_create(
    *, username: str, password: str, is_staff: bool = False, is_superuser: bool = False
) -> AbstractUser:
    user_model = get_user_model()
    user: AbstractUser = user_model.objects.create_user(
        username=username, password=password, is_staff=is_staff, is_superuser=is_superuser
    )
    return user


def user_site_admin_set(*, user: AbstractUser, site_admin: bool) -> AbstractUser:
    """Make `user` a site admin (staff and superuser: the Django admin, config/admin.py) or
    take it away. A course role never needs either."""
    if (user.is_staff, user.is_superuser) != (site_admin, site_admin):
        user.is_staff = user.is_superuser = site_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def course_create(
    *,
    code: str,
    title_en: str,
    title_ko: str,
    time_zone: str = "Asia/Seoul",
    instructor: Any | None = None,
) -> Course:
    """A course; `instructor` (who made it on the site) becomes its first instructor."""
    with transaction.atomic():
        course = Course.objects.create(
            code=code, title_en=title_en, title_ko=title_ko, time_zone=time_zone
        )
        if instructor is not None:
            membership_create(course=course, user=instructor, role=Membership.Role.INSTRUCTOR)
    return course


def course_update(
    *, course: Course, code: str, title_en: str, title_ko: str, time_zone: str
) -> Course:
    """Change a course's code, titles and time zone (its dates are shown in that zone)."""
    course.code, course.title_en, course.title_ko = code, title_en, title_ko
    course.time_zone = time_zone
    with transaction.atomic():  # a code taken meanwhile fails alone, not the caller's work
        course.save(update_fields=["code", "title_en", "title_ko", "time_zone"])
    return course


def membership_create(
    *, course: Course, user: Any, role: str = Membership.Role.STUDENT
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        course=course, user=user, defaults={"role": role}
    )
    return membership
