"""Names and Role Provisioning (NRPS): the LMS course's roster, synced into the linked
course. Members are matched to accounts by (issuer, user id) only, as launches are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from lti_tool.models import LtiContext
from pylti1p3.names_roles import NamesRolesProvisioningService

from exercises.courses.services.accounts import membership_create
from exercises.lti.models import CourseLink
from exercises.lti.platform import service_connector
from exercises.lti.services.launches import account_for, course_role_of

MAX_PAGES = 50  # an LMS that pages forever is cut here
MAX_MEMBERS = 5000


@dataclass
class RosterSync:
    enrolled: int = 0  # active members with a role we know, now in the course
    skipped: int = 0  # inactive, unknown role, or no usable user id
    truncated: bool = False  # the LMS had more than MAX_PAGES pages or MAX_MEMBERS members


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _clean(member: Any) -> dict[str, Any] | None:
    """A member as django-lti stores it, from what the LMS sent (any field may be missing,
    of the wrong type or too long)."""
    if not isinstance(member, dict):
        return None
    user_id = member.get("user_id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 255:
        return None
    roles = member.get("roles")
    status = member.get("status", "Active")
    email = _text(member.get("email"), 254)
    return {
        "user_id": user_id,
        "roles": [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
        "status": status if isinstance(status, str) else "Active",
        "given_name": _text(member.get("given_name"), 500),
        "family_name": _text(member.get("family_name"), 500),
        "name": _text(member.get("name"), 500),
        "email": email if email and "@" in email else None,
    }


def roster_sync(*, context: LtiContext) -> RosterSync:
    """Fetch the LMS course's members and enrol the active ones in the linked course with
    their role (Instructor, TA, Learner); nobody is removed. LtiException (or a requests
    error) when the LMS refuses or does not answer."""
    link = CourseLink.objects.select_related("course").get(context=context)
    registration = context.deployment.registration
    nrps = NamesRolesProvisioningService(
        service_connector(registration), {"context_memberships_url": context.memberships_url}
    )
    members: list[dict[str, Any]] = []
    result = RosterSync()
    url: str | None = context.memberships_url
    for _ in range(MAX_PAGES):
        if not url:
            break
        page, url = nrps.get_members_page(url)
        members.extend(m for m in map(_clean, page if isinstance(page, list) else []) if m)
    else:
        result.truncated = bool(url)
    if len(members) > MAX_MEMBERS:
        members, result.truncated = members[:MAX_MEMBERS], True
    with transaction.atomic():
        context.update_memberships(members)
        for member in members:
            role = course_role_of(member["roles"])
            if member["status"] != "Active" or role is None:
                result.skipped += 1
                continue
            user = account_for(issuer=registration.issuer, sub=member["user_id"], claims=member)
            membership_create(course=link.course, user=user, role=role)
            result.enrolled += 1
    return result
