"""Thin views of the lti room.

- Platform-facing: our JWKS, OIDC login initiation, the launch (resource link and deep
  linking). A launch we refuse answers 403 with a page saying why, never a 500.
- After a launch, an instructor's first choices: which course an LMS course stands for,
  which set a link opens, which set to place (Deep Linking).
- Site admins (superusers) register platforms: registering trusts a platform to vouch for
  who its users are, a decision for the whole site, not for one course.
- Course staff see the passback status; instructors resend scores and sync the roster.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

import requests
from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from lti_tool.models import Key, LtiContext, LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.views import OIDCLoginInitView
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from exercises.authoring.models import ProblemSet
from exercises.courses.auth import session_backend
from exercises.courses.models import Course, Membership
from exercises.courses.selectors import course_role, courses_taught
from exercises.lti import selectors as sel
from exercises.lti.forms import ActiveForm, ChoiceForm, DeploymentForm, RegistrationForm
from exercises.lti.models import LtiIdentity, ScorePassback
from exercises.lti.platform import Replayed, ToolConfig, launch_from_cache, launch_validate
from exercises.lti.services.deep_linking import deep_link_reply
from exercises.lti.services.launches import (
    LaunchRefused,
    LaunchResult,
    course_link_choose,
    launch_accept,
    resource_link_set,
)
from exercises.lti.services.passback import passback_resend
from exercises.lti.services.registrations import (
    course_link_set,
    deployment_add,
    deployment_set_active,
    keys_rotate,
    registration_create,
)
from exercises.lti.services.roster import roster_sync
from exercises.lti.tasks import passback_enqueue

logger = logging.getLogger(__name__)

LAUNCH_SESSION_KEY = "lti_launch_id"


def refuse(request: HttpRequest, message: str, detail: str = "") -> HttpResponse:
    """The page of a launch we do not serve: what happened and what to do, 403. The technical
    detail (the library's error: the platform's URLs, what failed in fetching them) goes to the
    log, and on the page only to a superuser, who can act on it: anyone may post a launch."""
    if detail:
        logger.info("LTI launch refused: %s (%r)", message, detail[:300])
    shown = detail[:300] if getattr(request.user, "is_superuser", False) else ""
    return render(request, "lti/refused.html", {"message": message, "detail": shown}, status=403)


def jwks(request: HttpRequest) -> JsonResponse:
    """Our public keys (active ones: the one signing and those published next to it)."""
    return JsonResponse(Key.objects.as_jwks())


def _under_our_csp(request: HttpRequest, response: Any) -> Any:
    """PyLTI1p3's cookie-check page (its own HTML, with an inline script and style) made to run
    under the site's Content-Security-Policy: its script and style carry this response's nonce,
    and its hidden blocks and link use no inline style or javascript: URL."""
    if getattr(response, "status_code", None) != 200 or not hasattr(response, "content"):
        return response  # the redirect to the platform
    nonce = request.csp_nonce  # type: ignore[attr-defined]
    html = response.content.decode()
    for old, new in (
        ('<script type="text/javascript">', f'<script nonce="{nonce}">'),
        ('<style type="text/css">', f'<style nonce="{nonce}">'),
        ('style="display: none;"', "hidden"),
        ('href="javascript: void(0);"', 'href="#"'),
    ):
        html = html.replace(old, new)
    response.content = html.encode()
    return response


@method_decorator((csrf_exempt, xframe_options_exempt), name="dispatch")
@method_decorator(csp_update({"script-src": [NONCE]}), name="dispatch")
class LoginInitView(OIDCLoginInitView):
    """OIDC third-party login initiation, with the launch always sent to our launch URL."""

    def get_oidc_response(self, request: Any, registration_uuid: Any, params: Any) -> Any:
        if not all(params.get(name) for name in ("iss", "login_hint", "target_link_uri")):
            return refuse(request, _("The LMS did not send a complete login request."))
        oidc_login = DjangoOIDCLogin(
            request, ToolConfig(registration_uuid), launch_data_storage=DjangoCacheDataStorage()
        )
        try:
            response = oidc_login.enable_check_cookies(
                _(
                    "Your browser blocks cookies in this frame. "
                    "Open Partial Credit in a new window to continue."
                ),
                _("Open in a new window"),
                _("Loading..."),
            ).redirect(request.build_absolute_uri(reverse("lti:launch")))
            return _under_our_csp(request, response)
        except (OIDCException, LtiException) as exc:
            return refuse(
                request,
                _("This LMS is not registered here, or not active. Ask your site administrator."),
                str(exc),
            )


def _next_step(request: HttpRequest, result: LaunchResult) -> HttpResponse:
    """Where a launch lands: the set, or first the instructor's choice of course or set."""
    instructor = result.role == Membership.Role.INSTRUCTOR
    if result.course is None:
        if instructor:
            return redirect("lti:context-link")
        return refuse(
            request,
            _(
                "This LMS course is not set up in Partial Credit yet. "
                "Your instructor sets it up by opening the link once."
            ),
        )
    if result.deep_link:
        if not instructor:
            return refuse(request, _("Only an instructor can place problem sets in the LMS."))
        return redirect("lti:deep-link")
    if result.problem_set is None:
        if instructor:
            return redirect("lti:resource-link")
        return refuse(
            request,
            _(
                "This link does not open a problem set yet. "
                "Your instructor chooses its set by opening it once."
            ),
        )
    if result.role == Membership.Role.STUDENT:
        return redirect("practice:problem-set-detail", pk=result.problem_set.pk)
    return redirect("authoring:set-edit", pk=result.problem_set.pk)


