"""The "custom" family: an instructor's function template with parameters and constraints.

The config (also the YAML schema, see docs/yaml-format.md):

    function     "{a} x^3 + {b} x y - {c} y"        placeholders name parameters
    variables    ["x", "y"]
    parameters   [{"name": "a", "min": 1, "max": 9, "exclude": []}, ...]
    constraints  ["a != c", "a + c > 2"]            one relation each: < <= > >= = == !=
    task         "partial" | "value" | "gradient"
    wrt          ["x"] or ["x", "y"] (second and mixed partials; not for a gradient)
    at           {"x": "1", "y": "{a}"}             task "value": the point, may use parameters
    notation     "partial" | "subscript" | "prime" | "any"
    statement_en, statement_ko                      optional; "{a}" and "{function}" are filled in
    points, tolerance

Each substituted value is wrapped in parentheses (`{b} x` with b = -3 reads `(-3) x`), and every
text, constraints included, is read by the engine's allow-listed parser: nothing is evaluated.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

import sympy
from django.utils.translation import gettext_noop

from exercises.authoring.errors import Refused
from exercises.authoring.tolerance import MAX_TOLERANCE, template_tolerance
from grading.engine import (
    ParseError,
    Unsupported,
    from_sympy,
    make_symbols,
    parse,
    to_sympy,
    to_text,
)

Params = dict[str, Any]

TASKS = ("partial", "value", "gradient")
NOTATION_CHOICES = ("partial", "subscript", "prime", "any")
PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")
PARAM_NAME = re.compile(r"^[a-z][0-9]*$")
VARIABLE_NAME = re.compile(r"^[a-z](_?[0-9]+)?$")
RELATION = re.compile(r"<=|>=|!=|==|<|>|=")
MAX_RANGE = 200
MATH_REGION = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)  # \( ... \) and \[ ... \]
MAX_ABS = 1000
MAX_PARAMETERS = 8
MAX_CONSTRAINTS = 8
MAX_TEXT = 300
SAMPLING_TRIES = 200
RESERVED = frozenset({"e", "i"})


class TemplateError(Refused):
    """The config cannot make variants; the message says what to fix (errors.Refused: in the
    language of whoever reads it)."""


def _allowed(spec: dict[str, Any]) -> list[int]:
    excluded = {int(v) for v in spec.get("exclude", [])}
    return [v for v in range(int(spec["min"]), int(spec["max"]) + 1) if v not in excluded]


def _parameter_names(config: dict[str, Any]) -> list[str]:
    return [str(p["name"]) for p in config.get("parameters", [])]


def _relation(text: str, names: list[str]) -> tuple[Any, str, Any]:
    """(left, operator, right) as SymPy expressions in the parameter symbols."""
    operators = RELATION.findall(text)
    if len(operators) != 1:
        raise TemplateError(
            gettext_noop("constraint '%(text)s': write exactly one of < <= > >= = !="), text=text
        )
    left_text, right_text = RELATION.split(text)
    symbols = {n: sympy.Symbol(n) for n in names}
    sides = []
    for side in (left_text, right_text):
        if not side.strip():  # the parser's own word for it is a student's ("Type an answer")
            raise TemplateError(
                gettext_noop("constraint '%(text)s': a side of %(op)s is empty"),
                text=text,
                op=operators[0],
            )
        try:
            parsed = parse(side.strip(), tuple(names))
        except ParseError as exc:
            raise TemplateError(
                gettext_noop("constraint '%(text)s': %(why)s"), text=text, why=exc.msg
            ) from None
        if parsed.is_vector:
            raise TemplateError(
                gettext_noop("constraint '%(text)s': a side is not a single expression"), text=text
            )
        sides.append(to_sympy(parsed.node, symbols))
    return sides[0], operators[0], sides[1]


# No number an instructor's expression makes at a parameter draw may pass 10^300: a student's
# answer has the same bound (the engine's parser refuses larger powers of numbers). Exact
# arithmetic on a tower such as a^a^a at a = 9 would otherwise work on a number of 370 million
# digits, and the request or worker that asked would never answer (issue #12).
MAX_MAGNITUDE = 1e300
_FLOAT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "Abs": abs,
}


class _Undefined(Exception):
    """The value is not a real number at this draw (a logarithm of a negative number...)."""


def _float_value(node: Any, values: dict[str, int]) -> float:
    """The value of a SymPy expression at `values`, in doubles, bottom up: bounded work, and
    TemplateError as soon as any part of it passes MAX_MAGNITUDE."""
    if node.is_Symbol:
        result = float(values[str(node)])
    elif node.is_Number or node in (sympy.E, sympy.pi):
        result = float(node)
    else:
        args = [_float_value(arg, values) for arg in node.args]
        try:
            if node.is_Add:
                result = math.fsum(args)
            elif node.is_Mul:
                result = math.prod(args)
            elif node.is_Pow:
                result = math.pow(args[0], args[1])
            elif node.func.__name__ in _FLOAT_FUNCTIONS and len(args) == 1:
                result = _FLOAT_FUNCTIONS[node.func.__name__](args[0])
            else:
                raise _Undefined
        except OverflowError:
            result = math.inf
        except (ValueError, ZeroDivisionError):
            raise _Undefined from None
    if not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        raise TemplateError(
            gettext_noop("a value passes 10^300 at %(values)s: keep the parameters smaller"),
            values=", ".join(f"{k} = {v}" for k, v in values.items()),
        )
    return result


def _holds(relation: tuple[Any, str, Any], values: dict[str, int]) -> bool:
    left, op, right = relation
    try:  # bounded first: only then may SymPy work exactly
        _float_value(left, values)
        _float_value(right, values)
    except _Undefined:
        return False  # not a real number here: the constraint is not met
    subs = {sympy.Symbol(k): sympy.Integer(v) for k, v in values.items()}
    diff = sympy.nsimplify(left.subs(subs) - right.subs(subs))
    if diff.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or diff.is_real is not True:
        return False
    if op in ("=", "=="):
        return bool(diff.is_zero)
    if op == "!=":
        return diff.is_zero is False
    if op == "<":
        return bool(diff.is_negative)
    if op == "<=":
        return bool(diff.is_nonpositive)
    if op == ">":
        return bool(diff.is_positive)
    return bool(diff.is_nonnegative)


def fill(
    text: str, values: dict[str, int], *, wrap: bool = True, keep: tuple[str, ...] = ()
) -> str:
    """Put the values in for the placeholders, in parentheses unless `wrap` is false."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in keep:
            return match.group(0)
        if name not in values:
            raise TemplateError(gettext_noop("'{%(name)s}' is not a parameter"), name=name)
        return f"({values[name]})" if wrap else str(values[name])

    return PLACEHOLDER.sub(one, text)


