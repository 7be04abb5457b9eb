"""Writes for courses, memberships, templates and problem sets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from exercises.generators import FAMILIES
from exercises.models import Course, Membership, ProblemSet, ProblemSetItem, ProblemTemplate


def user_create(
    *, username: str, password: str, is_staff: bool = False, is_superuser: bool = False
) -> AbstractUser:
    user_model = get_user_model()
    user: AbstractUser = user_model.objects.create_user(
        username=username, password=password, is_staff=is_staff, is_superuser=is_superuser
    )
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


@transaction.atomic
def problem_template_upsert(
    *, slug: str, family: str, title_en: str, title_ko: str, config: dict[str, Any] | None = None
) -> ProblemTemplate:
    """Create a template, or update it and bump its version when family or config change."""
    if family not in FAMILIES:
        raise ValueError(f"unknown problem family {family!r}")
    config = dict(config or {})
    template = (
        ProblemTemplate.objects.select_for_update().filter(slug=slug, course__isnull=True).first()
    )
    if template is None:
        # The code families are ready templates, published from the start; a custom template
        # is published only by exercises.services.authoring after a passing check.
        return ProblemTemplate.objects.create(
            slug=slug,
            family=family,
            config=config,
            title_en=title_en,
            title_ko=title_ko,
            published=family != "custom",
        )
    if template.family != family or template.config != config:
        template.version += 1
        template.published = family != "custom"
    template.family, template.config = family, config
    template.title_en, template.title_ko = title_en, title_ko
    template.save()
    return template


def problem_set_create(
    *,
    course: Course,
    title_en: str,
    title_ko: str,
    due_at: datetime,
    position: int = 0,
    opens_at: datetime | None = None,
    hidden: bool = False,
) -> ProblemSet:
    return ProblemSet.objects.create(
        course=course,
        title_en=title_en,
        title_ko=title_ko,
        due_at=due_at,
        position=position,
        opens_at=opens_at,
        hidden=hidden,
    )


def problem_set_item_create(
    *,
    problem_set: ProblemSet,
    template: ProblemTemplate,
    position: int = 0,
    points: Decimal = Decimal("1"),
    max_attempts: int = 3,
    due_at: datetime | None = None,
    late_until: datetime | None = None,
    late_penalty: Decimal = Decimal("0.5"),
) -> ProblemSetItem:
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if not Decimal("0") <= late_penalty <= Decimal("1"):
        raise ValueError("late_penalty must be between 0 and 1")
    return ProblemSetItem.objects.create(
        problem_set=problem_set,
        template=template,
        position=position,
        points=points,
        max_attempts=max_attempts,
        due_at=due_at,
        late_until=late_until,
        late_penalty=late_penalty,
    )
