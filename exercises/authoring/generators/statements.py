"""Problem statements in English and Korean, with the notations the course teaches."""

from __future__ import annotations

from string import Template

from exercises.authoring.generators.families import Params, _tex


def _signature(params: Params) -> str:
    return ", ".join(_tex(v) for v in params["variables"])


def derivative_latex(params: Params) -> str:
    """The asked derivative in the instance's notation: ∂f/∂x, f_x or f'_x (and 2nd order)."""
    name = params.get("fname", "f")
    wrt = [_tex(v) for v in params.get("wrt", [])]
    notation = params.get("notation", "partial")
    if len(wrt) == 1:
        if notation == "subscript":
            return f"{name}_{{{wrt[0]}}}"
        if notation == "prime":
            return f"{name}'_{{{wrt[0]}}}"
        return f"\\frac{{\\partial {name}}}{{\\partial {wrt[0]}}}"
    if notation == "subscript":
        return f"{name}_{{{''.join(wrt)}}}"
    if notation == "prime":
        return f"{name}''_{{{''.join(wrt)}}}"
    order = len(wrt)
    if len(set(wrt)) == 1:
        return f"\\frac{{\\partial^{order} {name}}}{{\\partial {wrt[0]}^{order}}}"
    # f_xy = d/dy (d/dx f): the denominator lists the variables last-applied first.
    denominator = "\\,".join(f"\\partial {v}" for v in reversed(wrt))
    return f"\\frac{{\\partial^{order} {name}}}{{{denominator}}}"


def answer_label_of(params: Params) -> str:
    """The label of the answer as a student types it, in the instance's notation (∂f/∂x, f_x,
    f'_x, ∂^2f/∂y∂x, f_x(1, 2), ∇f): the maths keyboard's label key. The engine reads each of
    these as naming the asked derivative (tests/exercises/authoring/test_answer_label.py)."""
    name = params.get("fname", "f")
    if params.get("gradient"):
        return f"∇{name}"
    wrt = [str(v) for v in params.get("wrt", [])]
    notation = params.get("notation", "partial")
    if notation in ("subscript", "prime"):
        marks = "'" * len(wrt) if notation == "prime" else ""
        joined = "".join(wrt)
        sub = wrt[0] if len(wrt) == 1 and len(joined) == 1 else f"{{{joined}}}"
        label = f"{name}{marks}_{sub}"
    elif len(wrt) == 1:
        label = f"∂{name}/∂{wrt[0]}"
    elif len(set(wrt)) == 1:
        label = f"∂^{len(wrt)}{name}/∂{wrt[0]}^{len(wrt)}"
    else:
        # as derivative_latex: the denominator lists the variables last-applied first
        label = f"∂^{len(wrt)}{name}/" + "".join(f"∂{v}" for v in reversed(wrt))
    at = params.get("at") or {}
    if at:
        label += f"({', '.join(str(at[v]) for v in params['variables'])})"
    return label


def statement_of(params: Params, lang: str) -> str:
    """The task as one paragraph; math between \\( and \\) for KaTeX's auto-render.

    The Korean never puts a particle after a formula: whether it is 을 or 를, 으로 or 로 depends
    on how the formula is read ("f_x" ends in 스, "L_{w_{11}}" in 일), which code cannot know.
    So a formula comes last, after a colon ("…일 때, 다음을 구하시오: \\(f_x\\)."), or is followed
    only by the copula 일 or by particles that never change (에, 의, 에서)."""
    ko = lang.startswith("ko")
    custom = (params.get("statement") or {}).get("ko" if ko else "en")
    if custom:
        return str(custom)
    name = params.get("fname", "f")
    definition = f"\\({name}({_signature(params)}) = {params['function_latex']}\\)"
    if params.get("gradient"):
        grad = f"\\(\\nabla {name}({_signature(params)})\\)"
        if ko:
            order = f"\\(({_signature(params)})\\)"
            return (
                f"{definition}일 때, 기울기 벡터를 구하시오: {grad}. 성분은 {order} 순서로 쓰시오."
            )
        return (
            f"Let {definition}. Find the gradient {grad}, "
            f"with components in the order ({_signature(params)})."
        )
    return _derivative_task(params, ko, _STATEMENT_PHRASES, definition=definition)


