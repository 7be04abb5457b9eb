"""Issue #12, item 1: a roster must never hand another account over to an instructor.

Before the fix, an instructor who listed any existing account's email in their roster enrolled
that account, and the sign-in links CSV then gave a set-password link for every student of the
course whose password was unusable: another course's student who had not set a password yet, or
a superuser made with `createsuperuser --noinput`. Everything here goes through the web layer."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse

from exercises.courses.models import Membership, StudentProfile
from exercises.courses.services.accounts import membership_create
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-9981"  # noqa: S105


@pytest.fixture
def two_courses():
    a, b = factories.course(code="course-a"), factories.course(code="course-b")
    prof_a, prof_b = factories.user(username="prof-a"), factories.user(username="prof-b")
    membership_create(course=a, user=prof_a, role=Membership.Role.INSTRUCTOR)
    membership_create(course=b, user=prof_b, role=Membership.Role.INSTRUCTOR)
    return {"a": a, "b": b, "prof_a": prof_a, "prof_b": prof_b}


def _upload(client, course, text):
    """Step 1 (the file) and step 2 (the checked text) of the roster page, as a browser does."""
    url = reverse("courses:course-roster-import", args=[course.pk])
    preview = client.post(url, {"roster": SimpleUploadedFile("r.csv", text.encode(), "text/csv")})
    imported = client.post(url, {"text": text}, follow=True)
    return preview, imported


def _links(client, course) -> dict[str, str]:
    """The sign-in links CSV as {email: path of the set-password link}."""
    response = client.get(reverse("courses:course-signin-links", args=[course.pk]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    return {r["email"]: r["set password link"].replace("http://testserver", "") for r in rows}


def _set_password(client, path) -> int:
    """Follow a set-password link and choose a password; the final status (302: it worked)."""
    form = client.get(path, follow=True)
    if b"new_password1" not in form.content:
        return form.status_code
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    return response.status_code


def test_another_courses_pending_student_is_not_handed_over(client, two_courses):
    # Course A's roster makes Victim's account; Victim has not set a password yet.
    client.force_login(two_courses["prof_a"])
    _upload(client, two_courses["a"], "name,email,student id\nVictim,victim@example.edu,2024001\n")
    victim = get_user_model().objects.get(email="victim@example.edu")
    assert victim.has_usable_password() is False
    # The instructor of course B lists Victim's email and downloads B's links.
    client.force_login(two_courses["prof_b"])
    preview, imported = _upload(client, two_courses["b"], "name,email\nVictim,victim@example.edu\n")
    links = _links(client, two_courses["b"])
    assert "victim@example.edu" not in links
    client.logout()
    for path in links.values():  # whatever the file holds, none of it opens Victim's account
        _set_password(client, path)
    assert not client.login(request=HttpRequest(), username="victim@example.edu", password=PASSWORD)
    victim.refresh_from_db()
    assert victim.has_usable_password() is False
    # A student-only account may be enrolled, and the instructor is told what that means.
    assert Membership.objects.filter(course=two_courses["b"], user=victim).exists()
    assert "enrolled as it is, with no set-password link" in preview.content.decode()
    assert "1 existing account was enrolled as it is: it gets no set-password link" in (
        imported.content.decode()
    )
    # Course A, whose roster made the account, still gets Victim's link.
    client.force_login(two_courses["prof_a"])
    assert list(_links(client, two_courses["a"])) == ["victim@example.edu"]


def test_roster_made_account_gets_its_link_until_the_password_is_set(client, two_courses):
    client.force_login(two_courses["prof_a"])
    _upload(client, two_courses["a"], "name,email\nAnn,ann@example.edu\n")
    path = _links(client, two_courses["a"])["ann@example.edu"]
    assert _links(client, two_courses["a"])["ann@example.edu"]  # every download has it
    client.logout()
    assert _set_password(client, path) == 302
    assert client.login(request=HttpRequest(), username="ann@example.edu", password=PASSWORD)
    client.force_login(two_courses["prof_a"])
    assert _links(client, two_courses["a"]) == {}
    client.logout()
    assert _set_password(client, path) != 302  # the old link is dead too


def test_superuser_made_without_password_cannot_be_enrolled_or_handed_over(client, two_courses):
    call_command("createsuperuser", "--noinput", username="root", email="root@example.edu")
    root = get_user_model().objects.get(username="root")
    assert root.has_usable_password() is False
    client.force_login(two_courses["prof_b"])
    preview, imported = _upload(client, two_courses["b"], "name,email\nRoot,root@example.edu\n")
    assert preview.status_code == 400
    assert "is the account of a teacher or an administrator" in preview.content.decode()
    assert imported.status_code == 400
    assert not Membership.objects.filter(user=root).exists()
    # Even enrolled as a student by other means, no link is ever made for it.
    membership_create(course=two_courses["b"], user=root)
    assert _links(client, two_courses["b"]) == {}


def test_staff_and_teachers_of_any_course_are_refused(client, two_courses):
    staff = factories.user(username="staffer")
    staff.email, staff.is_staff = "staff@example.edu", True
    staff.set_unusable_password()
    staff.save()
    two_courses["prof_a"].email = "prof-a@example.edu"
    two_courses["prof_a"].save()
    client.force_login(two_courses["prof_b"])
    roster = "name,email\nStaff,staff@example.edu\nProf A,prof-a@example.edu\n"
    preview, _ = _upload(client, two_courses["b"], roster)
    assert preview.status_code == 400
    body = preview.content.decode()
    assert "staff@example.edu is the account of a teacher or an administrator" in body
    assert "prof-a@example.edu is the account of a teacher or an administrator" in body
    assert not Membership.objects.filter(course=two_courses["b"], role="student").exists()


def test_account_made_here_that_becomes_staff_gets_no_link(client, two_courses):
    client.force_login(two_courses["prof_a"])
    _upload(client, two_courses["a"], "name,email\nTom,tom@example.edu\n")
    assert list(_links(client, two_courses["a"])) == ["tom@example.edu"]
    tom = get_user_model().objects.get(email="tom@example.edu")
    membership_create(course=two_courses["b"], user=tom, role=Membership.Role.TA)
    assert _links(client, two_courses["a"]) == {}


def test_a_roster_does_not_write_a_student_id_on_an_account_another_course_uses(
    client, two_courses
):
    client.force_login(two_courses["prof_a"])
    _upload(client, two_courses["a"], "name,email\nVictim,victim@example.edu\n")
    client.force_login(two_courses["prof_b"])
    preview, _ = _upload(
        client, two_courses["b"], "name,email,student id\nVictim,victim@example.edu,B-666\n"
    )
    victim = get_user_model().objects.get(email="victim@example.edu")
    assert StudentProfile.objects.get(user=victim).student_id is None
    assert "The student id B-666 is not recorded" in preview.content.decode()
    assert Membership.objects.filter(course=two_courses["b"], user=victim).exists()


def test_a_student_id_is_still_recorded_on_an_account_no_other_course_uses(client, two_courses):
    loner = factories.user(username="loner@example.edu")
    loner.email = "loner@example.edu"
    loner.save()
    client.force_login(two_courses["prof_b"])
    _upload(client, two_courses["b"], "name,email,student id\nLoner,loner@example.edu,2024007\n")
    assert StudentProfile.objects.get(user=loner).student_id == "2024007"
    assert _links(client, two_courses["b"]) == {}  # it is not this roster's account


def test_migration_claims_pending_roster_accounts_and_kills_other_old_links(two_courses):
    """Accounts from before created_by_course: a pending roster account stays its course's; any
    other unusable password is renewed, so a link handed out before the fix stops working."""
    from django.contrib.auth.tokens import default_token_generator

    migration = importlib.import_module(
        "exercises.courses.migrations.0004_claim_pending_roster_accounts"
    )
    user_model = get_user_model()
    pending = user_model(username="pen@example.edu", email="pen@example.edu")
    pending.set_unusable_password()
    pending.save()
    membership_create(course=two_courses["a"], user=pending)
    hijacked = user_model(username="hij@example.edu", email="hij@example.edu")
    hijacked.set_unusable_password()
    hijacked.save()
    membership_create(course=two_courses["a"], user=hijacked)
    membership_create(course=two_courses["b"], user=hijacked)  # the attacker's course
    root = user_model(username="root@example.edu", email="root@example.edu", is_superuser=True)
    root.set_unusable_password()
    root.save()
    membership_create(course=two_courses["b"], user=root)
    tokens = {u.pk: default_token_generator.make_token(u) for u in (pending, hijacked, root)}

    migration.claim_pending_roster_accounts(apps, None)

    assert StudentProfile.objects.get(user=pending).created_by_course == two_courses["a"]
    assert not StudentProfile.objects.filter(user__in=[hijacked, root]).exists()
    for user, still_valid in ((pending, True), (hijacked, False), (root, False)):
        user.refresh_from_db()
        assert user.has_usable_password() is False
        assert default_token_generator.check_token(user, tokens[user.pk]) is still_valid
