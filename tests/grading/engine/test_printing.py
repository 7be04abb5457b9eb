"""Printing: each node is written once, whatever the nesting (fractions and power towers)."""

from __future__ import annotations

import pytest

from grading.engine import preview, printing
from grading.engine.parsing import parse
from grading.engine.tree import walk

XYZ = ("x", "y", "z")


@pytest.mark.parametrize(
    ("text", "latex", "plain"),
    [
        ("x/y/z", r"\frac{\frac{x}{y}}{z}", "x/y/z"),
        ("x^y^2", "{x}^{{y}^{2}}", "x^(y^2)"),
        ("(x+1)/(y-1)^2", r"\frac{x + 1}{{\left(y - 1\right)}^{2}}", "(x + 1)/(y - 1)^2"),
        ("-x/(2y)", r"-\frac{x}{2 \cdot y}", "-x/(2*y)"),
    ],
)
def test_fractions_and_powers_print_as_before(text: str, latex: str, plain: str) -> None:
    node = parse(text, XYZ).node
    assert printing.to_latex(node) == latex
    assert printing.to_text(node) == plain


@pytest.mark.parametrize("text", ["/".join(["x"] * 22), "^".join(["x"] * 22), "x/(y/(z/(x/y)))"])
def test_each_node_is_printed_once(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # to_latex used to print a fraction's sides (and a power's exponent) twice, throwing the
    # first away: 2^depth calls, so that a 60-character x/x/.../x kept a preview busy for
    # minutes. The recursion goes through the module's name, so counting it counts all.
    node = parse(text, XYZ).node
    calls = 0
    real = printing.to_latex

    def counted(n: printing.tree.Node) -> str:
        nonlocal calls
        calls += 1
        return real(n)

    monkeypatch.setattr(printing, "to_latex", counted)
    shown = printing.to_latex(node)
    assert calls <= len(walk(node))  # brackets under a fraction bar are not written
    monkeypatch.undo()
    assert shown == printing.to_latex(node)


def test_a_long_chain_of_fractions_previews() -> None:
    shown = preview("/".join(["x"] * 100), ("x",))
    assert shown.ok
    assert shown.latex.count(r"\frac") == 99
