"""Is the answer the key at the sample points? compare() samples until enough points agree or
one differs, deciding each point exactly (exact.py), in doubles (floats.py) or with mpmath
(multiprecision.py), and reports the Outcome with the point that shows it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from grading.engine import limits
from grading.engine.numeric import exact, floats
from grading.engine.numeric.bounds import Point
from grading.engine.numeric.multiprecision import (
    BASE_PREC,
    CONFIRM_PREC,
    Fn,
    Memo,
    compare_point,
)
from grading.engine.numeric.sampling import BANDS, Sampler, SharedDraws


@dataclass
class Outcome:
    equivalent: bool | None
    points: int
    witness: dict[str, str] | None = None
    key_value: str | None = None
    answer_value: str | None = None
    max_rel_error: float = 0.0
    component: int | None = None
    answer_undefined: bool = False
    draws: int = 0
    max_prec: int = BASE_PREC


def point_text(point: Point) -> dict[str, str]:
    return {k: str(mpmath.nstr(v, 10)) for k, v in point.items() if not k.startswith("__")}


def _against(
    point: Point,
    kind: str,
    detail: dict[str, Any],
    points: int,
    draws: int,
    prec: int,
    explain: bool = True,
) -> Outcome:
    """The outcome "not equivalent", with the point and values that show it (written out only
    when `explain`: matching candidate mistakes needs the verdict alone)."""

    def text(v: Any) -> str | None:
        return str(v()) if callable(v) else v

    return Outcome(
        equivalent=False,
        points=points,
        witness=point_text(point) if explain else None,
        key_value=text(detail.get("key")) if explain else None,
        answer_value=text(detail.get("answer")) if explain else None,
        max_rel_error=float(detail.get("rel", math.inf) or 0.0),
        component=detail.get("component"),
        answer_undefined=kind == "undefined",
        draws=draws,
        max_prec=prec,
    )


def compare(
    key_fns: Sequence[Fn],
    answer_fns: Sequence[Fn] | Memo,
    variables: Sequence[str],
    *,
    seed: int,
    positive: bool = False,
    rtol: float = 0.0,
    floor: float = 0.0,
    hints: dict[str, list[Fraction]] | None = None,
    target: int = limits.SAMPLE_TARGET_POINTS,
    max_draws: int = limits.SAMPLE_MAX_DRAWS,
    confirm: bool = True,
    key_floats: Sequence[Any] | None = None,
    answer_floats: Any = None,
    key_exact: Sequence[Any] | None = None,
    answer_exact: Any = None,
    explain: bool = True,
    shared: SharedDraws | None = None,
) -> Outcome:
    """Sample until `target` points agree, one real difference is found, or draws run out.

    With `key_floats` and `answer_floats` (from `floats.compile_float`, the answer side may be
    a `floats.Memo`) each point is looked at in doubles first. At least
    `limits.SAMPLE_FULL_PRECISION_POINTS` agreeing points (from the bands
    `limits.SAMPLE_FULL_PRECISION_BANDS`, or any once the first round of bands is drawn) are
    evaluated with mpmath all the same, and so is every point the doubles cannot settle. With
    `confirm`, a difference seen in doubles is checked again with mpmath before it is reported,
    so that a rejection is always decided at full precision; without it (matching candidate
    mistakes) it stands.

    With `key_exact` and `answer_exact` (both sides small rational functions, `exact.py`) the
    points are compared exactly instead, and the outcome's max_prec is 0.

    `shared`: the first points, drawn once for comparisons with the same sampling settings
    (ignored if its settings are not these); the outcome is the same with or without it.
    """
    if key_exact is not None and answer_exact is not None and not rtol:
        sampler = Sampler(list(variables), seed, positive, hints or {}, shared=shared)
        return _compare_exact(key_exact, answer_exact, sampler, target, max_draws, explain)

    use_floats = key_floats is not None and answer_floats is not None and not rtol
    sampler = Sampler(list(variables), seed, positive, hints or {}, shared=shared)
    first_agreeing: Point | None = None
    agree = 0
    full = 0  # agreeing points evaluated with mpmath
    max_rel = 0.0
    top_prec = floats.PREC if use_floats else BASE_PREC
    if not variables:
        target, max_draws = 1, 1
    while agree < target and sampler.draws < max_draws:
        point = sampler.draw()
        quick = None
        if use_floats:
            assert key_floats is not None
            quick = floats.compare_point(key_floats, answer_floats, point)
        if quick is not None:
            kind, detail = quick
            if kind == "unusable":
                continue
            band = (sampler.draws - 1) % len(BANDS)
            verify = full < limits.SAMPLE_FULL_PRECISION_POINTS and (
                band in limits.SAMPLE_FULL_PRECISION_BANDS or sampler.draws > len(BANDS)
            )
            if kind == "agree" and not verify:
                sampler.accept(point)
                agree += 1
                max_rel = max(max_rel, float(detail["rel"]))
                continue
            if kind in ("differ", "undefined") and not confirm:
                sampler.accept(point)
                return _against(point, kind, detail, agree + 1, sampler.draws, floats.PREC, explain)
        result = compare_point(key_fns, answer_fns, point, rtol, floor)
        if result is None:
            continue
        sampler.accept(point)
        kind, detail = result
        top_prec = max(top_prec, int(detail.get("prec", BASE_PREC)))
        if kind == "agree":
            agree += 1
            full += 1
            max_rel = max(max_rel, float(detail["rel"]))
            if first_agreeing is None:
                first_agreeing = point
            continue
        return _against(point, kind, detail, agree + 1, sampler.draws, top_prec, explain)
    if agree < min(target, limits.SAMPLE_MIN_POINTS):
        return Outcome(equivalent=None, points=agree, draws=sampler.draws, max_prec=top_prec)
    if confirm and first_agreeing is not None and not rtol:
        # one point again at CONFIRM_PREC bits: a difference too small for the sampled
        # precision (10^300 + x + 1 against 10^300 + x) shows up here
        result = compare_point(
            key_fns, answer_fns, first_agreeing, rtol, floor, CONFIRM_PREC, CONFIRM_PREC - 96
        )
        if result is not None and result[0] != "agree":
            kind, detail = result
            return _against(
                first_agreeing, kind, detail, agree, sampler.draws, CONFIRM_PREC, explain
            )
        top_prec = max(top_prec, CONFIRM_PREC)
    return Outcome(
        equivalent=True,
        points=agree,
        max_rel_error=max_rel,
        draws=sampler.draws,
        max_prec=top_prec,
    )


def _compare_exact(
    key: Sequence[Any],
    answer: Any,
    sampler: Sampler,
    target: int,
    max_draws: int,
    explain: bool = True,
) -> Outcome:
    """compare() for rational functions: each point is agreement or difference, exactly."""
    agree = 0
    if not sampler.variables:
        target, max_draws = 1, 1
    while agree < target and sampler.draws < max_draws:
        point = sampler.draw()
        kind, detail = exact.compare_point(key, answer, point)
        if kind == "unusable":
            continue
        sampler.accept(point)
        if kind == "agree":
            agree += 1
            continue
        return _against(point, kind, detail, agree + 1, sampler.draws, 0, explain)
    if agree < min(target, limits.SAMPLE_MIN_POINTS):
        return Outcome(equivalent=None, points=agree, draws=sampler.draws, max_prec=0)
    return Outcome(equivalent=True, points=agree, draws=sampler.draws, max_prec=0)


def probe(
    key_fns: Sequence[Fn],
    answer_fns: Sequence[Fn] | Memo,
    points: Sequence[Point],
    agreed: Outcome,
    rtol: float = 0.0,
    floor: float = 0.0,
    key_floats: Sequence[Any] | None = None,
    answer_floats: Any = None,
) -> Outcome | None:
    """The outcome "not equivalent" at the first of `points` (probes.probe_points) where the
    two sides are defined and differ, or None when they agree wherever both are defined.
    `agreed` is the outcome of the sampling that came before (its points and draws count).
    With `key_floats` and `answer_floats` a point is looked at in doubles first: one they
    settle as agreeing (to 2^-30) or undefined is passed; mpmath decides the others and
    confirms every difference. A probe is where a hidden term is as large as the key (e^0 = 1
    at the root of its exponent), so the doubles' resolution is what it needs."""
    for point in points:
        if key_floats is not None and answer_floats is not None and not rtol:
            quick = floats.compare_point(key_floats, answer_floats, point)
            if quick is not None and quick[0] != "differ":
                continue
        result = compare_point(key_fns, answer_fns, point, rtol, floor)
        if result is None or result[0] != "differ":
            continue  # unusable, agreeing, or the answer undefined there (a hole is allowed)
        kind, detail = result
        return _against(
            point,
            kind,
            detail,
            agreed.points + 1,
            agreed.draws,
            max(agreed.max_prec, int(detail.get("prec", BASE_PREC))),
        )
    return None
