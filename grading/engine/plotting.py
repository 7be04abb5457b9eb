"""Plot data of a task: its function on a grid, the slice through the problem's point, the
tangent line a student's derivative gives there and, only when asked to reveal it, the key's.

Values are computed with NumPy from expressions the engine parsed itself (its grammar, then
SymPy, then `lambdify` on NumPy: never `eval` of typed text), on grids of bounded size. Poles,
NaNs, infinities and values far beyond the plot's scale come out as None (JSON null), never as
`Infinity` or `NaN`, which JSON does not have.

    plot_data(task, answer=None, reveal=False) -> dict     JSON-ready

Nothing of the key is in the result unless `reveal` is true: before that, only the function
(which the statement shows) and the student's own answer are evaluated.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy

from grading.engine.parsing import ParseError, parse
from grading.engine.sympy_bridge import make_symbols, to_sympy
from grading.engine.tree import Node
from grading.engine.types import Task

# Bumped whenever plot_data's output changes for the same input: it is part of the plot cache's
# key (exercises/practice/selectors.py), so no stale entry is served after a deploy.
PLOT_VERSION = 3  # 3: an answer undefined everywhere (1/0, 0/0, ln(0)) draws nothing
# Points per axis of the surface and per slice; the caller may ask for fewer, never more.
SURFACE_MAX = 61
SURFACE_DEFAULT = 41
SLICE_MAX = 241
SLICE_DEFAULT = 161
ARROWS_PER_AXIS = 7  # gradient vectors: on a 7 x 7 grid
HALF_WIDTH = 3.0  # the window: the point +- this, at least [-3, 3]
# A value is cut when it is beyond this many times the slice's typical size (a pole) ...
CUT_FACTOR = 20.0
# ... or beyond this in any case
CUT_ABSOLUTE = 1e6
# where two curves differ by more than this (relative to the plot's scale), it is marked
DIFFER_RTOL = 1e-6
# the candidate points for a problem without one: the lecture's slices (y = 1, y = -1, x = -1)
DEFAULT_POINTS = (1.0, -1.0, 0.5, 2.0, -0.5, 0.0)

Numeric = Callable[..., Any]


class PlotUnavailable(Exception):
    """The task cannot be plotted (no function, a vector function, nowhere finite)."""


@lru_cache(maxsize=512)
def _compiled(text: str, variables: tuple[str, ...], wrt: tuple[str, ...] = ()) -> Numeric:
    """The expression (or its derivative by `wrt`) as a NumPy function of `variables`.

    The text is parsed with the engine's grammar (bounded: length, nodes, depth), so what
    reaches lambdify is a SymPy tree of known functions only. Raises PlotUnavailable."""
    try:
        parsed = parse(text, variables)
    except ParseError:
        raise PlotUnavailable("unreadable") from None
    if parsed.is_vector:
        raise PlotUnavailable("vector")
    return _lambdified(parsed.node, variables, wrt)


def _lambdified(node: Node, variables: tuple[str, ...], wrt: tuple[str, ...]) -> Numeric:
    symbols = make_symbols(variables)
    expr = to_sympy(node, symbols)
    if wrt:
        expr = sympy.diff(expr, *[symbols[v] for v in wrt])
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        # 1/0, ln(0), 0/0 as SymPy builds them: undefined at every point (and NumPy's printer
        # has no name for zoo: lambdify raises KeyError)
        raise PlotUnavailable("undefined")
    try:
        return sympy.lambdify([symbols[v] for v in variables], expr, modules="numpy")  # type: ignore[no-any-return]
    except (TypeError, ValueError, NameError, SyntaxError, KeyError):
        raise PlotUnavailable("not numeric") from None


def _evaluate(fn: Numeric, args: Sequence[Any], shape: tuple[int, ...]) -> np.ndarray:
    """fn on arrays, as floats of the given shape; complex or failing values are NaN."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(*args)
        except (ValueError, TypeError, ZeroDivisionError, OverflowError, AttributeError):
            return np.full(shape, np.nan)
        arr = np.asarray(out)
        if np.iscomplexobj(arr):
            arr = np.where(np.abs(arr.imag) > 0, np.nan, arr.real)
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            return np.full(shape, np.nan)
    return np.broadcast_to(arr, shape).copy()


def _scale(values: np.ndarray) -> float:
    """The typical size of the finite values (their 90th percentile), at least 1e-9."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 1.0
    return max(float(np.percentile(finite, 90)), 1e-9)


def _cut(values: np.ndarray, scale: float) -> np.ndarray:
    """NaN where the value is not finite or beyond the plot's scale (a pole)."""
    bound = min(CUT_FACTOR * scale, CUT_ABSOLUTE)
    out = values.astype(float).copy()
    with np.errstate(invalid="ignore"):
        out[~np.isfinite(out) | (np.abs(out) > bound)] = np.nan
    return out


def _json(values: np.ndarray) -> Any:
    """Nested lists of floats (6 significant digits) with None for NaN."""
    if values.ndim == 0:
        v = float(values)
        return float(f"{v:.6g}") if math.isfinite(v) else None
    return [_json(row) for row in values]


