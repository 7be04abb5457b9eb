"""The YAML file of templates and sets (docs/yaml-format.md): how it is read, and its schema.

Reading refuses anchors and aliases (an alias "bomb" of a few hundred bytes expands to millions
of nodes), nesting deeper than MAX_DEPTH, and leaves dates as text for the schema to read. The
schema (pydantic models with `extra="forbid"`) types and bounds every field at every level,
config included: lengths as in the models, no control characters in text, finite numbers in
range, real dates with a time zone, bounded lists. Each problem is reported with its path, e.g.
`problem_sets[0].items[2].points`, in the user's language.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from exercises.authoring.generators.custom import (
    MAX_ABS,
    MAX_CONSTRAINTS,
    MAX_PARAMETERS,
    MAX_RANGE,
    MAX_TEXT,
    NOTATION_CHOICES,
    TASKS,
)
from exercises.authoring.tolerance import MAX_TOLERANCE
from exercises.courses import moments
from exercises.courses.text import untypable

FORMAT = "partial-credit/1"
MAX_YAML_BYTES = 512 * 1024
MAX_DEPTH = 12  # the schema nests 7 deep (problem_sets[0].items[1] or config.parameters[0])
MAX_TEMPLATES = 30  # each is checked over 50 seeds by a background job (5-30 s each)
MAX_SETS = 30
MAX_ITEMS = 50  # per set
MAX_STATEMENT = 4000
MAX_LATEX = 600


class ImportFailed(Exception):
    """The file cannot be read; `errors` are the problems, each with its path."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- Reading ---------------------------------------------------------------------------------

TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, timestamps and deep nesting."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ImportFailed(
                [
                    _("line %(line)s: anchors (&) and aliases (*) are not allowed")
                    % {"line": event.start_mark.line + 1}
                ]
            )
        if self.depth >= MAX_DEPTH:
            raise ImportFailed(
                [
                    _("line %(line)s: nested deeper than %(depth)s levels")
                    % {"line": event.start_mark.line + 1, "depth": MAX_DEPTH}
                ]
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Dates stay text (the schema reads them and says what is wrong); `!!timestamp` too.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(TIMESTAMP, lambda loader, node: loader.construct_scalar(node))


# PyYAML's problems as it words them (its scanner's and parser's, which a file typed by hand
# meets), so that a Korean reader gets them in Korean: the English msgid is PyYAML's own text,
# with what it found (quoted, as PyYAML quotes it) as %(found)s, except where PyYAML's words
# make no sentence alone. Anything else keeps PyYAML's words.
_YAML_PROBLEM_TEXTS = [
    (text, text)
    for text in [
        gettext_noop("mapping values are not allowed here"),
        gettext_noop("sequence entries are not allowed here"),
        gettext_noop("mapping keys are not allowed here"),
        gettext_noop("could not find expected ':'"),
        gettext_noop("found unexpected end of stream"),
        gettext_noop("found unexpected document separator"),
        gettext_noop("found character %(found)s that cannot start any token"),
        gettext_noop("expected <block end>, but found %(found)s"),
        gettext_noop("expected ',' or ']', but got %(found)s"),
        gettext_noop("expected ',' or '}', but got %(found)s"),
        gettext_noop("expected the node content, but found %(found)s"),
        gettext_noop("expected ' ', but found %(found)s"),
        gettext_noop("expected a comment or a line break, but found %(found)s"),
        gettext_noop("found unknown escape character %(found)s"),
    ]
] + [
    # the problem of "expected a single document in the stream" (a second `---`)
    ("but found another document", gettext_noop("the file holds more than one document")),
]
_YAML_PROBLEMS = [
    (re.compile(re.escape(text).replace(re.escape("%(found)s"), "(?P<found>.+)")), msgid)
    for text, msgid in _YAML_PROBLEM_TEXTS
]
# What PyYAML names by its tokens' ids (quoted, as in its messages), said in words.
_YAML_TOKENS = {
    "'<stream end>'": gettext_noop("the end of the file"),
    "'<scalar>'": gettext_noop("a value"),
    "'?'": gettext_noop("a key"),
    "'<block mapping start>'": gettext_noop("a key"),
    "'-'": gettext_noop("a list item"),
    "'<block sequence start>'": gettext_noop("a list item"),
    "'<block end>'": gettext_noop("the end of a block"),
    "'<document start>'": gettext_noop("a new document (---)"),
}


def _yaml_problem(what: str) -> str:
    """PyYAML's problem in the reader's language, where it is one of those above."""
    for pattern, msgid in _YAML_PROBLEMS:
        found = pattern.fullmatch(what)
        if found is None:
            continue
        if "found" not in pattern.groupindex:
            return _(msgid)
        token = _YAML_TOKENS.get(found["found"])
        return _(msgid) % {"found": found["found"] if token is None else _(token)}
    return what


def load(text: str) -> Any:
    """The file's data; ImportFailed when it is too large, not YAML, or uses what is refused."""
    if len(text.encode()) > MAX_YAML_BYTES:
        raise ImportFailed(
            [_("the file is larger than %(kib)s KiB") % {"kib": MAX_YAML_BYTES // 1024}]
        )
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        # where, in the reader's language; what, in it too where _YAML_PROBLEMS has it
        mark = exc.problem_mark or exc.context_mark
        what = _yaml_problem(exc.problem or exc.context or str(exc))
        if mark is None:
            raise ImportFailed([_("not YAML: %(error)s") % {"error": what}]) from None
        where = {"line": mark.line + 1, "column": mark.column + 1, "error": what}
        raise ImportFailed(
            [_("not YAML at line %(line)s, column %(column)s: %(error)s") % where]
        ) from None
    except yaml.YAMLError as exc:
        raise ImportFailed([_("not YAML: %(error)s") % {"error": exc}]) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's cap on a number's digits
            raise ImportFailed([_("a number has more than 4,300 digits")]) from None
        raise ImportFailed([_("not YAML: %(error)s") % {"error": exc}]) from None
    except (TypeError, OverflowError) as exc:  # e.g. `!!int abc`
        raise ImportFailed([_("not YAML: %(error)s") % {"error": exc}]) from None


# --- Field types ------------------------------------------------------------------------------


def _plain(text: str, allowed: str = "") -> str:
    if untypable(text, allowed):
        raise PydanticCustomError("control_character", "control character")
    return text


def _in_range(moment: datetime) -> datetime:
    if not moments.in_range(moment):  # near datetime's ends: no UTC time to store (a 500)
        raise PydanticCustomError("moment_out_of_range", "out of range")
    return moment


def _multiline(text: str) -> str:
    return _plain(text, allowed="\n\t")


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "not a number")
    return value


def _text_date(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "not a date")
    return value


# ProblemTemplate/ProblemSet.title_*: CharField(max_length=200)
Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain)]
# a variable's or parameter's name (custom.VARIABLE_NAME, PARAM_NAME)
Name = Annotated[str, Field(min_length=1, max_length=8), AfterValidator(_plain)]
Expression = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_plain)]
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")]
Statement = Annotated[str, Field(max_length=MAX_STATEMENT), AfterValidator(_multiline)]
Latex = Annotated[str, Field(min_length=1, max_length=MAX_LATEX), AfterValidator(_plain)]
Integer = Annotated[StrictInt, Field(ge=-MAX_ABS, le=MAX_ABS)]
Points = Annotated[
    Decimal,
    BeforeValidator(_no_bool),
    Field(ge=0, le=9999, max_digits=6, decimal_places=2, allow_inf_nan=False),
]
Penalty = Annotated[
    Decimal,
    BeforeValidator(_no_bool),
    Field(ge=0, le=1, max_digits=4, decimal_places=3, allow_inf_nan=False),
]
Tolerance = Annotated[
    float, BeforeValidator(_no_bool), Field(ge=0, le=MAX_TOLERANCE, allow_inf_nan=False)
]
When = Annotated[AwareDatetime, BeforeValidator(_text_date), AfterValidator(_in_range)]
Wrt = Annotated[list[Name], Field(max_length=3)]
Variables = Annotated[list[Name], Field(min_length=1, max_length=6)]
Point = Annotated[dict[Name, Expression | Integer], Field(max_length=6)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Model = TypeVar("Model", bound=BaseModel)


# --- Configs, one model a family -----------------------------------------------------------------


class Parameter(_Strict):
    name: Name
    min: Integer
    max: Integer
    exclude: Annotated[list[Integer], Field(max_length=MAX_RANGE + 1)] = []


class CustomConfig(_Strict):
    function: Expression
    variables: Variables = ["x", "y"]
    parameters: Annotated[list[Parameter], Field(max_length=MAX_PARAMETERS)] = []
    constraints: Annotated[list[Expression], Field(max_length=MAX_CONSTRAINTS)] = []
    task: Literal[TASKS] = "partial"  # type: ignore[valid-type]
    wrt: Wrt = []
    at: Point = {}
    notation: Literal[NOTATION_CHOICES] = "any"  # type: ignore[valid-type]
    statement_en: Statement = ""
    statement_ko: Statement = ""
    points: Points = Decimal("1")
    tolerance: Tolerance = 0.001


class CodeConfig(_Strict):
    """What every code family reads."""

    notation: Literal[NOTATION_CHOICES] = "any"  # type: ignore[valid-type]
    points: Points = Decimal("1")
    tolerance: Tolerance = 0.001


class WrtConfig(CodeConfig):
    wrt: Wrt = []


class GaussianConfig(WrtConfig):
    at_point: StrictBool = False


class SlopeConfig(CodeConfig):
    y0: Annotated[StrictInt, Field(ge=-10, le=10)] = 1


class LossConfig(WrtConfig):
    indexed: StrictBool = False


class FixedConfig(WrtConfig):
    function: Expression
    function_latex: Latex
    variables: Variables = ["x", "y"]
    at: Point = {}
    gradient: StrictBool = False
    slope: StrictBool = False
    fname: Name = "f"


CONFIGS: dict[str, type[BaseModel]] = {
    "custom": CustomConfig,
    "polynomial": WrtConfig,
    "gaussian": GaussianConfig,
    "rational": WrtConfig,
    "chain": WrtConfig,
    "slope": SlopeConfig,
    "loss": LossConfig,
    "gradient": CodeConfig,
    "second": WrtConfig,
    "fixed": FixedConfig,
}

BaseFamily = Literal[tuple(CONFIGS)]  # type: ignore[valid-type]  # what a parts family builds on


class PartEntry(_Strict):
    """One part of a multi-part problem (exercises/authoring/generators/parts.py)."""

    wrt: Wrt = []
    gradient: StrictBool = False
    at: Point | None = None
    slope: StrictBool = False
    weight: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    carry_from: Annotated[StrictInt, Field(ge=0, le=5)] | None = None
    carry_share: Penalty | None = None


class PartsConfig(_Strict):
    """A parts config's own keys; the others are its base family's config (CONFIGS[base])."""

    base: BaseFamily = "fixed"  # type: ignore[valid-type]
    parts: Annotated[list[PartEntry], Field(min_length=2, max_length=6)]


PARTS_KEYS = ("base", "parts")

Family = Literal[(*CONFIGS, "parts")]  # type: ignore[valid-type]  # the families


# --- The file ---------------------------------------------------------------------------------


class TemplateEntry(_Strict):
    slug: Slug
    family: Family  # type: ignore[valid-type]
    title_en: Title
    title_ko: Title
    published: StrictBool = False
    # Kept as written (an export gives it back unchanged); CONFIGS[family] checks it.
    config: Annotated[dict[str, Any], Field(max_length=20)] = {}


class ItemEntry(_Strict):
    template: Slug
    points: Points = Decimal("1")
    max_attempts: Annotated[StrictInt, Field(ge=1, le=100)] = 3
    due_at: When | None = None
    late_until: When | None = None
    late_penalty: Penalty = Decimal("0.5")
    tolerance: Tolerance | None = None
    show_plots: StrictBool = True
    show_hints: StrictBool = True
    # a vector answer (a gradient): the share of its components that are right, or only all
    vector_credit: Literal["per_component", "all_or_nothing"] = "per_component"


class SetEntry(_Strict):
    title_en: Title
    title_ko: Title
    position: Annotated[StrictInt, Field(ge=0, le=9999)] = 0
    opens_at: When | None = None
    due_at: When
    items: Annotated[list[ItemEntry], Field(max_length=MAX_ITEMS)] = []


class _Top(_Strict):
    """The file's top level; each entry is then checked on its own, so that every entry's
    problems are listed."""

    format: Literal[FORMAT]  # type: ignore[valid-type]
    templates: Annotated[list[dict[str, Any]], Field(max_length=MAX_TEMPLATES)] = []
    problem_sets: Annotated[list[dict[str, Any]], Field(max_length=MAX_SETS)] = []


@dataclass(frozen=True)
class CourseFile:
    """The entries that passed the schema, with their index in the file; `errors` lists the
    others' problems; `slugs` are every slug the file's templates name."""

    templates: list[tuple[int, TemplateEntry]]
    problem_sets: list[tuple[int, SetEntry]]
    slugs: frozenset[str]
    errors: list[str]


# --- Errors -----------------------------------------------------------------------------------


def path_of(loc: tuple[int | str, ...]) -> str:
    """('problem_sets', 0, 'items', 2, 'points') -> problem_sets[0].items[2].points"""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or _("the file")


DATE_EXAMPLE = gettext_noop("give a date and time with a time zone, e.g. 2026-03-02T23:59:00Z")
NOT_A_NUMBER = gettext_noop("must be a number")
WHOLE_NUMBER = gettext_noop("must be a whole number")
BOOLEAN = gettext_noop("must be true or false")
MAPPING = gettext_noop("must be a mapping")
TOO_MANY_DIGITS = gettext_noop("too many digits")
REAL_DATE = gettext_noop("not a real date and time, e.g. 2026-03-02T23:59:00Z")

# pydantic's error types, in words; %(name)s is the error's context value of that name.
MESSAGES = {
    "extra_forbidden": gettext_noop("unknown key"),
    "missing": gettext_noop("missing (required)"),
    "string_type": gettext_noop("must be text"),
    "string_too_short": gettext_noop("must not be empty"),
    "string_too_long": gettext_noop("at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_noop("use letters, digits, - and _ only"),
    "control_character": gettext_noop("contains a control character (such as NUL)"),
    "int_type": WHOLE_NUMBER,
    "int_parsing": WHOLE_NUMBER,
    "int_from_float": WHOLE_NUMBER,
    "bool_type": BOOLEAN,
    "bool_parsing": BOOLEAN,
    "number_type": NOT_A_NUMBER,
    "float_type": NOT_A_NUMBER,
    "float_parsing": NOT_A_NUMBER,
    "decimal_type": NOT_A_NUMBER,
    "decimal_parsing": NOT_A_NUMBER,
    "finite_number": gettext_noop("must be a finite number"),
    "decimal_max_places": gettext_noop("at most %(decimal_places)s decimal places"),
    "decimal_max_digits": TOO_MANY_DIGITS,
    "decimal_whole_digits": TOO_MANY_DIGITS,
    "greater_than_equal": gettext_noop("must be at least %(ge)s"),
    "less_than_equal": gettext_noop("must be at most %(le)s"),
    "too_long": gettext_noop("at most %(max_length)s entries"),
    "too_short": gettext_noop("at least %(min_length)s entries"),
    "list_type": gettext_noop("must be a list"),
    "dict_type": MAPPING,
    "model_type": MAPPING,
    "model_attributes_type": MAPPING,
    "literal_error": gettext_noop("must be one of: %(expected)s"),
    "date_type": DATE_EXAMPLE,
    "datetime_type": DATE_EXAMPLE,
    "timezone_aware": gettext_noop("give a time zone, e.g. 2026-03-02T23:59:00Z or +09:00"),
    "datetime_parsing": REAL_DATE,
    "datetime_from_date_parsing": REAL_DATE,
    "moment_out_of_range": moments.OUT_OF_RANGE,
}


def _message(error: Mapping[str, Any]) -> str:
    """One pydantic error in the user's language (its English text as the last resort)."""
    words = MESSAGES.get(error["type"])
    if words is None:
        return _("invalid: %(error)s") % {"error": error["msg"]}
    return _(words) % defaultdict(str, error.get("ctx") or {})


def problem(path: str, message: str) -> str:
    return _("%(path)s: %(problem)s") % {"path": path, "problem": message}


def _problems(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    return [
        problem(path_of(prefix + tuple(error["loc"])), _message(error))
        for error in exc.errors(include_url=False)
    ]


def _entry(model: type[Model], raw: Any, loc: tuple[int | str, ...], errors: list[str]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors += _problems(exc, loc)
        return None


def _config_entry(entry: TemplateEntry, loc: tuple[int | str, ...], errors: list[str]) -> bool:
    """Whether a template's config passes its family's model; a parts config's own keys pass
    PartsConfig and the others its base family's model."""
    if entry.family != "parts":
        return _entry(CONFIGS[entry.family], entry.config, loc, errors) is not None
    own = {k: v for k, v in entry.config.items() if k in PARTS_KEYS}
    parts = _entry(PartsConfig, own, loc, errors)
    if parts is None:
        return False
    rest = {k: v for k, v in entry.config.items() if k not in PARTS_KEYS}
    return _entry(CONFIGS[parts.base], rest, loc, errors) is not None


def parse(data: Any) -> CourseFile:
    """The file's entries checked against the schema; a template's config against its family's
    model. ImportFailed when the top level is wrong."""
    if not isinstance(data, dict):
        raise ImportFailed(
            [problem(path_of(()), _("must be a mapping with format: %(f)s") % {"f": FORMAT})]
        )
    errors: list[str] = []
    top = _entry(_Top, data, (), errors)
    if top is None:
        raise ImportFailed(errors)
    templates = []
    for i, raw in enumerate(top.templates):
        entry = _entry(TemplateEntry, raw, ("templates", i), errors)
        if entry is not None and _config_entry(entry, ("templates", i, "config"), errors):
            templates.append((i, entry))
    sets = [
        (i, _entry(SetEntry, raw, ("problem_sets", i), errors))
        for i, raw in enumerate(top.problem_sets)
    ]
    slugs = frozenset(str(raw.get("slug")) for raw in top.templates)
    return CourseFile(templates, [(i, s) for i, s in sets if s is not None], slugs, errors)
