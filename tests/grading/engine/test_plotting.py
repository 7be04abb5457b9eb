"""Plot data (grading.engine.plotting): values on bounded grids, poles cut to None, JSON
without NaN or Infinity, and nothing of the key unless it is revealed."""

from __future__ import annotations

import json
import math

import pytest

from grading.engine import Task
from grading.engine.plotting import (
    SLICE_MAX,
    SURFACE_MAX,
    PlotUnavailable,
    plot_data,
)

XY = ("x", "y")
TOY2_X = Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x",))


def _strict_json(data: dict) -> str:
    return json.dumps(data, allow_nan=False)  # raises on NaN or Infinity


def test_the_surface_and_the_y_1_slice_of_toy_2_are_its_values():
    data = plot_data(TOY2_X)
    assert data["kind"] == "slope"
    assert data["point"] == {"x": 1.0, "y": 1.0}  # the lecture's slice y = 1
    assert data["fixed"] == {"y": 1.0} and data["moving"] == "x"
    surface = data["surface"]
    xs, ys, z = surface["x"], surface["y"], surface["z"]
    assert len(xs) == len(ys) == len(z) == len(z[0])
    j, i = 7, 30  # z[j][i] is f(x_i, y_j)
    expected = 7 * xs[i] * ys[j] / math.exp(xs[i] ** 2 + ys[j] ** 2)
    assert z[j][i] == pytest.approx(expected, rel=1e-5, abs=1e-9)
    t, zs = data["slice"]["t"], data["slice"]["z"]
    for k in (0, 40, 80, 120):
        assert zs[k] == pytest.approx(7 * t[k] / math.exp(t[k] ** 2 + 1), rel=1e-5, abs=1e-9)
    assert data["z0"] == pytest.approx(7 / math.e**2, rel=1e-5)


def test_a_wrong_derivative_gives_a_tangent_line_with_its_own_slope():
    data = plot_data(TOY2_X, answer="7y/e^(x^2+y^2)")  # the product rule forgotten
    assert data["answer"]["value"] == pytest.approx(7 / math.e**2, rel=1e-5)
    line = data["answer"]["line"]
    slope = (line["z"][-1] - line["z"][0]) / (line["t"][-1] - line["t"][0])
    assert slope == pytest.approx(7 / math.e**2, rel=1e-4)
    # the line passes through the point of the slice
    mid = len(line["t"]) // 2
    assert line["t"][mid] == pytest.approx(1.0) and line["z"][mid] == pytest.approx(data["z0"])


def test_nothing_of_the_key_before_it_is_revealed():
    data = plot_data(TOY2_X, answer="7y/e^(x^2+y^2)")
    assert "key" not in data and "differs" not in data
    assert "derivative" not in data["answer"]  # the answer's curve is compared only with the key
    key_slope = f"{-7 / math.e**2:.6g}"
    assert key_slope not in _strict_json(data)
    revealed = plot_data(TOY2_X, answer="7y/e^(x^2+y^2)", reveal=True)
    assert revealed["key"]["value"] == pytest.approx(-7 / math.e**2, rel=1e-5)
    assert revealed["differs"], "the wrong derivative differs along the slice"
    assert len(revealed["key"]["derivative"]) == len(revealed["slice"]["t"])


def test_a_right_answer_differs_nowhere():
    data = plot_data(TOY2_X, answer="-7y(2x^2-1)/e^(x^2+y^2)", reveal=True)
    assert data["differs"] == []


def test_poles_and_undefined_values_are_cut_to_none():
    task = Task(variables=XY, function="1/(x-1) + y", wrt=("x",))
    data = plot_data(task, slice_points=161)
    t, z = data["slice"]["t"], data["slice"]["z"]
    near = [zk for tk, zk in zip(t, z, strict=True) if abs(tk - 1) < 0.02]
    assert near and all(v is None for v in near)
    assert data["point"]["x"] != 1.0  # the point is where the function is defined
    logs = plot_data(Task(variables=XY, function="ln(x) + y", wrt=("x",)))
    assert all(
        v is None for tk, v in zip(logs["slice"]["t"], logs["slice"]["z"], strict=True) if tk <= 0
    )
    text = _strict_json(data) + _strict_json(logs)
    assert "NaN" not in text and "Infinity" not in text


