"""The "parts" family: one function, several things asked about it on one page (f_x, its value
at a point, the slope of a slice, f_y, the gradient), each part answered, graded and scored on
its own.

The config (also the YAML schema, see docs/yaml-format.md):

    base         the family that makes the function ("fixed", "gaussian", "custom", ...; not
                 "parts"); every other key but "parts" is the base family's config
    parts        2..MAX_PARTS parts, in order, each
                   wrt          ["x"] (a partial; ["x", "y"] for f_xy)  or
                   gradient     true
                   at           {"x": "1", "y": "1"}   the value of that derivative at a point
                   slope        true                   (with at: "the slope of the slice")
                   weight       1..100 (default 1): the part's share of the item's points
                   carry_from   the index of an earlier part asking the same derivative with
                                no point: a wrong answer there, graded as the key of this
                                value part, earns `carry_share` of this part's points
                   carry_share  "0".."1" (default "0.5")

An instance's params are part 0's params with the list of parts added ("parts": [{"params",
"weight", "carry_from", "carry_share"}, ...]), so that everything that reads one task reads
part 0 unchanged, and each part's params are a task of their own (task_of, statement_of).
"""

from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop

from exercises.authoring.generators.custom import TemplateError, number_text, validate
from exercises.authoring.generators.families import FAMILIES, Params

MIN_PARTS = 2
MAX_PARTS = 6
MAX_WEIGHT = 100
MAX_POINT_TEXT = 60
DEFAULT_CARRY_SHARE = "0.5"
# keys of a base family's params that say what is asked: a part sets its own
ASKED = ("wrt", "at", "gradient", "slope")
_PART_KEYS = frozenset({"wrt", "at", "gradient", "slope", "weight", "carry_from", "carry_share"})


def is_parts(params: Params) -> bool:
    return bool(params.get("parts"))


def part_count(params: Params) -> int:
    """How many parts the variant asks (1 for every other family)."""
    return len(params.get("parts") or ()) or 1


def template_part_count(*, family: str, config: dict[str, Any]) -> int:
    """How many parts a template's variants ask (its config says it: the same for every seed)."""
    parts = config.get("parts") if family == "parts" else None
    return len(parts) if isinstance(parts, list) and parts else 1


def part_params(params: Params, part: int) -> Params:
    """The params of one part, a task of its own; a single-part variant's part 0 is itself."""
    parts = params.get("parts")
    if not parts:
        if part != 0:
            raise IndexError(part)
        return params
    return dict(parts[part]["params"])