def validate(config: dict[str, Any]) -> None:
    """Raise TemplateError for a config that cannot make variants (before sampling any): the
    first of `template_problems`."""
    problems = template_problems(config)
    if problems:
        raise problems[0]


def template_problems(config: dict[str, Any]) -> list[TemplateError]:
    """Everything that keeps a config from making variants, each once, in the order of the
    editor's fields (the function's reading is tried only when the rest is sound)."""
    found: list[TemplateError] = []
    variables = [str(v) for v in config.get("variables", ["x", "y"])]
    if not variables or len(variables) > 6 or len(set(variables)) != len(variables):
        found.append(TemplateError(gettext_noop("declare between one and six distinct variables")))
    for v in variables:
        if not VARIABLE_NAME.match(v) or v in RESERVED:
            found.append(
                TemplateError(
                    gettext_noop(
                        "'%(name)s' cannot be a variable name (use a letter, e.g. x or w1)"
                    ),
                    name=v,
                )
            )
    params = config.get("parameters", [])
    if len(params) > MAX_PARAMETERS:
        found.append(TemplateError(gettext_noop("at most %(n)s parameters"), n=MAX_PARAMETERS))
    names = _parameter_names(config)
    if len(set(names)) != len(names):
        found.append(TemplateError(gettext_noop("parameter names must be distinct")))
    for spec in params[:MAX_PARAMETERS]:
        found += _parameter_problems(spec, variables)
    constraints = config.get("constraints", [])
    if len(constraints) > MAX_CONSTRAINTS:
        found.append(TemplateError(gettext_noop("at most %(n)s constraints"), n=MAX_CONSTRAINTS))
    for text in constraints[:MAX_CONSTRAINTS]:
        if len(str(text)) > MAX_TEXT:
            found.append(TemplateError(gettext_noop("a constraint is too long")))
            continue
        try:
            _relation(str(text), names)
        except TemplateError as exc:
            found.append(exc)
    function = str(config.get("function", ""))
    if not function.strip() or len(function) > MAX_TEXT:
        found.append(
            TemplateError(gettext_noop("write the function (at most %(n)s characters)"), n=MAX_TEXT)
        )
    found += _task_problems(config, variables)
    if found:
        return found
    # Every placeholder names a parameter, and the function reads with middle values put in.
    sample = {n: _allowed(s)[0] for n, s in zip(names, params, strict=True)}
    try:
        for text in [function, *(config.get("at") or {}).values()]:
            fill(str(text), sample)
        for key in ("statement_en", "statement_ko"):
            fill(str(config.get(key, "")), sample, wrap=False, keep=("function",))
        parse(fill(function, sample), tuple(variables))
    except TemplateError as exc:
        found.append(exc)
    except ParseError as exc:
        found.append(
            TemplateError(gettext_noop("the function does not read: %(why)s"), why=exc.msg)
        )
    return found


