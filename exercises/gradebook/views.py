"""Thin views for staff watching a class: the gradebook, common wrong answers, tolerance and
regrade jobs, LMS exports. Staff of the course (instructors and TAs) may look, set an item's
tolerance and regrade (README "Roles"). Anyone else gets 404, as for any id that is not theirs."""

from __future__ import annotations

import base64
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from exercises.authoring.errors import Refused
from exercises.authoring.models import ProblemSet, ProblemSetItem
from exercises.authoring.selectors import item_tolerance_in_force, items_taught
from exercises.courses.selectors import courses_taught
from exercises.gradebook import lms
from exercises.gradebook import selectors as sel
from exercises.gradebook.forms import (
    ExceptionForm,
    ExportForm,
    FillForm,
    GradebookQueryForm,
    OverrideForm,
    ToleranceForm,
)
from exercises.gradebook.services import (
    Grant,
    item_tolerance_set,
    lms_links_record,
    regrade_job_create,
    score_override_set,
    student_exception_clear,
    student_exception_set,
    student_set_exception_clear,
    student_set_exception_set,
)
from exercises.gradebook.submissions_file import submissions_csv
from grading.models import REASON_REQUESTED, RegradeJob


@login_required
@require_GET
def course_gradebook(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    form = GradebookQueryForm(request.GET)
    form.is_valid()  # a field that is not valid is left out: its default applies
    asked = form.cleaned_data
    gradebook = sel.gradebook_rows(
        course=course,
        query=asked.get("q") or "",
        sort=asked.get("sort") or "name",
        descending=asked.get("order") == "desc",
    )
    context = {
        "gradebook": gradebook,
        "course": course,
        "form": form,
        "sort_urls": (urls := _sort_urls(gradebook)),
        "heads": [
            (group, [(c, urls[c.key]) for c in group.columns], urls[group.key])
            for group in gradebook.groups
        ],
    }
    return render(request, "gradebook/course_gradebook.html", context)


def _sort_urls(gradebook: sel.Gradebook) -> dict[str, str]:
    """Each column's sort link (a second click reverses it), keeping the filter: plain links,
    so sorting works without JavaScript."""
    keys = [*sel.GRADEBOOK_SORTS, *(g.key for g in gradebook.groups)]
    keys += [column.key for column in gradebook.columns]
    urls = {}
    for key in keys:
        reverse_it = key == gradebook.sort and not gradebook.descending
        query = {"sort": key, "order": "desc" if reverse_it else "asc"}
        if gradebook.query:
            query["q"] = gradebook.query
        urls[key] = "?" + urlencode(query)
    return urls


def _student_or_404(course, student_pk: int):  # type: ignore[no-untyped-def]
    student = sel.course_student(course=course, student_pk=student_pk)
    if student is None:
        raise Http404
    return student


def _student_page(  # type: ignore[no-untyped-def]
    request: HttpRequest, course, student, *, failed=None, status: int = 200
) -> HttpResponse:
    """The drill-down; `failed`: (item id, form name, bound form) shown with its errors."""
    detail = sel.student_detail(course=course, student=student)
    forms_by_item = {}
    for block in detail.sets:
        for entry in block.items:
            pk, exception = entry.item.pk, entry.exception
            forms_by_item[pk] = {
                "exception": ExceptionForm(
                    auto_id=f"id_%s_e{pk}",
                    initial={
                        "due_at": exception.due_at if exception else None,
                        "late_until": exception.late_until if exception else None,
                        "max_attempts": exception.max_attempts if exception else None,
                        "excused": exception.excused if exception else False,
                        "whole_set": block.exception is not None and entry.own_exception is None,
                    },
                ),
                "override": OverrideForm(
                    auto_id=f"id_%s_o{pk}",
                    initial={"score": entry.override.score if entry.override else None},
                ),
            }
    if failed is not None:
        item_pk, name, form = failed
        forms_by_item[item_pk][name] = form
    context = {
        "course": course,
        "detail": detail,
        "forms": forms_by_item,
        "failed_item": failed[0] if failed else None,
    }
    return render(request, "gradebook/student_detail.html", context, status=status)


@login_required
@require_GET
def gradebook_student(request: HttpRequest, pk: int, student: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    return _student_page(request, course, _student_or_404(course, student))


def _student_item(request: HttpRequest, pk: int, student: int, item: int):  # type: ignore[no-untyped-def]
    """The course (taught by the user), its student and its item, else 404."""
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    found = get_object_or_404(
        ProblemSetItem.objects.select_related("problem_set"), pk=item, problem_set__course=course
    )
    return course, _student_or_404(course, student), found


def _exception_act(data, person, found, by) -> str:  # type: ignore[no-untyped-def]
    """The exception form: the student's own terms on the problem, or on its whole set."""
    grant = Grant(
        granted_by=by,
        due_at=data["due_at"],
        late_until=data["late_until"],
        max_attempts=data["max_attempts"],
        excused=data["excused"],
    )
    if data["whole_set"]:
        if data["action"] == "clear":
            student_set_exception_clear(problem_set=found.problem_set, student=person)
            return _("The student is back on the set's own terms, on every problem.")
        student_set_exception_set(problem_set=found.problem_set, student=person, grant=grant)
        return _(
            "The student's terms are saved for every problem of the set, including "
            "problems added to it later."
        )
    if data["action"] == "clear":
        student_exception_clear(items=[found], student=person)
        return _("The student is back on the problem's own terms.")
    student_exception_set(items=[found], student=person, grant=grant)
    return _("The student's terms are saved.")


def _override_act(data, person, found, by) -> str:  # type: ignore[no-untyped-def]
    """The override form: the student's score on the problem, with its reason, or none."""
    score = None if data["action"] == "remove" else data["score"]
    score_override_set(item=found, student=person, score=score, reason=data["reason"], by=by)
    return _("The score is saved, with its reason, in the audit trail.")


# the staff forms about one student's problem (the URL names which): form, what it does
_STUDENT_FORMS = {
    "exception": (ExceptionForm, _exception_act),
    "override": (OverrideForm, _override_act),
}


@login_required
@require_POST
def gradebook_student_form(
    request: HttpRequest, pk: int, student: int, item: int, name: str
) -> HttpResponse:
    """A staff form about one student's problem: valid and done, back to the drill-down at the
    problem with its message; else the drill-down again (400) with the form's errors."""
    course, person, found = _student_item(request, pk, student, item)
    form_class, act = _STUDENT_FORMS[name]
    form = form_class(request.POST, auto_id=f"id_%s_{name[0]}{found.pk}")
    if form.is_valid():
        try:
            messages.success(request, act(form.cleaned_data, person, found, request.user))
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            url = reverse("gradebook:course-gradebook-student", args=[course.pk, person.pk])
            return redirect(f"{url}#item-{found.pk}")
    return _student_page(request, course, person, failed=(found.pk, name, form), status=400)


@login_required
@require_GET
def course_override_log(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    context = {"course": course, "events": sel.course_override_events(course=course)}
    return render(request, "gradebook/course_overrides.html", context)


@login_required
@require_GET
def course_submissions_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    lines = submissions_csv(sel.course_submissions(course=course))
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    name = f"{course.code}-submissions-{date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


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


def _export_data(course, form: ExportForm) -> tuple[ProblemSet | None, lms.Sheet]:  # type: ignore[no-untyped-def]
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


def _plan(form: ExportForm, data: lms.Sheet) -> lms.ExportPlan:
    return lms.plan_export(form.cleaned_data["lms"], data, key=_key(form))


def _key(form: ExportForm) -> str:
    return {
        "moodle": form.cleaned_data["moodle_key"],
        "brightspace": form.cleaned_data["brightspace_key"],
    }.get(form.cleaned_data["lms"], "")


@login_required
@require_GET
def course_grades_export(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    form = _export_form(request, course)
    context = {"course": course, "form": form, "fill_form": FillForm()}
    if form.is_bound and form.is_valid():
        problem_set, data = _export_data(course, form)
        lms_name = form.cleaned_data["lms"]
        plan = _plan(form, data) if lms_name != "plain" else None
        context.update(
            {
                "choices": _choices_text(form),
                "warnings": [note_text(w) for w in plan.notes] if plan else [],
                "left_out": [note_text(w) for w in plan.left_out] if plan else [],
                "per_set": plan.per_set if plan else False,
                "nothing": plan is not None and not (plan.students and plan.columns),
                "download_url": reverse("gradebook:course-grades-download", args=[course.pk])
                + "?"
                + request.GET.urlencode(),
                "n_students": len(plan.students if plan else data.students),
                "n_columns": len(plan.columns if plan else data.columns),
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
    name = _file_name(course, problem_set, form)
    if lms_name == "plain":
        files = [
            (
                "",
                lms.plain_csv(data, choices=_choices_text(form)),
            )
        ]
    else:
        plan = _plan(form, data)
        if not (plan.students and plan.columns):
            return redirect(
                reverse("gradebook:course-grades-export", args=[course.pk])
                + "?"
                + request.GET.urlencode()
            )
        files = lms.plan_files(
            plan, key=_key(form), max_points=form.cleaned_data["brightspace_max_points"]
        )
    if len(files) > 1:
        archive = lms.zip_files(
            [(name.replace(".csv", f"-{part}.csv"), lms.join_lines(lines)) for part, lines in files]
        )
        response: HttpResponseBase = HttpResponse(archive, content_type="application/zip")
        name = name.replace(".csv", ".zip")
    else:
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in files[0][1]), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


FILLED_TYPES = {"csv": "text/csv", "xls": "application/vnd.ms-excel"}


@login_required
@require_POST
def course_grades_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Round trip: the LMS's own gradebook export in, the same file with our scores out. The
    page shows the warnings and offers the filled file (built in memory, never stored); the
    LMS's ids the file carries are kept for later exports."""
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
    lms_links_record(course=course, filled=filled)
    payload = base64.b64encode(filled.text.encode(filled.encoding)).decode("ascii")
    name = _file_name(course, problem_set, form, suffix="-filled").replace(
        f"-{form.cleaned_data['lms']}-", f"-{filled.lms}-"
    )
    context.update(
        {
            "choices": _choices_text(form),
            "filled": filled,
            "fill_warnings": [note_text(w) for w in filled.warnings],
            "filled_href": f"data:{FILLED_TYPES[filled.extension]};base64,{payload}",
            "filled_name": name.removesuffix(".csv") + "." + filled.extension,
        }
    )
    return render(request, "gradebook/course_export.html", context)
