"""What the site admin registers (platforms, deployments), our signing keys, and which of
our courses an LMS course stands for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Required, TypedDict, Unpack

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lti_tool.models import Key, LtiContext, LtiDeployment, LtiRegistration

from exercises.courses.models import Course
from exercises.lti.models import CourseLink
from exercises.lti.platform import signing_key


class RegistrationValues(TypedDict, total=False):
    """What the platform's admin gives us (LtiRegistration's fields); `audience` only if the
    LMS asks for one."""

    name: Required[str]
    issuer: Required[str]
    client_id: Required[str]
    auth_url: Required[str]
    token_url: Required[str]
    keyset_url: Required[str]
    audience: str


def registration_create(
    *, deployment_ids: list[str] | tuple[str, ...] = (), **values: Unpack[RegistrationValues]
) -> LtiRegistration:
    """A platform as its admin registered us; its deployments start active."""
    with transaction.atomic():
        registration = LtiRegistration.objects.create(**values)
        for deployment_id in deployment_ids:
            deployment_add(registration=registration, deployment_id=deployment_id)
    signing_key()  # a first key, so that our JWKS has one to give the platform
    return registration


def deployment_add(
    *, registration: LtiRegistration, deployment_id: str, active: bool = True
) -> LtiDeployment:
    deployment, _ = LtiDeployment.objects.update_or_create(
        registration=registration, deployment_id=deployment_id, defaults={"is_active": active}
    )
    return deployment


def deployment_set_active(*, deployment: LtiDeployment, active: bool) -> None:
    deployment.is_active = active
    deployment.save(update_fields=["is_active", "datetime_modified"])


def keys_rotate(*, now: datetime | None = None) -> Key:
    """Publish a new key; it signs once LTI_KEY_PUBLISH_SECONDS have passed (platforms cache
    our JWKS). Keys older than LTI_KEY_RETIRE_DAYS leave the JWKS, except the one signing."""
    now = now or timezone.now()
    with transaction.atomic():
        current = signing_key(now=now)
        new_key = Key.objects.generate()
        Key.objects.active().filter(
            datetime_created__lt=now - timedelta(days=settings.LTI_KEY_RETIRE_DAYS)
        ).exclude(pk__in=[current.pk, new_key.pk]).update(is_active=False)
    return new_key


def course_link_set(*, context: LtiContext, course: Course) -> CourseLink:
    """Launches from this LMS course enrol into `course` from now on."""
    link, _ = CourseLink.objects.update_or_create(context=context, defaults={"course": course})
    return link