def _parameter_problems(spec: dict[str, Any], variables: list[str]) -> list[TemplateError]:
    name = str(spec.get("name", ""))
    found = []
    if not PARAM_NAME.match(name) or name in RESERVED or name in variables:
        found.append(
            TemplateError(
                gettext_noop(
                    "'%(name)s' cannot be a parameter name (one letter, maybe digits, "
                    "not a variable)"
                ),
                name=name,
            )
        )
    try:
        low, high = int(spec["min"]), int(spec["max"])
        [int(v) for v in spec.get("exclude", [])]
    except (KeyError, TypeError, ValueError):
        return [
            *found,
            TemplateError(
                gettext_noop("parameter %(name)s: min and max must be integers"), name=name
            ),
        ]
    if low > high or high - low > MAX_RANGE or max(abs(low), abs(high)) > MAX_ABS:
        found.append(
            TemplateError(
                gettext_noop(
                    "parameter %(name)s: need min <= max, at most %(range)s apart, "
                    "|value| <= %(abs)s"
                ),
                name=name,
                range=MAX_RANGE,
                abs=MAX_ABS,
            )
        )
    elif not _allowed(spec):
        found.append(
            TemplateError(gettext_noop("parameter %(name)s: every value is excluded"), name=name)
        )
    return found


def _task_problems(config: dict[str, Any], variables: list[str]) -> list[TemplateError]:
    found = []
    task = config.get("task", "partial")
    if task not in TASKS:
        found.append(
            TemplateError(gettext_noop("the task must be one of %(tasks)s"), tasks=", ".join(TASKS))
        )
    wrt = [str(v) for v in config.get("wrt", [])]
    if task != "gradient" and not 1 <= len(wrt) <= 3:
        found.append(
            TemplateError(gettext_noop("say which variable(s) to differentiate by (one to three)"))
        )
    unknown = [v for v in wrt if v not in variables]
    if unknown:
        found.append(
            TemplateError(
                gettext_noop("differentiating by an undeclared variable: %(names)s"),
                names=", ".join(unknown),
            )
        )
    if task == "value":
        at = config.get("at") or {}
        if sorted(at) != sorted(variables):
            found.append(TemplateError(gettext_noop("give the point a value for every variable")))
    if config.get("notation", "any") not in NOTATION_CHOICES:
        found.append(TemplateError(gettext_noop("unknown notation")))
    try:
        tolerance = template_tolerance(config)
    except (TypeError, ValueError):
        tolerance = -1.0
    if not 0 <= tolerance <= MAX_TOLERANCE:
        found.append(
            TemplateError(
                gettext_noop("the tolerance must be between 0 and %(max)s"), max=MAX_TOLERANCE
            )
        )
    return found


