"""Fuzzing the answer endpoints: random and hostile bodies get a 4xx with a message, a
rejection shown on the page, or a stored submission; never a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = [
    "__import__('os').system('ls')",
    "x" * 2001,
    "(" * 5000,
    "9^9^9^9",
    "\x00",
    "x\u202ey",
    "'; DROP TABLE exercises_submission; --",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "3x^2 + y",
]
answers = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet="xy0123456789.+-*/^()[]|<>,= esinco", max_size=80),
)
bodies = st.dictionaries(
    st.sampled_from(["answer", "csrfmiddlewaretoken", "extra", "answer[]", ""]),
    st.one_of(answers, st.binary(max_size=50).map(lambda b: b.decode("latin-1"))),
    max_size=4,
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def student_client():
    inst = factories.toy_instance(max_attempts=1000)
    client = Client()
    client.force_login(inst.student)
    return client, inst


@FUZZ
@given(body=bodies, htmx=st.booleans())
def test_submit_never_fails_with_a_server_error(student_client, body, htmx):
    client, inst = student_client
    before = Submission.objects.count()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        reverse("practice:submission-create", args=[inst.pk]), data=body, **headers
    )
    assert response.status_code in (200, 302, 400, 403, 404, 405, 413, 429)
    assert Submission.objects.count() - before in (0, 1)
    stored = Submission.objects.count() - before == 1
    if stored:
        assert len(Submission.objects.latest("pk").answer) <= 2000


@FUZZ
@given(answer=answers)
def test_preview_never_fails_with_a_server_error(student_client, answer):
    client, inst = student_client
    response = client.get(
        reverse("practice:problem-preview", args=[inst.pk]),
        {"answer": answer},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 400, 413, 429)
    assert Submission.objects.count() == 0  # a preview never stores anything


@FUZZ
@given(raw=st.binary(max_size=400))
def test_submit_with_a_raw_body(student_client, raw):
    client, inst = student_client
    response = client.post(
        reverse("practice:submission-create", args=[inst.pk]),
        data=raw,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


def test_submit_without_a_csrf_token_is_refused_and_stores_nothing():
    inst = factories.toy_instance()
    client = Client(enforce_csrf_checks=True)
    client.force_login(inst.student)
    response = client.post(
        reverse("practice:submission-create", args=[inst.pk]), {"answer": "3x^2 + y"}
    )
    assert response.status_code == 403
    assert Submission.objects.count() == 0
