"""Writes for authoring templates: create and edit custom templates, check them, publish them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exercises.generators import generate, statement_of, task_of
from exercises.generators.custom import TemplateError, validate
from exercises.generators.statements import asked_latex
from exercises.models import Course, ProblemTemplate, TemplateCheck
from grading.engine import (
    Key,
    ParseError,
    Unsupported,
    from_sympy,
    grade,
    key_of,
    make_symbols,
    parse,
    to_sympy,
    to_text,
    variant_check,
)

CHECK_SEEDS = 50
TIME_BUDGET_MS = 1000.0


class PublishRefused(Exception):
    """The template's current version has no passing check."""


@dataclass(frozen=True)
class Variant:
    seed: int
    params: dict[str, Any]
    statement_en: str
    statement_ko: str
    asked_latex: str
    key: Key | None
    error: str = ""


def custom_template_create(
    *, course: Course, slug: str, title_en: str, title_ko: str, config: dict[str, Any]
) -> ProblemTemplate:
    """A new, unpublished custom template of the course. Raises TemplateError for a bad config."""
    validate(config)
    return ProblemTemplate.objects.create(
        course=course,
        slug=slug,
        family="custom",
        config=config,
        title_en=title_en,
        title_ko=title_ko,
        published=False,
    )


@transaction.atomic
def custom_template_update(
    *, template: ProblemTemplate, title_en: str, title_ko: str, config: dict[str, Any]
) -> ProblemTemplate:
    """Edit a custom template; a changed config is a new version, unpublished until checked."""
    if template.family != "custom" or template.course_id is None:
        raise ValueError("only a course's custom templates can be edited")
    validate(config)
    template = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
    if template.config != config:
        # A new version would reach students of live sets unchecked, and their stored
        # instances would no longer regenerate: change a copy instead.
        if template.items.exists():
            raise TemplateError(
                _("this template is in a problem set; make a copy to change its function or task")
            )
        template.version += 1
        template.config = config
        template.published = False
    template.title_en, template.title_ko = title_en, title_ko
    template.save()
    return template


