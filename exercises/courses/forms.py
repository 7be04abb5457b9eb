"""Forms for a course's people: roster upload and confirmation, joining by code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RosterUploadForm(forms.Form):
    roster = forms.FileField(label=_("Roster CSV (name, email, student id)"))


class RosterConfirmForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=1_000_000)


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=40)
