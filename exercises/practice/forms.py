"""Forms: the answer box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exercises.practice.services import MAX_ANSWER_LENGTH
from exercises.practice.services import refusal as refusal_message
from grading.engine import Message


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=MAX_ANSWER_LENGTH, strip=True, required=False
    )

    def refusal(self) -> Message:
        """Why an invalid answer was refused, in both languages: CharField refuses only an
        answer longer than MAX_ANSWER_LENGTH or one with a null character."""
        codes = {error.code for error in self.errors.as_data().get("answer", [])}
        null = "null_characters_not_allowed" in codes
        return refusal_message("null_character" if null else "too_long")
