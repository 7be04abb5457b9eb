"""What a validated launch does here: the account of the LMS user (found by issuer and `sub`
only), their enrolment in the linked course with the launch's role, and the problem set the
link opens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiContext, LtiLaunch, LtiResourceLink
from lti_tool.utils import sync_data_from_launch

from exercises.authoring.models import ProblemSet
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import course_create, membership_create
from exercises.lti.models import CourseLink, LtiIdentity, ResourceLinkSet, SetLineItem
from exercises.lti.services.registrations import course_link_set

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
TA_ROLES = frozenset(
    {_MEMBERSHIP + "/Instructor#TeachingAssistant", _MEMBERSHIP + "#TeachingAssistant"}
)
INSTRUCTOR_ROLE = _MEMBERSHIP + "#Instructor"
LEARNER_ROLE = _MEMBERSHIP + "#Learner"
CUSTOM_SET = "problem_set"  # the custom parameter our deep links carry


class LaunchRefused(Exception):
    """A launch we cannot serve; the message is shown to the user (403)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def course_role_of(roles: Any) -> str | None:
    """Our role for the launch's LTI roles: a teaching assistant is a TA even when Instructor
    is listed too; None when the launch has none of TA, Instructor, Learner."""
    if not isinstance(roles, list):
        return None
    full = {normalize_role(role) for role in roles if isinstance(role, str)}
    if full & TA_ROLES:
        return Membership.Role.TA
    if INSTRUCTOR_ROLE in full:
        return Membership.Role.INSTRUCTOR
    if LEARNER_ROLE in full:
        return Membership.Role.STUDENT
    return None


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def account_for(*, issuer: str, sub: str, claims: dict[str, Any]) -> Any:
    """Our account for the LMS user (issuer, sub): the one linked to that pair, else a new
    account with no usable password, linked now. Names are refreshed from the LMS; the LMS's
    email is kept on django-lti's LtiUser only, so that it never matches a login of ours."""
    identity = LtiIdentity.objects.select_related("user").filter(issuer=issuer, sub=sub).first()
    if identity is None:
        user_model = get_user_model()
        digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(username=f"lti-{digest[:24]}")
                user.set_unusable_password()
                user.save(update_fields=["password"])
                identity = LtiIdentity.objects.create(issuer=issuer, sub=sub, user=user)
        except IntegrityError:  # a second launch of the same user made it meanwhile
            identity = LtiIdentity.objects.select_related("user").get(issuer=issuer, sub=sub)
    user = identity.user
    first = _text(claims.get("given_name"), 150)
    last = _text(claims.get("family_name"), 150)
    if not (first or last):
        first = _text(claims.get("name"), 150)
    if (first or last) and (user.first_name, user.last_name) != (first, last):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return user


@dataclass
class LaunchResult:
    user: Any
    role: str
    context: LtiContext
    course: Course | None  # None: the LMS course is not linked to one of ours yet
    deep_link: bool
    resource_link: LtiResourceLink | None = None
    problem_set: ProblemSet | None = None


def launch_accept(*, launch: LtiLaunch) -> LaunchResult:
    """Record a validated launch: django-lti's copy of the platform's data, the account, the
    enrolment (when the LMS course is linked) and the set of the link (when known)."""
    role = course_role_of(launch.roles_claim)
    if role is None:
        raise LaunchRefused(
            _(
                "Your role in this LMS course gives no access here: Instructor, "
                "Teaching assistant or Learner is needed."
            )
        )
    if not isinstance(launch.context_claim, dict) or not launch.context_claim.get("id"):
        raise LaunchRefused(_("The launch did not say which LMS course it comes from."))
    if not (launch.is_resource_launch or launch.is_deep_link_launch):
        raise LaunchRefused(_("This kind of LMS launch is not supported here."))
    if not launch.deployment.is_active:
        raise LaunchRefused(
            _("This LMS deployment is not active here. Ask your site administrator.")
        )
    with transaction.atomic():
        sync_data_from_launch(launch)
        user = account_for(
            issuer=launch.get_claim("iss"),
            sub=str(launch.get_claim("sub")),
            claims=launch.get_launch_data(),
        )
        context = launch.context
        link = CourseLink.objects.select_related("course").filter(context=context).first()
        course = link.course if link else None
        if course is not None:
            membership_create(course=course, user=user, role=role)
        result = LaunchResult(
            user=user,
            role=role,
            context=context,
            course=course,
            deep_link=launch.is_deep_link_launch,
        )
        if launch.is_resource_launch:
            result.resource_link = launch.resource_link
            result.problem_set = _set_of_link(launch=launch, result=result)
    return result


def _set_of_link(*, launch: LtiLaunch, result: LaunchResult) -> ProblemSet | None:
    """The set the resource link opens: mapped before, or named by our deep link's custom
    parameter (a set of the linked course only). The line item the platform made for the
    link, if it says, is where the set's scores go."""
    assert result.resource_link is not None
    mapped = (
        ResourceLinkSet.objects.select_related("problem_set")
        .filter(resource_link=result.resource_link)
        .first()
    )
    problem_set = mapped.problem_set if mapped else None
    if problem_set is None and result.course is not None:
        wanted = str(launch.get_custom_claim(CUSTOM_SET) or "")
        if wanted.isdigit():
            problem_set = ProblemSet.objects.filter(course=result.course, pk=int(wanted)).first()
            if problem_set is not None:
                resource_link_set(resource_link=result.resource_link, problem_set=problem_set)
    ags = launch.ags_claim
    if problem_set is not None and isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
        SetLineItem.objects.get_or_create(
            context=result.context,
            problem_set=problem_set,
            defaults={"url": ags["lineitem"][:1000]},
        )
    return problem_set


def resource_link_set(*, resource_link: LtiResourceLink, problem_set: ProblemSet) -> None:
    ResourceLinkSet.objects.update_or_create(
        resource_link=resource_link, defaults={"problem_set": problem_set}
    )


def course_link_choose(
    *, context: LtiContext, user: Any, course: Course | None, role: str
) -> Course:
    """An instructor's answer on the first launch from an LMS course: one of their courses,
    or (course None) a new course named after the LMS course. They are enrolled in it."""
    with transaction.atomic():
        if course is None:
            title = (context.title or context.label or str(_("LMS course")))[:200]
            base = slugify(context.label or context.title or "lms")[:28] or "lms"
            code = f"{base}-{hashlib.sha256(str(context.pk).encode()).hexdigest()[:8]}"
            course = course_create(code=code, title_en=title, title_ko=title)
        course_link_set(context=context, course=course)
        membership_create(course=course, user=user, role=role)
    return course
