"""Forms of the instructor's editor: custom templates, problem sets, items, YAML import."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exercises.authoring.generators.custom import TemplateError, template_problems
from exercises.authoring.generators.parts import (
    ASKED,
    MAX_PARTS,
    base_of,
    parts_config_check,
    parts_validate,
    refused_where,
)
from exercises.authoring.models import ProblemSet, ProblemSetItem, ProblemTemplate
from exercises.authoring.tolerance import DEFAULT_TOLERANCE, MAX_TOLERANCE, template_tolerance
from exercises.authoring.yaml_schema import CONFIGS
from exercises.courses.forms import MomentField
from exercises.courses.models import Course
from exercises.courses.text import reject_untypable, reject_untypable_lines

PARAM_LINE = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9]*)\s*:\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?:except\s+(.+))?$"
)


def parameters_text(parameters: list[dict[str, Any]]) -> str:
    lines = []
    for p in parameters:
        line = f"{p['name']}: {p['min']}..{p['max']}"
        if p.get("exclude"):
            line += " except " + ", ".join(str(v) for v in p["exclude"])
        lines.append(line)
    return "\n".join(lines)


def _parameters(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = PARAM_LINE.match(line)
        if not m:
            raise forms.ValidationError(
                _("Write each parameter as “a: 1..9” or “b: -5..5 except 0”: %(line)s"),
                params={"line": line.strip()},
            )
        try:
            exclude = [int(v) for v in re.split(r"[,\s]+", (m.group(4) or "").strip()) if v]
        except ValueError:
            raise forms.ValidationError(
                _("Excluded values must be whole numbers: %(line)s"), params={"line": line}
            ) from None
        out.append(
            {"name": m.group(1), "min": int(m.group(2)), "max": int(m.group(3)), "exclude": exclude}
        )
    return out


def _names(text: str) -> list[str]:
    return [v for v in re.split(r"[,\s]+", text.strip()) if v]


def _point(text: str) -> dict[str, str]:
    at = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise forms.ValidationError(_("Write the point as “x = 1, y = {a}”."))
        at[name.strip()] = value.strip()
    return at


# Starting points in the editor, modeled on the lecture's toy examples (../shared/seed).
EXAMPLES: dict[str, dict[str, str]] = {
    "polynomial": {
        "title_en": "x³ + xy − y with coefficients",
        "title_ko": "계수가 있는 x³ + xy − y",
        "function": "{a} x^3 + {b} x y - {c} y",
        "parameters": "a: 1..9\nb: -5..5 except 0\nc: 1..9",
        "constraints": "a != c\na + c > 2",
        "task": "partial",
        "wrt": "x",
    },
    "gaussian-slope": {
        "title_en": "The slope of c xy / e^(x²+y²) at y = 1",
        "title_ko": "y = 1일 때 c xy / e^(x²+y²)의 기울기",
        "function": "{c} x y / e^(x^2 + y^2)",
        "parameters": "c: 2..9\np: 2..3",
        "task": "value",
        "wrt": "x",
        "at": "x = {p}, y = 1",
    },
    "rational-mixed": {
        "title_en": "A mixed partial of c y / (x² + y² + k)",
        "title_ko": "c y / (x² + y² + k)의 혼합 편도함수",
        "function": "{c} y / (x^2 + y^2 + {k})",
        "parameters": "c: 2..9\nk: 1..4",
        "task": "partial",
        "wrt": "x, y",
    },
    "gradient": {
        "title_en": "The gradient of a e^(b x y)",
        "title_ko": "a e^(b x y)의 기울기 벡터",
        "function": "{a} e^({b} x y)",
        "parameters": "a: 1..5\nb: -3..3 except 0",
        "task": "gradient",
    },
}

LETTERS = "abcdefghij"

# What a part can ask, as the editor offers it (the keys each sets: PartForm.spec)
PART_KINDS = [
    ("partial", _("A partial derivative (f_x, f_y, f_xy, …)")),
    ("value", _("The value of a partial derivative at a point")),
    ("slope", _("The slope of the slice through a point (f_x there)")),
    ("gradient", _("The gradient")),
    ("gradient_at", _("The gradient at a point")),
]
_WITH_POINT = ("value", "slope", "gradient_at")
_WHOLE = re.compile(r"^\s*[-+]?\d{1,12}\s*$")


# The optional typed fields that a one-question template and a part's row share, with their
# caps: what a part asks is typed the same way in either.
def _wrt_field(*, help_text: str, **kw: Any) -> forms.CharField:
    """The variables to differentiate by ("x, y"), as _names reads them."""
    return forms.CharField(
        label=_("Differentiate by"), max_length=40, required=False, help_text=help_text, **kw
    )


def _point_field(label: str, *, help_text: str) -> forms.CharField:
    """A point ("x = 1, y = 2"), as _point reads it."""
    return forms.CharField(label=label, max_length=120, required=False, help_text=help_text)


def _number_text(label: str, *, help_text: str, **kw: Any) -> forms.CharField:
    """A number typed as text, checked where it is used (the parts family's rules)."""
    return forms.CharField(label=label, max_length=20, required=False, help_text=help_text, **kw)


class PartForm(forms.Form):
    """One part of a multi-part template, as a row of the editor; its rules are those of the
    parts family (generators.parts.parts_config_check), the same as a YAML import's."""

    kind = forms.ChoiceField(label=_("Asks"), choices=PART_KINDS)
    wrt = _wrt_field(help_text=_("x for f_x, y for f_y, x, y for f_xy"))
    at = _point_field(_("Point (at)"), help_text=_("x = 1, y = 2"))
    weight = _number_text(
        _("Share of the points (weight)"),
        help_text=_("A whole number: the item's points are shared by these weights"),
    )
    carry_from = forms.ChoiceField(
        label=_("Carry forward (carry_from)"),
        required=False,
        choices=[
            ("", _("no")),
            *((str(n), f"({LETTERS[n - 1]})") for n in range(1, MAX_PARTS + 1)),
        ],
        help_text=_(
            "A value at a point may be graded with the student's own answer to an earlier "
            "part asking the same derivative"
        ),
    )
    carry_share = _number_text(
        _("Credit when carried forward (carry_share)"),
        widget=forms.TextInput(attrs={"placeholder": "0.5", "inputmode": "decimal"}),
        help_text=_("0 to 1 of this part's points (empty: 0.5)"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        kind = data["kind"]
        spec: dict[str, Any] = {}
        if kind.startswith("gradient"):
            spec["gradient"] = True
        elif kind == "slope":
            spec["wrt"] = ["x"]
        else:
            spec["wrt"] = _names(data["wrt"])
        if kind in _WITH_POINT:
            try:
                spec["at"] = _point(data["at"])
            except forms.ValidationError as exc:
                self.add_error("at", exc)
                return data
        if kind == "slope":
            spec["slope"] = True
        weight = data["weight"].strip()
        if weight:  # the parts family says which numbers will do
            spec["weight"] = int(weight) if _WHOLE.match(weight) else weight
        if data["carry_from"]:
            spec["carry_from"] = int(data["carry_from"]) - 1
        if data["carry_share"].strip():
            spec["carry_share"] = data["carry_share"].strip()
        data["spec"] = spec
        return data

    @staticmethod
    def initial_of(spec: dict[str, Any]) -> dict[str, Any]:
        at = spec.get("at") or {}
        if spec.get("gradient"):
            kind = "gradient_at" if at else "gradient"
        else:
            kind = "slope" if spec.get("slope") else "value" if at else "partial"
        source = spec.get("carry_from")
        return {
            "kind": kind,
            "wrt": ", ".join(map(str, spec.get("wrt") or [])),
            "at": ", ".join(f"{k} = {v}" for k, v in at.items()),
            "weight": str(spec.get("weight", 1)),
            "carry_from": "" if source is None else str(int(source) + 1),
            "carry_share": str(spec.get("carry_share", "")),
        }


# At most one row more than a template may have, so that too many is the parts family's own
# refusal; a forged count beyond that is Django's "at most" message.
PartFormSet = forms.formset_factory(
    PartForm, extra=0, max_num=MAX_PARTS, absolute_max=MAX_PARTS + 1
)

# A new template's parts: f_x, its value (carrying forward (a)), f_y
NEW_PARTS = [
    {"wrt": ["x"]},
    {"wrt": ["x"], "at": {"x": "1", "y": "1"}, "carry_from": 0},
    {"wrt": ["y"]},
]
# The editor's parts field for each key a parts refusal may name (parts.refused_where)
_PART_FIELD = {"wrt": "wrt", "at": "at", "slope": "kind", "weight": "weight"}
_PART_FIELD.update(carry_from="carry_from", carry_share="carry_share")


def editor_edits(template: ProblemTemplate) -> bool:
    """Whether the editor's form can show the template: a custom one, or a parts one whose
    function is typed (a custom base) or given (a fixed base); other families come by YAML."""
    if template.family == "parts":
        return template.config.get("base", "fixed") in ("custom", "fixed")
    return template.family == "custom"


def _same_parts_template(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether two parts configs ask the same (their defaults filled in), so that a template
    saved without a change keeps its config as it was."""

    def canonical(config: dict[str, Any]) -> Any:
        base, base_config = base_of(config)
        variables = [str(v) for v in config.get("variables") or ["x", "y"]]
        filled = CONFIGS[base].model_validate(base_config).model_dump()
        for key in ASKED:  # what the base would ask: the parts ask instead
            filled.pop(key, None)
        return base, filled, parts_config_check(config, variables)

    try:
        return bool(canonical(old) == canonical(new))
    except (TemplateError, ValueError, TypeError):  # a pydantic ValidationError is a ValueError
        return False


def _text_box(label: str, *, rows: int, help_text: str = "") -> forms.CharField:
    """An optional field typed in a box `rows` lines high (no character nobody types)."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        help_text=help_text,
        validators=[reject_untypable_lines],
    )


class CustomTemplateForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (slug)"), max_length=80)
    family = forms.ChoiceField(
        label=_("Kind of problem"),
        choices=[
            ("custom", _("One question")),
            ("parts", _("Several parts about one function, each graded on its own")),
        ],
        initial="custom",
        widget=forms.RadioSelect,
        required=False,  # left out (an older page): one question
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, validators=[reject_untypable]
    )
    title_ko = forms.CharField(
        label=_("Title (Korean)"), max_length=200, validators=[reject_untypable]
    )
    function = forms.CharField(
        label=_("Function"), max_length=300, help_text=_("e.g. {a} x^3 + {b} x y - {c} y")
    )
    variables = forms.CharField(label=_("Variables"), max_length=60, initial="x, y")
    parameters = _text_box(
        _("Parameters"), rows=4, help_text=_("One a line: a: 1..9 or b: -5..5 except 0")
    )
    constraints = _text_box(
        _("Constraints"), rows=3, help_text=_("One a line, e.g. a != c or a + c > 2")
    )
    task = forms.ChoiceField(
        label=_("Task"),
        choices=[
            ("partial", _("A partial derivative (first, second or mixed)")),
            ("value", _("The value of a partial derivative at a point")),
            ("gradient", _("The gradient")),
        ],
    )
    wrt = _wrt_field(
        initial="x", help_text=_("x for the first partial; x, y for the mixed partial f_xy")
    )
    at = _point_field(_("Point"), help_text=_("For a value: x = 1, y = {a}"))
    notation = forms.ChoiceField(
        label=_("Notation"),
        choices=[
            ("any", _("Any of the three, by seed")),
            ("partial", "∂f/∂x"),
            ("subscript", "f_x"),
            ("prime", "f'_x"),
        ],
    )
    statement_en = _text_box(
        _("Statement (English)"),
        rows=2,
        help_text=_("Leave empty for the generated one; {a} and {function} are filled in"),
    )
    statement_ko = _text_box(_("Statement (Korean)"), rows=2)
    points = forms.DecimalField(
        label=_("Points"), min_value=Decimal("0"), max_digits=6, decimal_places=2, initial=1
    )
    tolerance = forms.FloatField(
        label=_("Numeric tolerance"),
        min_value=0,
        max_value=MAX_TOLERANCE,
        initial=DEFAULT_TOLERANCE,
    )

    # the fields of a one-question template (a parts template's parts ask instead)
    SINGLE = ("task", "wrt", "at", "statement_en", "statement_ko")

    def __init__(self, *args: Any, template: ProblemTemplate | None = None, **kw: Any) -> None:
        if template is not None and "initial" not in kw:
            kw["initial"] = self.initial_of(template)
        super().__init__(*args, **kw)
        self.template = template
        if template is not None:
            self.fields["slug"].disabled = True
        specs = (self.initial.get("parts") or NEW_PARTS)[: MAX_PARTS + 1]
        # the rows are read only for a parts template (a one-question page may post none)
        posted = self.is_bound and self.data.get("family") == "parts"
        self.parts = PartFormSet(
            self.data if posted else None,
            prefix="part",
            initial=[PartForm.initial_of(spec) for spec in specs],
            # every row posted is a part: one left as it was shown is checked all the same
            form_kwargs={"empty_permitted": False},
        )

    def field_groups(self) -> dict[str, list[Any]]:
        """The bound fields by where the page shows them: common, one question only."""
        single = [self[name] for name in self.SINGLE]
        common = [self[name] for name in self.fields if name not in self.SINGLE]
        return {"common": common, "single": single}

    @staticmethod
    def initial_of(template: ProblemTemplate) -> dict[str, Any]:
        c = template.config
        return {
            "slug": template.slug,
            "family": template.family,
            "parts": c.get("parts") if template.family == "parts" else None,
            "title_en": template.title_en,
            "title_ko": template.title_ko,
            "function": c.get("function", ""),
            "variables": ", ".join(c.get("variables", ["x", "y"])),
            "parameters": parameters_text(c.get("parameters", [])),
            "constraints": "\n".join(c.get("constraints", [])),
            "task": c.get("task", "partial"),
            "wrt": ", ".join(c.get("wrt", [])),
            "at": ", ".join(f"{k} = {v}" for k, v in (c.get("at") or {}).items()),
            "notation": c.get("notation", "any"),
            "statement_en": c.get("statement_en", ""),
            "statement_ko": c.get("statement_ko", ""),
            "points": c.get("points", "1"),
            "tolerance": template_tolerance(c),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        data["family"] = data.get("family") or "custom"
        single = data["family"] != "parts"
        try:
            config: dict[str, Any] = {
                "function": data["function"].strip(),
                "variables": _names(data["variables"]),
                "parameters": _parameters(data["parameters"]),
                "constraints": [c.strip() for c in data["constraints"].splitlines() if c.strip()],
                "notation": data["notation"],
                "points": str(data["points"]),
                "tolerance": data["tolerance"],
            }
            if single:
                config["task"] = data["task"]
                config["wrt"] = [] if data["task"] == "gradient" else _names(data["wrt"])
            if single and data["task"] == "value":
                config["at"] = _point(data["at"])
            for key in ("statement_en", "statement_ko"):
                if single and data[key].strip():
                    config[key] = data[key].strip()
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not single:
            data["config"] = self._parts_config(config)
            return data
        problems = template_problems(config)
        if problems:  # all of them at once, each in the reader's language
            raise forms.ValidationError([str(problem) for problem in problems])
        data["config"] = config
        return data

    def _parts_config(self, common: dict[str, Any]) -> dict[str, Any]:
        """The parts config of the form: its function as a custom base (or the fixed base it
        had, its function unchanged), its parts from the rows; each refusal on its row's field."""
        if not self.parts.is_valid():
            raise forms.ValidationError(
                [*self.parts.non_form_errors(), _("Correct the parts marked below.")]
            )
        base = dict(common)
        old = self.template.config if self.template and self.template.family == "parts" else {}
        if (
            old.get("base") == "fixed"
            and old.get("function") == base["function"]
            and not base["parameters"]
            and not base["constraints"]
        ):
            kept = {k: old[k] for k in ("function_latex", "fname") if k in old}
            base = {"base": "fixed", **kept, **base}
            del base["parameters"], base["constraints"]
        else:
            base = {"base": "custom", **base}
            problems = template_problems(base_of(base)[1])
            if problems:
                raise forms.ValidationError([str(problem) for problem in problems])
        config = {**base, "parts": [row.cleaned_data["spec"] for row in self.parts.forms]}
        try:
            parts_validate(config)
        except TemplateError as exc:
            where = refused_where(exc)
            field = _PART_FIELD.get(where[1]) if where else None
            if where is None or field is None or where[0] >= len(self.parts.forms):
                raise forms.ValidationError(str(exc)) from None
            self.parts.forms[where[0]].add_error(field, str(exc))
            raise forms.ValidationError(_("Correct the parts marked below.")) from None
        if old and _same_parts_template(old, config):
            return old  # saved unchanged: the config as it was, not as the form spells it
        return config

    def template_values(self) -> dict[str, Any]:
        """The cleaned values as custom_template_create and custom_template_update take them."""
        return {key: self.cleaned_data[key] for key in ("title_en", "title_ko", "config", "family")}


class ProblemSetForm(forms.ModelForm):
    class Meta:
        model = ProblemSet
        # every field is labelled here, in the order the form shows them
        labels = {
            "course": _("Course"),
            "title_en": _("Title (English)"),
            "title_ko": _("Title (Korean)"),
            "position": _("Position"),
            "opens_at": _("Opens at"),
            "due_at": _("Due at"),
            "hidden": _("Hidden from students (a draft)"),
        }
        fields = list(labels)
        help_texts = {
            "position": _(
                "Orders sets due at the same time on the students' list (smaller first)."
            ),
            "hidden": _("A new set stays hidden until you clear this box (release it)."),
        }
        field_classes = {"opens_at": MomentField, "due_at": MomentField}

    def __init__(self, *args: Any, courses: Any, can_release: bool = True, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["course"].empty_label = None  # type: ignore[attr-defined]
        self.fields["course"].label_from_instance = _course_label  # type: ignore[attr-defined]
        if not can_release:  # a TA: the set stays as it is (new: hidden); README "Roles"
            self.fields["hidden"].disabled = True
        for name in ("title_en", "title_ko"):  # shown to students, as an imported title is
            self.fields[name].validators.append(reject_untypable)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, due = data.get("opens_at"), data.get("due_at")
        if opens and due and opens > due:
            self.add_error("opens_at", _("The set opens after it is due."))
        return data

    def set_values(self) -> dict[str, Any]:
        """The cleaned values as problem_set_create and problem_set_update take them."""
        values = {field: self.cleaned_data[field] for field in self.Meta.fields}
        values["position"] = values["position"] or 0
        return values


def _course_label(course: Any) -> str:
    korean = (get_language() or "en").startswith("ko")
    return str(course.title_ko if korean and course.title_ko else course.title_en)


def _template_label(template: ProblemTemplate) -> str:
    korean = (get_language() or "en").startswith("ko")
    title = template.title_ko if korean and template.title_ko else template.title_en
    return f"{title} ({template.slug})"


class ItemForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=ProblemTemplate.objects.none())
    points = forms.DecimalField(
        label=_("Points"),
        min_value=Decimal("0"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the template's points"),
    )
    max_attempts = forms.IntegerField(label=_("Attempts"), min_value=1, max_value=100, initial=3)
    late_until = MomentField(label=_("Late until"), required=False)
    late_penalty = forms.DecimalField(
        label=_("Late penalty (0 to 1)"),
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=4,
        decimal_places=3,
        initial=Decimal("0.5"),
    )
    show_plots = forms.BooleanField(label=_("Show plots"), required=False, initial=True)
    show_hints = forms.BooleanField(label=_("Show hints"), required=False, initial=True)
    vector_credit = forms.ChoiceField(
        label=_("Credit for a vector answer"),
        choices=ProblemSetItem.VectorCredit.choices,
        initial=ProblemSetItem.VectorCredit.PER_COMPONENT,
        # left out of a form (an older page): the item keeps its choice
        required=False,
        help_text=_("A gradient with some components right: their share of the points, or 0."),
    )

    def __init__(
        self, *args: Any, templates: Any = None, due_at: datetime | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        # The due date the late window must not end before (the set's, or the item's own).
        self.due_at = due_at
        if templates is None:
            del self.fields["template"]
        else:
            field = self.fields["template"]
            field.queryset = templates  # type: ignore[attr-defined]
            field.label_from_instance = _template_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        late_until = data.get("late_until")
        if late_until and self.due_at and late_until < self.due_at:
            self.add_error("late_until", _("The late window ends before the due date."))
        return data

    def rules(self) -> dict[str, Any]:
        """The item's rules as problem_set_item_add and problem_set_item_update take them
        (not the template or the points: each of the two has its own)."""
        rules = {
            key: self.cleaned_data[key]
            for key in ("max_attempts", "late_until", "late_penalty", "show_plots", "show_hints")
        }
        if self.cleaned_data.get("vector_credit"):
            rules["vector_credit"] = self.cleaned_data["vector_credit"]
        return rules


class DuplicateForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Into course"), queryset=Course.objects.none())

    def __init__(self, *args: Any, courses: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["course"].label_from_instance = _course_label  # type: ignore[attr-defined]


class YamlImportForm(forms.Form):
    file = forms.FileField(label=_("YAML file"))
