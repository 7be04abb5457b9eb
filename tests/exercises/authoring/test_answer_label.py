"""The maths keyboard's label key (answer_label_of): in the instance's notation, and read by the
engine as naming the asked derivative, for every family and notation."""

from __future__ import annotations

import pytest

from exercises.authoring.generators import FAMILIES, generate, task_of
from exercises.authoring.generators.statements import answer_label_of
from grading.engine import key_of, preview

RANDOM_FAMILIES = sorted(set(FAMILIES) - {"fixed", "custom", "parts"})  # parts: per part
NOTATIONS = ("partial", "subscript", "prime")


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"variables": ["x", "y"], "wrt": ["x"], "notation": "partial"}, "∂f/∂x"),
        ({"variables": ["x", "y"], "wrt": ["y"], "notation": "subscript"}, "f_y"),
        ({"variables": ["x", "y"], "wrt": ["x"], "notation": "prime"}, "f'_x"),
        ({"variables": ["x", "y"], "wrt": ["x", "x"], "notation": "partial"}, "∂^2f/∂x^2"),
        ({"variables": ["x", "y"], "wrt": ["x", "y"], "notation": "partial"}, "∂^2f/∂y∂x"),
        ({"variables": ["x", "y"], "wrt": ["x", "y"], "notation": "subscript"}, "f_{xy}"),
        ({"variables": ["x", "y"], "wrt": ["x", "y"], "notation": "prime"}, "f''_{xy}"),
        (
            {"variables": ["w_11", "b"], "wrt": ["w_11"], "notation": "subscript", "fname": "L"},
            "L_{w_11}",
        ),
        (
            {
                "variables": ["x", "y"],
                "wrt": ["x"],
                "notation": "partial",
                "at": {"x": "1", "y": "-2"},
            },
            "∂f/∂x(1, -2)",
        ),
        ({"variables": ["x", "y"], "wrt": [], "gradient": True}, "∇f"),
    ],
)
def test_the_label_is_written_in_the_instance_notation(params, label):
    assert answer_label_of(params) == label


def _label_is_read(params):
    task = task_of(params)
    shown = preview(
        f"{answer_label_of(params)} = {key_of(task).text}", params["variables"], task=task
    )
    return shown.ok, shown.error and shown.error.message.en


@pytest.mark.parametrize("family", RANDOM_FAMILIES)
@pytest.mark.parametrize("notation", NOTATIONS)
def test_the_engine_reads_the_label_as_the_asked_derivative(family, notation):
    for seed in range(6):
        config = {"notation": notation, "indexed": seed % 2 == 0}
        params = generate(family=family, config=config, version=1, seed=seed)
        assert _label_is_read(params) == (True, None), (params, answer_label_of(params))


@pytest.mark.parametrize(
    "config",
    [
        {"task": "partial", "wrt": ["y"]},
        {"task": "partial", "wrt": ["x", "y"]},
        {"task": "partial", "wrt": ["y", "y"]},
        {"task": "value", "wrt": ["x"], "at": {"x": "{a}", "y": "-1"}},
        {"task": "gradient"},
    ],
)
@pytest.mark.parametrize("notation", NOTATIONS)
def test_custom_templates_labels_are_read(config, notation):
    base = {
        "function": "{a} x^3 y + {b} x y^2",
        "variables": ["x", "y"],
        "parameters": [
            {"name": "a", "min": 1, "max": 5, "exclude": []},
            {"name": "b", "min": -3, "max": 3, "exclude": [0]},
        ],
        "constraints": [],
        "notation": notation,
    }
    params = generate(family="custom", config={**base, **config}, version=1, seed=3)
    assert _label_is_read(params) == (True, None), answer_label_of(params)


def test_a_label_for_another_derivative_is_refused():
    """The check above can fail: a label naming f_y on an f_x problem is refused."""
    params = {"variables": ["x", "y"], "function": "x^3 + x*y - y", "wrt": ["y"]}
    wrong = {**params, "notation": "partial"}
    task = task_of({**params, "wrt": ["x"]})
    shown = preview(f"{answer_label_of(wrong)} = 3x^2 + y", ("x", "y"), task=task)
    assert shown.ok is False
    assert "∂f/∂y" in shown.error.message.en
