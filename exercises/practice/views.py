"""Thin views of what a student does: a form, one service or selector, render; htmx requests
get the partial."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from exercises.authoring.generators import (
    Params,
    answer_hint_of,
    statement_of,
    task_of,
    variables_hint_of,
)
from exercises.authoring.generators.parts import part_count, part_params
from exercises.authoring.generators.statements import (
    answer_label_of,
    asked_latex,
    intro_of,
    part_statement_of,
)
from exercises.authoring.models import ProblemInstance
from exercises.authoring.services.instances import (
    ProblemUnavailable,
    instance_get_or_create,
    instance_worked_missing,
)
from exercises.authoring.terms import Standing
from exercises.courses.selectors import courses_taught, may_create_courses
from exercises.practice import selectors
from exercises.practice.forms import AnswerForm
from exercises.practice.services import (
    SubmissionRejected,
    Submitted,
    practice_answer,
    practice_page_allow,
    submission_submit,
)
from grading.engine import key_of, preview
from grading.engine.derivation import solution
from grading.models import Submission
from grading.tasks import instance_worked_enqueue


def _lang() -> str:
    return "ko" if (get_language() or "en").startswith("ko") else "en"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.dashboard_rows(user=request.user, as_student=True)
    teaching = list(courses_taught(user=request.user))
    context = {
        "rows": rows,
        "teaching": teaching,
        "may_create_courses": may_create_courses(user=request.user),
        "now": timezone.now(),
    }
    return render(request, "practice/dashboard.html", context)


@login_required
@require_GET
def problem_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rows = selectors.dashboard_rows(user=request.user, problem_set_id=pk)
    if not rows:
        raise Http404
    return render(
        request, "practice/problem_set_detail.html", {"row": rows[0], "now": timezone.now()}
    )


@login_required
@require_GET
def item_open(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.student_items(user=request.user), pk=pk)
    try:
        instance = instance_get_or_create(item=item, student=request.user)
    except ProblemUnavailable:
        # Not published yet (its check runs) or no usable variant: a page that says so.
        return render(request, "practice/unavailable.html", {"item": item})
    if instance_worked_missing(instance=instance):  # a new variant: derived by a worker
        instance_worked_enqueue(instance.pk)
    return redirect("practice:problem-detail", pk=instance.pk)


# While grading, the result region polls itself: quick at first, since most verdicts arrive
# within a second and students should see them that soon, then slower, so that hundreds of
# students waiting at a deadline do not swamp the web tier before the grading workers.
POLL_DELAYS_MS = (250,) * 4 + (500,) * 4 + (1000,)


POLL_DELAY_CAP_MS = 2000


POLL_LAST = len(POLL_DELAYS_MS)  # from this poll on, the delay is the cap


def poll_delay_ms(poll: int) -> int:
    """How long the result region waits before its next poll, after `poll` polls so far."""
    return POLL_DELAYS_MS[max(poll, 0)] if poll < POLL_LAST else POLL_DELAY_CAP_MS


def _poll_count(raw: str | None) -> int:
    """The client's `poll` parameter, clamped to 0..POLL_LAST: garbage counts as a first poll."""
    try:
        poll = int(raw or 0)
    except ValueError:  # also an over-long string of digits (int's digit limit)
        return 0
    return min(max(poll, 0), POLL_LAST)


def _wait_url(submission_id: int, region: selectors.WaitRegion, poll: int) -> str:
    token = selectors.wait_token(submission_id=submission_id, region=region)
    url = reverse("practice:submission-wait", args=[submission_id, token])
    return f"{url}?{urlencode({'poll': poll})}"


def _wait_context(
    request: HttpRequest, waiting: Submission | None, region: selectors.WaitRegion
) -> dict[str, object]:
    """What a result region (a problem's, a submission's or a part's) needs to wait for its
    answer's verdict: while `waiting` is graded, it polls the signed wait URL after a delay
    backed off by the poll count (`poll`, carried by the URL), which loads `region` once done."""
    poll = _poll_count(request.GET.get("poll"))
    wait_url = (
        _wait_url(waiting.pk, region, min(poll + 1, POLL_LAST)) if waiting is not None else ""
    )
    return {
        "pending": waiting is not None,
        "wait_url": wait_url,
        "poll_delay_ms": poll_delay_ms(poll),
    }


