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


def _site_admin():
    return user_create(
        username="site-admin", password="x-pass-123", is_staff=True, is_superuser=True
    )


def test_the_admin_shows_templates_sets_and_variants_but_changes_none(client):
    """They are changed on the course's pages, which check what is saved (a set due before it
    opens, a template's text and 50-seed check, a problem students have opened): the admin
    saved around all of it."""
    instance = factories.toy_instance()
    item = instance.item
    problem_set = item.problem_set
    own = factories.course_parts_template(in_course=item.problem_set.course)
    client.force_login(_site_admin())
    for name, obj in [
        ("authoring_problemset", problem_set),
        ("authoring_problemtemplate", own),
        ("authoring_probleminstance", instance),
    ]:
        page = reverse(f"admin:{name}_change", args=[obj.pk])
        response = client.get(page)
        assert response.status_code == 200, name  # shown
        assert 'name="_save"' not in response.content.decode(), name  # with nothing to save
        assert client.post(page, {"title_en": "changed"}).status_code == 403, name
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403, name
    own.refresh_from_db()
    assert own.title_en != "changed"


def test_the_admin_publishes_or_unpublishes_a_library_template_and_changes_nothing_else(client):
    """A library template (in no course) has no page of the site's: the admin is where a site
    admin takes a broken one out of use."""
    template = factories.toy_instance().item.template
    assert template.course_id is None and template.published
    title = template.title_en
    client.force_login(_site_admin())
    page = reverse("admin:authoring_problemtemplate_change", args=[template.pk])
    body = client.get(page).content.decode()
    assert 'name="published"' in body and 'name="title_en"' not in body
    response = client.post(page, {"title_en": "changed", "slug": "changed"})  # box unticked
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.published, template.title_en) == (False, title)
    assert template.slug != "changed"


def test_deleting_a_course_or_a_student_with_work_is_still_the_admins(client):
    """Their sets and variants go with them, and Django asks for the right to delete each: the
    view-only admins above must not take that away."""
    instance = factories.toy_instance()
    factories.graded(instance, "x")
    course, student = instance.item.problem_set.course, instance.student
    client.force_login(_site_admin())
    for url in [
        reverse("admin:courses_course_delete", args=[course.pk]),
        reverse("admin:auth_user_delete", args=[student.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Are you sure" in response.content.decode(), url
    assert (
        client.post(
            reverse("admin:auth_user_delete", args=[student.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not type(student).objects.filter(pk=student.pk).exists()


def test_the_admin_changes_who_is_in_a_course_not_its_code_or_titles(client):
    """A site admin may make themselves a course's instructor here (then use its pages); its
    code and titles are the settings page's, which checks them."""
    course = factories.course(code="calc")
    admin_user = _site_admin()
    client.force_login(admin_user)
    page = reverse("admin:courses_course_change", args=[course.pk])
    assert client.get(reverse("admin:courses_course_add")).status_code == 403
    form = {
        "code": "CALC\u202e",
        "title_en": "Hidden\u202etext",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": str(admin_user.pk),
        "memberships-0-role": Membership.Role.INSTRUCTOR,
        "memberships-0-course": str(course.pk),
    }
    response = client.post(page, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    title = course.title_en
    course.refresh_from_db()
    assert (course.code, course.title_en) == ("calc", title)
    assert course.memberships.get(user=admin_user).role == Membership.Role.INSTRUCTOR