@method_decorator((csrf_exempt, xframe_options_exempt), name="dispatch")
class LaunchView(View):
    """The platform's form_post of an id_token: validated, recorded, signed in, landed."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            launch = launch_validate(request)
            result = launch_accept(launch=launch)
        except Replayed:
            return refuse(
                request,
                _("This launch was already used. Open the link in your LMS again."),
            )
        except LtiException as exc:  # logged by refuse(), with its detail
            return refuse(
                request,
                _(
                    "The launch from your LMS could not be verified (expired, not signed by "
                    "the LMS, or from a deployment not active here). Open the link in your "
                    "LMS again; if it keeps failing, tell your site administrator."
                ),
                str(exc),
            )
        except LaunchRefused as exc:
            return refuse(request, str(exc.message))
        # The backend that reads the user back (axes, first in the list, only counts failures).
        login(request, result.user, backend=session_backend())
        request.session[LAUNCH_SESSION_KEY] = launch.get_launch_id()
        return _next_step(request, result)


def _session_launch(request: HttpRequest) -> tuple[LtiLaunch, LaunchResult] | HttpResponse:
    """This session's launch, again (its user must be the one signed in)."""
    launch_id = request.session.get(LAUNCH_SESSION_KEY)
    launch = launch_from_cache(request, launch_id) if isinstance(launch_id, str) else None
    if launch is None or not request.user.is_authenticated:
        return refuse(request, _("Your LMS launch has expired. Open the link in your LMS again."))
    linked = LtiIdentity.objects.filter(
        issuer=launch.get_claim("iss"), sub=str(launch.get_claim("sub")), user=request.user
    ).exists()
    if not linked:
        return refuse(request, _("Your LMS launch has expired. Open the link in your LMS again."))
    try:
        return launch, launch_accept(launch=launch)
    except LaunchRefused as exc:
        return refuse(request, str(exc.message))


InstructorStep = Callable[[HttpRequest, LtiLaunch, LaunchResult], HttpResponse]


def _instructor_step(view: InstructorStep) -> Callable[[HttpRequest], HttpResponse]:
    """A page an instructor sees after a launch: `view` gets this session's launch and its
    result; an expired launch, or anyone but an instructor of the LMS course, is refused."""

    @xframe_options_exempt
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        found = _session_launch(request)
        if isinstance(found, HttpResponse):
            return found
        if found[1].role != Membership.Role.INSTRUCTOR:
            return refuse(request, _("Only an instructor of the LMS course can do this."))
        return view(request, *found)

    return wrapped


@xframe_options_exempt
def launch_continue(request: HttpRequest) -> HttpResponse:
    found = _session_launch(request)
    return found if isinstance(found, HttpResponse) else _next_step(request, found[1])


