"""Registration, our JWKS and its keys, and launches from the fake LMS through the web layer:
a new student and an instructor, account linking by (issuer, sub) only, enrolment with the
launch's role, landing on the set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from exercises.courses.models import Membership
from exercises.lti.models import CourseLink, LtiIdentity, ResourceLinkSet
from exercises.lti.platform import signing_key
from exercises.lti.services.launches import course_role_of, resource_link_set
from exercises.lti.services.registrations import course_link_set, keys_rotate
from tests import factories
from tests.support.fake_lms import INSTRUCTOR, LEARNER, TA
from tests.support.lti import linked_course

pytestmark = pytest.mark.django_db


def test_our_jwks_publishes_the_signing_key(client, registration):
    keys = client.get(reverse("lti:jwks")).json()["keys"]
    assert [k["kid"] for k in keys] == [signing_key().as_jwk()["kid"]]
    assert {k["alg"] for k in keys} == {"RS256"}


def test_a_rotated_key_is_published_before_it_signs(client, registration):
    old = signing_key()
    new = keys_rotate()
    kids = {k["kid"] for k in client.get(reverse("lti:jwks")).json()["keys"]}
    assert kids == {old.as_jwk()["kid"], new.as_jwk()["kid"]}
    assert signing_key() == old  # platforms have not fetched the new key yet
    later = timezone.now() + timedelta(days=2)
    assert signing_key(now=later) == new
    # a week on, the next rotation retires the first key, never the one signing
    newest = keys_rotate(now=timezone.now() + timedelta(days=8))
    active = set(Key.objects.active())
    assert old not in active and {new, newest} <= active


def test_only_a_superuser_registers_platforms(client, lms):
    instructor = factories.user()
    membership_course = factories.course()
    from exercises.courses.services.accounts import membership_create

    membership_create(course=membership_course, user=instructor, role="instructor")
    client.force_login(instructor)
    assert client.get(reverse("lti:registrations")).status_code == 404
    admin = get_user_model().objects.create_superuser("root", password="pw-123456789")
    client.force_login(admin)
    refused = client.post(reverse("lti:registrations"), {"name": "Canvas"})
    assert refused.status_code == 400 and 'class="errorlist' in refused.content.decode()
    response = client.post(
        reverse("lti:registrations"),
        {
            "name": "Canvas",
            "issuer": "https://canvas.instructure.com",
            "client_id": "10000000000001",
            "auth_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
            "token_url": "https://sso.canvaslms.com/login/oauth2/token",
            "keyset_url": "https://sso.canvaslms.com/api/lti/security/jwks",
            "audience": "",
            "deployment_ids": "1:abc\n2:def\n1:abc",
        },
    )
    registration = LtiRegistration.objects.get(client_id="10000000000001")
    assert response.headers["Location"] == reverse(
        "lti:registration-detail", args=[registration.pk]
    )
    deployments = LtiDeployment.objects.filter(registration=registration)
    assert sorted(d.deployment_id for d in deployments) == ["1:abc", "2:def"]
    assert all(d.is_active for d in deployments)
    page = client.get(response.headers["Location"]).content.decode()
    assert "/lti/jwks/" in page and f"/lti/login/{registration.uuid}/" in page


def test_instructor_then_new_student_launch(lms, registration):
    course, problem_set = linked_course(lms)
    teacher = LtiIdentity.objects.get(sub="teacher-1").user
    assert Membership.objects.get(course=course, user=teacher).role == "instructor"
    assert not teacher.has_usable_password()

    client = Client()
    response = lms.launch(client, sub="student-7", roles=LEARNER, name="Kim Student",
                          email="kim@example.edu")  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == reverse(
        "practice:problem-set-detail", args=[problem_set.pk]
    )
    student = LtiIdentity.objects.get(issuer=lms.issuer, sub="student-7").user
    assert student.first_name == "Kim Student"
    assert student.email == ""  # the LMS's email never becomes a login of ours
    assert not student.has_usable_password()
    assert Membership.objects.get(course=course, user=student).role == "student"
    assert client.get(response.headers["Location"]).status_code == 200  # signed in, enrolled

    again = lms.launch(Client(), sub="student-7", roles=LEARNER)
    assert again.status_code == 302
    assert LtiIdentity.objects.filter(sub="student-7").count() == 1
    assert get_user_model().objects.filter(lti_identities__sub="student-7").count() == 1


def test_an_account_is_never_found_by_email(lms, registration):
    """An existing account with the LMS user's email is not the LMS user's account."""
    linked_course(lms)
    existing = factories.user(username="kim@example.edu")
    existing.email = "kim@example.edu"
    existing.save()
    response = lms.launch(Client(), sub="student-8", roles=LEARNER, email="kim@example.edu",
                          name="Kim")  # fmt: skip
    assert response.status_code == 302
    assert LtiIdentity.objects.get(sub="student-8").user != existing
    assert not Membership.objects.filter(user=existing).exists()


def test_a_student_of_an_unlinked_lms_course_is_told_to_wait(lms, registration):
    response = lms.launch(Client(), sub="early-1", roles=LEARNER)
    assert response.status_code == 403
    assert "not set up" in response.content.decode()
    assert not Membership.objects.exists()


def test_roles_map_to_ours():
    assert course_role_of(INSTRUCTOR) == "instructor"
    assert course_role_of(LEARNER) == "student"
    assert course_role_of(TA + INSTRUCTOR) == "ta"
    assert course_role_of(["Learner"]) == "student"
    assert course_role_of(["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]) is None
    assert course_role_of("Instructor") is None


def test_a_ta_launch_enrols_a_ta(lms, registration):
    course, problem_set = linked_course(lms)
    response = lms.launch(Client(), sub="ta-1", roles=TA)
    assert response.headers["Location"] == reverse("authoring:set-edit", args=[problem_set.pk])
    user = LtiIdentity.objects.get(sub="ta-1").user
    assert Membership.objects.get(course=course, user=user).role == "ta"


def test_a_launch_with_no_known_role_is_refused(lms, registration):
    mentor = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    response = lms.launch(Client(), sub="mentor-1", roles=mentor)
    assert response.status_code == 403
    assert not LtiIdentity.objects.exists()


def test_a_link_mapped_by_the_admin_lands_students(lms, registration):
    """The admin may link the LMS course on the registration page instead."""
    from lti_tool.models import LtiContext, LtiResourceLink

    assert lms.launch(Client(), sub="early-2", roles=LEARNER).status_code == 403
    context = LtiContext.objects.get(id_on_platform=lms.context_id)
    course = factories.course()
    admin = get_user_model().objects.create_superuser("root2", password="pw-123456789")
    client = Client()
    client.force_login(admin)
    client.post(reverse("lti:context-course", args=[context.pk]), {"choice": str(course.pk)})
    assert CourseLink.objects.get(context=context).course == course
    problem_set = factories.problem_set(in_course=course)
    resource_link_set(resource_link=LtiResourceLink.objects.get(), problem_set=problem_set)
    response = lms.launch(Client(), sub="early-2", roles=LEARNER)
    assert response.headers["Location"] == reverse(
        "practice:problem-set-detail", args=[problem_set.pk]
    )


@override_settings(LTI_JWKS_CACHE_SECONDS=3600)
def test_the_platform_jwks_is_cached_and_refetched_for_a_new_kid(lms, registration):
    linked_course(lms)
    # the platform rotates its key: the cached JWKS lacks the new kid, so it is fetched again
    from tests.support.fake_lms import new_key

    lms.key, lms.kid = new_key(), "lms-key-2"
    lms.published[lms.kid] = lms.key
    response = lms.launch(Client(), sub="student-9", roles=LEARNER)
    assert response.status_code == 302


def test_course_link_set_moves_a_link(lms, registration):
    course, _ = linked_course(lms)
    other = factories.course()
    link = course_link_set(context=CourseLink.objects.get().context, course=other)
    assert link.course == other and CourseLink.objects.count() == 1
    assert ResourceLinkSet.objects.count() == 1


def test_a_launch_keeps_its_sign_in_with_the_development_settings_backends(lms, registration):
    """`make run` (config.settings.local) has the base settings' backends, without the cached
    one the launch signed in with: Django then read the session as anonymous, and an instructor
    never got past "Your LMS launch has expired"."""
    from config.settings import base

    with override_settings(AUTHENTICATION_BACKENDS=base.AUTHENTICATION_BACKENDS):
        course, problem_set = linked_course(lms)  # the instructor's launch, then its pages
        client = Client()
        response = lms.launch(client, sub="student-8", roles=LEARNER, name="Lee")
        assert client.get(response.headers["Location"]).status_code == 200
