"""What the compilers remember about a tree (by node id) is what a fresh look at each subtree
says: the polynomial test, now recursive and memoized, agrees with a walk over the subtree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grading.engine.numeric import exact, floats, multiprecision, sampling
from grading.engine.tree import BinOp, Group, Neg, Node, Num, Var, integer_exponent, walk
from tests.grading.engine.numeric.test_exact import PROPERTY, _parse, mixed, rational


def _is_polynomial_by_walk(node: Node) -> bool:
    """exact._is_polynomial as it was: one walk over the whole subtree."""
    for n in walk(node):
        if isinstance(n, BinOp):
            if n.op == "/":
                return False
            if n.op == "^":
                e = integer_exponent(n.right)
                if e is None or e < 0:
                    return False
        elif isinstance(n, Num) and n.value.denominator & (n.value.denominator - 1):
            return False
        elif not isinstance(n, (Var, Group, Neg, Num, BinOp)):
            return False
    return True


@PROPERTY
@given(st.one_of(rational, mixed, st.sampled_from(["x^(4/2) + y", "(x + 1)^(2^2)", "x^(0.5*4)"])))
def test_the_memoized_polynomial_test_agrees_with_a_walk(text: str) -> None:
    node = _parse(text)
    memo: dict[object, object] = {}
    # parents first, as the compilers ask, and then every subtree again from the memo
    nodes = walk(node)
    first = [exact._is_polynomial(n, memo) for n in nodes]
    again = [exact._is_polynomial(n, memo) for n in reversed(nodes)][::-1]
    expected = [_is_polynomial_by_walk(n) for n in nodes]
    assert first == expected
    assert again == expected
    fresh = [exact._is_polynomial(n, {}) for n in nodes]
    assert fresh == expected


def _values(fns: list, point: dict, prec: int | None):  # type: ignore[no-untyped-def]  # noqa: ANN202
    """(values, errors) or the exception's type, at a copy of the point (no cache shared)."""

    pt = {k: v for k, v in point.items() if not k.startswith("__dy") and k != "__exact__"}
    try:
        if prec is None:
            return floats.evaluate(fns, floats.point_of(pt))
        side = multiprecision.evaluate(fns, pt, prec)
        return side.values, side.errors
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@PROPERTY
@given(text=st.one_of(mixed, rational), seed=st.integers(min_value=0, max_value=10_000))
def test_one_memo_for_all_compilers_gives_the_same_evaluators(text: str, seed: int) -> None:

    node = _parse(text)
    shared: dict[object, object] = {}
    exact_shared = exact.compile_all([node], shared)
    mp_shared = [multiprecision.compile_node(node, shared)]
    fl_shared = [floats.compile_float(node, shared)]
    exact_alone = exact.compile_all([node])
    mp_alone = [multiprecision.compile_node(node)]
    fl_alone = [floats.compile_float(node)]
    assert (exact_shared is None) == (exact_alone is None)
    sampler = sampling.Sampler(["x", "y"], seed, positive=False)
    for _ in range(3):
        point = sampler.draw()
        assert _values(fl_shared, point, None) == _values(fl_alone, point, None), text
        for prec in (128, 512):
            assert _values(mp_shared, point, prec) == _values(mp_alone, point, prec), text
        # and with the point's cached exact values, evaluated by both arithmetics in turn
        both = dict(point)
        first = _values(fl_shared, both, None), _values(mp_shared, both, 128)
        assert first == (_values(fl_alone, point, None), _values(mp_alone, point, 128))
        if exact_shared is not None and exact_alone is not None:
            try:
                a = exact_shared[0](exact.exact_point(dict(point)))
            except Exception as exc:  # noqa: BLE001
                a = type(exc)
            try:
                b = exact_alone[0](exact.exact_point(dict(point)))
            except Exception as exc:  # noqa: BLE001
                b = type(exc)
            assert a == b, text


def test_an_exact_subtree_is_evaluated_once_per_point_for_both_arithmetics() -> None:
    from grading.engine.parsing import parse

    node = parse(
        "exp(-x^2) + (x^4 + 4x^3 y + 6x^2 y^2 + 4x y^3 + y^4) - (x + y)^4", ("x", "y")
    ).node
    memo: dict[object, object] = {}
    quick = floats.compile_float(node, memo)
    careful = multiprecision.compile_node(node, memo)
    point = sampling.Sampler(["x", "y"], 1, positive=False).draw()
    floats.evaluate([quick], floats.point_of(point))
    cached = point["__dyadic_values__"]
    assert len(cached) == 1
    ((fn, value),) = cached.items()
    assert value == (0, value[1])  # the expansion minus the power: exactly 0
    multiprecision.evaluate([careful], point, 128)
    multiprecision.evaluate([careful], point, 512)
    assert point["__dyadic_values__"] == {fn: value}
