"""Writes for accounts, courses and memberships (tests build their data with these too)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

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


def course_create(*, code: str, title_en: str, title_ko: str) -> Course:
    return Course.objects.create(code=code, title_en=title_en, title_ko=title_ko)


def membership_create(
    *, course: Course, user: Any, role: str = Membership.Role.STUDENT
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        course=course, user=user, defaults={"role": role}
    )
    return membership
