"""The instructor's editor: templates (preview, check, publish), problem sets, YAML in and out.

Every object is looked up within the courses the user teaches, so another course's ids answer
404 and anonymous users are sent to log in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from exercises.authoring import selectors
from exercises.authoring.forms import (
    EXAMPLES,
    CustomTemplateForm,
    DuplicateForm,
    ItemForm,
    ProblemSetForm,
    YamlImportForm,
    editor_edits,
)
from exercises.authoring.generators.custom import TemplateError
from exercises.authoring.models import ProblemSet, ProblemSetItem
from exercises.authoring.services.problem_sets import (
    ItemRefused,
    problem_set_create,
    problem_set_duplicate,
    problem_set_item_add,
    problem_set_item_move,
    problem_set_item_remove,
    problem_set_item_retire,
    problem_set_item_update,
    problem_set_update,
)
from exercises.authoring.services.templates import (
    PublishRefused,
    UnpublishRefused,
    custom_template_create,
    custom_template_update,
    template_check_start,
    template_copy,
    template_publish,
    template_unpublish,
    template_variant,
)
from exercises.authoring.services.yaml_io import (
    MAX_YAML_BYTES,
    ImportFailed,
    course_export_yaml,
    course_import_yaml,
)
from exercises.courses.selectors import course_zone_activate, courses_taught
from exercises.courses.templatetags.pc import localized


@login_required
@require_GET
def course_authoring(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    course_zone_activate(course)
    context = {"course": course, **selectors.course_authoring(course=course)}
    return render(request, "authoring/course_authoring.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    example = EXAMPLES.get(request.GET.get("example", ""), {})
    form = CustomTemplateForm(request.POST or None, initial={"slug": "", **example})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                template = custom_template_create(
                    course=course, slug=form.cleaned_data["slug"], **form.template_values()
                )
        except IntegrityError:
            form.add_error("slug", _("This course already has a template with this name."))
        except TemplateError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("authoring:template-edit", pk=template.pk)
    context = {"course": course, "form": form, "template": None, "examples": EXAMPLES}
    return render(request, "authoring/template_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.viewable_templates(user=request.user), pk=pk)
    editable = template.course_id is not None and editor_edits(template)
    form = CustomTemplateForm(request.POST or None, template=template) if editable else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                custom_template_update(template=template, **form.template_values())
            except TemplateError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("authoring:template-edit", pk=template.pk)
    check = selectors.latest_check(template=template)
    context = {
        "course": template.course,
        "template": template,
        "form": form,
        "check": check,
        "failure_rows": selectors.check_failure_rows(check=check) if check else [],
        "variant": template_variant(template=template, seed=1),
    }
    return render(request, "authoring/template_form.html", context)


@login_required
@require_GET
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.viewable_templates(user=request.user), pk=pk)
    try:
        seed = max(1, min(int(request.GET.get("seed", "1")), 10**9))
    except ValueError:
        seed = 1
    context = {"template": template, "variant": template_variant(template=template, seed=seed)}
    return render(request, "authoring/_variant.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def template_check(request: HttpRequest, pk: int) -> HttpResponse:
    """POST starts a check of 50 seeds; GET (polled by htmx) shows its progress and result."""
    template = get_object_or_404(selectors.viewable_templates(user=request.user), pk=pk)
    if request.method == "POST":
        if template.course_id is None:
            return HttpResponse(status=403)
        template_check_start(template=template)
        if not request.htmx:
            return redirect("authoring:template-edit", pk=template.pk)
    check = selectors.latest_check(template=template)
    rows = selectors.check_failure_rows(check=check) if check else []
    # compact: a row of the course's template list (no failure table)
    compact = request.GET.get("compact") == "1"
    return render(
        request,
        "authoring/_check.html",
        {
            "template": template,
            "check": check,
            "failure_rows": rows,
            "compact": compact,
            "started": request.method == "POST",
        },
    )


@login_required
@require_POST
def template_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    templates = selectors.staff_templates(user=request.user, instructor_only=True)
    template = get_object_or_404(templates, pk=pk)
    if request.POST.get("action") == "unpublish":
        try:
            template_unpublish(template=template)
        except UnpublishRefused as exc:
            titles = ", ".join(localized(s, "title") for s in exc.sets)
            messages.error(
                request,
                _(
                    "Students can open this template's problems in %(sets)s: retire the "
                    "problem there first (its row in the set), then unpublish."
                )
                % {"sets": titles},
            )
        else:
            messages.success(request, _("Unpublished."))
    else:
        try:
            template_publish(template=template)
        except PublishRefused:
            messages.error(request, _("Run the check and let it pass before publishing."))
        else:
            messages.success(request, _("Published."))
    return redirect("authoring:template-edit", pk=template.pk)


@login_required
@require_POST
def template_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.staff_templates(user=request.user), pk=pk)
    if not editor_edits(template):
        raise Http404
    assert template.course is not None  # staff_templates are course templates
    copy = template_copy(template=template, course=template.course)
    messages.success(request, _("This is a copy: change it, check it, publish it."))
    return redirect("authoring:template-edit", pk=copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def problem_set_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    course_zone_activate(course)
    courses = courses_taught(user=request.user)
    form = ProblemSetForm(
        request.POST or None,
        courses=courses,
        initial={"course": course, "hidden": True},  # students see it once it is released
        can_release=selectors.may_release_sets(user=request.user, course=course),
    )
    if request.method == "POST" and form.is_valid():
        problem_set = problem_set_create(**form.set_values())
        return redirect("authoring:set-edit", pk=problem_set.pk)
    return render(request, "authoring/set_form.html", {"course": course, "form": form, "set": None})


def _set_context(
    request: HttpRequest, problem_set: ProblemSet, **extra: object
) -> dict[str, object]:
    courses = courses_taught(user=request.user)
    can_release = selectors.may_release_sets(user=request.user, course=problem_set.course)
    return {
        "set": problem_set,
        "course": problem_set.course,
        "items": selectors.set_items(problem_set=problem_set),
        # a TA on a set students have started: shown, its controls disabled (_set_refused)
        "read_only": not selectors.may_change_set(user=request.user, problem_set=problem_set),
        "form": ProblemSetForm(instance=problem_set, courses=courses, can_release=can_release),
        "item_form": ItemForm(templates=selectors.usable_templates(course=problem_set.course)),
        "duplicate_form": DuplicateForm(courses=courses, initial={"course": problem_set.course}),
        "vector_credit_choices": ProblemSetItem.VectorCredit.choices,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def problem_set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    problem_set = get_object_or_404(selectors.staff_problem_sets(user=request.user), pk=pk)
    course_zone_activate(problem_set.course)
    courses = courses_taught(user=request.user)
    extra: dict[str, object] = {}
    if request.method == "POST":
        refused = _set_refused(request, problem_set)
        if refused is not None:
            return refused
        can_release = selectors.may_release_sets(user=request.user, course=problem_set.course)
        form = ProblemSetForm(
            request.POST, instance=problem_set, courses=courses, can_release=can_release
        )
        # The ModelForm has already written the cleaned values onto the instance: reload it.
        if form.is_valid():
            fresh = ProblemSet.objects.get(pk=problem_set.pk)
            try:
                problem_set_update(problem_set=fresh, **form.set_values())
            except (ItemRefused, ValueError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("authoring:set-edit", pk=problem_set.pk)
        problem_set.refresh_from_db()
        extra["form"] = form
    return render(request, "authoring/set_form.html", _set_context(request, problem_set, **extra))


def _set_refused(request: HttpRequest, problem_set: ProblemSet) -> HttpResponse | None:
    """The set page with a 403 and why, when the user may not change this set (a TA, once a
    student has opened one of its problems); None when they may."""
    if selectors.may_change_set(user=request.user, problem_set=problem_set):
        return None
    messages.error(
        request,
        _(
            "Students have started this set: only an instructor can change it now. "
            "You can still grade, regrade, extend and override."
        ),
    )
    context = _set_context(request, problem_set)
    return render(request, "authoring/set_form.html", context, status=403)


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem_set = get_object_or_404(selectors.staff_problem_sets(user=request.user), pk=pk)
    course_zone_activate(problem_set.course)
    refused = _set_refused(request, problem_set)
    if refused is not None:
        return refused
    templates = selectors.usable_templates(course=problem_set.course)
    form = ItemForm(request.POST, templates=templates, due_at=problem_set.due_at)
    if form.is_valid():
        data = form.cleaned_data
        try:
            problem_set_item_add(
                problem_set=problem_set,
                template=data["template"],
                points=data["points"],
                **form.rules(),
            )
        except (ItemRefused, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("authoring:set-edit", pk=problem_set.pk)
    context = _set_context(request, problem_set, item_form=form)
    return render(request, "authoring/set_form.html", context, status=400)


@login_required
@require_POST
def item_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move (up/down), remove, or update one item; `action` says which."""
    item = get_object_or_404(selectors.items_taught(user=request.user), pk=pk)
    course_zone_activate(item.problem_set.course)
    refused = _set_refused(request, item.problem_set)
    if refused is not None:
        return refused
    action = request.POST.get("action", "")
    try:
        if action in ("up", "down"):
            problem_set_item_move(item=item, offset=-1 if action == "up" else 1)
        elif action == "remove":
            problem_set_item_remove(item=item)
        elif action in ("retire", "restore"):
            problem_set_item_retire(item=item, retired=action == "retire")
            if action == "retire":
                messages.success(
                    request,
                    _(
                        "The problem is retired. Students who already have a score on it keep "
                        "it; for everyone else it counts for nothing."
                    ),
                )
        elif action == "update":
            form = ItemForm(request.POST, due_at=item.effective_due_at)
            if not form.is_valid():
                late = form.errors.get("late_until")
                messages.error(request, late[0] if late else _("Check the item's values."))
                return redirect("authoring:set-edit", pk=item.problem_set_id)
            points = form.cleaned_data["points"]
            problem_set_item_update(
                item=item, points=item.points if points is None else points, **form.rules()
            )
        else:  # not a button of the set's page: say so there
            messages.error(request, _("That is not an action on a problem of the set."))
    except (ItemRefused, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("authoring:set-edit", pk=item.problem_set_id)


@login_required
@require_POST
def problem_set_duplicate_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem_set = get_object_or_404(selectors.staff_problem_sets(user=request.user), pk=pk)
    form = DuplicateForm(request.POST, courses=courses_taught(user=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your courses."))
        return redirect("authoring:set-edit", pk=problem_set.pk)
    try:
        copy = problem_set_duplicate(problem_set=problem_set, course=form.cleaned_data["course"])
    except ItemRefused as exc:
        messages.error(request, str(exc))
        return redirect("authoring:set-edit", pk=problem_set.pk)
    messages.success(
        request,
        _("Duplicated. The copy is hidden from students until you check its dates and release it."),
    )
    return redirect("authoring:set-edit", pk=copy.pk)


@login_required
@require_GET
def course_yaml_export(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(courses_taught(user=request.user), pk=pk)
    response = HttpResponse(
        course_export_yaml(course=course), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{course.code}.yaml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def course_yaml_import(request: HttpRequest, pk: int) -> HttpResponse:
    # an import may publish templates and release sets: the instructors' call
    course = get_object_or_404(courses_taught(user=request.user, instructor_only=True), pk=pk)
    form = YamlImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read(MAX_YAML_BYTES + 1).decode("utf-8")
            result = course_import_yaml(course=course, text=text)
        except UnicodeDecodeError:
            errors = [_("The file is not UTF-8 text.")]
        except ImportFailed as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                # one plural per count: a message can only choose its form by one number
                _("Imported: %(created)s, %(updated)s, %(sets)s.")
                % {
                    "created": ngettext(
                        "%(n)s template created",
                        "%(n)s templates created",
                        result.templates_created,
                    )
                    % {"n": result.templates_created},
                    "updated": ngettext("%(n)s updated", "%(n)s updated", result.templates_updated)
                    % {"n": result.templates_updated},
                    "sets": ngettext("%(n)s set", "%(n)s sets", result.problem_sets_created)
                    % {"n": result.problem_sets_created},
                },
            )
            if result.checks_started:
                messages.info(
                    request,
                    ngettext(
                        "%(n)s template is being checked in the background; one marked "
                        "published: true is published when its check passes.",
                        "%(n)s templates are being checked in the background; those marked "
                        "published: true are published when their check passes.",
                        result.checks_started,
                    )
                    % {"n": result.checks_started},
                )
            return redirect("authoring:course-authoring", pk=course.pk)
    context = {"course": course, "form": form, "errors": errors}
    status = 400 if errors else 200
    return render(request, "authoring/course_import.html", context, status=status)