def test_the_grids_are_bounded_whatever_is_asked():
    data = plot_data(TOY2_X, surface_points=10**6, slice_points=10**6)
    assert len(data["surface"]["x"]) == SURFACE_MAX
    assert len(data["slice"]["t"]) == SLICE_MAX


def test_an_unreadable_answer_draws_no_line():
    data = plot_data(TOY2_X, answer="7y/(")
    assert "answer" not in data


def test_a_value_at_a_point_is_the_slope_of_its_line():
    task = Task(variables=XY, function="x^2 y", wrt=("x",), at=(("x", "2"), ("y", "-1")))
    data = plot_data(task, answer="3", reveal=True)
    assert data["point"] == {"x": 2.0, "y": -1.0}
    assert data["answer"]["value"] == 3.0 and data["key"]["value"] == -4.0


def test_second_partials_draw_the_curvature():
    task = Task(variables=XY, function="x^3 y", wrt=("x", "x"))
    data = plot_data(task, answer="3x^2y")
    assert data["kind"] == "curvature"
    line = data["answer"]["line"]
    # a parabola: the second difference is constant and is the answer's value times h^2
    h = line["t"][1] - line["t"][0]
    second = line["z"][2] - 2 * line["z"][1] + line["z"][0]
    assert second == pytest.approx(3 * h * h, rel=1e-3)


TOY2_XY = Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x", "y"))
# f_x = 7y(1 - 2x^2) e^-(x^2+y^2); f_xy = 7(1 - 2x^2)(1 - 2y^2) e^-(x^2+y^2)


def test_mixed_partials_draw_tangent_lines_on_the_curve_of_f_x_along_the_slice():
    wrong = "7(1-2x^2)/e^(x^2+y^2)"  # the derivative of the factor y forgotten: 7(-1)/e^2 here
    data = plot_data(TOY2_XY, answer=wrong)
    assert data["kind"] == "mixed" and data["moving"] == "y" and data["fixed"] == {"x": 1.0}
    inner = data["inner"]
    assert inner["wrt"] == ["x"]
    assert inner["z0"] == pytest.approx(-7 / math.e**2, rel=1e-5)  # f_x(1, 1)
    t = data["slice"]["t"]
    for k in (0, 50, 100, 150):  # f_x(1, t)
        expected = 7 * t[k] * (1 - 2) / math.exp(1 + t[k] ** 2)
        assert inner["z"][k] == pytest.approx(expected, rel=1e-5, abs=1e-9)
    # the student's value is the slope of a line through the point of f_x's curve
    line = data["answer"]["line"]
    assert data["answer"]["value"] == pytest.approx(-7 / math.e**2, rel=1e-5)
    slope = (line["z"][-1] - line["z"][0]) / (line["t"][-1] - line["t"][0])
    assert slope == pytest.approx(-7 / math.e**2, rel=1e-4)
    mid = len(line["t"]) // 2
    assert (line["t"][mid], line["z"][mid]) == pytest.approx((1.0, inner["z0"]), rel=1e-5)
    # nothing of the key before it is revealed: no key, no derivatives along the slice
    assert "key" not in data and "differs" not in data and "derivative" not in data["answer"]
    revealed = plot_data(TOY2_XY, answer=wrong, reveal=True)
    assert revealed["key"]["value"] == pytest.approx(7 / math.e**2, rel=1e-5)  # f_xy(1, 1)
    key_line = revealed["key"]["line"]
    key_slope = (key_line["z"][-1] - key_line["z"][0]) / (key_line["t"][-1] - key_line["t"][0])
    assert key_slope == pytest.approx(7 / math.e**2, rel=1e-4)
    assert revealed["differs"] and len(revealed["key"]["derivative"]) == len(t)


