"""Hints (grading.engine.hints): the rule a mistake is about, the rules of the worked solution,
the part of the function; never the key, its components or the last step's expression."""

from __future__ import annotations

import pytest

from grading.engine import key_of
from grading.engine.derivation import solution
from grading.engine.diagnosis import CODES
from grading.engine.hints import Worked, focus_of, hint, worked_of
from grading.engine.types import Task

TASKS = [
    Task(variables=("x", "y"), function="7x*y/e^(x^2+y^2)", wrt=("x",)),
    Task(variables=("x", "y"), function="x^3 + x*y - y", wrt=("x",)),
    Task(variables=("x", "y"), function="sin(x^2 y) + ln(x + y^2)", wrt=("y",)),
    Task(variables=("x", "y"), function="x^2 y^3", wrt=("x", "y")),
    Task(variables=("x", "y"), function="e^(x y) / (x + 1)", gradient=True),
    Task(variables=("x", "y"), function="x^2 sqrt(y)", wrt=("x",), at=(("x", "2"), ("y", "4"))),
]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: f"{t.function}:{t.wrt}")
@pytest.mark.parametrize("code", [*CODES, None])
def test_no_hint_gives_the_key_away(task, code):
    found = hint(task, code)
    assert found is not None
    key = key_of(task)
    for text in (found.text.en, found.text.ko, found.part_latex):
        assert key.latex not in text
        for component in key.components or (key.text,):
            assert len(component) < 4 or component not in text


def test_the_mistake_names_the_rule_and_the_part_it_applies_to():
    toy2 = TASKS[0]
    product = hint(toy2, "product-rule-term-dropped")
    assert product.text.en.startswith("Hint: look again at this rule. Product rule")
    assert "product rule → exponential → chain rule" in product.text.en
    assert product.part_latex == r"\frac{x}{e^{x^{2}}}"
    held = hint(toy2, "held-variable-differentiated")
    assert "Hold y constant" in held.text.en and held.part_latex == ""
    assert focus_of("sign-error") is None and focus_of("quotient-rule-sign") == "quotient"


def test_a_part_equal_to_the_key_is_left_out():
    # f_x = e^x: the part the exponential rule applies to is e^x, the key itself
    same = Task(variables=("x", "y"), function="e^x + y", wrt=("x",))
    assert hint(same, "exp-as-power").part_latex == ""
    other = Task(variables=("x", "y"), function="e^(2x) + y", wrt=("x",))
    assert hint(other, "exp-as-power").part_latex == "e^{2 x}"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: f"{t.function}:{t.wrt}")
def test_what_is_kept_with_a_variant_reads_back_as_the_engine_derives_it(task):
    codes = ["product-rule-term-dropped", "chain-rule-inner-missing", "power-rule-exponent"]
    kept = Worked.load(worked_of(task, "g", codes).to_dict())
    assert kept is not None
    assert kept.solution == solution(task, "g")
    for code in [*codes, None, ""]:
        assert kept.hint_for(code) == (True, hint(task, code))
    # a mistake about a rule (ln) none of the kept codes is about: not kept (derived when asked)
    assert kept.hint_for("log-rule-x") == (False, None)


def test_what_another_engine_version_kept_is_made_again():
    data = worked_of(TASKS[0], "f", []).to_dict()
    assert Worked.load(data) is not None
    assert Worked.load({**data, "engine": "an older engine"}) is None
    assert Worked.load({}) is None and Worked.load({"engine": data["engine"]}) is None
