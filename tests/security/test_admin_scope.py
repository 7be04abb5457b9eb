"""The Django admin lists every course's data, unscoped: only site admins (active superusers)
enter it. A staff instructor, even one granted the admin's view permissions, sees nothing of
another course there; the admin's own login form, which the site's throttling does not cover,
sends everyone to the site's login page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create, user_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_course_submission():
    """A submission in a course the staff instructor below does not teach."""
    instance = factories.toy_instance()
    return factories.graded(instance, "x - 1")


def staff_instructor():
    """An instructor of another course who is site staff and holds the admin's view
    permissions: what "grant permissions" in the admin used to give a demo instructor."""
    user = user_create(username="staff-prof", password="x-pass-123", is_staff=True)
    membership_create(course=factories.course(), user=user, role=Membership.Role.INSTRUCTOR)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def test_a_staff_instructor_reaches_no_admin_page(client, other_course_submission):
    client.force_login(staff_instructor())
    urls = [
        reverse("admin:index"),
        reverse("admin:grading_submission_changelist"),
        reverse("admin:grading_submission_change", args=[other_course_submission.pk]),
        reverse("admin:courses_course_changelist"),
        reverse("admin:authoring_probleminstance_changelist"),
    ]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("admin:login")), url
        assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next="), url
        body = response.content.decode()
        assert f'href="/admin/grading/submission/{other_course_submission.pk}/' not in body
        assert other_course_submission.instance.student.username not in body


def test_a_site_admin_logs_in_on_the_site_and_reaches_the_admin(client, other_course_submission):
    user_create(username="site-admin", password="x-pass-123", is_staff=True, is_superuser=True)
    changelist = reverse("admin:grading_submission_changelist")
    response = client.get(changelist, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next={changelist}"
    response = client.post(
        f"{reverse('login')}?next={changelist}",
        {"username": "site-admin", "password": "x-pass-123", "next": changelist},
    )
    assert response.status_code == 302 and response["Location"] == changelist
    body = client.get(changelist).content.decode()
    assert f'href="/admin/grading/submission/{other_course_submission.pk}/change/' in body


def test_the_admins_own_login_form_checks_no_password(client):
    """Its form is not throttled; it answers every POST with the site's login page."""
    user_create(username="site-admin", password="x-pass-123", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "site-admin", "password": "x-pass-123"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert "_auth_user_id" not in client.session