def asked_latex(params: Params) -> str:
    """What the answer box answers, e.g. f_x, f_x(2, 1) or the gradient."""
    name = params.get("fname", "f")
    if params.get("gradient"):
        return f"\\nabla {name}({_signature(params)})"
    at = params.get("at") or {}
    point = f"({', '.join(at[v] for v in params['variables'])})" if at else ""
    return derivative_latex(params) + point


def intro_of(params: Params, lang: str) -> str:
    """The function a multi-part problem asks about, as the sentence its parts follow."""
    name = params.get("fname", "f")
    definition = f"\\({name}({_signature(params)}) = {params['function_latex']}\\)"
    if lang.startswith("ko"):
        return f"{definition}일 때, 다음을 구하시오."
    return f"Let {definition}. Find:"


def part_statement_of(params: Params, lang: str) -> str:
    """What one part of a multi-part problem asks, short (the function is said once above)."""
    ko = lang.startswith("ko")
    name = params.get("fname", "f")
    if params.get("gradient"):
        grad = f"\\(\\nabla {name}({_signature(params)})\\)"
        at = params.get("at") or {}
        if at:
            point = ", ".join(at[v] for v in params["variables"])
            grad = f"\\(\\nabla {name}({point})\\)"
        if ko:
            return f"기울기 벡터: {grad}"
        return f"the gradient {grad}"
    return _derivative_task(params, ko, _PART_PHRASES)


# How a derivative task is phrased, by what it asks: "slope" (a slice's slope at a point), "at"
# (the value at a point), "loss" (a squared-error loss's derivative, when the function is L) and
# "plain" (the derivative itself); each as (English, Korean), string.Template text over
# $derivative, $x0/$y0 (slope), $point (at) and what the caller adds (e.g. $definition).
_Phrases = dict[str, tuple[str, str]]

_STATEMENT_PHRASES: _Phrases = {
    "slope": (
        "Let ${definition}. Hold \\(y = ${y0}\\) fixed and differentiate in \\(x\\): "
        "what is the slope at \\(x = ${x0}\\), that is \\(${derivative}(${x0}, ${y0})\\)?",
        "${definition}일 때, \\(y\\)의 값을 \\(${y0}\\)에 고정하고 \\(x\\)에 대하여 "
        "미분하시오. \\(x = ${x0}\\)에서의 기울기, 곧 다음 값을 구하시오: "
        "\\(${derivative}(${x0}, ${y0})\\).",
    ),
    "at": (
        "Let ${definition}. Find the value of \\(${derivative}(${point})\\).",
        "${definition}일 때, 다음 값을 구하시오: \\(${derivative}(${point})\\).",
    ),
    "loss": (
        "For the squared-error loss ${definition}, find \\(${derivative}\\).",
        "제곱 오차 손실 함수가 ${definition}일 때, 다음을 구하시오: \\(${derivative}\\).",
    ),
    "plain": (
        "Let ${definition}. Find \\(${derivative}\\).",
        "${definition}일 때, 다음을 구하시오: \\(${derivative}\\).",
    ),
}

_PART_PHRASES: _Phrases = {
    "slope": (
        "the slope of the slice \\(y = ${y0}\\) at \\(x = ${x0}\\), "
        "that is \\(${derivative}(${x0}, ${y0})\\)",
        "\\(y = ${y0}\\)에서 자른 단면의 \\(x = ${x0}\\)에서의 기울기, "
        "곧 다음 값: \\(${derivative}(${x0}, ${y0})\\)",
    ),
    "at": (
        "the value \\(${derivative}(${point})\\)",
        "다음 값: \\(${derivative}(${point})\\)",
    ),
    "plain": (
        "\\(${derivative}\\)",
        "편도함수: \\(${derivative}\\)",
    ),
}


def _derivative_task(params: Params, ko: bool, phrases: _Phrases, **extra: str) -> str:
    """The derivative task of params (not a gradient) in the phrasing of its case."""
    values = {"derivative": derivative_latex(params), **extra}
    at = params.get("at") or {}
    if params.get("slope"):
        kind = "slope"
        values.update(x0=str(at["x"]), y0=str(at["y"]))
    elif at:
        kind = "at"
        values["point"] = ", ".join(at[v] for v in params["variables"])
    elif "loss" in phrases and params.get("fname", "f") == "L":
        kind = "loss"
    else:
        kind = "plain"
    english, korean = phrases[kind]
    return Template(korean if ko else english).substitute(values)
