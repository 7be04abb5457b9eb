"""The database unavailable for a moment: a clear error page, and nothing half-written."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_write_that_hits_a_database_error_gets_a_clear_page_and_stores_nothing():
    inst = factories.toy_instance()
    client = Client(raise_request_exception=False)
    client.force_login(inst.student)
    broken = mock.patch.object(
        Submission.objects, "create", side_effect=OperationalError("server closed the connection")
    )
    with broken:
        response = client.post(
            reverse("practice:submission-create", args=[inst.pk]), {"answer": "3x^2 + y"}
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "Nothing was saved from this request" in response.content.decode()
    assert Submission.objects.count() == 0


def test_other_errors_are_not_disguised():
    inst = factories.toy_instance()
    client = Client(raise_request_exception=False)
    client.force_login(inst.student)
    with mock.patch.object(Submission.objects, "create", side_effect=ValueError("bug")):
        response = client.post(
            reverse("practice:submission-create", args=[inst.pk]), {"answer": "3x^2 + y"}
        )
    assert response.status_code == 500