def part_points(params: Params, points: Decimal) -> list[Decimal]:
    """Each part's points: the item's points shared by weight, in cents, summing exactly to
    them (the cents left by rounding down go to the first parts)."""
    parts = params.get("parts") or [{"weight": 1}]
    weights = [int(p.get("weight", 1)) for p in parts]
    cents = int((points * 100).to_integral_value())
    total = sum(weights)
    shares = [cents * w // total for w in weights]
    for i in range(cents - sum(shares)):
        shares[i % len(shares)] += 1
    return [Decimal(s) / 100 for s in shares]


def carry_of(params: Params, part: int) -> tuple[int, Decimal] | None:
    """(the earlier part, the share of this part's points) when this part carries forward the
    student's answer to that part; None otherwise."""
    parts = params.get("parts") or []
    if not 0 <= part < len(parts):
        return None
    source = parts[part].get("carry_from")
    if source is None:
        return None
    return int(source), Decimal(str(parts[part].get("carry_share", DEFAULT_CARRY_SHARE)))


# Why a parts config cannot make variants (TemplateError: the editor, a YAML import and the
# template check show it in the reader's language).
NOT_A_LIST = gettext_noop("parts: give a list of %(low)s to %(high)s parts")
NOT_A_MAPPING = gettext_noop("part %(n)s: must be a mapping")
UNKNOWN_KEYS = gettext_noop("part %(n)s: unknown keys %(keys)s")
NOT_A_LIST_OF_VARIABLES = gettext_noop("part %(n)s: wrt is a list of variables")
ASK_ONE_THING = gettext_noop(
    "part %(n)s: ask a partial derivative (wrt: 1 to 3 of %(variables)s) or the gradient"
)
BAD_POINT = gettext_noop("part %(n)s: at gives a value to each of %(variables)s")
BAD_POINT_VALUE = gettext_noop("part %(n)s: a value of at is empty or longer than %(max)s")
BAD_POINT_NUMBER = gettext_noop("part %(n)s: the point's %(name)s = %(text)s is not a number")
BAD_SLOPE = gettext_noop("part %(n)s: a slope is f_x of f(x, y) at a point")
BAD_WEIGHT = gettext_noop("part %(n)s: weight is a whole number from 1 to %(max)s")
BAD_CARRY = gettext_noop(
    "part %(n)s: carry_from names an earlier part asking the same derivative without a point, "
    "and this part asks its value at a point"
)
BAD_SHARE = gettext_noop("part %(n)s: carry_share must be a number from 0 to 1")
SHARE_ALONE = gettext_noop("part %(n)s: carry_share without carry_from")
SAME_AS = gettext_noop("part %(n)s: asks the same as part %(m)s")
BAD_BASE = gettext_noop("base: a problem family other than parts (%(base)s is not)")


def _refused(msgid: str, n: int, key: str, **params: object) -> TemplateError:
    """A refusal of part `n` (1-based) that says which of its keys is wrong (`part` is its
    index, `key` the key: the editor puts the message on that field, a YAML import on that
    path)."""
    error = TemplateError(msgid, n=n, **params)
    error.part, error.key = n - 1, key  # type: ignore[attr-defined]
    return error


def refused_where(error: TemplateError) -> tuple[int, str] | None:
    """(the part's index, its key) that a parts refusal is about; None for the whole list."""
    part, key = getattr(error, "part", None), getattr(error, "key", None)
    return None if part is None or key is None else (int(part), str(key))


def _share(raw: Any, n: int) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _refused(BAD_SHARE, n, "carry_share")
    if len(str(raw)) > 40:
        raise _refused(BAD_SHARE, n, "carry_share")
    try:
        share = Decimal(str(raw))
    except InvalidOperation:
        raise _refused(BAD_SHARE, n, "carry_share") from None
    if not share.is_finite() or not Decimal("0") <= share <= Decimal("1"):
        raise _refused(BAD_SHARE, n, "carry_share")
    return str(share.quantize(Decimal("0.001")).normalize())


def _asked(part: dict[str, Any]) -> tuple[Any, ...]:
    return (part["wrt"], part["gradient"], sorted((part.get("at") or {}).items()), "slope" in part)


def parts_config_check(config: dict[str, Any], variables: list[str]) -> list[dict[str, Any]]:
    """The parts of a config, checked (TemplateError says which part and why) and normalized."""
    raw = config.get("parts")
    if not isinstance(raw, list) or not MIN_PARTS <= len(raw) <= MAX_PARTS:
        raise TemplateError(NOT_A_LIST, low=MIN_PARTS, high=MAX_PARTS)
    listed = ", ".join(variables)
    checked: list[dict[str, Any]] = []
    for index, spec in enumerate(raw):
        n = index + 1
        if not isinstance(spec, dict):
            raise _refused(NOT_A_MAPPING, n, "")
        unknown = set(spec) - _PART_KEYS
        if unknown:
            keys = ", ".join(sorted(str(k)[:40] for k in unknown))[:200]
            raise _refused(UNKNOWN_KEYS, n, "", keys=keys)
        gradient = spec.get("gradient") is True
        wrt = spec.get("wrt", [])
        if not isinstance(wrt, list) or not all(isinstance(v, str) for v in wrt):
            raise _refused(NOT_A_LIST_OF_VARIABLES, n, "wrt")
        if gradient == bool(wrt) or len(wrt) > 3 or any(v not in variables for v in wrt):
            raise _refused(ASK_ONE_THING, n, "wrt", variables=listed)
        at = spec.get("at")
        point: dict[str, str] | None = None
        if at is not None:
            if not isinstance(at, dict) or sorted(map(str, at)) != sorted(variables):
                raise _refused(BAD_POINT, n, "at", variables=listed)
            if any(not isinstance(v, str | int) or isinstance(v, bool) for v in at.values()):
                raise _refused(BAD_POINT_VALUE, n, "at", max=MAX_POINT_TEXT)
            point = {str(k): str(v) for k, v in at.items()}
            if any(not v.strip() or len(v) > MAX_POINT_TEXT for v in point.values()):
                raise _refused(BAD_POINT_VALUE, n, "at", max=MAX_POINT_TEXT)
        slope = spec.get("slope") is True
        if slope and (point is None or wrt != ["x"] or sorted(variables) != ["x", "y"]):
            raise _refused(BAD_SLOPE, n, "slope")
        weight = spec.get("weight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= MAX_WEIGHT:
            raise _refused(BAD_WEIGHT, n, "weight", max=MAX_WEIGHT)
        part: dict[str, Any] = {"wrt": list(wrt), "gradient": gradient, "weight": weight}
        if point is not None:
            part["at"] = point
        if slope:
            part["slope"] = True
        source = spec.get("carry_from")
        if source is not None:
            earlier = checked[source] if isinstance(source, int) and 0 <= source < index else None
            if (
                earlier is None
                or isinstance(source, bool)
                or point is None
                or "at" in earlier
                or earlier["gradient"] != gradient
                or earlier["wrt"] != part["wrt"]
            ):
                raise _refused(BAD_CARRY, n, "carry_from")
            part["carry_from"] = source
            part["carry_share"] = _share(spec.get("carry_share", DEFAULT_CARRY_SHARE), n)
        elif "carry_share" in spec:
            raise _refused(SHARE_ALONE, n, "carry_share")
        same = next((m for m, p in enumerate(checked, 1) if _asked(p) == _asked(part)), None)
        if same is not None:
            raise _refused(SAME_AS, n, "wrt", m=same)
        checked.append(part)
    return checked


def base_of(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The base family and its config: every key but base and parts. A custom base asks what
    its parts ask, so its own task is a partial by the first variable unless it says one."""
    base = str(config.get("base", "fixed"))
    if base == "parts" or base not in FAMILIES:
        raise TemplateError(BAD_BASE, base=base[:40])
    base_config = {k: v for k, v in config.items() if k not in ("base", "parts")}
    if base == "custom" and "task" not in base_config and "wrt" not in base_config:
        variables = base_config.get("variables") or ["x", "y"]
        first = variables[0] if isinstance(variables, list) else "x"
        base_config.update(task="partial", wrt=[first])
    if base == "fixed":
        base_config.setdefault("wrt", ["x"])
    return base, base_config


def parts_validate(config: dict[str, Any]) -> None:
    """TemplateError when a parts config cannot make variants (the base family and the
    parts; a custom base's own config too), before any variant is made."""
    base, base_config = base_of(config)
    if base == "custom":
        validate(base_config)
    for n, part in enumerate(parts_config_check(config, _base_variables(base, base_config)), 1):
        # each point reads as a number: checked once here (save, import), not per variant
        for name, value in (part.get("at") or {}).items():
            try:
                number_text(value)
            except TemplateError:
                raise _refused(BAD_POINT_NUMBER, n, "at", name=name, text=value) from None


def _base_variables(base: str, base_config: dict[str, Any]) -> list[str]:
    """The variables the parts may ask about: a custom or fixed base's own list (x, y unless it
    says), a library family's from one of its variants (the loss family's are w1, w2, b, ...)."""
    if base in ("custom", "fixed"):
        variables = base_config.get("variables") or ["x", "y"]
        if not isinstance(variables, list):
            raise TemplateError(NOT_A_LIST_OF_VARIABLES, n=0)
        return [str(v) for v in variables]
    try:
        made = FAMILIES[base](random.Random(0), base_config)
    except (TypeError, ValueError, KeyError, IndexError):
        raise TemplateError(BAD_BASE, base=base[:40]) from None
    return [str(v) for v in made["variables"]]


def parts(rng: random.Random, config: dict[str, Any]) -> Params:
    base, base_config = base_of(config)
    made = FAMILIES[base](rng, base_config)
    shared = {k: v for k, v in made.items() if k not in ASKED}
    variables = [str(v) for v in shared["variables"]]
    listed: list[dict[str, Any]] = []
    for spec in parts_config_check(config, variables):
        params: Params = {**shared, "wrt": [] if spec["gradient"] else spec["wrt"]}
        if spec["gradient"]:
            params["gradient"] = True
        if "at" in spec:
            params["at"] = spec["at"]
        if spec.get("slope"):
            params["slope"] = True
        listed.append(
            {
                "params": params,
                "weight": spec["weight"],
                "carry_from": spec.get("carry_from"),
                "carry_share": spec.get("carry_share"),
            }
        )
    return {**listed[0]["params"], "parts": listed}