def _result_context(
    request: HttpRequest,
    instance: ProblemInstance,
    submissions: list[Submission] | None = None,
    submission: Submission | None = None,
    standing: Standing | None = None,
) -> dict[str, object]:
    """The result region: the problem's latest attempt, or on a submission's own page that
    submission; while it is being graded, the region polls its wait URL."""
    state = selectors.problem_state(
        instance=instance, now=timezone.now(), submissions=submissions, standing=standing
    )
    waiting: Submission | None
    if submission is None:
        shown, waiting = state.latest, state.pending
        region = selectors.WaitRegion(kind="problem", pk=instance.pk)
    else:
        shown, waiting = submission, (submission if submission.is_pending else None)
        region = selectors.WaitRegion(kind="submission", pk=submission.pk)
    return {
        "instance": instance,
        "state": state,
        "shown": shown,
        **_wait_context(request, waiting, region),
        "solution": selectors.problem_solution(instance=instance, state=state),
        "rule_hint": selectors.problem_hint(instance=instance, state=state, shown=shown),
        "practice_open": selectors.practice_open(state=state),
    }


def _result_instance_or_404(request: HttpRequest, pk: int) -> ProblemInstance:
    instance = selectors.student_result_instance(user=request.user, pk=pk)
    if instance is None:
        raise Http404
    return instance


@login_required
@require_GET
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.htmx:  # the result region polling itself while grading
        instance = _result_instance_or_404(request, pk)
        if _is_parts(instance):  # a part's region polling itself
            part = _part_or_404(instance, request.GET.get("part"))
            return render(
                request, "practice/_part_result.jinja", _part_context(request, instance, part)
            )
        return render(request, "practice/_result.jinja", _result_context(request, instance))
    instance = get_object_or_404(selectors.student_instances(user=request.user), pk=pk)
    if _is_parts(instance):
        return _parts_page(request, instance)
    params = instance.params
    previous, following = selectors.item_neighbours(user=request.user, item=instance.item)
    result = _result_context(request, instance)
    plot = selectors.problem_plot(instance=instance, now=timezone.now(), state=result["state"])
    context = {
        **result,
        **_statement_context(params),
        "form": AnswerForm(),
        "previous_item": previous,
        "next_item": following,
        "plot_json": _plot_json(plot),
    }
    return render(request, "practice/problem_detail.html", context)


