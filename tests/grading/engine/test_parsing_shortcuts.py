"""Shortcuts in reading long answers give what the general code gives: normalizing plain ASCII,
walking a tree, and skipping the vector and decimal passes when the text has neither."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.engine import parsing, printing, tree
from grading.engine.parsing import (
    ParseError,
    _decimal_warnings,
    _normalize_chars,
    _vectorize,
    normalize,
    parse,
)
from grading.engine.tree import BinOp, Call, Group, Neg, Node, Vec

ASCII = string.printable + "\x00\x07\x1b\x7f"
TEXTS = st.text(alphabet=ASCII, max_size=60) | st.text(
    alphabet=ASCII + "·×−π²³√αθ⟨⟩\u3000ｘ", max_size=60
)


def _outcome(fn, text):  # type: ignore[no-untyped-def]
    try:
        return fn(text)
    except ParseError as exc:
        return ("error", exc.msg, exc.start, exc.end)


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_normalize_is_the_char_by_char_mapping(text: str) -> None:
    assert _outcome(normalize, text) == _outcome(_normalize_chars, text)


@pytest.mark.parametrize("text", ["3x^2 + y", "x\ty\n+\r1", "x_{1} * y'", "f_x = 2x", "a!"])
def test_plain_ascii_takes_the_shortcut_and_agrees(text: str) -> None:
    assert parsing._PLAIN_ASCII.issuperset(text)
    assert normalize(text) == _normalize_chars(text)


def _walk_reference(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, BinOp):
            stack.extend((n.left, n.right))
        elif isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, Group):
            stack.append(n.inner)
        elif isinstance(n, Call):
            stack.append(n.arg)
        elif isinstance(n, Vec):
            stack.extend(n.items)
    return out


ANSWERS = [
    "3x^2 + y",
    "-7y(2x^2-1)/e^(x^2+y^2)",
    "<2x, -sin(x y)>",
    "2<x, y> - <1, |y|>",
    "0.33x + 2.5y^2",
    "ln(x^2 + y^2) + sqrt(x) - (x+y+1)^8",
    "x^(1/2) * e^(-x) * cos(2 pi x)",
]


@pytest.mark.parametrize("text", ANSWERS)
def test_walk_visits_the_nodes_in_the_same_order(text: str) -> None:
    p = parse(text, ("x", "y"))
    assert [id(n) for n in tree.walk(p.node)] == [id(n) for n in _walk_reference(p.node)]
    assert len(tree.walk(p.node)) > 3


@pytest.mark.parametrize("text", ANSWERS)
def test_the_skipped_passes_would_have_found_nothing(text: str) -> None:
    p = parse(text, ("x", "y"))
    components = _vectorize(p.node)
    assert (components is None) == (p.components is None)
    if components is not None and p.components is not None:
        assert [printing.to_text(c) for c in components] == [
            printing.to_text(c) for c in p.components
        ]
    assert _decimal_warnings(p.node) == p.warnings
    if "." not in text:
        assert p.warnings == []
    if "<" not in text:
        assert p.components is None


@pytest.mark.parametrize("text", ["7", "007", "0", "12345678901234567890", "2.50", ".5", "3.0"])
def test_numbers_are_read_as_fraction_reads_them(text: str) -> None:
    from fractions import Fraction

    node = parse(text, ("x",)).node
    assert node.value == Fraction(text)  # type: ignore[attr-defined]
    assert type(node.value.numerator) is int  # type: ignore[attr-defined]
