"""Checking a template version over many seeds: each seed's problems, the resumable run, and
publishing, which needs a passing check of the template's current version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sympy
from django.db import transaction
from django.utils import timezone

from exercises.authoring.generators import generate, task_of
from exercises.authoring.generators.custom import TemplateError
from exercises.authoring.generators.parts import part_count, part_params
from exercises.authoring.models import ProblemTemplate, TemplateCheck
from exercises.authoring.services.degenerate import (
    degenerate_problems,
    generic_task,
    too_few_variants,
)
from exercises.authoring.services.degenerate import problem as _problem
from exercises.jobs import jobs_resume_stuck
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
from grading.engine.derivation import solution_problems

CHECK_SEEDS = 50


class PublishRefused(Exception):
    """The template's current version has no passing check."""


@transaction.atomic
def template_publish(*, template: ProblemTemplate) -> ProblemTemplate:
    """Publish a template whose current version passed a check; refuse otherwise, whatever its
    family (a code family's config can be as wrong as a custom one's)."""
    template = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
    passed = TemplateCheck.objects.filter(
        template=template, version=template.version, status=TemplateCheck.Status.PASSED
    ).exists()
    if not passed:
        raise PublishRefused(f"{template.slug} v{template.version} has no passing check")
    template.published = True
    template.save(update_fields=["published", "updated_at"])
    return template


TIME_BUDGET_MS = 1000.0


def rewrite_key(key: Key, variables: tuple[str, ...]) -> str:
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


@dataclass(frozen=True)
class SeedReport:
    problems: list[dict[str, str]]  # why the seed's variant cannot be used (empty: fine)
    slowest_ms: float  # the slowest grade of the key and its rewrite
    values: dict[str, Any]  # the seed's parameter values ({} when none could be drawn)
    variant: tuple[str, str] = ("", "")  # the variant's function and key ("" when none)


def seed_report(*, template: ProblemTemplate, seed: int) -> SeedReport:
    """What keeps this seed's variant from use, the slowest grade in ms, and its parameters."""
    try:
        params = generate(
            family=template.family, config=template.config, version=template.version, seed=seed
        )
        task = task_of(params)
    except (TemplateError, ParseError) as exc:
        why = exc.texts() if isinstance(exc, TemplateError) else exc.msg.to_dict()
        return SeedReport(
            [
                _problem(
                    f"the variant cannot be made: {why['en']}",
                    f"변형을 만들 수 없습니다: {why['ko']}",
                )
            ],
            0.0,
            {},
        )
    values = dict(params.get("values") or {})
    problems = [m.to_dict() for m in variant_check(task, seed=seed)]
    for k in range(1, part_count(params)):  # a multi-part variant: every part must be usable
        for m in variant_check(task_of(part_params(params, k)), seed=seed):
            problems.append(_problem(f"part {k + 1}: {m.en}", f"소문항 {k + 1}: {m.ko}"))
    if problems:
        return SeedReport(problems, 0.0, values)
    key = key_of(task)
    variant = (str(task.function or ""), key.text)
    problems = degenerate_problems(
        task=task, key=key, generic=generic_task(family=template.family, config=template.config)
    )
    slowest = 0.0
    try:
        rewrite = rewrite_key(key, task.variables)
    except (ParseError, Unsupported, RecursionError) as exc:
        return SeedReport(
            [
                _problem(
                    f"the key cannot be rewritten: {exc}", f"정답 식을 바꿔 쓸 수 없습니다: {exc}"
                )
            ],
            0.0,
            values,
            variant,
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
                _problem(f"{what} is not accepted", f"정답으로 채점되지 않습니다: {what_ko}")
            )
        if verdict.elapsed_ms >= TIME_BUDGET_MS:
            ms = f"{verdict.elapsed_ms:.0f}"
            problems.append(
                _problem(
                    f"grading {what} took {ms} ms (budget 1000 ms)",
                    f"{what_ko} 채점에 {ms} ms 걸렸습니다 (한도 1000 ms)",
                )
            )
    for reason in solution_problems(task):
        problems.append(
            _problem(
                f"the worked solution is not shown: {reason}",
                f"풀이 과정을 보여 줄 수 없습니다: {reason}",
            )
        )
    return SeedReport(problems, slowest, values, variant)


