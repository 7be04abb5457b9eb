"""Forms for a course and its people: the course itself, roster upload and confirmation,
joining by code."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exercises.courses import moments
from exercises.courses.models import CODE_TAKEN, Course
from exercises.courses.text import reject_untypable


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date and time picker (its value "2026-03-01T09:00", in the course's
    zone), for every form of the rooms that asks for a moment."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MomentField(forms.DateTimeField):
    """A moment typed in the course's zone with the browser's picker, within the site's range
    (courses.moments): a year near Python's ends has no UTC time to store."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LocalDateTimeInput())
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is not None and not moments.in_range(moment):
            raise forms.ValidationError(_(moments.OUT_OF_RANGE), code="out_of_range")
        return moment


class RosterUploadForm(forms.Form):
    roster = forms.FileField(label=_("Roster CSV (name, email, student id)"))


class RosterConfirmForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=1_000_000)


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=40)


# In the tz database but not a place: "localtime" is the server's own zone (whatever it is set
# to), "Factory" a placeholder shown as "-00".
NOT_ZONES = frozenset({"localtime", "Factory"})


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones() - NOT_ZONES)]


class CourseForm(forms.ModelForm):
    """A course's code, titles and time zone (create and edit)."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zones,
        help_text=_("Due dates and release times of the course are shown in this zone."),
    )

    class Meta:
        model = Course
        fields = ["title_en", "title_ko", "code", "time_zone"]
        labels = {
            "title_en": _("Title (English)"),
            "title_ko": _("Title (Korean)"),
            "code": _("Code"),
        }
        help_texts = {
            "code": _(
                "A short name for files and links: letters, digits, - and _ (e.g. calc-2026)."
            ),
        }
        error_messages = {
            "code": {"unique": CODE_TAKEN},
        }

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        for name in ("title_en", "title_ko"):  # shown to every student of the course
            self.fields[name].validators.append(reject_untypable)

    def clean_code(self) -> str:
        """Unique ignoring case too: the code names the course's files (calc.yaml, CALC.yaml
        are one file on a disk that ignores case)."""
        code = str(self.cleaned_data["code"])
        if self._code_taken(code):
            raise forms.ValidationError(CODE_TAKEN, code="unique")
        return code

    def _code_taken(self, code: str) -> bool:
        others = Course.objects.filter(code__iexact=code)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        return others.exists()

    def code_taken_meanwhile(self) -> bool:
        """After the database refused the save (an IntegrityError): whether another request
        took the code since clean_code looked; if so, it is said on the field."""
        if not self._code_taken(str(self.cleaned_data["code"])):
            return False
        self.add_error("code", forms.ValidationError(CODE_TAKEN, code="unique"))
        return True

    def values(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}
