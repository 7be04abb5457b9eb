"""A duplicated problem set starts hidden from students (a draft) until it is released."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.models import ProblemSet
from exercises.authoring.services.problem_sets import problem_set_duplicate, problem_set_update
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.practice import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_set():
    course = factories.course()
    student = factories.student(in_course=course, username="minji")
    teacher = factories.user(username="prof")
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    week = factories.problem_set(in_course=course, due_at=timezone.now() + timedelta(days=7))
    item = factories.item(in_set=week)
    return {"course": course, "student": student, "teacher": teacher, "set": week, "item": item}


def _visible(student):
    return set(selectors.student_problem_sets(user=student).values_list("pk", flat=True))


def test_a_duplicate_is_hidden_until_released(client, course_set):
    original, student = course_set["set"], course_set["student"]
    copy = problem_set_duplicate(problem_set=original)
    assert copy.hidden is True
    assert _visible(student) == {original.pk}
    client.force_login(student)
    copied_item = copy.items.get()
    assert client.get(reverse("practice:item-open", args=[copied_item.pk])).status_code == 404
    assert "(copy)" not in client.get(reverse("practice:dashboard")).content.decode()
    problem_set_update(
        problem_set=copy,
        course=copy.course,
        title_en=copy.title_en,
        title_ko=copy.title_ko,
        due_at=copy.due_at,
        opens_at=copy.opens_at,
        hidden=False,
    )
    assert _visible(student) == {original.pk, copy.pk}
    assert client.get(reverse("practice:item-open", args=[copied_item.pk])).status_code == 302


def test_the_set_form_hides_and_releases(client, course_set):
    week = course_set["set"]
    client.force_login(course_set["teacher"])
    url = reverse("authoring:set-edit", args=[week.pk])
    form = {
        "course": week.course_id,
        "title_en": week.title_en,
        "title_ko": week.title_ko,
        "position": 0,
        "due_at": week.due_at.strftime("%Y-%m-%dT%H:%M"),
    }
    client.post(url, {**form, "hidden": "on"})
    assert ProblemSet.objects.get(pk=week.pk).hidden is True
    assert _visible(course_set["student"]) == set()
    listing = client.get(reverse("authoring:course-authoring", args=[week.course_id]))
    assert '<span class="badge">hidden</span>' in listing.content.decode()
    client.post(url, form)  # the box unticked
    assert ProblemSet.objects.get(pk=week.pk).hidden is False
    assert _visible(course_set["student"]) == {week.pk}