def _value(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(f"{v:.6g}")


def _scalar(fn: Numeric, point: dict[str, float], variables: tuple[str, ...]) -> float | None:
    v = float(_evaluate(fn, [np.float64(point[name]) for name in variables], ())[()])
    return v if math.isfinite(v) else None


def _clamp(n: int, default: int, top: int) -> int:
    return default if n <= 0 else min(max(n, 5), top)


def _choose_point(fn: Numeric, task: Task, fixed: dict[str, float]) -> dict[str, float]:
    """The problem's point where it has one; else 1 for every variable (the lecture's y = 1)
    or the first candidate where the function is finite."""
    variables = task.variables
    for candidate in DEFAULT_POINTS:
        point = {v: fixed.get(v, candidate) for v in variables}
        if _scalar(fn, point, variables) is not None:
            return point
    raise PlotUnavailable("nowhere finite")


def _point_of(task: Task) -> dict[str, float]:
    """The task's own point (`at`), as floats; {} when it has none or one is not a number."""
    point: dict[str, float] = {}
    for name, text in task.at:
        try:
            fn = _compiled(text, ())
        except PlotUnavailable:
            return {}
        value = _scalar(fn, {}, ())
        if value is None:
            return {}
        point[name] = value
    return point


def _window(center: float) -> tuple[float, float]:
    return (min(-HALF_WIDTH, center - 1.0), max(HALF_WIDTH, center + 1.0))


def _answer_value(
    answer: str, task: Task, point: dict[str, float], wrt: tuple[str, ...] = ()
) -> tuple[Numeric | None, float | None]:
    """The student's answer as a function (None when it is a number) and its value at the
    point; (None, None) when it cannot be read or evaluated."""
    try:
        fn = _compiled(answer, task.variables, wrt)
    except PlotUnavailable:
        return None, None
    value = _scalar(fn, point, task.variables)
    return (None if task.at else fn), value


def _line(t: np.ndarray, t0: float, z0: float, slope: float, curvature: float = 0.0) -> Any:
    """z0 + slope (t - t0) + curvature/2 (t - t0)^2 near the point (a third of the window)."""
    half = (t[-1] - t[0]) / 6
    tt = np.linspace(t0 - half, t0 + half, 25)
    zz = z0 + slope * (tt - t0) + 0.5 * curvature * (tt - t0) ** 2
    return {"t": _json(tt), "z": _json(zz)}


def plot_data(
    task: Task,
    *,
    answer: str | None = None,
    reveal: bool = False,
    surface_points: int = 0,
    slice_points: int = 0,
) -> dict[str, Any]:
    """Everything the problem page draws, JSON-ready. Raises PlotUnavailable.

    - `kind`: "slope" (a first partial: tangent lines), "curvature" (f_xx: osculating
      parabolas), "mixed" (f_xy: tangent lines to the curve of f_x along y) or "gradient";
    - `surface` (two variables only): x, y and z[y][x] on the window, cut where too large;
    - `slice`: the curve t -> f with the other variables at the point, `moving` the variable
      (the last one differentiated by);
    - `inner` (mixed only): the curve t -> f_x along the same slice (f differentiated by all
      but the last variable, `wrt`), whose slope at the point is the mixed partial, and its
      value `z0` there: f_xy is how the slope in x changes as y moves, as f_x is how f does;
    - `answer`: the student's derivative at the point and the line (or parabola) it gives;
      with `reveal`, `key` likewise, and along the slice both derivatives and `differs`
      (the t where they differ); gradient: `arrows` of the answer (and key) on a grid.
    """
    if task.function is None:
        raise PlotUnavailable("no function")
    variables = task.variables
    f = _compiled(task.function, variables)
    wrt = task.wrt
    moving = wrt[-1] if wrt else variables[0]
    if task.gradient:
        kind = "gradient"
    elif len(wrt) >= 2:
        kind = "curvature" if len(set(wrt)) == 1 else "mixed"
    else:
        kind = "slope"
    point = _choose_point(f, task, _point_of(task))
    z0 = _scalar(f, point, variables)
    data: dict[str, Any] = {
        "kind": kind,
        "variables": list(variables),
        "moving": moving,
        "fixed": {v: _value(point[v]) for v in variables if v != moving},
        "point": {v: _value(point[v]) for v in variables},
        "z0": _value(z0),
    }
    n_surface = _clamp(surface_points, SURFACE_DEFAULT, SURFACE_MAX)
    n_slice = _clamp(slice_points, SLICE_DEFAULT, SLICE_MAX)
    if len(variables) == 2:
        data["surface"] = _surface(f, variables, point, n_surface)
    t = np.linspace(*_window(point[moving]), n_slice)
    args = [t if v == moving else np.full(n_slice, point[v]) for v in variables]
    z = _evaluate(f, args, t.shape)
    scale = _scale(z)
    data["slice"] = {"t": _json(t), "z": _json(_cut(z, scale))}
    if kind == "gradient":
        _gradient(data, f, task, point, answer, reveal)
        return data
    if kind == "mixed":
        # the overlays are drawn on the curve of f_x along the slice, not on f's
        inner_fn = _compiled(task.function, variables, wrt[:-1])
        inner = _evaluate(inner_fn, args, t.shape)
        scale = _scale(inner)
        z0 = _scalar(inner_fn, point, variables)
        data["inner"] = {"wrt": list(wrt[:-1]), "z": _json(_cut(inner, scale)), "z0": _value(z0)}
    if z0 is None:
        return data
    t0 = point[moving]
    slope = _scalar(_compiled(task.function, variables, (moving,)), point, variables)
    if answer:
        fn, value = _answer_value(answer, task, point)
        if value is not None:
            data["answer"] = _overlay(kind, t, t0, z0, slope, value)
            if reveal and fn is not None:
                data["answer"]["derivative"] = _json(_cut(_evaluate(fn, args, t.shape), scale))
    if reveal:
        key_fn = _compiled(task.function, variables, wrt)
        key_value = _scalar(key_fn, point, variables)
        if key_value is not None:
            data["key"] = _overlay(kind, t, t0, z0, slope, key_value)
            key_along = _evaluate(key_fn, args, t.shape)
            data["key"]["derivative"] = _json(_cut(key_along, scale))
            if answer and "derivative" in data.get("answer", {}):
                fn, _ = _answer_value(answer, task, point)
                assert fn is not None
                data["differs"] = _differs(t, _evaluate(fn, args, t.shape), key_along)
    return data


def _overlay(
    kind: str, t: np.ndarray, t0: float, z0: float, slope: float | None, value: float
) -> dict[str, Any]:
    """A derivative's value at the point and the curve it draws there: the tangent line
    (first partial; mixed partial: on the curve of f_x, z0 its value) or the osculating
    parabola (second partial, with the true slope)."""
    if kind == "curvature":
        return {"value": _value(value), "line": _line(t, t0, z0, slope or 0.0, value)}
    return {"value": _value(value), "line": _line(t, t0, z0, value)}


def _differs(t: np.ndarray, answer: np.ndarray, key: np.ndarray) -> list[float]:
    """The t (at most 40 of them, spread) where the answer's derivative is not the key's."""
    scale = max(_scale(key), _scale(answer))
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(key) & (
            ~np.isfinite(answer) | (np.abs(answer - key) > DIFFER_RTOL * max(scale, 1.0))
        )
    where = t[bad]
    if where.size > 40:
        where = where[np.linspace(0, where.size - 1, 40).astype(int)]
    return [float(f"{v:.6g}") for v in where]


def _surface(
    f: Numeric, variables: tuple[str, ...], point: dict[str, float], n: int
) -> dict[str, Any]:
    a, b = variables
    xs = np.linspace(*_window(point[a]), n)
    ys = np.linspace(*_window(point[b]), n)
    gx, gy = np.meshgrid(xs, ys)  # z[j][i] = f(xs[i], ys[j]): Plotly's layout
    z = _evaluate(f, [gx, gy], gx.shape)
    return {"x": _json(xs), "y": _json(ys), "z": _json(_cut(z, _scale(z)))}


def _gradient(
    data: dict[str, Any],
    f: Numeric,
    task: Task,
    point: dict[str, float],
    answer: str | None,
    reveal: bool,
) -> None:
    """Gradient problems (two variables): arrows of the answer's (and, revealed, the key's)
    vectors on a coarse grid over the contour plot."""
    variables = task.variables
    if len(variables) != 2 or "surface" not in data:
        return
    a, b = variables
    xs = np.linspace(*_window(point[a]), ARROWS_PER_AXIS)
    ys = np.linspace(*_window(point[b]), ARROWS_PER_AXIS)
    gx, gy = np.meshgrid(xs, ys)
    base = {"x": _json(gx.ravel()), "y": _json(gy.ravel())}
    if answer:
        fns = _vector(answer, variables)
        if fns is not None:
            data["answer"] = {**base, **_arrows(fns, gx, gy)}
    if reveal:
        fns = [_compiled(task.function, variables, (v,)) for v in variables]
        data["key"] = {**base, **_arrows(fns, gx, gy)}


def _vector(answer: str, variables: tuple[str, ...]) -> list[Numeric] | None:
    """The student's gradient as one NumPy function per component, or None."""
    try:
        parsed = parse(answer, variables)
    except ParseError:
        return None
    if not parsed.is_vector or len(parsed.parts()) != len(variables):
        return None
    try:
        return [_lambdified(part, variables, ()) for part in parsed.parts()]
    except PlotUnavailable:
        return None


def _arrows(fns: list[Numeric], gx: np.ndarray, gy: np.ndarray) -> dict[str, Any]:
    """The vectors at the grid points, as u, v (None where undefined or huge)."""
    u = _evaluate(fns[0], [gx, gy], gx.shape).ravel()
    v = _evaluate(fns[1], [gx, gy], gx.shape).ravel()
    scale = max(_scale(u), _scale(v))
    return {"u": _json(_cut(u, scale)), "v": _json(_cut(v, scale))}
