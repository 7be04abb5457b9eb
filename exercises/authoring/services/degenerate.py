"""Variants an instructor would not publish although the engine grades them correctly: a
constant function, a key of 0, a key equal to the function (or to the derivative by the other
variable, or to a lower-order partial), so that a typical mistake is marked right; parameters
that make the function or the key lose a variable; and too few different keys across the seeds.

Every comparison is the engine's (`grade` of a task whose key is given as `reference`), through
its public API: nothing here reads an expression itself.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import sympy

from exercises.authoring.generators.custom import PLACEHOLDER
from grading.engine import (
    Key,
    KeyUnavailable,
    ParseError,
    Task,
    Unsupported,
    grade,
    key_of,
    make_symbols,
    parse,
    to_sympy,
)

MIN_DISTINCT_KEYS = 5  # across a 50-seed check; fewer and students would share answers
SHOWN_SHARED = 4  # keys listed in the "too few variants" reason


def problem(en: str, ko: str) -> dict[str, str]:
    """One reason a seed fails, in both UI languages (stored as JSON with the check)."""
    return {"en": en, "ko": ko}


def _same(variables: tuple[str, ...], key: str, answer: str, at: Any = ()) -> bool:
    """Whether the engine grades `answer` right against the key `key` (at the point `at`)."""
    verdict = grade(Task(variables=variables, reference=key, at=at), answer)
    return verdict.equivalent is True


def _partial(task: Task, wrt: tuple[str, ...]) -> str | None:
    """The partial of the task's function in the order `wrt` (at its point), or None."""
    try:
        return key_of(
            Task(variables=task.variables, function=task.function, wrt=wrt, at=task.at)
        ).text
    except KeyUnavailable:
        return None


@lru_cache(maxsize=256)
def _depends_on(
    variables: tuple[str, ...], expression: str, names: tuple[str, ...]
) -> frozenset[str]:
    """The names among `names` that the expression (read by the engine's parser) changes with:
    those whose partial, as SymPy computes it, is not 0; an expression that does not read or
    convert counts as depending on all of them (nothing is called constant on a guess)."""
    symbols = make_symbols(variables)
    try:
        expr = to_sympy(parse(expression, variables).node, symbols)
        return frozenset(n for n in names if sympy.diff(expr, symbols[n]) != 0)
    except (ParseError, Unsupported, RecursionError, ValueError, TypeError):
        return frozenset(names)


@lru_cache(maxsize=64)
def _generic(config_json: str) -> tuple[tuple[str, ...], str, tuple[str, ...]] | None:
    config = json.loads(config_json)
    names = tuple(str(p.get("name", "")) for p in config.get("parameters", []))
    if not names:
        return None
    variables = tuple(str(v) for v in config.get("variables", ["x", "y"]))
    function = PLACEHOLDER.sub(lambda m: f"({m.group(1)})", str(config.get("function", "")))
    task = config.get("task", "partial")
    wrt = () if task == "gradient" else tuple(str(v) for v in config.get("wrt", []))
    return variables + names, function, wrt if task == "partial" else ()


def generic_task(*, family: str, config: dict[str, Any]) -> tuple[Any, ...] | None:
    """A custom template with its parameters left as symbols (all variables, function, the
    partial asked or () when the key is a number or a vector), or None for a template without
    parameters or of a code family."""
    if family != "custom":
        return None
    return _generic(json.dumps(config, sort_keys=True))


def _lost(
    generic: tuple[Any, ...], task: Task, expression: str, generic_expression: str
) -> list[str]:
    """The variables the generic expression changes with and this seed's does not."""
    names = task.variables
    want = _depends_on(generic[0], generic_expression, names)
    return sorted(want - _depends_on(names, expression, names))