def _plot_json(data: dict[str, object] | None) -> str:
    """The plot data inlined in the page (a JSON data block, not a script that runs), so that
    the plots are drawn without a second request: the same data as plot.json, made with the
    page's own problem state (so the key's values only when the page shows the key)."""
    if data is None:
        return ""
    # allow_nan=False: the engine sends null for what it cut; a NaN would fail loudly here.
    # <, > and & escaped as json_script does, so the text cannot close the element.
    text = json.dumps(data, allow_nan=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    block = '<script id="plot-data" type="application/json">{}</script>'
    return format_html(block, mark_safe(text))  # noqa: S308 (JSON, escaped above)


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _is_parts(instance: ProblemInstance) -> bool:
    return part_count(instance.params) > 1


def _part_or_404(instance: ProblemInstance, raw: object) -> int:
    """The part a request names (a query or URL value), or 404 when the problem has no such."""
    return _index_or_404(raw, part_count(instance.params))


def _index_or_404(raw: object, count: int) -> int:
    try:
        index = int(str(raw))
    except ValueError:  # also an over-long string of digits (int's digit limit)
        raise Http404 from None
    if not 0 <= index < count:
        raise Http404
    return index


def _part_context(
    request: HttpRequest,
    instance: ProblemInstance,
    part: int,
    whole: selectors.PartsState | None = None,
    rejected: SubmissionRejected | None = None,
) -> dict[str, object]:
    """One part's region of a multi-part problem: its verdict, score, attempts and key; while
    its answer is graded, the region polls its wait URL, as a problem's region does."""
    if whole is None:
        whole = selectors.problem_parts_state(instance=instance, now=timezone.now())
    shown = whole.parts[part]
    region = selectors.WaitRegion(kind="part", pk=instance.pk, part=part)
    return {
        "instance": instance,
        "whole": whole,
        "part": shown,
        **_wait_context(request, shown.pending, region),
        "solution": selectors.problem_solution(instance=instance, state=shown, part=part),
        "rule_hint": selectors.problem_hint(
            instance=instance, state=shown, shown=shown.latest, part=part
        ),
        "ids": f"-{part}",  # each part's hint, components and solution have their own ids
        "rejected": rejected,
        "oob": bool(request.htmx),  # the page's total follows the part (an out-of-band swap)
    }


def _carry_text(state: selectors.PartState) -> str:
    """The rule of a part that carries forward an earlier part's answer, said before answering."""
    if state.carry is None:
        return ""
    source, share = state.carry
    return gettext(
        "Carried forward: if your answer to (%(letter)s) is wrong, a value right for your own "
        "(%(letter)s) earns %(percent)s%% of this part's points."
    ) % {"letter": "abcdefghij"[source], "percent": _percent(share)}


def _percent(share: Decimal) -> str:
    """A share as a percentage without needless digits: 0.5 -> 50, 0.125 -> 12.5."""
    return format(Decimal(share * 100).normalize(), "f")


def _parts_page(request: HttpRequest, instance: ProblemInstance) -> HttpResponse:
    """The page of a multi-part problem: the function once, then each part with its own answer
    box, preview and result region; the function's plots once, each part's hint and worked
    solution, and practice variants part by part once every part is closed."""
    if instance_worked_missing(instance=instance):  # e.g. kept before each part had its own
        instance_worked_enqueue(instance.pk)  # as item_open does; meanwhile derived as shown
    now = timezone.now()
    whole = selectors.problem_parts_state(instance=instance, now=now)
    lang = _lang()
    parts = []
    for state in whole.parts:
        params = state.params
        parts.append(
            {
                **_part_context(request, instance, state.index, whole),
                "statement": part_statement_of(params, lang),
                "asked_latex": asked_latex(params),
                "hint": answer_hint_of(params)[lang],
                "carry_text": _carry_text(state),
            }
        )
    previous, following = selectors.item_neighbours(user=request.user, item=instance.item)
    context = {
        "instance": instance,
        "whole": whole,
        "intro": intro_of(instance.params, lang),
        "variables_hint": (variables_hint_of(instance.params) or {}).get(lang, ""),
        "parts": parts,
        "plot_json": _plot_json(selectors.problem_plot(instance=instance, now=now, state=whole)),
        "practice_open": selectors.practice_open(state=whole),
        "previous_item": previous,
        "next_item": following,
    }
    return render(request, "practice/problem_parts.html", context)


def _statement_context(params: dict[str, object]) -> dict[str, object]:
    """What the page says of a variant: its statement and the answer box's hints."""
    return {
        "statement": statement_of(params, _lang()),
        "asked_latex": asked_latex(params),
        "hint": answer_hint_of(params)[_lang()],
        "variables_hint": (variables_hint_of(params) or {}).get(_lang(), ""),
        "palette": _palette_context(params),
    }


def _palette_context(params: Params) -> dict[str, object]:
    """The maths keyboard's keys that depend on the problem: the label of what is asked, the
    variables (as typed) and, for a gradient, the vector with one slot per component."""
    variables = [str(v) for v in params["variables"]]
    return {
        "label": answer_label_of(params),
        "variables": variables[:PALETTE_MAX_VARIABLES],
        "vector_after": ", " * (len(variables) - 1) + ">" if params.get("gradient") else "",
    }


# templates declare at most six (custom.validate), as the loss family has; stored params are
# not trusted to keep to it
PALETTE_MAX_VARIABLES = 8


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def practice_detail(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """Practice variant n of the owner's problem, once it is closed for credit: answered and
    graded in this request, stored nowhere (404 while the problem still takes answers)."""
    instance = _practice_instance_or_404(request, pk)
    try:
        practice_page_allow(user_id=request.user.pk)
    except SubmissionRejected as exc:
        context = {"instance": instance, "rejected": exc}
        return render(request, "practice/practice_busy.html", context, status=429)
    whole = _practice_variant_or_404(instance, n)
    part, variant = _practice_part_or_404(whole, request.GET.get("part", "0"))
    form = AnswerForm(request.POST or None)
    verdict, rejected = None, None
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise SubmissionRejected(form.refusal())
            verdict = practice_answer(
                user_id=request.user.pk, variant=variant, answer=form.cleaned_data["answer"]
            )
        except SubmissionRejected as exc:
            rejected = exc
    task = task_of(variant.params)
    answer = form.cleaned_data.get("answer", "") if verdict is not None else ""
    asked = {"part": part} if whole.parts else {}
    plot_url = reverse("practice:practice-plot", args=[instance.pk, n])
    plot_query = {**asked, "answer": answer} if answer else asked
    context = {
        "plot_url": f"{plot_url}?{urlencode(plot_query)}" if plot_query else plot_url,
        "plot_json": _plot_json(
            selectors.practice_plot(variant=variant, answer=answer)
            if instance.item.show_plots
            else None
        ),
        **_statement_context(variant.params),
        "instance": instance,
        "variant": variant,
        "form": form,
        "verdict": verdict,
        "rejected": rejected,
        # after an answer, as on the closed problem: the key and the worked solution
        "key": key_of(task) if verdict is not None else None,
        "solution": solution(task, str(variant.params.get("fname", "f"))) if verdict else None,
        "next_n": n + 1 if n < selectors.PRACTICE_MAX else None,
        # a multi-part problem's variant: its parts, each practised on its own
        "part": part,
        "part_query": f"?{urlencode(asked)}" if asked else "",
        "part_letters": "abcdefghij"[: len(whole.parts)],
        "part_letter": "abcdefghij"[part],
    }
    return render(request, "practice/practice_detail.html", context)


def _practice_instance_or_404(request: HttpRequest, pk: int) -> ProblemInstance:
    """The owner's instance, only once it is closed for credit (else 404, as for an id that is
    not theirs; a multi-part problem once every part is)."""
    instance = get_object_or_404(selectors.student_instances(user=request.user), pk=pk)
    state = selectors.problem_state(instance=instance, now=timezone.now())
    if not selectors.practice_open(state=state):
        raise Http404
    return instance


def _practice_variant_or_404(instance: ProblemInstance, n: int) -> selectors.PracticeVariant:
    variant = selectors.practice_variant(instance=instance, n=n)
    if variant is None:
        raise Http404
    return variant


def _practice_part_or_404(
    variant: selectors.PracticeVariant, raw: str
) -> tuple[int, selectors.PracticeVariant]:
    """The part a practice request names (`part`, 0 by default) and the variant practised for
    it: a multi-part variant's part is practised as a problem of its own."""
    index = _index_or_404(raw, len(variant.parts) or 1)
    found = variant.part(index)
    if found is None:
        raise Http404
    return index, found


@login_required
@require_GET
@never_cache
def practice_plot(request: HttpRequest, pk: int, n: int) -> JsonResponse:
    """The plot data of practice variant n, with `answer` (from the query) drawn."""
    instance = _practice_instance_or_404(request, pk)
    if not instance.item.show_plots:
        raise Http404
    try:
        practice_page_allow(user_id=request.user.pk)
    except SubmissionRejected as exc:
        return JsonResponse({"error": exc.reason.to_dict()}, status=429)
    _, variant = _practice_part_or_404(
        _practice_variant_or_404(instance, n), request.GET.get("part", "0")
    )
    form = AnswerForm(request.GET)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    data = selectors.practice_plot(variant=variant, answer=answer)
    if data is None:
        raise Http404
    return JsonResponse(data, json_dumps_params={"allow_nan": False})


@login_required
@require_GET
@never_cache  # it changes with every graded answer and when the key is revealed
def problem_plot(request: HttpRequest, pk: int) -> JsonResponse:
    """The plot data of the student's own variant (404 when the item shows no plots)."""
    instance = get_object_or_404(selectors.student_instances(user=request.user), pk=pk)
    data = selectors.problem_plot(instance=instance, now=timezone.now())
    if data is None:
        raise Http404
    # allow_nan=False: the engine sends null for what it cut; a NaN would fail loudly here
    return JsonResponse(data, json_dumps_params={"allow_nan": False})


@login_required
@require_GET
def problem_preview(request: HttpRequest, pk: int) -> HttpResponse:
    instance = get_object_or_404(selectors.student_instances(user=request.user), pk=pk)
    form = AnswerForm(request.GET)
    if not form.is_valid():
        return render(request, "practice/_preview.html", {"rejected": form.refusal()})
    answer = form.cleaned_data["answer"]
    part = _part_or_404(instance, request.GET.get("part", "0"))
    shown = None
    if answer:
        params = part_params(instance.params, part)
        shown = preview(answer, tuple(params["variables"]), task=task_of(params))
    return render(request, "practice/_preview.html", {"preview": shown, "answer": answer})


def _answer_submit(
    request: HttpRequest, instance: ProblemInstance, part: int = 0
) -> tuple[Submitted | None, SubmissionRejected | None]:
    """The posted answer submitted to the problem (its `part`): what the submit read and wrote,
    else why it was refused (by the form, or by the service)."""
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return None, SubmissionRejected(form.refusal())
    answer = form.cleaned_data["answer"]
    try:
        return submission_submit(instance=instance, answer=answer, part=part), None
    except SubmissionRejected as exc:
        return None, exc


@login_required
@require_POST
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def submission_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _result_instance_or_404(request, pk)
    if _is_parts(instance):  # each part has its own (part_submission_create_view)
        raise Http404
    submitted, rejected = _answer_submit(request, instance)
    if not request.htmx:
        return redirect("practice:problem-detail", pk=instance.pk)
    # the result region shows what the submit read and wrote, not a second read of it
    submissions = submitted.submissions if submitted is not None else None
    standing = submitted.standing if submitted is not None else None
    context = {
        **_result_context(request, instance, submissions, standing=standing),
        "rejected": rejected,
    }
    # 200 even when rejected: htmx swaps only successful responses, and nothing failed here.
    return render(request, "practice/_result.jinja", context)


@login_required
@require_POST
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def part_submission_create_view(request: HttpRequest, pk: int, part: int) -> HttpResponse:
    """An answer to one part of a multi-part problem; the htmx reply is that part's region."""
    instance = get_object_or_404(selectors.student_result_instances(user=request.user), pk=pk)
    if not _is_parts(instance):
        raise Http404
    part = _part_or_404(instance, part)
    _, rejected = _answer_submit(request, instance, part)
    if not request.htmx:
        return redirect("practice:problem-detail", pk=instance.pk)
    context = _part_context(request, instance, part, rejected=rejected)
    # 200 even when rejected: htmx swaps only successful responses, and nothing failed here.
    return render(request, "practice/_part_result.jinja", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")  # one URL serves the page or its htmx fragment
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(selectors.student_submissions(user=request.user), pk=pk)
    instance = get_object_or_404(
        selectors.student_instances(user=request.user), pk=submission.instance_id
    )
    if _is_parts(instance):  # its parts are shown on the problem's page
        return redirect("practice:problem-detail", pk=instance.pk)
    context = {
        **_result_context(request, instance, submission=submission),
        "submission": submission,
    }
    if request.htmx:
        return render(request, "practice/_result.jinja", context)
    return render(request, "practice/submission_detail.html", context)


# What the wait URL answers: while grading, itself again after the next delay; once graded, the
# problem's whole region for its owner (in the region's place), or else an element that loads
# the region (its own URL, which checks who asks) in the region's place.
_WAIT_AGAIN = (
    '<span class="poll" hx-get="{}" hx-trigger="load delay:{}ms" hx-swap="outerHTML"></span>'
)
_WAIT_DONE = (
    '<span class="poll" hx-get="{}" hx-trigger="load" hx-target="#{}" hx-swap="outerHTML"></span>'
)


def _region_url(region: selectors.WaitRegion) -> tuple[str, str]:
    """The URL of a graded region and the id of the element it replaces."""
    if region.kind == "submission":
        return reverse("practice:submission-detail", args=[region.pk]), "result"
    url = reverse("practice:problem-detail", args=[region.pk])
    if region.kind == "part":
        return f"{url}?{urlencode({'part': region.part})}", f"part-result-{region.part}"
    return url, "result"


@require_GET
@never_cache
def submission_wait(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The result region's poll while its submission is graded: nearly free, since a deadline's
    requests are mostly these. The signed token (selectors.wait_token, made when the region was
    rendered for its owner) stands for the login: no session, user or instance is read, only
    the submission's status; it tells nothing but whether that submission is still graded.
    Once it is graded, the problem's region is answered at once to its owner (the login and
    the instance read exactly as the region's own URL checks them), which spares the browser a
    second request; anyone else, and a part's region, gets the element that loads the region's
    URL."""
    region = selectors.wait_region(submission_id=pk, token=token)
    if region is None:
        raise Http404
    if selectors.submission_waiting(submission_id=pk):
        poll = _poll_count(request.GET.get("poll"))
        again = _wait_url(pk, region, min(poll + 1, POLL_LAST))
        return HttpResponse(format_html(_WAIT_AGAIN, again, poll_delay_ms(poll)))
    if region.kind == "problem" and request.user.is_authenticated:
        instance = selectors.student_result_instance(user=request.user, pk=region.pk)
        if instance is not None and not _is_parts(instance):
            response = render(request, "practice/_result.jinja", _result_context(request, instance))
            return reswap(retarget(response, "#result"), "outerHTML")
    return HttpResponse(format_html(_WAIT_DONE, *_region_url(region)))