def sample_values(rng: random.Random, config: dict[str, Any]) -> dict[str, int]:
    """Parameter values that satisfy every constraint, drawn from `rng` only."""
    names = _parameter_names(config)
    relations = [_relation(str(c), names) for c in config.get("constraints", [])]
    specs = config.get("parameters", [])
    for _ in range(SAMPLING_TRIES):
        values = {str(s["name"]): rng.choice(_allowed(s)) for s in specs}
        if all(_holds(r, values) for r in relations):
            return values
    raise TemplateError(
        gettext_noop("no parameter values met the constraints in %(n)s draws"), n=SAMPLING_TRIES
    )


def number_text(text: str) -> str:
    try:
        parsed = parse(text, ())
        value = sympy.nsimplify(to_sympy(parsed.node, {}))
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.is_real is not True:
            raise TemplateError(
                gettext_noop("the point coordinate '%(text)s' is not a real number"), text=text
            )
        return to_text(from_sympy(value))
    except (ParseError, Unsupported) as exc:
        raise TemplateError(
            gettext_noop("the point coordinate '%(text)s' does not read"), text=text
        ) from exc


def custom(rng: random.Random, config: dict[str, Any]) -> Params:
    validate(config)
    variables = [str(v) for v in config.get("variables", ["x", "y"])]
    values = sample_values(rng, config)
    function = fill(str(config["function"]), values)
    parsed = parse(function, tuple(variables))
    latex = sympy.latex(to_sympy(parsed.node, make_symbols(tuple(variables))))
    task = config.get("task", "partial")
    notation = config.get("notation", "any")
    if notation not in ("partial", "subscript", "prime"):
        notation = rng.choice(("partial", "subscript", "prime"))
    params: Params = {
        "variables": variables,
        "function": function,
        "function_latex": latex,
        "wrt": [] if task == "gradient" else [str(v) for v in config.get("wrt", [])],
        "notation": "partial" if task == "gradient" else notation,
        "values": values,
        "tolerance": template_tolerance(config),
    }
    if task == "gradient":
        params["gradient"] = True
    if task == "value":
        at = config["at"]
        params["at"] = {v: number_text(fill(str(at[v]), values)) for v in variables}
    statement = {}
    for lang in ("en", "ko"):
        text = str(config.get(f"statement_{lang}", "")).strip()
        if text:
            filled = fill(text, values, wrap=False, keep=("function",))
            statement[lang] = _fill_function(filled, latex)
    if statement:
        params["statement"] = statement
    return params


def _fill_function(text: str, latex: str) -> str:
    """The statement with "{function}" replaced by the function's LaTeX: as is inside the
    author's \\( \\) or \\[ \\], and wrapped in \\( \\) elsewhere, so that it is shown
    as maths and not as raw LaTeX ("9 x^{3} - 4 x y")."""
    out, pos = [], 0
    for region in MATH_REGION.finditer(text):
        out.append(text[pos : region.start()].replace("{function}", f"\\({latex}\\)"))
        out.append(region.group(0).replace("{function}", latex))
        pos = region.end()
    out.append(text[pos:].replace("{function}", f"\\({latex}\\)"))
    return "".join(out)
