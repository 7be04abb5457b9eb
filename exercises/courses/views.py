"""Thin views for a course's people: the login page, roster, join code, sign-in links, joining.
Staff of the course may look; only its instructors may change anything."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exercises.courses import selectors as sel
from exercises.courses.forms import CourseForm, JoinForm, RosterConfirmForm, RosterUploadForm
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import course_create, course_update
from exercises.courses.services.invitations import (
    invitation_counts,
    invitations_failed,
    roster_invitations_queue,
)
from exercises.courses.services.roster import (
    MAX_ROSTER_BYTES,
    JoinRefused,
    RosterInvalid,
    course_join,
    course_join_code_disable,
    course_join_code_regenerate,
    roster_check,
    roster_decode,
    roster_import,
)
from exercises.courses.spreadsheet import neutralize
from exercises.courses.tasks import invitations_enqueue


def login_refused(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page saying to wait (429), for an attempt refused by
    the login limits (exercises/courses/login_limits.py) before its password was checked."""
    view = auth_views.LoginView()
    view.setup(request)
    context = view.get_context_data(form=view.get_form_class()(request), throttled=True)
    response = view.render_to_response(context, status=429)
    return response.render()


def _people_context(request: HttpRequest, course, **extra):  # type: ignore[no-untyped-def]
    students = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user__student_profile")
        .order_by("user__username")
    )
    is_instructor = sel.course_role(user=request.user, course=course) == "instructor"
    return {
        "course": course,
        "students": students,
        "is_instructor": is_instructor,
        "upload_form": RosterUploadForm(),
        "invitations": invitation_counts(course=course) if is_instructor else None,
        "invitations_failed": invitations_failed(course=course) if is_instructor else [],
        **extra,
    }