@_instructor_step
def context_link(request: HttpRequest, launch: LtiLaunch, result: LaunchResult) -> HttpResponse:
    """First launch from an LMS course: the instructor picks the course it stands for."""
    if result.course is not None:
        return redirect("lti:launch-continue")
    courses = list(courses_taught(user=request.user, instructor_only=True).order_by("code"))
    form = ChoiceForm(request.POST or None, allowed={"new", *(str(c.pk) for c in courses)})
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["choice"]
        course = None if choice == "new" else next(c for c in courses if str(c.pk) == choice)
        course_link_choose(
            context=result.context, user=request.user, course=course, role=result.role
        )
        return redirect("lti:launch-continue")
    return render(
        request,
        "lti/context_link.html",
        {"context": result.context, "courses": courses, "form": form},
    )


def _set_choice(request: HttpRequest, course: Course) -> tuple[ProblemSet | None, dict[str, Any]]:
    """The set the instructor chose among the course's (None until a valid POST), and the
    page's context."""
    sets = list(ProblemSet.objects.filter(course=course).order_by("due_at", "position", "id"))
    form = ChoiceForm(request.POST or None, allowed={str(s.pk) for s in sets})
    chosen = None
    if request.method == "POST" and form.is_valid():
        chosen = next(s for s in sets if str(s.pk) == form.cleaned_data["choice"])
    return chosen, {"sets": sets, "form": form, "course": course}


@_instructor_step
def resource_link(request: HttpRequest, launch: LtiLaunch, result: LaunchResult) -> HttpResponse:
    """First launch of an LMS link: the instructor picks the problem set it opens."""
    if result.course is None or result.resource_link is None:
        return redirect("lti:launch-continue")
    chosen, context = _set_choice(request, result.course)
    if chosen is not None:
        resource_link_set(resource_link=result.resource_link, problem_set=chosen)
        return redirect("lti:launch-continue")
    return render(request, "lti/choose_set.html", {**context, "deep_link": False})


@_instructor_step
def deep_link(request: HttpRequest, launch: LtiLaunch, result: LaunchResult) -> HttpResponse:
    """Deep Linking: the instructor picks a set; the browser posts it back to the LMS."""
    if result.course is None or not result.deep_link:
        return redirect("lti:launch-continue")
    chosen, context = _set_choice(request, result.course)
    if chosen is not None:
        reply = deep_link_reply(
            launch=launch,
            problem_set=chosen,
            launch_url=request.build_absolute_uri(reverse("lti:launch")),
        )
        return render(request, "lti/deep_link_return.html", {"reply": reply})
    return render(request, "lti/choose_set.html", {**context, "deep_link": True})


