"""Forms: the answer box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exercises.practice.services import MAX_ANSWER_LENGTH


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=MAX_ANSWER_LENGTH, strip=True, required=False
    )
