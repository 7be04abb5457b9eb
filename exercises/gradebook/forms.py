"""Forms for staff: an item's tolerance, the LMS export and fill choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exercises.authoring.models import ProblemSet
from exercises.authoring.tolerance import MAX_TOLERANCE
from exercises.courses.forms import MomentField

LMS_CHOICES = [
    ("canvas", "Canvas"),
    ("moodle", "Moodle"),
    ("blackboard", "Blackboard Learn"),
    ("brightspace", "Brightspace (D2L)"),
    ("plain", _("Plain CSV (for spreadsheets)")),
]


ATTEMPT_CHOICES = [("best", _("Best attempt")), ("last", _("Last attempt"))]


MOODLE_KEY_CHOICES = [
    ("email", _("Email address")),
    ("username", _("Username")),
    ("idnumber", _("ID number (student id)")),
]


BRIGHTSPACE_KEY_CHOICES = [
    ("both", _("OrgDefinedId and Username")),
    ("org_defined_id", "OrgDefinedId"),
    ("username", _("Username")),
]


class ToleranceForm(forms.Form):
    tolerance = forms.FloatField(
        label=_("Relative tolerance for decimal answers"), min_value=0, max_value=MAX_TOLERANCE
    )


class ExportForm(forms.Form):
    lms = forms.ChoiceField(label=_("Format"), choices=LMS_CHOICES, initial="canvas")
    problem_set = forms.TypedChoiceField(
        label=_("Problem sets"), coerce=int, empty_value=None, required=False
    )
    attempt = forms.ChoiceField(label=_("Which attempt counts"), choices=ATTEMPT_CHOICES)
    late_penalty = forms.TypedChoiceField(
        label=_("Late penalty applied"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        initial="yes",
    )
    moodle_key = forms.ChoiceField(
        label=_("Moodle: identify students by"), choices=MOODLE_KEY_CHOICES, required=False
    )
    brightspace_key = forms.ChoiceField(
        label=_("Brightspace: identify students by"),
        choices=BRIGHTSPACE_KEY_CHOICES,
        required=False,
    )
    brightspace_max_points = forms.BooleanField(
        label=_("Brightspace: write each item's maximum points in its header"), required=False
    )

    def __init__(self, *args: Any, sets: Iterable[ProblemSet] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", _("All problem sets of the course"))]
        korean = (get_language() or "en").startswith("ko")  # the reader's language
        choices += [(s.pk, (s.title_ko if korean and s.title_ko else s.title_en)) for s in sets]
        self.fields["problem_set"].choices = choices  # type: ignore[attr-defined]


class FillForm(forms.Form):
    gradebook = forms.FileField(label=_("Gradebook exported from your LMS (CSV)"))
    match_on = forms.ChoiceField(
        label=_("Match students on"),
        required=False,
        choices=[
            ("", _("the LMS's usual column")),
            ("sis_login_id", "Canvas: SIS Login ID"),
            ("sis_user_id", "Canvas: SIS User ID"),
            ("email", "Moodle / Brightspace: email"),
            ("username", "Moodle / Blackboard / Brightspace: username"),
            ("idnumber", "Moodle: ID number"),
            ("student_id", "Blackboard: Student ID"),
            ("org_defined_id_or_username", _("Brightspace: OrgDefinedId, else username")),
            ("org_defined_id", "Brightspace: OrgDefinedId"),
        ],
    )


def _when(label: Any) -> forms.DateTimeField:
    return MomentField(label=label, required=False)


class ExceptionForm(forms.Form):
    """A student's own terms on a problem (or every problem of its set)."""

    due_at = _when(_("Due date"))
    late_until = _when(_("Late answers until"))
    max_attempts = forms.IntegerField(
        label=_("Attempts"), min_value=1, max_value=100, required=False
    )
    excused = forms.BooleanField(label=_("Excused (left out of the totals)"), required=False)
    whole_set = forms.BooleanField(label=_("Every problem of this set"), required=False)
    action = forms.ChoiceField(choices=[("save", "save"), ("clear", "clear")], initial="save")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due, late = data.get("due_at"), data.get("late_until")
        if due and late and late < due:
            self.add_error("late_until", _("The late window must not end before the due date."))
        return data


class OverrideForm(forms.Form):
    """A score set by hand, with its reason (empty score with "remove": back to the attempts)."""

    score = forms.DecimalField(
        label=_("Score"), min_value=0, max_digits=6, decimal_places=2, required=False
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.ChoiceField(choices=[("save", "save"), ("remove", "remove")], initial="save")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("action") == "save"
            and data.get("score") is None
            and "score" not in self.errors
        ):
            self.add_error("score", _("Give the score."))
        return data


GRADEBOOK_SORT_CHOICES = [
    ("name", _("Name")),
    ("student_id", _("Student id")),
    ("total", _("Total")),
]


class GradebookQueryForm(forms.Form):
    """The gradebook's filter and sort, from the query string (anything else: the default)."""

    q = forms.CharField(label=_("Filter students"), max_length=100, required=False)
    sort = forms.CharField(max_length=40, required=False)
    order = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)
