"""Forms of the lti room: a platform's registration, a deployment, a choice of course or set."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from lti_tool.models import LtiRegistration

MAX_DEPLOYMENTS = 20


class RegistrationForm(forms.ModelForm):
    """What the LMS admin gives us when they add the tool."""

    auth_url = forms.URLField(
        label=_("Authentication request URL (OIDC auth)"), assume_scheme="https"
    )
    token_url = forms.URLField(label=_("Access token URL"), assume_scheme="https")
    keyset_url = forms.URLField(label=_("Platform JWKS URL (public keyset)"), assume_scheme="https")
    deployment_ids = forms.CharField(
        label=_("Deployment ids (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    class Meta:
        model = LtiRegistration
        fields = ["name", "issuer", "client_id", "auth_url", "token_url", "keyset_url", "audience"]
        labels = {
            "name": _("Name"),
            "issuer": _("Issuer (platform id)"),
            "client_id": _("Client id"),
            "audience": _("Token audience (only if the LMS asks for one)"),
        }

    def clean_deployment_ids(self) -> list[str]:
        ids = [line.strip() for line in self.cleaned_data["deployment_ids"].splitlines()]
        ids = [i for i in ids if i]
        if len(ids) > MAX_DEPLOYMENTS:
            raise forms.ValidationError(
                _("At most %(n)s deployment ids at a time.") % {"n": MAX_DEPLOYMENTS}
            )
        if any(len(i) > 255 for i in ids):
            raise forms.ValidationError(_("A deployment id has at most 255 characters."))
        return list(dict.fromkeys(ids))


class DeploymentForm(forms.Form):
    deployment_id = forms.CharField(label=_("Deployment id"), max_length=255)


class ActiveForm(forms.Form):
    active = forms.BooleanField(required=False)


class ChoiceForm(forms.Form):
    """One id among those offered (a course, a set, an LMS course's link); "new" where allowed."""

    choice = forms.CharField(max_length=20)

    def __init__(self, *args: Any, allowed: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def clean_choice(self) -> str:
        choice = self.cleaned_data["choice"]
        if choice not in self.allowed:
            raise forms.ValidationError(_("Choose one of the options shown."))
        return choice
