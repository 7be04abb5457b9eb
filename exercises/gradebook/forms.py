"""Forms for staff: an item's tolerance, the LMS export and fill choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exercises.authoring.models import ProblemSet
from exercises.authoring.tolerance import MAX_TOLERANCE

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
