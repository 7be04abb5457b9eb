"""Every page is served with the Content-Security-Policy (config/settings/base.py): full pages,
htmx fragments, error pages and the login page alike."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "font-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    """The policy's directives, less a style-src nonce: a page that draws plots gives Plotly a
    stylesheet of its own with the response's nonce (templates/practice/_plots.html)."""
    header = re.sub(r" 'nonce-[A-Za-z0-9+/=]+'", "", response["Content-Security-Policy"])
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def test_pages_fragments_and_errors_carry_the_policy(client):
    instance = factories.toy_instance()
    anonymous = [client.get(reverse("login"))]
    client.force_login(instance.student)
    responses = [
        *anonymous,
        client.get(reverse("practice:dashboard")),
        client.get(reverse("practice:problem-detail", args=[instance.pk])),
        client.get(
            reverse("practice:problem-preview", args=[instance.pk]),
            {"answer": "3x^2 + y"},
            HTTP_HX_REQUEST="true",
        ),
        client.get("/no-such-page/"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404]
    for response in responses:
        policy = directives(response)
        assert {name: policy.get(name) for name in POLICY} == POLICY
        # nothing that would let injected markup run script or style
        assert "unsafe" not in response["Content-Security-Policy"]
