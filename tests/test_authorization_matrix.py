"""The authorization matrix: every URL of the project, for every kind of visitor, answers what
that visitor should reach, and a URL the matrix does not classify fails the suite (issue #5).

The expectations come from the product (README "How it works"), not from the code:
- anyone: the health check, login/logout, set-password links, the language switcher;
- any logged-in user: the dashboard and the join page (the join code is typed once logged in);
- members of the course (its students and staff): its released sets and items;
- only the owner: a problem instance and its submissions ("any other id answers 404");
- staff of the course (instructors and TAs): gradebook, authoring, people, exports, wrong answers,
  tolerance and regrade (README "Roles": a TA grades);
- a set students have started (one of its problems opened): only its instructors change it; its
  TAs change a set no student has opened (the world's set is started, its draft set is not);
- only its instructors: everything that changes the class (roster, join code, course settings),
  publishing templates, YAML import and the one-time set-password links;
- creating a course: staff users and instructors of any course;
- the read-only template library: anyone who teaches a course, never a student (its preview shows
  the key);
- the Django admin: site admins only, active superusers (no course role grants it, nor is_staff
  or model permissions alone: tests/security/test_admin_scope.py).
Refusals are 404 (an id that is not yours does not exist), except a write to a library template
that its viewer may see but not change (403).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from lti_tool.models import Key, LtiContext, LtiDeployment, LtiRegistration

from exercises.authoring.models import (
    GradingPolicy,
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    ScoreOverride,
    ScoreOverrideEvent,
    StudentException,
    TemplateCheck,
)
from exercises.authoring.services.templates import custom_template_create
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import membership_create, user_create
from exercises.gradebook.services import regrade_job_create
from exercises.lti.models import CourseLink, LtiIdentity, ScorePassback
from exercises.lti.services.registrations import course_link_set, registration_create
from exercises.practice.selectors import WaitRegion, wait_token
from grading.models import RegradeJob, Submission
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY

pytestmark = pytest.mark.django_db

# ------------------------------------------------------------------------------ the outcomes

OK = "ok"  # 2xx, a redirect anywhere but a login page, or 400 for an empty POST (view reached)
LOGIN = "login"  # 302 to the site's login page with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page with ?next=
FORBIDDEN = 403
NOT_FOUND = 404
METHOD_NOT_ALLOWED = 405

ACTORS = (
    "anonymous",
    "owner",  # student of course A whose instance and submission the URLs name
    "peer",  # another student of course A
    "outsider",  # a student of course B
    "instructor",  # instructor of course A
    "ta",  # teaching assistant of course A
    "other_instructor",  # instructor of course B
)


def _expect(default: Any, **cells: Any) -> dict[str, Any]:
    return {**{actor: default for actor in ACTORS}, **cells}


PUBLIC = {actor: OK for actor in ACTORS}
LOGGED_IN = _expect(OK, anonymous=LOGIN)
# the course's students and staff; students and staff of course B get 404
COURSE_MEMBERS = _expect(NOT_FOUND, anonymous=LOGIN, owner=OK, peer=OK, instructor=OK, ta=OK)
OWNER = _expect(NOT_FOUND, anonymous=LOGIN, owner=OK)
STAFF = _expect(NOT_FOUND, anonymous=LOGIN, instructor=OK, ta=OK)
INSTRUCTOR = _expect(NOT_FOUND, anonymous=LOGIN, instructor=OK)
# a started set: its TAs see it (GET is STAFF) but a change is refused with the page (403)
STARTED_SET_WRITE = _expect(NOT_FOUND, anonymous=LOGIN, instructor=OK, ta=FORBIDDEN)
# instructors of any course (and staff users) create courses; a TA of A only is refused
COURSE_MAKERS = _expect(NOT_FOUND, anonymous=LOGIN, instructor=OK, other_instructor=OK)
LIBRARY_READ = _expect(NOT_FOUND, anonymous=LOGIN, instructor=OK, ta=OK, other_instructor=OK)
LIBRARY_WRITE = _expect(
    NOT_FOUND, anonymous=LOGIN, instructor=FORBIDDEN, ta=FORBIDDEN, other_instructor=FORBIDDEN
)
ADMIN = {actor: ADMIN_LOGIN for actor in ACTORS}
# site admins (superusers) only: LMS platform registrations; no course role grants it
SUPERUSER = _expect(NOT_FOUND, anonymous=LOGIN)
# without a valid LMS launch (none of these actors has one) the LTI pages refuse with a page
NO_LAUNCH = _expect(FORBIDDEN)
NOT_ALLOWED = _expect(METHOD_NOT_ALLOWED)


@dataclass(frozen=True)
class Case:
    method: str  # "get" or "post"
    target: str  # which object of course A fills the URL's kwargs (see _kwargs)
    expected: dict[str, Any]
    query: str = ""
    htmx: bool = False  # the same URL's htmx partial: a code path of its own in the view


def _cases(
    target: str, expected: dict[str, Any], *methods: str, query: str = "", htmx: bool = False
) -> list[Case]:
    return [Case(method, target, expected, query, htmx) for method in methods]


EXPORT_QUERY = "lms=plain&attempt=best&late_penalty=yes"

# Every named URL outside the admin, with each method its view accepts. A method not listed
# must answer 405 (test_methods_not_in_the_matrix_are_refused).
MATRIX: dict[str, list[Case]] = {
    # -------------------------------------------------------------------- public
    "healthz": _cases("none", PUBLIC, "get", "post"),  # a plain function: any method
    "favicon": _cases("none", PUBLIC, "get"),  # a redirect to the static icon
    "login": _cases("none", PUBLIC, "get", "post"),
    "logout": _cases("none", PUBLIC, "post"),  # redirects to the login page, without ?next=
    "password_reset_confirm": _cases("reset-link", PUBLIC, "get", "post"),
    "password_reset_complete": _cases("none", PUBLIC, "get"),
    "set_language": _cases("none", PUBLIC, "get", "post"),
    # ------------------------------------------------------------- student site
    "practice:dashboard": _cases("none", LOGGED_IN, "get"),
    "courses:course-join": _cases("none", LOGGED_IN, "get", "post"),
    "courses:course-create": _cases("none", COURSE_MAKERS, "get", "post"),
    "gradebook:course-gradebook": _cases("course", STAFF, "get"),
    # a student's answers, terms and overrides: the course's staff (TAs extend and override)
    "gradebook:course-gradebook-student": _cases("student", STAFF, "get"),
    "gradebook:student-exception": _cases("student-item", STAFF, "post"),
    "gradebook:student-override": _cases("student-item", STAFF, "post"),
    "gradebook:course-submissions-csv": _cases("course", STAFF, "get"),
    "gradebook:course-overrides": _cases("course", STAFF, "get"),
    "practice:problem-set-detail": _cases("set", COURSE_MEMBERS, "get"),
    "practice:item-open": _cases("item", COURSE_MEMBERS, "get"),  # each gets their own instance
    "practice:problem-detail": [
        *_cases("instance", OWNER, "get"),
        *_cases("instance", OWNER, "get", htmx=True),  # the result region polling
    ],
    "practice:problem-preview": _cases("instance", OWNER, "get", query="answer=2x"),
    # the result region's poll while grading: its signed token (made for the owner, expiring)
    # stands for the login, and it tells only whether that submission is still graded; a
    # forged or foreign token is 404 (tests/exercises/practice/test_practice_views.py)
    "practice:submission-wait": _cases("submission-wait", PUBLIC, "get", htmx=True),
    "practice:problem-plot": _cases("instance", OWNER, "get"),  # the student's own variant
    # an ungraded practice variant of the owner's problem (solved in the world: closed for credit)
    "practice:practice": _cases("practice", OWNER, "get", "post"),
    "practice:practice-plot": _cases("practice", OWNER, "get", query="answer=2x"),
    "practice:submission-create": [
        *_cases("instance", OWNER, "post"),
        *_cases("instance", OWNER, "post", htmx=True),
    ],
    # one part of a multi-part problem (the owner's; any other id, or a part it has not: 404)
    "practice:part-submission-create": [
        *_cases("part", OWNER, "post"),
        *_cases("part", OWNER, "post", htmx=True),
    ],
    "practice:submission-detail": [
        *_cases("submission", OWNER, "get"),
        *_cases("submission", OWNER, "get", htmx=True),
    ],
    # --------------------------------------------------- the class (views_class)
    "courses:course-people": _cases("course", STAFF, "get"),
    "courses:course-roster-import": _cases("course", INSTRUCTOR, "post"),
    "courses:course-settings": _cases("course", INSTRUCTOR, "get", "post"),
    "courses:course-invitations": _cases("course", INSTRUCTOR, "post"),  # they set passwords
    "courses:course-join-code": _cases("course", INSTRUCTOR, "post"),
    "courses:course-signin-links": _cases("course", INSTRUCTOR, "get"),  # they set passwords
    "gradebook:course-grades-export": _cases("course", STAFF, "get", query=EXPORT_QUERY),
    "gradebook:course-grades-download": _cases("course", STAFF, "get", query=EXPORT_QUERY),
    "gradebook:course-grades-fill": _cases("course", STAFF, "post"),  # builds a file, stores none
    "gradebook:item-wrong-answers": _cases("item", STAFF, "get"),
    "gradebook:item-tolerance": _cases("item", STAFF, "post"),
    "gradebook:item-regrade": _cases("item", STAFF, "post"),
    "gradebook:regrade-detail": [
        *_cases("regrade", STAFF, "get"),
        *_cases("regrade", STAFF, "get", htmx=True),  # the progress bar polling
    ],
    # ------------------------------------------------ authoring (views_authoring)
    "authoring:course-authoring": _cases("course", STAFF, "get"),
    "authoring:template-create": _cases("course", STAFF, "get", "post"),
    "authoring:set-create": _cases("course", STAFF, "get", "post"),
    "authoring:course-export": _cases("course", STAFF, "get"),
    "authoring:course-import": _cases("course", INSTRUCTOR, "get", "post"),
    "authoring:template-edit": [
        *_cases("template", STAFF, "get", "post"),
        *_cases("library", LIBRARY_READ, "get"),
        *_cases("library", LIBRARY_WRITE, "post"),
    ],
    "authoring:template-preview": [
        *_cases("template", STAFF, "get"),
        *_cases("library", LIBRARY_READ, "get"),
    ],
    "authoring:template-check": [
        *_cases("template", STAFF, "get", "post"),
        *_cases("template", STAFF, "post", htmx=True),
        *_cases("library", LIBRARY_READ, "get"),
        *_cases("library", LIBRARY_WRITE, "post"),
    ],
    # only the course's own templates are published or copied: the library is not
    "authoring:template-publish": [
        *_cases("template", INSTRUCTOR, "post"),
        *_cases("library", _expect(NOT_FOUND, anonymous=LOGIN), "post"),
    ],
    "authoring:template-copy": [
        *_cases("template", STAFF, "post"),
        *_cases("library", _expect(NOT_FOUND, anonymous=LOGIN), "post"),
    ],
    "authoring:set-edit": [
        *_cases("set", STAFF, "get"),
        *_cases("set", STARTED_SET_WRITE, "post"),
        *_cases("draft-set", STAFF, "get", "post"),
    ],
    "authoring:item-add": [
        *_cases("set", STARTED_SET_WRITE, "post"),
        *_cases("draft-set", STAFF, "post"),
    ],
    "authoring:set-duplicate": _cases("set", STAFF, "post"),
    "authoring:item-change": [
        *_cases("item", STARTED_SET_WRITE, "post"),
        *_cases("draft-item", STAFF, "post"),
    ],
    # ------------------------------------------------------------------- LTI (lti)
    "lti:jwks": _cases("none", PUBLIC, "get", "post"),  # our public keys
    "lti:login": _cases("none", NO_LAUNCH, "get", "post"),  # no login parameters
    "lti:login-registration": _cases("registration-uuid", NO_LAUNCH, "get", "post"),
    "lti:launch": [*_cases("none", NO_LAUNCH, "post"), *_cases("none", NOT_ALLOWED, "get")],
    "lti:launch-continue": _cases("none", NO_LAUNCH, "get", "post"),
    "lti:context-link": _cases("none", NO_LAUNCH, "get", "post"),
    "lti:resource-link": _cases("none", NO_LAUNCH, "get", "post"),
    "lti:deep-link": _cases("none", NO_LAUNCH, "get", "post"),
    "lti:registrations": _cases("none", SUPERUSER, "get", "post"),
    "lti:registration-detail": _cases("registration", SUPERUSER, "get"),
    "lti:deployment-create": _cases("registration", SUPERUSER, "post"),
    "lti:deployment-active": _cases("deployment", SUPERUSER, "post"),
    "lti:context-course": _cases("context", SUPERUSER, "post"),
    "lti:keys-rotate": _cases("none", SUPERUSER, "post"),
    "lti:course-lti": _cases("course", STAFF, "get"),
    "lti:passback-resend": _cases("passback", INSTRUCTOR, "post"),
    "lti:roster-sync": _cases("context", INSTRUCTOR, "post"),  # no NRPS URL: no call out
}

# The admin is one family, classified by its prefix: no course role makes anyone site staff.
ADMIN_PREFIX = "admin/"
ADMIN_CASES: dict[str, Case] = {
    "admin:index": Case("get", "none", ADMIN),
    "admin:auth_user_changelist": Case("get", "none", ADMIN),
    "admin:grading_submission_changelist": Case("get", "none", ADMIN),
    "admin:grading_submission_change": Case("get", "admin-submission", ADMIN),
    "admin:courses_course_change": Case("get", "admin-course", ADMIN),
}

# Cells whose current answer is a known hole, too big to fix here: {(name, target, method,
# actor): reason}. They run as strict xfails, so fixing the hole makes the suite say so.
KNOWN_HOLES: dict[tuple[str, str, str, str], str] = {}


# ---------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint of it, so what one request changes is gone before the next."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _staff(course: Course, role: str) -> Any:
    member = factories.user()
    membership_create(course=course, user=member, role=role)
    return member


def _build_world() -> SimpleNamespace:
    course, other_course = factories.course(), factories.course()
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)  # a library template: no course
    draft_set = factories.problem_set(in_course=course)  # no student has opened it
    draft_item = factories.item(in_set=draft_set)
    owner = factories.student(in_course=course)
    instance = factories.instance(for_item=item, for_student=owner)
    # a multi-part problem, whose parts are answered at their own URL
    parts_tpl = factories.template(family="parts", config=dict(factories.TOY2_PARTS))
    parts_item = factories.item(in_set=problem_set, tpl=parts_tpl)
    parts_instance = factories.instance(for_item=parts_item, for_student=owner)
    instructor = _staff(course, Membership.Role.INSTRUCTOR)
    w = SimpleNamespace(
        course=course,
        problem_set=problem_set,
        item=item,
        draft_set=draft_set,
        draft_item=draft_item,
        template=custom_template_create(
            course=course, slug="toy", title_en="Toy", title_ko="토이", config=TOY
        ),
        instance=instance,
        parts_instance=parts_instance,
        submission=factories.graded(instance, "3x^2 + y"),
        regrade=regrade_job_create(item=item, requested_by=instructor, reason="matrix"),
        users={
            "owner": owner,
            "peer": factories.student(in_course=course),
            "outsider": factories.student(in_course=other_course),
            "instructor": instructor,
            "ta": _staff(course, Membership.Role.TA),
            "other_instructor": _staff(other_course, Membership.Role.INSTRUCTOR),
        },
    )
    assert w.item.template.course_id is None and w.template.course_id == course.pk
    w.registration = registration_create(
        name="LMS",
        issuer="https://lms.example",
        client_id="client-1",
        auth_url="https://lms.example/auth",
        token_url="https://lms.example/token",
        keyset_url="https://lms.example/jwks",
        deployment_ids=["deployment-1"],
    )
    w.deployment = w.registration.deployments.get()
    w.context = LtiContext.objects.create(deployment=w.deployment, id_on_platform="lms-course")
    course_link_set(context=w.context, course=course)
    w.passback = ScorePassback.objects.create(
        context=w.context, student=owner, problem_set=problem_set, sub="lms-owner", version=1
    )
    return w


def _kwargs(w: SimpleNamespace, target: str) -> dict[str, Any]:
    owner = w.users["owner"]
    targets: dict[str, Callable[[], dict[str, Any]]] = {
        "none": dict,
        "course": lambda: {"pk": w.course.pk},
        "student": lambda: {"pk": w.course.pk, "student": owner.pk},
        "student-item": lambda: {"pk": w.course.pk, "student": owner.pk, "item": w.item.pk},
        "set": lambda: {"pk": w.problem_set.pk},
        "item": lambda: {"pk": w.item.pk},
        "draft-set": lambda: {"pk": w.draft_set.pk},
        "draft-item": lambda: {"pk": w.draft_item.pk},
        "instance": lambda: {"pk": w.instance.pk},
        "practice": lambda: {"pk": w.instance.pk, "n": 1},
        "part": lambda: {"pk": w.parts_instance.pk, "part": 1},
        "submission": lambda: {"pk": w.submission.pk},
        "submission-wait": lambda: {
            "pk": w.submission.pk,
            "token": wait_token(
                submission_id=w.submission.pk, region=WaitRegion(kind="problem", pk=w.instance.pk)
            ),
        },
        "template": lambda: {"pk": w.template.pk},
        "library": lambda: {"pk": w.item.template.pk},
        "regrade": lambda: {"pk": w.regrade.pk},
        "reset-link": lambda: {
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "token": default_token_generator.make_token(owner),
        },
        "registration": lambda: {"pk": w.registration.pk},
        "registration-uuid": lambda: {"registration_uuid": w.registration.uuid},
        "deployment": lambda: {"pk": w.deployment.pk},
        "context": lambda: {"pk": w.context.pk},
        "passback": lambda: {"pk": w.passback.pk},
        "admin-submission": lambda: {"object_id": w.submission.pk},
        "admin-course": lambda: {"object_id": w.course.pk},
    }
    return targets[target]()


def _client(w: SimpleNamespace, actor: str, *, htmx: bool = False) -> Client:
    client = Client(headers={"HX-Request": "true"} if htmx else None)
    if actor != "anonymous":
        client.force_login(w.users[actor])
    return client


def _url(w: SimpleNamespace, name: str, case: Case) -> str:
    url = reverse(name, kwargs=_kwargs(w, case.target))
    return f"{url}?{case.query}" if case.query else url


def _outcome(response: Any, method: str) -> Any:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        has_next = "next" in parse_qs(location.query)
        if location.path == reverse("login") and has_next:
            return LOGIN
        if location.path == reverse("admin:login") and has_next:
            return ADMIN_LOGIN
        return OK
    if 200 <= status < 300 or (status == 400 and method == "post"):
        return OK
    return status


def _describe(response: Any) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location}".strip()


def _fingerprint() -> list[Any]:
    """Every row a refused request could have changed (sessions and last_login aside)."""
    from django.contrib.auth import get_user_model

    models = [
        Course,
        Membership,
        ProblemTemplate,
        TemplateCheck,
        ProblemSet,
        ProblemSetItem,
        ProblemInstance,
        Submission,
        RegradeJob,
        GradingPolicy,
        StudentException,
        ScoreOverride,
        ScoreOverrideEvent,
        LtiRegistration,
        LtiDeployment,
        LtiContext,
        Key,
        CourseLink,
        LtiIdentity,
        ScorePassback,
    ]
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    return [*rows, get_user_model().objects.count()]


# ---------------------------------------------------------------------------- the cells


def _method_label(case: Case) -> str:
    return f"{case.method.upper()}{'-htmx' if case.htmx else ''}"


def _cells() -> Iterator[Any]:
    for name, cases in MATRIX.items():
        for case in cases:
            for actor in ACTORS:
                marks = []
                reason = KNOWN_HOLES.get((name, case.target, case.method, actor))
                if reason:
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
                yield pytest.param(
                    name,
                    case,
                    actor,
                    marks=marks,
                    id=f"{name}[{case.target}]-{_method_label(case)}-{actor}",
                )


@pytest.mark.parametrize(("name", "case", "actor"), list(_cells()))
def test_cell(world: SimpleNamespace, name: str, case: Case, actor: str) -> None:
    client = _client(world, actor, htmx=case.htmx)
    url = _url(world, name, case)
    expected = case.expected[actor]
    before = _fingerprint() if case.method == "post" and expected != OK else None
    response = getattr(client, case.method)(url)
    assert _outcome(response, case.method) == expected, (
        f"{_method_label(case)} {url} as {actor}: expected {expected}, got {_describe(response)}"
    )
    if before is not None:
        assert _fingerprint() == before, f"a refused POST {url} as {actor} changed data"


def _admin_cells() -> Iterator[Any]:
    for name, case in ADMIN_CASES.items():
        for actor in ACTORS:
            yield pytest.param(name, case, actor, id=f"{name}-{case.method.upper()}-{actor}")


@pytest.mark.parametrize(("name", "case", "actor"), list(_admin_cells()))
def test_admin_cell(world: SimpleNamespace, name: str, case: Case, actor: str) -> None:
    client = _client(world, actor)
    url = _url(world, name, case)
    response = getattr(client, case.method)(url)
    assert _outcome(response, case.method) == case.expected[actor], (
        f"{url} as {actor}: expected {case.expected[actor]}, got {_describe(response)}"
    )


def _site_admin() -> Client:
    client = Client()
    client.force_login(
        user_create(username="site-admin", password="x-pass-123", is_staff=True, is_superuser=True)
    )
    return client


def test_site_staff_reach_the_admin(world: SimpleNamespace) -> None:
    """The control for the admin cells: they are refused for their role, not a broken admin."""
    client = _site_admin()
    for name, case in ADMIN_CASES.items():
        assert client.get(_url(world, name, case)).status_code == 200, name


def test_site_admins_reach_the_lti_registrations(world: SimpleNamespace) -> None:
    """The control for the SUPERUSER cells: refused for their role, not broken pages."""
    client = _site_admin()
    for name, cases in MATRIX.items():
        for case in cases:
            if case.expected is SUPERUSER and case.method == "get":
                assert client.get(_url(world, name, case)).status_code == 200, name


def _methods_not_listed() -> Iterator[Any]:
    for name, cases in MATRIX.items():
        listed = {case.method for case in cases}
        for method in ("get", "post"):
            if method not in listed:
                yield pytest.param(name, cases[0], method, id=f"{name}-{method.upper()}")


@pytest.mark.parametrize(("name", "case", "method"), list(_methods_not_listed()))
def test_methods_not_in_the_matrix_are_refused(
    world: SimpleNamespace, name: str, case: Case, method: str
) -> None:
    """A view that starts accepting another method must get cells for it. A view that no
    actor reaches (site admins only) is asked as a site admin."""
    actor = next((a for a in ACTORS if case.expected[a] == OK), None)
    client = _client(world, actor) if actor else _site_admin()
    response = getattr(client, method)(_url(world, name, case))
    assert response.status_code == METHOD_NOT_ALLOWED, _describe(response)


def test_item_open_gives_each_member_their_own_instance(world: SimpleNamespace) -> None:
    url = reverse("practice:item-open", args=[world.item.pk])
    for actor in ("owner", "peer", "instructor", "ta"):
        response = _client(world, actor).get(url)
        instance_pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        assert ProblemInstance.objects.get(pk=instance_pk).student == world.users[actor], actor


# ------------------------------------------------------------------------ completeness


def _walk(patterns: list[Any], route: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(qualified name or "", full route) of every URL pattern, included URLconfs too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield name, route + str(pattern.pattern)


def test_every_url_of_the_project_is_in_the_matrix() -> None:
    found = list(_walk(get_resolver().url_patterns))
    admin = [(name, route) for name, route in found if route.startswith(ADMIN_PREFIX)]
    site = [(name, route) for name, route in found if not route.startswith(ADMIN_PREFIX)]
    unnamed = [route for name, route in site if not name]
    assert unnamed == [], f"URL patterns without a name cannot be classified: {unnamed}"
    names = [name for name, _ in site]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert duplicated == [], f"names used by more than one pattern: {duplicated}"
    unclassified = sorted(set(names) - set(MATRIX))
    assert unclassified == [], f"URLs missing from the authorization matrix: {unclassified}"
    stale = sorted(set(MATRIX) - set(names))
    assert stale == [], f"matrix entries for URLs that no longer exist: {stale}"
    admin_names = {name for name, _ in admin}
    assert admin_names >= set(ADMIN_CASES), sorted(set(ADMIN_CASES) - admin_names)
    assert all(name.startswith("admin:") for name in admin_names - {""})
