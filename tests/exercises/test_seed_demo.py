"""The demo data command is idempotent and prints the logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from exercises.authoring.models import ProblemSet, ProblemSetItem, ProblemTemplate
from exercises.courses.models import Course, Membership

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_creates_everything_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (
        get_user_model().objects.count(),
        Course.objects.count(),
        Membership.objects.count(),
        ProblemTemplate.objects.count(),
        ProblemSet.objects.count(),
        ProblemSetItem.objects.count(),
    )
    call_command("seed_demo", stdout=StringIO())
    again = (
        get_user_model().objects.count(),
        Course.objects.count(),
        Membership.objects.count(),
        ProblemTemplate.objects.count(),
        ProblemSet.objects.count(),
        ProblemSetItem.objects.count(),
    )
    assert counts == again == (5, 1, 5, 15, 2, 15)  # toy-2-parts too
    assert "student1" in out.getvalue()
    assert "partial-credit-demo" in out.getvalue()
    assert ProblemTemplate.objects.filter(version=1).count() == 15


def test_every_demo_item_opens_for_a_student():
    from exercises.authoring.services.instances import instance_get_or_create

    call_command("seed_demo", stdout=StringIO())
    student = get_user_model().objects.get(username="student1")
    for item in ProblemSetItem.objects.all():
        inst = instance_get_or_create(item=item, student=student)
        assert inst.params["function"]


def test_the_demo_instructor_is_only_an_instructor_and_the_site_admin_is_apart():
    users = get_user_model().objects
    old = users.create_user(
        username="instructor", password="x", is_staff=True, is_superuser=True
    )  # what an older seed_demo made
    call_command("seed_demo", stdout=StringIO())
    old.refresh_from_db()
    assert (old.is_staff, old.is_superuser) == (False, False)
    assert not users.filter(is_staff=True).exists()
    assert Membership.objects.get(user=old).role == Membership.Role.INSTRUCTOR
    # the demo course shows its dates in Seoul time, and its instructor may make courses
    assert Course.objects.get(code="calc-partials").time_zone == "Asia/Seoul"

    out = StringIO()
    call_command("seed_demo", "--admin", stdout=out)
    site_admin = users.get(is_superuser=True)
    assert (site_admin.username, site_admin.is_staff) == ("admin", True)
    assert not Membership.objects.filter(user=site_admin).exists()
    assert "admin        site admin (/admin/), in no course" in out.getvalue()
    assert users.filter(is_staff=True).count() == 1
