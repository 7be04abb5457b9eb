"""What the compilers remember about a tree (by node id) is what a fresh look at each subtree
says: the polynomial test, now recursive and memoized, agrees with a walk over the subtree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grading.engine import exact
from grading.engine.numeric import _integer_exponent
from grading.engine.parsing import BinOp, Group, Neg, Node, Num, Var, walk
from tests.grading.engine.test_exact import PROPERTY, _parse, mixed, rational


def _is_polynomial_by_walk(node: Node) -> bool:
    """exact._is_polynomial as it was: one walk over the whole subtree."""
    for n in walk(node):
        if isinstance(n, BinOp):
            if n.op == "/":
                return False
            if n.op == "^":
                e = _integer_exponent(n.right)
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