def degenerate_problems(*, task: Task, key: Key, generic: tuple[Any, ...] | None) -> list[dict]:
    """Why this variant (whose key the engine accepts) would not be a fair problem."""
    function = str(task.function or "")
    if not function:
        return []
    variables = task.variables
    listed = ", ".join(variables)
    if not _depends_on(variables, function, variables):
        return [
            problem(
                f"the function is constant (f = {function}): it depends on none of {listed}, "
                "so the answer needs no differentiation",
                f"함수가 상수입니다 (f = {function}): 변수 {listed} 중 어느 것에도 의존하지 "
                "않아 미분할 것이 없습니다",
            )
        ]
    found: list[dict[str, str]] = []
    if not task.at and all(c == "0" for c in key.components):  # SymPy's key, simplified
        found.append(
            problem(
                "the key is 0: the answer 0 is right without any work",
                "정답 식이 0입니다: 아무 계산 없이 0을 쓰면 정답이 됩니다",
            )
        )
    elif not task.gradient:
        found += _mistakes_like_key(task, key)
    if generic is not None:
        lost = _lost(generic, task, function, generic[1])
        if lost:
            names = ", ".join(lost)
            found.append(
                problem(
                    f"these parameters collapse the problem: the function no longer depends "
                    f"on {names}",
                    f"이 매개변수 값에서는 문제가 단순해집니다: 함수가 더 이상 다음 변수에 "
                    f"의존하지 않습니다: {names}",
                )
            )
        elif generic[2] and not found:
            try:
                generic_key = key_of(
                    Task(variables=generic[0], function=generic[1], wrt=generic[2])
                ).text
            except KeyUnavailable:
                return found
            lost = _lost(generic, task, key.text, generic_key)
            if lost:
                names = ", ".join(lost)
                found.append(
                    problem(
                        f"these parameters collapse the problem: the key no longer depends "
                        f"on {names}",
                        f"이 매개변수 값에서는 문제가 단순해집니다: 정답 식이 더 이상 다음 "
                        f"변수에 의존하지 않습니다: {names}",
                    )
                )
    return found


def _mistakes_like_key(task: Task, key: Key) -> list[dict[str, str]]:
    """Typical mistakes whose answer is the key itself, so that they are marked right: the
    function copied, a partial of lower order (stopping early), the partial by another variable."""
    variables, function = task.variables, str(task.function)
    found = []
    if _same(variables, function, key.text, task.at):
        found.append(
            problem(
                "the key equals the function, so copying the function is marked right "
                "(the mistake “returned the function” cannot be caught)",
                "정답 식이 함수와 같아서 함수를 그대로 쓴 답이 정답이 됩니다 "
                "(‘함수를 그대로 씀’ 실수를 잡을 수 없습니다)",
            )
        )
    for order in range(1, len(task.wrt)):
        lower = _partial(task, task.wrt[:order])
        if lower is not None and _same(variables, lower, key.text):
            asked = "f_" + "".join(task.wrt[:order])
            found.append(
                problem(
                    f"the key equals {asked}, so stopping after {order} differentiation(s) is "
                    "marked right",
                    f"정답 식이 다음과 같아서 미분을 덜 한 답이 정답이 됩니다: {asked}",
                )
            )
    if len(task.wrt) == 1:
        for other in variables:
            if other == task.wrt[0]:
                continue
            wrong = _partial(task, (other,))
            if wrong is not None and _same(variables, wrong, key.text):
                found.append(
                    problem(
                        f"the key equals f_{other}, so differentiating by {other} instead of "
                        f"{task.wrt[0]} is marked right",
                        f"정답 식이 f_{other} 식과 같아서 {task.wrt[0]} 대신 {other} 변수로 "
                        "편미분한 답이 정답이 됩니다",
                    )
                )
    return found


def too_few_variants(*, variants: dict[str, list[str]], seeds: int) -> list[dict[str, str]]:
    """A reason when the seeds' variants differ (the template draws) but their keys take too
    few values, so that students would share answers: with the seeds that share each key."""
    functions = {v[0] for v in variants.values() if v and v[0]}
    by_key: dict[str, list[int]] = {}
    for seed, (_, key) in sorted(variants.items(), key=lambda kv: int(kv[0])):
        if key:
            by_key.setdefault(key, []).append(int(seed))
    wanted = max(2, min(MIN_DISTINCT_KEYS, seeds // 10))
    if len(functions) < 2 or len(by_key) >= wanted:
        return []
    shared = sorted(by_key.items(), key=lambda kv: -len(kv[1]))[:SHOWN_SHARED]
    listed = "; ".join(
        f"{key}: " + ", ".join(str(s) for s in seeds_of[:8]) + (" …" if len(seeds_of) > 8 else "")
        for key, seeds_of in shared
    )
    n = len(by_key)
    return [
        problem(
            f"only {n} different key(s) across {len(variants)} seeds (at least {wanted} wanted): "
            f"students would share answers; widen the parameters (key: seeds — {listed})",
            f"시드 {len(variants)}개에서 정답 식이 {n}가지뿐입니다 (최소 {wanted}가지): 학생들이 "
            f"답을 공유할 수 있으니 매개변수 범위를 넓히세요 (정답 식: 시드 — {listed})",
        )
    ]