def template_copy(*, template: ProblemTemplate, course: Course) -> ProblemTemplate:
    """An unpublished copy of a custom template in `course`, under a free slug."""
    if template.family != "custom":
        raise ValueError("only custom templates are copied; ready templates are used as they are")
    base = f"{template.slug}-copy"[:74]
    taken = set(
        ProblemTemplate.objects.filter(course=course, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug = next(s for s in [base, *(f"{base}-{n}" for n in range(2, 10**4))] if s not in taken)
    return ProblemTemplate.objects.create(
        course=course,
        slug=slug,
        family=template.family,
        config=template.config,
        title_en=template.title_en,
        title_ko=template.title_ko,
        published=False,
    )


def template_variant(*, template: ProblemTemplate, seed: int) -> Variant:
    """One variant as a student would get it, with its key (a read: nothing is stored)."""
    try:
        params = generate(
            family=template.family, config=template.config, version=template.version, seed=seed
        )
    except TemplateError as exc:
        return Variant(seed, {}, "", "", "", None, error=str(exc))
    try:
        key: Key | None = key_of(task_of(params))
        error = ""
    except ValueError as exc:
        key, error = None, str(exc)
    return Variant(
        seed=seed,
        params=params,
        statement_en=statement_of(params, "en"),
        statement_ko=statement_of(params, "ko"),
        asked_latex=asked_latex(params),
        key=key,
        error=error,
    )


def _rewrite(key: Key, variables: tuple[str, ...]) -> str:
    """An equivalent answer written differently from the key (expanded, factored, combined)."""
    symbols = make_symbols(variables)
    parts = []
    for text in key.components:
        expr = to_sympy(parse(text, variables if not key.is_number else ()).node, symbols)
        chosen = f"2*({text})/2"
        for form in (sympy.expand, sympy.factor, sympy.together):
            try:
                candidate = to_text(from_sympy(form(expr)))
            except (Unsupported, RecursionError, ValueError, TypeError):
                continue
            if candidate.replace(" ", "") != text.replace(" ", ""):
                chosen = candidate
                break
        parts.append(chosen)
    return "<" + ", ".join(parts) + ">" if key.is_vector else parts[0]


def _problem(en: str, ko: str) -> dict[str, str]:
    """One reason a seed fails, in both UI languages (stored as JSON with the check)."""
    return {"en": en, "ko": ko}


@dataclass(frozen=True)
class SeedReport:
    problems: list[dict[str, str]]  # why the seed's variant cannot be used (empty: fine)
    slowest_ms: float  # the slowest grade of the key and its rewrite
    values: dict[str, Any]  # the seed's parameter values ({} when none could be drawn)


def seed_report(*, template: ProblemTemplate, seed: int) -> SeedReport:
    """What keeps this seed's variant from use, the slowest grade in ms, and its parameters."""
    try:
        params = generate(
            family=template.family, config=template.config, version=template.version, seed=seed
        )
        task = task_of(params)
    except (TemplateError, ParseError) as exc:
        return SeedReport(
            [_problem(f"the variant cannot be made: {exc}", f"변형을 만들 수 없습니다: {exc}")],
            0.0,
            {},
        )
    values = dict(params.get("values") or {})
    problems = [m.to_dict() for m in variant_check(task, seed=seed)]
    if problems:
        return SeedReport(problems, 0.0, values)
    key = key_of(task)
    slowest = 0.0
    try:
        rewrite = _rewrite(key, task.variables)
    except (ParseError, Unsupported, RecursionError) as exc:
        return SeedReport(
            [
                _problem(
                    f"the key cannot be rewritten: {exc}", f"정답 식을 바꿔 쓸 수 없습니다: {exc}"
                )
            ],
            0.0,
            values,
        )
    checks = (
        (key.text, "the key", "정답 식"),
        (rewrite, f"the rewrite {rewrite}", f"바꿔 쓴 식 {rewrite}"),
    )
    for answer, what, what_ko in checks:
        verdict = grade(task, answer, seed=seed)
        slowest = max(slowest, verdict.elapsed_ms)
        if verdict.equivalent is not True:
            problems.append(
                _problem(f"{what} is not accepted", f"{what_ko} 이(가) 정답으로 채점되지 않습니다")
            )
        if verdict.elapsed_ms >= TIME_BUDGET_MS:
            ms = f"{verdict.elapsed_ms:.0f}"
            problems.append(
                _problem(
                    f"grading {what} took {ms} ms (budget 1000 ms)",
                    f"{what_ko} 채점에 {ms} ms 걸렸습니다 (한도 1000 ms)",
                )
            )
    return SeedReport(problems, slowest, values)


def seed_problems(*, template: ProblemTemplate, seed: int) -> tuple[list[dict[str, str]], float]:
    """seed_report's reasons and slowest grade."""
    report = seed_report(template=template, seed=seed)
    return report.problems, report.slowest_ms


def _enqueue(check_id: int) -> None:
    from exercises.tasks import template_check_run_task

    template_check_run_task.delay(check_id)


def template_check_start(*, template: ProblemTemplate, seeds: int = CHECK_SEEDS) -> TemplateCheck:
    """A check of seeds 1..`seeds` of the template's current version, run after commit."""
    check = TemplateCheck.objects.create(
        template=template, version=template.version, seeds_total=seeds
    )
    transaction.on_commit(lambda: _enqueue(check.pk))
    return check


def template_check_run(*, check_id: int) -> TemplateCheck:
    """Run (or continue) a check, saving progress after each seed; safe to run twice."""
    check = TemplateCheck.objects.select_related("template").get(pk=check_id)
    if check.finished:
        return check
    template = check.template
    if template.version != check.version:
        check.failures = [{"seed": 0, "problems": ["the template changed during the check"]}]
        check.status, check.finished_at = TemplateCheck.Status.FAILED, timezone.now()
        check.save()
        return check
    check.status = TemplateCheck.Status.RUNNING
    check.save(update_fields=["status"])
    for seed in range(check.seeds_done + 1, check.seeds_total + 1):
        report = seed_report(template=template, seed=seed)
        check.seeds_done = seed
        check.max_elapsed_ms = max(check.max_elapsed_ms, report.slowest_ms)
        if report.problems:
            failure = {"seed": seed, "values": report.values, "problems": report.problems}
            check.failures = [*check.failures, failure]
        check.save(update_fields=["seeds_done", "max_elapsed_ms", "failures"])
    check.status = TemplateCheck.Status.FAILED if check.failures else TemplateCheck.Status.PASSED
    check.finished_at = timezone.now()
    check.save(update_fields=["status", "finished_at"])
    return check


@transaction.atomic
def template_publish(*, template: ProblemTemplate) -> ProblemTemplate:
    """Publish a template whose current version passed a check; refuse otherwise."""
    template = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
    if template.family == "custom":
        passed = TemplateCheck.objects.filter(
            template=template, version=template.version, status=TemplateCheck.Status.PASSED
        ).exists()
        if not passed:
            raise PublishRefused(f"{template.slug} v{template.version} has no passing check")
    template.published = True
    template.save(update_fields=["published", "updated_at"])
    return template


def template_unpublish(*, template: ProblemTemplate) -> ProblemTemplate:
    template.published = False
    template.save(update_fields=["published", "updated_at"])
    return template
