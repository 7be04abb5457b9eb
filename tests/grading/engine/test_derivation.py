"""Worked solutions (grading.engine.derivation): the lecture's steps for toy #1 and toy #2,
each step checked, a failing check hides the derivation, second partials and gradients."""

from __future__ import annotations

from unittest import mock

import sympy

from grading.engine import Task
from grading.engine import derivation as d

XY = ("x", "y")


def _steps(task: Task, k: int = 0) -> list[d.Step]:
    sol = d.solution(task)
    assert sol is not None, d.solution_problems(task)
    return list(sol.derivations[k].steps)


def test_toy_2_follows_the_lecture():
    task = Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x",))
    sol = d.solution(task)
    assert sol is not None
    (derivation,) = sol.derivations
    assert derivation.held == ("y",) and derivation.intro.en == "Hold y constant: only x changes."
    assert (
        derivation.start
        == r"\frac{\partial}{\partial x}\left(\frac{7 x y}{e^{x^{2} + y^{2}}}\right)"
    )
    rules = [s.rules for s in derivation.steps]
    # the lecture: rewrite as a product 7ye^{-y^2} x * e^{-x^2}, product rule, chain rule
    assert rules[0] == ("rewrite",)
    assert (
        derivation.steps[0].latex
        == r"\frac{\partial}{\partial x}\left(7 x y e^{- x^{2}} e^{- y^{2}}\right)"
    )
    assert rules[1] == ("constant",)
    assert derivation.steps[1].latex.startswith(
        r"7 y e^{- y^{2}} \frac{\partial}{\partial x}\left(x e^{- x^{2}}\right)"
    )
    assert rules[2] == ("product",)
    assert rules[3] == ("exp", "chain")
    assert rules[-1] == ("simplify",)
    # ends in the lecture's factored form, -7y(2x^2-1)/e^(x^2+y^2)
    assert derivation.steps[-1].latex == r"-\frac{7 y \left(2 x^{2} - 1\right)}{e^{x^{2} + y^{2}}}"
    assert "곱의 미분법" in derivation.steps[2].why.ko and "연쇄법칙" in derivation.steps[3].why.ko


def test_toy_1_in_two_steps():
    fx = _steps(Task(variables=XY, function="x^3 + xy - y", wrt=("x",)))
    assert fx[0].rules == ("sum",)
    assert fx[-1].latex == "3 x^{2} + y" and "power" in fx[-1].rules
    fy = _steps(Task(variables=XY, function="x^3 + xy - y", wrt=("y",)))
    assert fy[-1].latex == "x - 1"


def test_a_step_that_does_not_check_hides_the_derivation():
    task = Task(variables=XY, function="x^2 y + sin(x)", wrt=("x",))
    assert d.solution(task) is not None
    wrong = d.rule_of  # the derivative of sin with the wrong sign

    def broken(u, x):
        result, rules = wrong(u, x)
        return (-result if rules == ("trig",) else result), rules

    d.solution.cache_clear()
    with mock.patch.object(d, "rule_of", broken):
        assert d.solution(task) is None
        assert d.solution_problems(task) == ["a step does not check: ('constant', 'trig')"]
    d.solution.cache_clear()


def test_a_wrong_final_form_is_refused():
    x, y = sympy.symbols("x y", real=True)
    task = Task(variables=XY, function="x^2 y", wrt=("x",))
    d.solution.cache_clear()
    with mock.patch.object(d, "simplest_form", lambda e: e + 1):
        assert d.solution(task) is None
    d.solution.cache_clear()
    assert d.equal_at_points(2 * x * y, 2 * x * y, [x, y]) and not d.equal_at_points(
        2 * x * y, 2 * x * y + 1e-9, [x, y]
    )


def test_second_and_mixed_partials_are_two_derivations():
    sol = d.solution(Task(variables=XY, function="(x^2 + 3y)^4", wrt=("x", "y")))
    assert sol is not None
    first, second = sol.derivations
    assert (first.title, second.title) == ("f_{x}", "f_{xy}")
    assert (
        second.start == r"\frac{\partial}{\partial y}\left(8 x \left(x^{2} + 3 y\right)^{3}\right)"
    )
    assert second.steps[-1].latex == r"72 x \left(x^{2} + 3 y\right)^{2}"


def test_gradients_per_component_and_values_at_a_point():
    sol = d.solution(Task(variables=XY, function="e^(2x y)", gradient=True))
    assert sol is not None and [x.wrt for x in sol.derivations] == ["x", "y"]
    at = Task(variables=XY, function="2xy/e^(x^2+y^2)", wrt=("x",), at=(("x", "1"), ("y", "-1")))
    last = _steps(at)[-1]
    assert last.rules == ("point",) and last.latex == r"\frac{2}{e^{2}}"
    assert "x = 1, y = -1" in last.why.en


def test_quotient_sqrt_ln_and_trig_rules_are_named():
    named = {
        "x/(x+y)": "quotient",
        "sqrt(x^2 + 2y^2 + 1)": "sqrt",
        "ln(x^2 + 3y^2 + 1)": "ln",
        "cos(3x^2 y)": "trig",
    }
    for function, rule in named.items():
        rules = {
            r for s in _steps(Task(variables=XY, function=function, wrt=("x",))) for r in s.rules
        }
        assert rule in rules, function


def test_korean_explanations_put_no_particle_after_a_placeholder():
    sol = d.solution(Task(variables=("w1", "h1", "b"), function="(w1*h1 + b)^2", wrt=("w1",)))
    assert sol is not None
    text = sol.derivations[0].intro.ko
    assert text == "나머지 변수(h1, b)는 상수로 두고, 변수 하나(w1)만 움직여 미분합니다."
