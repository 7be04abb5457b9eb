"""Thin views for instructors and TAs: people (roster, join code), common wrong answers,
tolerance and regrade jobs, LMS exports. Staff of the course may look; only its instructors may
change anything. Anyone else gets 404, as for any id that is not theirs."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exercises import lms
from exercises import selectors_class as sel
from exercises.forms_class import (
    ExportForm,
    FillForm,
    JoinForm,
    RosterConfirmForm,
    RosterUploadForm,
    ToleranceForm,
)
from exercises.models import Membership, ProblemSet
from exercises.services.roster import (
    JoinRefused,
    RosterInvalid,
    course_join,
    course_join_code_disable,
    course_join_code_regenerate,
    roster_check,
    roster_decode,
    roster_import,
)
from exercises.views import _is_htmx
from grading.models import DEFAULT_TOLERANCE, REASON_REQUESTED, RegradeJob
from grading.regrade import item_tolerance_set, regrade_job_create
from grading.services import item_tolerance

MAX_UPLOAD_BYTES = 5_000_000

# ------------------------------------------------------------------------------------ people


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
        **extra,
    }


@login_required
@require_GET
def course_people(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(sel.courses_taught(user=request.user), pk=pk)
    return render(request, "exercises/class/course_people.html", _people_context(request, course))


@login_required
@require_POST
def course_roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 (a file): check every row and show the preview. Step 2 (the checked text):
    import all rows in one transaction, or none."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    if "text" in request.POST:
        confirm = RosterConfirmForm(request.POST)
        if not confirm.is_valid():
            return redirect("exercises:course-people", pk=course.pk)
        try:
            check = roster_import(course=course, text=confirm.cleaned_data["text"])
        except RosterInvalid as exc:
            context = _people_context(request, course, check=exc.check)
            return render(request, "exercises/class/course_people.html", context, status=400)
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
        return redirect("exercises:course-people", pk=course.pk)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _people_context(request, course)
        context["upload_form"] = form
        return render(request, "exercises/class/course_people.html", context, status=400)
    upload = form.cleaned_data["roster"]
    try:
        text = roster_decode(upload.read(MAX_UPLOAD_BYTES + 1))
    except (UnicodeDecodeError, ValueError):
        form.add_error("roster", _("Save the roster as a UTF-8 CSV file (at most 1 MB)."))
        context = _people_context(request, course)
        context["upload_form"] = form
        return render(request, "exercises/class/course_people.html", context, status=400)
    check = roster_check(course=course, text=text)
    context = _people_context(
        request, course, check=check, confirm_form=RosterConfirmForm(initial={"text": text})
    )
    return render(
        request,
        "exercises/class/course_people.html",
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
    return redirect("exercises:course-people", pk=course.pk)


@login_required
@require_GET
def course_signin_links(request: HttpRequest, pk: int) -> HttpResponse:
    """A CSV of one-time set-password links for the students who have no password yet."""
    course = get_object_or_404(sel.courses_taught(user=request.user, instructor_only=True), pk=pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["name", "email", "username", "set password link"])
    for link in sel.roster_signin_links(course=course):
        url = request.build_absolute_uri(
            reverse("password_reset_confirm", args=[link.uidb64, link.token])
        )
        user = link.user
        writer.writerow(
            [
                lms.neutralize(user.get_full_name()),
                user.email,
                user.get_username(),
                url,
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{course.code}-signin-links.csv"'
    response["Cache-Control"] = "no-store"
    return response


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
            return redirect("exercises:dashboard")
    status = 400 if error else 200
    return render(
        request, "exercises/class/course_join.html", {"form": form, "error": error}, status=status
    )


# ------------------------------------------------------------------- wrong answers, regrade


def _current_tolerance(item) -> float:  # type: ignore[no-untyped-def]
    tolerance = item_tolerance(item=item)
    if tolerance is None:
        tolerance = float(item.template.config.get("tolerance", DEFAULT_TOLERANCE))
    return tolerance


@login_required
@require_GET
def item_wrong_answers(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(sel.items_taught(user=request.user), pk=pk)
    context = {
        "item": item,
        "report": sel.common_wrong_answers(item=item),
        "is_instructor": sel.course_role(user=request.user, course=item.problem_set.course)
        == "instructor",
        "tolerance_form": ToleranceForm(initial={"tolerance": _current_tolerance(item)}),
        "jobs": RegradeJob.objects.filter(item=item)[:5],
        "examined_cap": sel.WRONG_ANSWERS_EXAMINED,
        "comparison_cap": sel.ENGINE_COMPARISONS,
    }
    return render(request, "exercises/class/item_wrong_answers.html", context)


@login_required
@require_POST
def item_tolerance_update(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(sel.items_taught(user=request.user, instructor_only=True), pk=pk)
    form = ToleranceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The tolerance must be a number between 0 and 0.5."))
        return redirect("exercises:item-wrong-answers", pk=item.pk)
    job = item_tolerance_set(
        item=item, tolerance=form.cleaned_data["tolerance"], requested_by=request.user
    )
    return redirect("exercises:regrade-detail", pk=job.pk)


@login_required
@require_POST
def item_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(sel.items_taught(user=request.user, instructor_only=True), pk=pk)
    job = regrade_job_create(item=item, requested_by=request.user, reason=REASON_REQUESTED)
    return redirect("exercises:regrade-detail", pk=job.pk)


@login_required
@require_GET
def regrade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(
        RegradeJob.objects.select_related("item__problem_set__course", "item__template"),
        pk=pk,
        item__in=sel.items_taught(user=request.user),
    )
    template = "exercises/class/_regrade_progress.html" if _is_htmx(request) else None
    return render(
        request, template or "exercises/class/regrade_detail.html", {"job": job, "item": job.item}
    )


# ---------------------------------------------------------------------------------- export


def _export_form(request: HttpRequest, course) -> ExportForm:  # type: ignore[no-untyped-def]
    sets = list(ProblemSet.objects.filter(course=course).order_by("due_at", "position", "id"))
    data = request.GET if "lms" in request.GET else None
    return ExportForm(data, sets=sets, initial={"attempt": "best", "late_penalty": "yes"})


def _export_data(course, form: ExportForm):  # type: ignore[no-untyped-def]
    set_id = form.cleaned_data["problem_set"]
    problem_set = ProblemSet.objects.get(course=course, pk=set_id) if set_id else None
    data = sel.export_scores(
        course=course,
        problem_set=problem_set,
        attempt=form.cleaned_data["attempt"],
        late_penalty=form.cleaned_data["late_penalty"],
    )
    return problem_set, data


def note_text(note: object) -> str:
    """An lms.Note in the active language (any other value as it is)."""
    if isinstance(note, tuple):
        text = note_text(note[0]) if note else ""
        for then in note[1:]:
            text = _(lms.OR) % {"first": text, "then": note_text(then)}
        return text
    if not isinstance(note, lms.Note):
        return str(note)
    return _(note.msgid) % {k: note_text(v) for k, v in note.params.items()}


def _choices_text(form: ExportForm) -> str:
    attempt = _("best attempt") if form.cleaned_data["attempt"] == "best" else _("last attempt")
    late = (
        _("late penalty applied")
        if form.cleaned_data["late_penalty"]
        else _("late penalty not applied")
    )
    return f"{attempt}; {late}"


def _file_name(course, problem_set, form: ExportForm, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    scope = f"set{problem_set.pk}" if problem_set else "all"
    late = "late-penalty" if form.cleaned_data["late_penalty"] else "no-late-penalty"
    return (
        f"{course.code}-{scope}-{form.cleaned_data['lms']}-{form.cleaned_data['attempt']}-"
        f"{late}-{date.today().isoformat()}{suffix}.csv"
    )


@login_required
@require_GET
def course_export(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(sel.courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    context = {"course": course, "form": form, "fill_form": FillForm()}
    if form.is_bound and form.is_valid():
        problem_set, data = _export_data(course, form)
        lms_name = form.cleaned_data["lms"]
        context.update(
            {
                "choices": _choices_text(form),
                "warnings": [
                    note_text(w)
                    for w in lms.export_warnings(
                        lms_name,
                        data.students,
                        data.columns,
                        key=form.cleaned_data["moodle_key"] if lms_name == "moodle" else "",
                    )
                ]
                if lms_name != "plain"
                else [],
                "download_url": reverse("exercises:course-grades-download", args=[course.pk])
                + "?"
                + request.GET.urlencode(),
                "n_students": len(data.students),
                "n_columns": len(data.columns),
            }
        )
    return render(request, "exercises/class/course_export.html", context)


@login_required
@require_GET
def course_export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    course = get_object_or_404(sel.courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    if not form.is_valid():
        return redirect("exercises:course-grades-export", pk=course.pk)
    problem_set, data = _export_data(course, form)
    lms_name = form.cleaned_data["lms"]
    args = (data.students, data.columns, data.scores)
    if lms_name == "moodle":
        lines = lms.moodle_csv(*args, key=form.cleaned_data["moodle_key"] or "email")
    elif lms_name == "plain":
        lines = lms.plain_csv(*args, choices=_choices_text(form))
    else:
        lines = lms.WRITERS[lms_name](*args)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(course, problem_set, form)}"'
    )
    return response


@login_required
@require_POST
def course_export_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Round trip: the LMS's own gradebook export in, the same file with our scores out. The
    page shows the warnings and offers the filled file (built in memory, never stored)."""
    course = get_object_or_404(sel.courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    fill_form = FillForm(request.POST, request.FILES)
    context = {"course": course, "form": form, "fill_form": fill_form}
    if not (form.is_valid() and fill_form.is_valid()):
        return render(request, "exercises/class/course_export.html", context, status=400)
    problem_set, data = _export_data(course, form)
    original = fill_form.cleaned_data["gradebook"].read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(original) > MAX_UPLOAD_BYTES:
            raise ValueError("the file is larger than 5 MB")
        filled = lms.fill_lms_export(
            original,
            data.scores,
            students=data.students,
            columns=data.columns,
            match_on=fill_form.cleaned_data["match_on"] or None,
        )
    except ValueError as exc:
        context["fill_error"] = str(exc)
        return render(request, "exercises/class/course_export.html", context, status=400)
    payload = base64.b64encode(filled.text.encode(filled.encoding)).decode("ascii")
    context.update(
        {
            "choices": _choices_text(form),
            "filled": filled,
            "fill_warnings": [note_text(w) for w in filled.warnings],
            "filled_href": f"data:text/csv;base64,{payload}",
            "filled_name": _file_name(course, problem_set, form, suffix="-filled").replace(
                f"-{form.cleaned_data['lms']}-", f"-{filled.lms}-"
            ),
        }
    )
    return render(request, "exercises/class/course_export.html", context)