def test_a_right_mixed_partial_is_tangent_to_f_x_and_differs_nowhere():
    right = "7(1-2x^2)(1-2y^2)/e^(x^2+y^2)"
    data = plot_data(TOY2_XY, answer=right, reveal=True)
    assert data["differs"] == []
    inner, t = data["inner"]["z"], data["slice"]["t"]
    i = t.index(1.0) if 1.0 in t else min(range(len(t)), key=lambda k: abs(t[k] - 1.0))
    numeric = (inner[i + 1] - inner[i - 1]) / (t[i + 1] - t[i - 1])
    assert data["answer"]["value"] == pytest.approx(numeric, rel=0.05)  # a grid step of 0.0375


def test_gradient_vectors_of_the_answer_on_a_grid():
    task = Task(variables=XY, function="x^2 + y^2", gradient=True)
    data = plot_data(task, answer="<2x, y>")
    assert data["kind"] == "gradient" and "key" not in data
    xs, us, vs, ys = (
        data["answer"]["x"],
        data["answer"]["u"],
        data["answer"]["v"],
        data["answer"]["y"],
    )
    assert us == pytest.approx([2 * x for x in xs], abs=1e-9)
    assert vs == pytest.approx(ys, abs=1e-9)
    revealed = plot_data(task, answer="<2x, y>", reveal=True)
    assert revealed["key"]["v"] == pytest.approx([2 * y for y in ys], abs=1e-9)


def test_a_task_without_a_function_cannot_be_plotted():
    with pytest.raises(PlotUnavailable):
        plot_data(Task(variables=XY, reference="3x^2"))


def test_more_than_two_variables_give_the_slice_only():
    task = Task(variables=("w1", "h1", "b"), function="(w1*h1 + b)^2", wrt=("w1",))
    data = plot_data(task, answer="2h1(w1*h1+b)")
    assert "surface" not in data and data["moving"] == "w1"
    assert data["answer"]["value"] == pytest.approx(4.0)


# Answers undefined everywhere (SymPy makes zoo or nan of them as it builds them), beside one
# undefined only on part of the plane (sqrt(-1) is i: no real value anywhere).
UNDEFINED = ["1/0", "x/0", "ln(0)", "0/0", "1/(x-x)", "tan(pi/2)", "x + log(0)", "0^(-1)"]
KINDS = [
    TOY2_X,  # slope
    Task(variables=XY, function="x^3y + y^2", wrt=("x", "x")),  # curvature
    Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x", "y")),  # mixed
    Task(variables=XY, function="7xy/e^(x^2+y^2)", wrt=("x",), at=(("x", "1"), ("y", "2"))),
]


@pytest.mark.parametrize("answer", UNDEFINED)
@pytest.mark.parametrize("task", KINDS, ids=["slope", "curvature", "mixed", "value"])
def test_an_answer_undefined_everywhere_draws_no_line_and_the_rest_stays(task, answer):
    """A stored answer such as 1/0 (graded wrong, issue #12) is drawn on every later load of
    the problem page: it must leave the key's plots as they are and draw nothing of its own,
    not fail (SymPy's zoo has no NumPy name: lambdify raised KeyError, a 500 for good)."""
    data = plot_data(task, answer=answer, reveal=True)
    _strict_json(data)
    assert "answer" not in data and data["key"]["value"] is not None
    assert data == plot_data(task, answer="7y(", reveal=True)  # as an unreadable answer


@pytest.mark.parametrize("answer", ["<1/0, y>", "<ln(0), x/0>"])
def test_a_gradient_with_an_undefined_component_draws_no_arrows(answer):
    task = Task(variables=XY, function="x^2 + y^2", gradient=True)
    data = plot_data(task, answer=answer, reveal=True)
    _strict_json(data)
    assert "answer" not in data and data["key"]["u"]
