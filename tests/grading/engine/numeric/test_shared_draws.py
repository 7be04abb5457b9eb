"""Points drawn once for several comparisons (the diagnosis compares a wrong answer with each
candidate mistake at the same seeded points) are the points each comparison would draw."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from grading.engine.numeric import bounds, sampling

SETTINGS = st.tuples(
    st.sampled_from([[], ["x"], ["x", "y"], ["x", "y", "z"], ["w1", "b", "x"]]),
    st.integers(min_value=0, max_value=2**40),
    st.booleans(),
    st.sampled_from([{}, {"x": [Fraction(0)]}, {"x": [Fraction(1, 3), Fraction(-2)]}]),
)


def _plain(point: bounds.Point) -> dict[str, object]:
    return {k: v for k, v in point.items() if k in ("__signs__",) or not k.startswith("__")}


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(SETTINGS, st.lists(st.booleans(), min_size=30, max_size=30), st.integers(0, 3))
def test_shared_draws_are_the_draws(
    config: tuple[list[str], int, bool, dict[str, list[Fraction]]],
    accepts: list[bool],
    earlier: int,
) -> None:
    variables, seed, positive, hints = config
    shared = sampling.SharedDraws(variables, seed, positive, hints)
    # other comparisons drew from it before (some further than this one goes)
    for k in range(earlier):
        s = sampling.Sampler(list(variables), seed, positive, hints, shared=shared)
        for _ in range(5 + 7 * k):
            s.accept(s.draw())
    alone = sampling.Sampler(list(variables), seed, positive, hints)
    with_shared = sampling.Sampler(list(variables), seed, positive, hints, shared=shared)
    assert with_shared.shared is shared
    for accept in accepts:
        a, b = alone.draw(), with_shared.draw()
        assert _plain(a) == _plain(b)
        if accept:  # acceptance steers the draws after the first FIXED_DRAWS
            alone.accept(a)
            with_shared.accept(b)
    assert alone.draws == with_shared.draws == len(accepts)


def test_draws_for_other_settings_are_not_used() -> None:
    shared = sampling.SharedDraws(["x", "y"], 7, False, {})
    for other in (
        sampling.Sampler(["x", "y"], 8, False, {}, shared=shared),
        sampling.Sampler(["x"], 7, False, {}, shared=shared),
        sampling.Sampler(["x", "y"], 7, True, {}, shared=shared),
        sampling.Sampler(["x", "y"], 7, False, {"x": [Fraction(1)]}, shared=shared),
    ):
        assert other.shared is None
        alone = sampling.Sampler(other.variables, other.seed, other.positive, other.hints)
        assert _plain(other.draw()) == _plain(alone.draw())
    same = sampling.Sampler(["x", "y"], 7, False, {}, shared=shared)
    assert same.shared is shared
    assert same.draw() is shared.point(0)