def seed_problems(*, template: ProblemTemplate, seed: int) -> tuple[list[dict[str, str]], float]:
    """seed_report's reasons and slowest grade."""
    report = seed_report(template=template, seed=seed)
    return report.problems, report.slowest_ms


def template_check_run(*, check_id: int) -> TemplateCheck:
    """Run (or continue) a check, saving progress after each seed; safe to run twice, even at
    once: each seed is recorded under the check's row lock, and a run that finds a seed already
    recorded stops, leaving the check to the run that is ahead (a resumed one: jobs_resume_stuck).
    """
    check = TemplateCheck.objects.select_related("template").get(pk=check_id)
    if check.finished:
        return check
    template = check.template
    if template.version != check.version:
        changed = _problem(
            "the template changed during the check", "검사 중에 문제 틀이 바뀌었습니다"
        )
        check.failures = [{"seed": 0, "problems": [changed]}]
        check.status, check.finished_at = TemplateCheck.Status.FAILED, timezone.now()
        check.save()
        return check
    check.status, check.heartbeat_at = TemplateCheck.Status.RUNNING, timezone.now()
    check.save(update_fields=["status", "heartbeat_at"])
    for seed in range(check.seeds_done + 1, check.seeds_total + 1):
        report = seed_report(template=template, seed=seed)
        with transaction.atomic():
            check = TemplateCheck.objects.select_for_update().get(pk=check_id)
            if check.finished or check.seeds_done >= seed:
                return check  # another run of this check is at or past this seed
            check.seeds_done = seed
            check.variants = {**check.variants, str(seed): list(report.variant)}
            check.max_elapsed_ms = max(check.max_elapsed_ms, report.slowest_ms)
            if report.problems:
                failure = {"seed": seed, "values": report.values, "problems": report.problems}
                check.failures = [*check.failures, failure]
            check.heartbeat_at = timezone.now()
            check.save(
                update_fields=[
                    "seeds_done",
                    "variants",
                    "max_elapsed_ms",
                    "failures",
                    "heartbeat_at",
                ]
            )
    with transaction.atomic():
        check = TemplateCheck.objects.select_for_update().get(pk=check_id)
        if not check.finished:
            shared = too_few_variants(variants=check.variants, seeds=check.seeds_total)
            if shared:
                check.failures = [*check.failures, {"seed": 0, "problems": shared}]
            failed = bool(check.failures)
            check.status = TemplateCheck.Status.FAILED if failed else TemplateCheck.Status.PASSED
            check.finished_at = timezone.now()
            check.save(update_fields=["failures", "status", "finished_at"])
    if check.publish_on_pass and check.status == TemplateCheck.Status.PASSED:
        try:
            template_publish(template=template)
        except PublishRefused:
            pass  # the template changed meanwhile: its new version waits for its own check
    return check


def template_check_resume_stuck(*, now: datetime | None = None) -> list[int]:
    """The ids of unfinished checks whose worker died, marked resumed, for the sweep task to send
    again (each continues after seeds_done); one resumed too often is failed instead."""

    def give_up(check: TemplateCheck) -> None:
        gave_up = _problem(
            "the check lost its worker too many times",
            "검사 작업이 작업 프로세스를 너무 여러 번 잃었습니다",
        )
        check.failures = [*check.failures, {"seed": 0, "problems": [gave_up]}]
        check.status, check.finished_at = TemplateCheck.Status.FAILED, now
        check.save(update_fields=["failures", "status", "finished_at"])

    now = now or timezone.now()
    pending = TemplateCheck.objects.filter(
        status__in=[TemplateCheck.Status.QUEUED, TemplateCheck.Status.RUNNING]
    )
    return jobs_resume_stuck(pending=pending, give_up=give_up, now=now)
