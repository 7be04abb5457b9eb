"""What every evaluator shares: the sample point, the four ways a point fails, and sums of
error bounds kept as log2 (an upper bound on log2 of an absolute error; -inf when exact)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

NEG_INF = -math.inf
# A sample point: variable -> mpmath value, plus what evaluators keep in it under "__" keys.
Point = dict[str, Any]


class Undefined(Exception):
    """Not real and finite at this point (decided with the error bound, not by rounding)."""


class Unusable(Exception):
    """Too extreme to evaluate (huge magnitudes or arguments); draw another point."""


class NeedPrecision(Exception):
    """The error bound is too wide for the next step; evaluate again with more bits."""


class Clamped(Exception):
    """At the highest precision a domain boundary could not be resolved."""


# Every failure an evaluation at one point can end in.
POINT_FAILURES: tuple[type[Exception], ...] = (NeedPrecision, Undefined, Unusable, Clamped)

V = TypeVar("V")


def point_key(point: dict[str, Any]) -> tuple[Any, ...]:
    """A sample point's variables and values, without what evaluators keep in it ("__" keys)."""
    return tuple(sorted((k, v) for k, v in point.items() if not k.startswith("__")))


class Memo(Generic[V]):
    """One side's values at the points already seen, so that comparing one answer with many
    candidate mistakes at the same seeded points evaluates the answer once per point. A failure
    (one of `failures`, the evaluator's own) is kept and raised again."""

    failures: tuple[type[Exception], ...] = POINT_FAILURES

    def __init__(self, fns: Sequence[Any]) -> None:
        self.fns = fns
        self.seen: dict[tuple[Any, ...], V | Exception] = {}

    def recall(self, key: tuple[Any, ...], evaluate: Callable[..., V], *args: Any) -> V:
        """What evaluate(*args) gave when first called for `key`."""
        hit = self.seen.get(key)
        if hit is None:
            try:
                hit = evaluate(*args)
            except self.failures as exc:
                hit = exc
            self.seen[key] = hit
        if isinstance(hit, Exception):
            raise hit
        return hit


def l2(a: float, b: float) -> float:
    """log2(2^a + 2^b), rounded up."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    d = b - a
    if d < -40:
        return a + 1.5 * math.pow(2.0, d)
    return a + math.log2(1.0 + math.pow(2.0, d)) + 1e-9


def interval_div(
    mag: Callable[[Any], float], finish: Callable[[Any], Any], rounding: Callable[[Any], float]
) -> Callable[[tuple[Any, float], tuple[Any, float]], tuple[Any, float]]:
    """The division step of an evaluator of (value, log2 error bound) pairs, for its number
    type: `mag` bounds log2|v|, `finish` checks a result (raising as that evaluator does for a
    value it cannot carry), `rounding` bounds log2 of a result's rounding error. Made once per
    evaluator, so that a division costs no call more than the step written out there."""

    def div(a: tuple[Any, float], b: tuple[Any, float]) -> tuple[Any, float]:
        (x, ex), (y, ey) = a, b
        if not y:
            if ey == NEG_INF:
                raise Undefined
            raise NeedPrecision
        if ey > mag(y) - 5:
            raise NeedPrecision
        r = finish(x / y)
        if not r and x:
            raise NeedPrecision  # underflow (doubles; an mpmath quotient does not underflow)
        # |x/y - x'/y'| <= (ex + |r| ey) / (|y| - ey) and |y| - ey >= |y| / 2
        return r, l2(l2(ex, mag(r) + ey) - (mag(y) - 1) + 1, rounding(r))

    return div


def lsum(*es: float) -> float:
    """log2 of the sum of 2^e."""
    acc = NEG_INF
    for e in es:
        acc = l2(acc, e)
    return acc
