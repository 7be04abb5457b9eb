"""Launches that must be refused with a 403 page (never a 500), creating nothing: a replayed
id_token, a deployment not registered or not active, an expired token, a token signed by
another key, another client's token, garbage."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from lti_tool.models import LtiContext, LtiDeployment, LtiUser

from exercises.courses.models import Membership
from exercises.lti.models import LtiIdentity
from exercises.lti.services.registrations import deployment_set_active
from tests.support.fake_lms import LEARNER, new_key, post

pytestmark = pytest.mark.django_db


def counts():
    return (
        get_user_model().objects.count(),
        LtiIdentity.objects.count(),
        LtiUser.objects.count(),
        LtiContext.objects.count(),
        LtiDeployment.objects.count(),
        Membership.objects.count(),
    )


def refused(lms, client=None, **kwargs):
    before = counts()
    response = lms.launch(client or Client(), sub="mallory", roles=LEARNER, **kwargs)
    assert response.status_code == 403, response.status_code
    assert "cannot open this link" in response.content.decode()
    assert counts() == before  # nothing created
    return response


def test_a_replayed_launch_is_refused(lms, registration):
    client = Client()
    form = lms.start(client, sub="alice", roles=LEARNER)
    answer = lms.authorize(form["params"])
    first = post(client, form["action"], answer)
    assert first.status_code in (302, 403)  # accepted (the course is not linked yet: 403)
    before = counts()
    for replayer in (Client(), client):  # a stranger without cookies, and the same browser
        again = post(replayer, form["action"], answer)
        assert again.status_code == 403
        assert "already used" in again.content.decode()
    assert counts() == before


def test_a_token_for_another_deployment_is_refused(lms, registration):
    refused(lms, deployment_id="deployment-not-registered")
    assert not LtiDeployment.objects.filter(deployment_id="deployment-not-registered").exists()


def test_a_deactivated_deployment_is_refused(lms, registration):
    deployment_set_active(deployment=LtiDeployment.objects.get(), active=False)
    refused(lms)


def test_an_expired_token_is_refused(lms, registration):
    now = int(time.time())
    refused(lms, tamper={"iat": now - 4000, "exp": now - 3600})


def test_a_token_signed_with_another_key_is_refused(lms, registration):
    refused(lms, tamper={"key": new_key()})  # the platform's kid, someone else's key
    refused(lms, tamper={"key": new_key(), "kid": "not-published"})


def test_a_token_for_another_client_is_refused(lms, registration):
    refused(lms, tamper={"aud": ["someone-else"], "azp": "someone-else"})
    refused(lms, tamper={"aud": [lms.client_id, "someone-else"], "azp": "someone-else"})


def test_a_small_clock_difference_is_tolerated(lms, registration):
    """The platform's clock 30 s ahead: iat in the future is within the leeway."""
    now = int(time.time())
    response = lms.launch(Client(), sub="bob", roles=LEARNER, tamper={"iat": now + 30})
    assert response.status_code == 403
    assert "not set up" in response.content.decode()  # accepted; the course is not linked


def test_garbage_is_refused_not_a_500(lms, registration):
    client = Client()
    form = lms.start(client, sub="carol", roles=LEARNER)
    for data in (
        {"id_token": "not.a.jwt", "state": form["params"]["state"]},
        {"id_token": "a.b.c", "state": form["params"]["state"]},
        {"state": form["params"]["state"]},
        {"id_token": "x"},
        {},
    ):
        response = client.post(form["action"], data)
        assert response.status_code == 403, data


def test_a_login_from_an_unregistered_platform_is_refused(client, registration, lms):
    params = lms.login_params(sub="dave", roles=LEARNER)
    params["iss"] = "https://evil.example"
    response = client.get("/lti/login/", {**params, "lti1p3_new_window": "1"})
    assert response.status_code == 403
    assert client.get("/lti/login/", {}).status_code == 403


def test_the_technical_detail_of_a_refusal_goes_to_the_log_not_to_anyone(lms, registration, caplog):
    """A forged launch is anyone's to post: its refusal page named the platform's URLs and
    the library's errors to them. It is logged, and shown on the page to a superuser only."""
    with caplog.at_level("INFO", logger="exercises.lti.views"):
        stranger = refused(lms, tamper={"key": new_key()}).content.decode()
    assert "Technical detail" not in stranger
    [logged] = [r for r in caplog.records if r.getMessage().startswith("LTI launch refused:")]
    assert "Signature verification failed" in logged.getMessage()  # the detail, logged once
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "r@example.edu", "pw"))
    shown = refused(lms, admin, tamper={"key": new_key()}).content.decode()
    assert "Technical detail (for your site administrator):" in shown


def test_a_login_request_without_its_login_hint_is_called_incomplete(lms, registration):
    """Not "This LMS is not registered here": the platform is, its request lacks a part."""
    response = Client().post(
        f"/lti/login/{registration.uuid}/",
        {"iss": registration.issuer, "target_link_uri": "https://tool.example/lti/launch/"},
    )
    assert response.status_code == 403
    assert "did not send a complete login request" in response.content.decode()
