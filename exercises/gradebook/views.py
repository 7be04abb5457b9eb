"""Thin views for staff watching a class: the gradebook, common wrong answers, tolerance and
regrade jobs, LMS exports. Staff of the course (instructors and TAs) may look, set an item's
tolerance and regrade (README "Roles"). Anyone else gets 404, as for any id that is not theirs."""

from __future__ import annotations

import base64
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from exercises.authoring.models import ProblemSet
from exercises.authoring.selectors import item_tolerance_in_force, items_taught
from exercises.courses.selectors import courses_taught
from exercises.gradebook import lms
from exercises.gradebook import selectors as sel
from exercises.gradebook.forms import ExportForm, FillForm, ToleranceForm
from exercises.gradebook.services import item_tolerance_set, regrade_job_create
from grading.models import REASON_REQUESTED, RegradeJob


@login_required
@require_GET
def course_gradebook(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    gradebook = sel.gradebook_rows(course=course)
    return render(request, "gradebook/course_gradebook.html", {"gradebook": gradebook})


@login_required
@require_GET
def item_wrong_answers(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(items_taught(user=request.user), pk=pk)
    context = {
        "item": item,
        "report": sel.common_wrong_answers(item=item),
        "tolerance_form": ToleranceForm(initial={"tolerance": item_tolerance_in_force(item=item)}),
        "jobs": RegradeJob.objects.filter(item=item)[:5],
        "examined_cap": sel.WRONG_ANSWERS_EXAMINED,
        "comparison_cap": sel.ENGINE_COMPARISONS,
    }
    return render(request, "gradebook/item_wrong_answers.html", context)


@login_required
@require_POST
def item_tolerance_update(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(items_taught(user=request.user), pk=pk)
    form = ToleranceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The tolerance must be a number between 0 and 0.5."))
        return redirect("gradebook:item-wrong-answers", pk=item.pk)
    job = item_tolerance_set(
        item=item, tolerance=form.cleaned_data["tolerance"], requested_by=request.user
    )
    return redirect("gradebook:regrade-detail", pk=job.pk)


@login_required
@require_POST
def item_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(items_taught(user=request.user), pk=pk)
    job = regrade_job_create(item=item, requested_by=request.user, reason=REASON_REQUESTED)
    return redirect("gradebook:regrade-detail", pk=job.pk)


@login_required
@require_GET
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def regrade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(
        RegradeJob.objects.select_related("item__problem_set__course", "item__template"),
        pk=pk,
        item__in=items_taught(user=request.user),
    )
    template = "gradebook/_regrade_progress.html" if request.htmx else None
    return render(
        request, template or "gradebook/regrade_detail.html", {"job": job, "item": job.item}
    )


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
def course_grades_export(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
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
                "download_url": reverse("gradebook:course-grades-download", args=[course.pk])
                + "?"
                + request.GET.urlencode(),
                "n_students": len(data.students),
                "n_columns": len(data.columns),
            }
        )
    return render(request, "gradebook/course_export.html", context)


@login_required
@require_GET
def course_grades_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    if not form.is_valid():
        return redirect("gradebook:course-grades-export", pk=course.pk)
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
def course_grades_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Round trip: the LMS's own gradebook export in, the same file with our scores out. The
    page shows the warnings and offers the filled file (built in memory, never stored)."""
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    fill_form = FillForm(request.POST, request.FILES)
    context = {"course": course, "form": form, "fill_form": fill_form}
    if not (form.is_valid() and fill_form.is_valid()):
        return render(request, "gradebook/course_export.html", context, status=400)
    problem_set, data = _export_data(course, form)
    original = fill_form.cleaned_data["gradebook"].read(lms.MAX_LMS_FILE_BYTES + 1)
    try:  # the file is refused when larger than MAX_LMS_FILE_BYTES: one more byte was read
        filled = lms.fill_lms_export(
            original,
            data.scores,
            students=data.students,
            columns=data.columns,
            match_on=fill_form.cleaned_data["match_on"] or None,
        )
    except lms.FillError as exc:
        context["fill_error"] = note_text(exc.note)
        return render(request, "gradebook/course_export.html", context, status=400)
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
    return render(request, "gradebook/course_export.html", context)
