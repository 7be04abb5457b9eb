"""Checking a template version over many seeds: each seed's problems, and the resumable run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from django.utils import timezone

from exercises.authoring.generators import generate, task_of
from exercises.authoring.generators.custom import TemplateError
from exercises.authoring.models import ProblemTemplate, TemplateCheck
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
    for reason in solution_problems(task):
        problems.append(
            _problem(
                f"the worked solution is not shown: {reason}",
                f"풀이 과정을 보여 줄 수 없습니다: {reason}",
            )
        )
    return SeedReport(problems, slowest, values)


def seed_problems(*, template: ProblemTemplate, seed: int) -> tuple[list[dict[str, str]], float]:
    """seed_report's reasons and slowest grade."""
    report = seed_report(template=template, seed=seed)
    return report.problems, report.slowest_ms


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
