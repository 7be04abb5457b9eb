"""Deep Linking (an instructor places a set; the platform verifies our signed reply) and
Names and Roles (the LMS roster synced into the course, matched by issuer and user id)."""

from __future__ import annotations

import pytest
import requests
from django.test import Client
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.lti.models import LtiIdentity, ResourceLinkSet
from exercises.lti.services.launches import CUSTOM_SET
from exercises.lti.services.passback import line_item_tag
from tests.support.fake_lms import INSTRUCTOR, LEARNER, TA, form_fields
from tests.support.lti import linked_course

pytestmark = pytest.mark.django_db

DL = "LtiDeepLinkingRequest"
ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def test_deep_linking_places_a_set_with_its_line_item(lms, registration):
    teacher = Client()
    course, problem_set = linked_course(lms, teacher, items=2)
    response = lms.launch(teacher, sub="teacher-1", roles=INSTRUCTOR, message_type=DL)
    assert response.headers["Location"] == reverse("lti:deep-link")
    page = teacher.get(reverse("lti:deep-link")).content.decode()
    assert problem_set.title_en in page
    reply = teacher.post(reverse("lti:deep-link"), {"choice": str(problem_set.pk)})
    fields = form_fields(reply.content.decode())
    assert lms.deep_link_return_url in reply.content.decode()
    # the browser posts it to the platform, which checks our signature with our JWKS
    answer = requests.post(lms.deep_link_return_url, data={"JWT": fields["JWT"]}, timeout=10)
    assert answer.status_code == 200, lms.received.refused
    [message] = lms.received.deep_links
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "dl-data-1"
    [item] = message[ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == lms.tool_launch_url
    assert item["custom"] == {CUSTOM_SET: str(problem_set.pk)}
    assert item["lineItem"]["scoreMaximum"] == 4.0
    assert item["lineItem"]["tag"] == line_item_tag(problem_set.pk)

    # the platform makes a link with these custom parameters: its first launch lands at once
    response = lms.launch(Client(), sub="student-2", roles=LEARNER, resource_link_id="link-2",
                          custom=item["custom"])  # fmt: skip
    assert response.headers["Location"] == reverse(
        "practice:problem-set-detail", args=[problem_set.pk]
    )
    assert ResourceLinkSet.objects.get(resource_link__id_on_platform="link-2").problem_set == (
        problem_set
    )


def test_a_custom_parameter_naming_another_courses_set_is_ignored(lms, registration):
    from tests import factories

    linked_course(lms)
    foreign = factories.problem_set(in_course=factories.course())
    response = lms.launch(Client(), sub="student-3", roles=LEARNER, resource_link_id="link-3",
                          custom={CUSTOM_SET: str(foreign.pk)})  # fmt: skip
    assert response.status_code == 403
    assert not ResourceLinkSet.objects.filter(problem_set=foreign).exists()


def test_only_instructors_deep_link(lms, registration):
    linked_course(lms)
    response = lms.launch(Client(), sub="student-4", roles=LEARNER, message_type=DL)
    assert response.status_code == 403
    student = Client()
    lms.launch(student, sub="student-4", roles=LEARNER)
    assert student.get(reverse("lti:deep-link")).status_code == 403
    assert student.get(reverse("lti:context-link")).status_code == 403


def test_roster_sync_enrols_the_lms_members(lms, registration):
    teacher = Client()
    course, _ = linked_course(lms, teacher)
    already = Client()
    lms.launch(already, sub="student-5", roles=LEARNER)
    lms.members = [
        {"user_id": "student-5", "status": "Active", "name": "Lee", "email": "lee@x.edu",
         "roles": LEARNER},
        {"user_id": "student-6", "status": "Active", "given_name": "Park", "family_name": "J",
         "email": "park@x.edu", "roles": ["Learner"]},
        {"user_id": "ta-2", "roles": TA, "name": "Choi"},  # no status: Active
        {"user_id": "gone", "status": "Inactive", "roles": LEARNER},
        {"user_id": "mentor", "status": "Active", "roles": ["Mentor"]},
        {"user_id": 12, "roles": LEARNER},
        "junk",
    ]  # fmt: skip
    from lti_tool.models import LtiContext

    context = LtiContext.objects.get()
    page = reverse("lti:course-lti", args=[course.pk])
    response = teacher.post(reverse("lti:roster-sync", args=[context.pk]), follow=True)
    assert "3 enrolled, 2 skipped" in response.content.decode()
    roles = {
        i.sub: Membership.objects.get(course=course, user=i.user).role
        for i in LtiIdentity.objects.filter(sub__in=["student-5", "student-6", "ta-2"])
    }
    assert roles == {"student-5": "student", "student-6": "student", "ta-2": "ta"}
    assert LtiIdentity.objects.filter(sub="student-5").count() == 1  # the launched account
    assert not LtiIdentity.objects.filter(sub__in=["gone", "mentor"]).exists()
    assert "park@x.edu" not in teacher.get(page).content.decode()  # no score rows yet

    lms.down = True
    response = teacher.post(reverse("lti:roster-sync", args=[context.pk]), follow=True)
    assert response.status_code == 200
    assert "did not give the roster" in response.content.decode()
    student = Client()
    lms.down = False
    lms.launch(student, sub="student-6", roles=LEARNER)
    assert student.post(reverse("lti:roster-sync", args=[context.pk])).status_code == 404
