"""The problem families of the course (modeled on the partial-differentiation lecture)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from exercises.authoring.generators.custom import custom

Params = dict[str, Any]
Generator = Callable[[random.Random, dict[str, Any]], Params]

NOTATIONS = ("partial", "subscript", "prime")


def _notation(rng: random.Random, config: dict[str, Any]) -> str:
    chosen = config.get("notation")
    return str(chosen) if chosen in NOTATIONS else rng.choice(NOTATIONS)


def _signed(coef: int, body: str, first: bool) -> str:
    """One term with its sign, in student syntax (`- 3x^2`, `+ y`)."""
    magnitude = abs(coef)
    text = body if magnitude == 1 and body else f"{magnitude}{body}"
    if first:
        return f"-{text}" if coef < 0 else text
    return f" - {text}" if coef < 0 else f" + {text}"


def _power(var: str, exp: int, latex: bool) -> str:
    if exp == 1:
        return var
    return f"{var}^{{{exp}}}" if latex else f"{var}^{exp}"


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    value = 0
    while value == 0:
        value = rng.randint(low, high)
    return value


def _polynomial_terms(rng: random.Random) -> tuple[str, str]:
    """`a x^p + b x^m y^n + c y^r` with random coefficients and powers: (text, latex)."""
    p = rng.randint(2, 4)
    m, n = rng.randint(1, 2), rng.randint(1, 3)
    r = rng.randint(1, 3)
    coefs = [_nonzero(rng, -9, 9) for _ in range(3)]
    bodies = [
        (_power("x", p, False), _power("x", p, True)),
        (
            f"{_power('x', m, False)}*{_power('y', n, False)}",
            _power("x", m, True) + _power("y", n, True),
        ),
        (_power("y", r, False), _power("y", r, True)),
    ]
    text = "".join(
        _signed(c, b[0], i == 0) for i, (c, b) in enumerate(zip(coefs, bodies, strict=True))
    )
    latex = "".join(
        _signed(c, b[1], i == 0) for i, (c, b) in enumerate(zip(coefs, bodies, strict=True))
    )
    return text, latex


def _wrt(rng: random.Random, config: dict[str, Any], variables: tuple[str, ...]) -> list[str]:
    if "wrt" in config:
        return list(config["wrt"])
    return [rng.choice(variables)]


def _xy_params(rng: random.Random, config: dict[str, Any], text: str, latex: str) -> Params:
    """A function of x and y to differentiate, with respect to what and in which notation."""
    return {
        "variables": ["x", "y"],
        "function": text,
        "function_latex": latex,
        "wrt": _wrt(rng, config, ("x", "y")),
        "notation": _notation(rng, config),
    }


def polynomial(rng: random.Random, config: dict[str, Any]) -> Params:
    text, latex = _polynomial_terms(rng)
    return _xy_params(rng, config, text, latex)


def gaussian(rng: random.Random, config: dict[str, Any]) -> Params:
    c = rng.randint(2, 9)
    params = _xy_params(rng, config, f"{c}x*y/e^(x^2+y^2)", f"\\frac{{{c}xy}}{{e^{{x^2+y^2}}}}")
    if config.get("at_point"):
        params["at"] = {"x": str(rng.choice([-1, 1, 2])), "y": str(rng.choice([-1, 1]))}
    return params


def rational(rng: random.Random, config: dict[str, Any]) -> Params:
    c = rng.randint(2, 9)
    k = rng.randint(1, 4)
    top = rng.choice(("x", "y"))
    return _xy_params(
        rng, config, f"{c}{top}/(x^2+y^2+{k})", f"\\frac{{{c}{top}}}{{x^2 + y^2 + {k}}}"
    )


def _chain_function(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(2, 5), rng.randint(2, 5)
    options = [
        (f"e^({a}x*y)", f"e^{{{a}xy}}"),
        (f"ln(x^2 + {a}y^2 + 1)", f"\\ln\\left(x^2 + {a}y^2 + 1\\right)"),
        (f"sin({a}x + y^2)", f"\\sin\\left({a}x + y^2\\right)"),
        (f"cos({a}x^2*y)", f"\\cos\\left({a}x^2 y\\right)"),
        (f"sqrt(x^2 + {b}y^2 + 1)", f"\\sqrt{{x^2 + {b}y^2 + 1}}"),
        (f"e^({a}x)*sin({b}y)", f"e^{{{a}x}}\\sin({b}y)"),
        (f"(x^2 + {a}y)^{b}", f"\\left(x^2 + {a}y\\right)^{{{b}}}"),
    ]
    return rng.choice(options)


def chain(rng: random.Random, config: dict[str, Any]) -> Params:
    text, latex = _chain_function(rng)
    return _xy_params(rng, config, text, latex)


def slope(rng: random.Random, config: dict[str, Any]) -> Params:
    """Hold y fixed and differentiate in x: the slope of the slice z = f(x, y0) at x0."""
    if rng.random() < 0.5:
        text, latex = _polynomial_terms(rng)
    else:
        c = rng.randint(2, 9)
        text, latex = f"{c}x*y/e^(x^2+y^2)", f"\\frac{{{c}xy}}{{e^{{x^2+y^2}}}}"
    y0 = str(config.get("y0", rng.choice([-1, 1, 2])))
    x0 = str(rng.choice([-1, 1, 2]))
    return {
        "variables": ["x", "y"],
        "function": text,
        "function_latex": latex,
        "wrt": ["x"],
        "at": {"x": x0, "y": y0},
        "slope": True,
        "notation": _notation(rng, config),
    }


def loss(rng: random.Random, config: dict[str, Any]) -> Params:
    """The squared error of one linear neuron, (w1 h1 + w2 h2 + b - y)^2."""
    indexed = bool(config.get("indexed"))
    w1, w2, b = ("w_11", "w_21", "b_1") if indexed else ("w1", "w2", "b")
    variables = [w1, w2, "h1", "h2", b, "y"]
    wrt = config.get("wrt") or [rng.choice([w1, w2, b])]
    return {
        "variables": variables,
        "function": f"({w1}*h1 + {w2}*h2 + {b} - y)^2",
        "function_latex": f"\\left({_tex(w1)} h_1 + {_tex(w2)} h_2 + {_tex(b)} - y\\right)^2",
        "fname": "L",
        "wrt": list(wrt),
        "notation": _notation(rng, config),
    }


def gradient(rng: random.Random, config: dict[str, Any]) -> Params:
    if rng.random() < 0.5:
        text, latex = _polynomial_terms(rng)
    else:
        text, latex = _chain_function(rng)
    return {
        "variables": ["x", "y"],
        "function": text,
        "function_latex": latex,
        "gradient": True,
        "wrt": [],
        "notation": "partial",
    }


def second(rng: random.Random, config: dict[str, Any]) -> Params:
    if rng.random() < 0.5:
        text, latex = _polynomial_terms(rng)
    else:
        text, latex = _chain_function(rng)
    wrt = config.get("wrt") or rng.choice([["x", "x"], ["x", "y"], ["y", "x"], ["y", "y"]])
    return {
        "variables": ["x", "y"],
        "function": text,
        "function_latex": latex,
        "wrt": list(wrt),
        "notation": _notation(rng, config),
    }


def fixed(rng: random.Random, config: dict[str, Any]) -> Params:
    """A function given by the template (the lecture's toy examples); only notation varies."""
    params: Params = {
        "variables": list(config.get("variables", ["x", "y"])),
        "function": str(config["function"]),
        "function_latex": str(config["function_latex"]),
        "wrt": list(config.get("wrt", [])),
        "notation": _notation(rng, config),
    }
    for key in ("at", "gradient", "fname", "slope"):
        if key in config:
            params[key] = config[key]
    return params


def _tex(name: str) -> str:
    """A variable's LaTeX: w1 -> w_1, w_11 -> w_{11}."""
    base, _, index = name.partition("_")
    if not index:
        stripped = base.rstrip("0123456789")
        base, index = stripped, base[len(stripped) :]
    return f"{base}_{{{index}}}" if index else base


FAMILIES: dict[str, Generator] = {
    "polynomial": polynomial,
    "gaussian": gaussian,
    "rational": rational,
    "chain": chain,
    "slope": slope,
    "loss": loss,
    "gradient": gradient,
    "second": second,
    "fixed": fixed,
    "custom": custom,
}
