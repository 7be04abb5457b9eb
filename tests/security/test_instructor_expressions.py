"""An instructor's expression is bounded like a student's answer (issue #12): a constraint such
as a^a^a > 0 with a = 9 asked exact arithmetic for a number of 370 million digits, and the
template page, the 50-seed check and the YAML import never answered."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from exercises.authoring.models import TemplateCheck
from exercises.authoring.services.templates import custom_template_create
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY
from tests.support.budget import HANG_S

pytestmark = pytest.mark.django_db

TOWER = {
    **TOY,
    "function": "{a} x^3 + x y",
    "parameters": [{"name": "a", "min": 9, "max": 9, "exclude": []}],
    "constraints": ["a^a^a > 0"],
}


@pytest.fixture
def ta_client(client):
    course = factories.course()
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    template = custom_template_create(
        course=course, slug="tower", title_en="Tower", title_ko="탑", config=TOWER
    )
    return client, template


def test_the_template_page_answers_with_the_reason(ta_client):
    client, template = ta_client
    started = time.monotonic()
    response = client.get(reverse("authoring:template-edit", args=[template.pk]))
    assert time.monotonic() - started < HANG_S
    assert response.status_code == 200
    assert "a value passes 10^300 at a = 9" in response.content.decode()


def test_the_check_finishes_and_fails_with_the_reason(
    ta_client, django_capture_on_commit_callbacks
):
    client, template = ta_client
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("authoring:template-check", args=[template.pk]))
    assert response.status_code in (200, 302)
    check = TemplateCheck.objects.get(template=template)
    assert check.status == TemplateCheck.Status.FAILED
    assert "10^300" in str(check.failures[0])


def test_a_bounded_constraint_still_works(ta_client):
    client, template = ta_client
    template.config = {**TOWER, "constraints": ["a^2 > 3"]}
    template.save()
    response = client.get(reverse("authoring:template-edit", args=[template.pk]))
    assert response.status_code == 200
    assert "10^300" not in response.content.decode()