@login_required
@require_GET
def course_people(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(sel.courses_taught(user=request.user), pk=pk)
    return render(request, "courses/course_people.html", _people_context(request, course))


@login_required
@require_POST
def course_roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 (a file): check every row and show the preview. Step 2 (the checked text):
    import all rows in one transaction, or none."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    if "text" in request.POST:
        confirm = RosterConfirmForm(request.POST)
        if not confirm.is_valid():  # not the text the check showed (a NUL, over the size)
            messages.error(
                request, _("Nothing was imported: check the roster again, then import it.")
            )
            return redirect("courses:course-people", pk=course.pk)
        try:
            check = roster_import(course=course, text=confirm.cleaned_data["text"])
        except RosterInvalid as exc:
            context = _people_context(request, course, check=exc.check)
            return render(request, "courses/course_people.html", context, status=400)
        n, new = len(check.rows), check.count("new")
        existing = check.count("existing") + check.count("enrolled")
        # One plural per count: a message can only choose its form by one number.
        messages.success(
            request,
            _("%(students)s: %(new)s, %(existing)s.")
            % {
                "students": ngettext("Imported %(n)s student", "Imported %(n)s students", n)
                % {"n": n},
                "new": ngettext("%(n)s new account", "%(n)s new accounts", new) % {"n": new},
                "existing": ngettext("%(n)s existing", "%(n)s existing", existing)
                % {"n": existing},
            },
        )
        unlinked = sum(1 for r in check.rows if r.status == "existing" and not r.made_here)
        if unlinked:
            messages.info(
                request,
                ngettext(
                    "%(n)s existing account was enrolled as it is: it gets no set-password "
                    "link, and the student signs in with their own password.",
                    "%(n)s existing accounts were enrolled as they are: they get no "
                    "set-password link, and the students sign in with their own password.",
                    unlinked,
                )
                % {"n": unlinked},
            )
        return redirect("courses:course-people", pk=course.pk)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _people_context(request, course)
        context["upload_form"] = form
        return render(request, "courses/course_people.html", context, status=400)
    upload = form.cleaned_data["roster"]
    try:
        text = roster_decode(upload.read(MAX_ROSTER_BYTES + 1))
    except (UnicodeDecodeError, ValueError):
        form.add_error("roster", _("Save the roster as a UTF-8 CSV file (at most 1 MB)."))
        context = _people_context(request, course)
        context["upload_form"] = form
        return render(request, "courses/course_people.html", context, status=400)
    check = roster_check(course=course, text=text)
    context = _people_context(
        request, course, check=check, confirm_form=RosterConfirmForm(initial={"text": text})
    )
    return render(
        request,
        "courses/course_people.html",
        context,
        status=200 if check.ok else 400,
    )


@login_required
@require_POST
def course_join_code(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    if request.POST.get("action") == "disable":
        course_join_code_disable(course=course)
        messages.success(request, _("The join code is off."))
    else:
        code = course_join_code_regenerate(course=course)
        messages.success(request, _("New join code: %(code)s") % {"code": code})
    return redirect("courses:course-people", pk=course.pk)


@login_required
@require_GET
def course_signin_links(request: HttpRequest, pk: int) -> HttpResponse:
    """A CSV of one-time set-password links for the students this course's roster made who have
    not set a password yet. Every cell is neutralised: this file is for people, not an LMS."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["name", "email", "login (email or student id)", "set password link"])
    for link in sel.roster_signin_links(course=course):
        url = request.build_absolute_uri(
            reverse("password_reset_confirm", args=[link.uidb64, link.token])
        )
        user = link.user
        writer.writerow(
            [
                neutralize(cell)
                for cell in (user.get_full_name(), user.email, user.get_username(), url)
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{course.code}-signin-links.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def course_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the one-time set-password links (the same as the CSV's) to the students of this
    course's roster who have not set a password."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    site_url = request.build_absolute_uri("/").rstrip("/")
    queued = roster_invitations_queue(course=course, site_url=site_url, requested_by=request.user)
    ids = queued.ids
    if ids:
        # sent by a worker once they are stored: the page never waits for the mail server
        transaction.on_commit(lambda: invitations_enqueue(ids))
        text = ngettext(
            "%(n)s invitation is being sent: its status is shown below.",
            "%(n)s invitations are being sent: their status is shown below.",
            len(ids),
        )
        messages.success(request, text % {"n": len(ids)})
    elif queued.held:
        messages.info(
            request,
            _(
                "Every student of the roster without a password was sent an invitation in "
                "the last hour: none was sent again."
            ),
        )
    else:
        messages.info(request, _("Every student of the roster has set a password already."))
    return redirect(f"{reverse('courses:course-people', args=[course.pk])}#invitations")


@login_required
@require_http_methods(["GET", "POST"])
def course_join_view(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            membership = course_join(user=request.user, code=form.cleaned_data["code"])
        except JoinRefused as exc:
            error = exc.message
        else:
            messages.success(
                request, _("You are enrolled in %(course)s.") % {"course": membership.course.code}
            )
            return redirect("practice:dashboard")
    status = 400 if error or form.errors else 200
    return render(
        request, "courses/course_join.html", {"form": form, "error": error}, status=status
    )


def _saved(form: CourseForm, save: Callable[[], Course]) -> Course | None:
    """save()'s course; None when the database refused it because another request took the
    form's code since the form checked it (then said on the form's code field)."""
    try:
        return save()
    except IntegrityError:
        if not form.code_taken_meanwhile():
            raise  # not the code's clash
        return None


@login_required
@require_http_methods(["GET", "POST"])
def course_create_view(request: HttpRequest) -> HttpResponse:
    """A new course, its maker its first instructor (staff users and instructors only)."""
    if not sel.may_create_courses(user=request.user):
        raise Http404
    form = CourseForm(request.POST or None, initial={"time_zone": "Asia/Seoul"})
    if request.method == "POST" and form.is_valid():
        course = _saved(form, lambda: course_create(**form.values(), instructor=request.user))
        if course is not None:
            messages.success(
                request, _("Course created. Add templates and problem sets, then people.")
            )
            return redirect("authoring:course-authoring", pk=course.pk)
    status = 400 if form.errors else 200
    return render(
        request, "courses/course_form.html", {"form": form, "course": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """A course's title, code and time zone: its instructors only."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        fresh = type(course).objects.get(pk=course.pk)  # the form wrote onto `course`
        if _saved(form, lambda: course_update(course=fresh, **form.values())) is not None:
            messages.success(request, _("Saved."))
            return redirect("courses:course-settings", pk=course.pk)
    status = 400 if form.errors else 200
    course.refresh_from_db()
    return render(
        request, "courses/course_form.html", {"form": form, "course": course}, status=status
    )