def superuser_required(view: Any) -> Any:
    """Site admins only; anyone else signed in gets 404, as for any page not theirs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_superuser:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@superuser_required
def registrations(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        registration = registration_create(
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            auth_url=data["auth_url"],
            token_url=data["token_url"],
            keyset_url=data["keyset_url"],
            audience=data["audience"],
            deployment_ids=data["deployment_ids"],
        )
        messages.success(request, _("The platform is registered."))
        return redirect("lti:registration-detail", pk=registration.pk)
    return render(
        request,
        "lti/registrations.html",
        {"registrations": sel.registrations(), "form": form, "tool": _tool_urls(request, None)},
        status=400 if form.errors else 200,
    )


def _tool_urls(request: HttpRequest, registration: LtiRegistration | None) -> dict[str, str]:
    """What the LMS admin types into the LMS (docs/lti.md says where, LMS by LMS)."""
    login_url = (
        reverse("lti:login-registration", args=[registration.uuid])
        if registration
        else reverse("lti:login")
    )
    launch = request.build_absolute_uri(reverse("lti:launch"))
    return {
        "login": request.build_absolute_uri(login_url),
        "launch": launch,
        "redirect": launch,
        "deep_link": launch,
        "jwks": request.build_absolute_uri(reverse("lti:jwks")),
    }


@superuser_required
@require_GET
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(LtiRegistration, pk=pk)
    return render(
        request,
        "lti/registration_detail.html",
        {
            "registration": registration,
            "deployments": registration.deployments.order_by("deployment_id"),
            "contexts": sel.registration_contexts(registration=registration),
            "courses": Course.objects.order_by("code"),
            "deployment_form": DeploymentForm(),
            "tool": _tool_urls(request, registration),
        },
    )


@superuser_required
@require_POST
def deployment_create(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(LtiRegistration, pk=pk)
    form = DeploymentForm(request.POST)
    if form.is_valid():
        deployment_add(registration=registration, deployment_id=form.cleaned_data["deployment_id"])
        messages.success(request, _("The deployment is added and active."))
    else:
        messages.error(request, _("A deployment id has 1 to 255 characters."))
    return redirect("lti:registration-detail", pk=registration.pk)


@superuser_required
@require_POST
def deployment_active(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_object_or_404(LtiDeployment, pk=pk)
    form = ActiveForm(request.POST)
    form.is_valid()
    deployment_set_active(deployment=deployment, active=bool(form.cleaned_data.get("active")))
    return redirect("lti:registration-detail", pk=deployment.registration_id)


@superuser_required
@require_POST
def context_course(request: HttpRequest, pk: int) -> HttpResponse:
    """The site admin links an LMS course to one of our courses."""
    context = get_object_or_404(LtiContext.objects.select_related("deployment"), pk=pk)
    courses = {str(c.pk): c for c in Course.objects.all()}
    form = ChoiceForm(request.POST, allowed=set(courses))
    if form.is_valid():
        course_link_set(context=context, course=courses[form.cleaned_data["choice"]])
        messages.success(request, _("The LMS course is linked."))
    else:
        messages.error(request, _("Choose one of the options shown."))
    return redirect("lti:registration-detail", pk=context.deployment.registration_id)


@superuser_required
@require_POST
def keys_rotate_view(request: HttpRequest) -> HttpResponse:
    keys_rotate()
    messages.success(
        request,
        _("A new key is published; it will sign once platforms have had time to fetch it."),
    )
    return redirect("lti:registrations")


@login_required
@require_GET
def course_lti(request: HttpRequest, pk: int) -> HttpResponse:
    """Course staff: the LMS courses linked here and each student's passback status."""
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    return render(
        request,
        "lti/course_lti.html",
        {
            "course": course,
            "contexts": sel.course_contexts(course=course),
            "rows": sel.course_passbacks(course=course),
            "is_instructor": course_role(user=request.user, course=course)
            == Membership.Role.INSTRUCTOR,
        },
    )


@login_required
@require_POST
def passback_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    passback = get_object_or_404(
        ScorePassback.objects.filter(
            problem_set__course__in=courses_taught(user=request.user, instructor_only=True)
        ),
        pk=pk,
    )
    passback_resend(passback=passback)
    passback_enqueue([passback.pk])
    messages.success(request, _("The score is being sent again."))
    return redirect("lti:course-lti", pk=passback.problem_set.course_id)


@login_required
@require_POST
def roster_sync_view(request: HttpRequest, pk: int) -> HttpResponse:
    context = LtiContext.objects.filter(
        pk=pk, course_link__course__in=courses_taught(user=request.user, instructor_only=True)
    ).first()
    if context is None:
        raise Http404
    course_id = context.course_link.course_id
    if not context.memberships_url:
        messages.error(request, _("This LMS course does not offer its roster (NRPS)."))
        return redirect("lti:course-lti", pk=course_id)
    try:
        result = roster_sync(context=context)
    except (LtiException, requests.RequestException, ValueError) as exc:
        logger.warning("roster sync of context %s failed: %s", context.pk, exc)
        messages.error(
            request,
            _("The LMS did not give the roster: %(error)s") % {"error": str(exc)[:200]},
        )
        return redirect("lti:course-lti", pk=course_id)
    messages.success(
        request,
        _("Roster synced: %(enrolled)s enrolled, %(skipped)s skipped.")
        % {"enrolled": result.enrolled, "skipped": result.skipped},
    )
    if result.truncated:
        messages.warning(request, _("The LMS roster was too long; only its first part was read."))
    return redirect("lti:course-lti", pk=course_id)
