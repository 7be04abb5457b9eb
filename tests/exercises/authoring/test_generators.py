"""Generators: reproducible params, engine-computed keys, statements in both languages."""

from __future__ import annotations

import json

import pytest

from exercises.authoring.generators import FAMILIES, generate, statement_of, task_of
from exercises.authoring.generators.statements import derivative_latex
from grading.engine import grade, key_of, variant_check

# "fixed", "custom" and "parts" make nothing without a config; their own tests give them one
# (parts: tests/exercises/practice/test_parts.py, and below on a random base).
RANDOM_FAMILIES = sorted(set(FAMILIES) - {"fixed", "custom", "parts"})
RANDOM_PARTS = {
    "base": "gaussian",
    "parts": [
        {"wrt": ["y"]},
        {"wrt": ["y"], "at": {"x": "2", "y": "1"}, "carry_from": 0},
        {"gradient": True},
    ],
}


def test_parts_on_a_random_base_regenerate_identically_and_vary_by_seed():
    first = generate(family="parts", config=RANDOM_PARTS, version=1, seed=42)
    assert first == generate(family="parts", config=RANDOM_PARTS, version=1, seed=42)
    assert json.loads(json.dumps(first)) == first
    functions = {
        generate(family="parts", config=RANDOM_PARTS, version=1, seed=s)["function"]
        for s in range(30)
    }
    assert len(functions) > 1
    # every part asks about the seed's own function
    assert {p["params"]["function"] for p in first["parts"]} == {first["function"]}
    assert first["parts"][2]["params"]["gradient"] is True


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
def test_same_seed_gives_identical_params(family):
    first = generate(family=family, config={}, version=1, seed=42)
    again = generate(family=family, config={}, version=1, seed=42)
    assert first == again
    assert json.loads(json.dumps(first)) == first


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
def test_seeds_give_different_variants(family):
    variants = {
        json.dumps(generate(family=family, config={}, version=1, seed=s), sort_keys=True)
        for s in range(30)
    }
    assert len(variants) > 1


def test_generation_never_touches_global_random():
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    for family in RANDOM_FAMILIES:
        generate(family=family, config={}, version=1, seed=7)
    assert random.random() == expected


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
def test_most_variants_pass_the_engine_variant_check(family):
    passed = 0
    for seed in range(8):
        params = generate(family=family, config={}, version=1, seed=seed)
        if not variant_check(task_of(params), seed=seed):
            passed += 1
    assert passed >= 6, f"{family}: only {passed}/8 variants usable"


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
def test_engine_accepts_its_own_key_for_each_family(family):
    params = generate(family=family, config={}, version=1, seed=3)
    task = task_of(params)
    key = key_of(task)
    assert grade(task, key.text, seed=3).equivalent is True


def test_toy_one_key_is_the_lecture_answer():
    params = generate(
        family="fixed",
        config={"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "wrt": ["x"]},
        version=1,
        seed=1,
    )
    task = task_of(params)
    assert grade(task, "3x^2 + y", seed=1).equivalent is True
    assert grade(task, "x - 1", seed=1).equivalent is False


def test_loss_family_asks_for_a_weight_with_declared_variables():
    params = generate(family="loss", config={"wrt": ["w1"]}, version=1, seed=5)
    assert params["variables"] == ["w1", "w2", "h1", "h2", "b", "y"]
    assert params["wrt"] == ["w1"]
    task = task_of(params)
    assert grade(task, "2(w1 h1 + w2 h2 + b - y) h1", seed=5).equivalent is True


def test_slope_family_asks_for_a_value_at_a_point():
    params = generate(family="slope", config={"y0": 1}, version=1, seed=9)
    assert params["at"]["y"] == "1"
    assert params["wrt"] == ["x"]


@pytest.mark.parametrize(
    ("notation", "wrt", "expected"),
    [
        ("partial", ["x"], "\\frac{\\partial f}{\\partial x}"),
        ("subscript", ["x"], "f_{x}"),
        ("prime", ["y"], "f'_{y}"),
        ("partial", ["x", "x"], "\\frac{\\partial^2 f}{\\partial x^2}"),
        ("partial", ["x", "y"], "\\frac{\\partial^2 f}{\\partial y\\,\\partial x}"),
        ("subscript", ["x", "y"], "f_{xy}"),
    ],
)
def test_derivative_notation(notation, wrt, expected):
    assert derivative_latex({"notation": notation, "wrt": wrt, "variables": ["x", "y"]}) == expected


def test_statement_is_bilingual():
    params = generate(
        family="gaussian", config={"notation": "subscript", "wrt": ["x"]}, version=1, seed=1
    )
    en = statement_of(params, "en")
    ko = statement_of(params, "ko")
    assert en.startswith("Let \\(f(x, y) = \\frac{")
    assert en.endswith("Find \\(f_{x}\\).")
    assert ko.endswith("일 때, 다음을 구하시오: \\(f_{x}\\).")


def test_unknown_family_is_rejected():
    with pytest.raises(ValueError, match="unknown problem family"):
        generate(family="nope", config={}, version=1, seed=1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"notation": "subscript", "wrt": ["x"], "variables": ["x", "y"]}, "f_{x}"),
        (
            {
                "notation": "prime",
                "wrt": ["x"],
                "variables": ["x", "y"],
                "at": {"x": "2", "y": "1"},
            },
            "f'_{x}(2, 1)",
        ),
        ({"gradient": True, "wrt": [], "variables": ["x", "y"]}, "\\nabla f(x, y)"),
    ],
)
def test_asked_latex_labels_the_answer_box(params, expected):
    from exercises.authoring.generators.statements import asked_latex

    assert asked_latex(params) == expected
