"""A moment near the ends of Python's datetime (the year 9999, the year 1) has no UTC time in
some zones: typed into a form, imported from YAML, or left behind by a change of the course's
zone, it made a 500 on saving or on every later load. Every way a moment comes in now keeps
it within the site's range (exercises/courses/moments.py) and says so."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from exercises.authoring.models import ProblemSet, StudentException
from exercises.authoring.services.yaml_io import ImportFailed, course_import_yaml
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories

pytestmark = pytest.mark.django_db

REFUSAL = "Give a date from the year 2000 to 2199."
# (the course's zone, a moment typed there): each had no UTC time, or none in another zone
EDGES = [
    ("EST5EDT", "9999-12-31T23:00"),
    ("Asia/Seoul", "0001-01-01T00:00"),
    ("UTC", "9999-12-31T23:59"),
    ("UTC", "1999-12-31T23:59"),
    ("UTC", "2200-01-01T00:00"),
]


def _instructor(course, client):
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)


def _zoned_course(zone):
    course = factories.course()
    course.time_zone = zone
    course.save(update_fields=["time_zone"])
    return course


@pytest.mark.parametrize(("zone", "typed"), EDGES)
def test_a_new_set_due_at_an_edge_of_time_is_refused_not_a_500(client, zone, typed):
    course = _zoned_course(zone)
    _instructor(course, client)
    data = {"course": course.pk, "title_en": "W", "title_ko": "W", "position": 0}
    response = client.post(
        reverse("authoring:set-create", kwargs={"pk": course.pk}), {**data, "due_at": typed}
    )
    assert response.status_code in (200, 400) and REFUSAL in response.content.decode()
    assert not ProblemSet.objects.filter(course=course).exists()
    ok = client.post(
        reverse("authoring:set-create", kwargs={"pk": course.pk}),
        {**data, "due_at": "2199-12-30T23:59"},
    )
    assert ok.status_code == 302  # the range's own end is still a date


@pytest.mark.parametrize(("zone", "typed"), EDGES[:3])
def test_an_item_late_window_and_a_students_extension_at_an_edge_are_refused(client, zone, typed):
    course = _zoned_course(zone)
    _instructor(course, client)
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    student = factories.student(in_course=course)
    response = client.post(
        reverse("authoring:item-change", args=[item.pk]),
        {"action": "update", "points": "1", "max_attempts": "3", "late_until": typed,
         "late_penalty": "0.5"},
        follow=True,
    )  # fmt: skip
    assert response.status_code < 500 and REFUSAL in response.content.decode()
    item.refresh_from_db()
    assert item.late_until is None
    url = reverse("gradebook:student-exception", args=[course.pk, student.pk, item.pk])
    response = client.post(url, {"action": "save", "due_at": typed})
    assert response.status_code == 400 and REFUSAL in response.content.decode()
    assert not StudentException.objects.exists()


@pytest.mark.parametrize("due", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_yaml_set_due_at_an_edge_of_time_is_a_line_of_the_refusal(due):
    course = factories.course()
    text = yaml.safe_dump(
        {
            "format": "partial-credit/1",
            "problem_sets": [{"title_en": "W", "title_ko": "W", "due_at": due}],
        }
    )
    with pytest.raises(ImportFailed) as refused:
        course_import_yaml(course=course, text=text)
    assert refused.value.errors == [f"problem_sets[0].due_at: {REFUSAL}"]
    assert not ProblemSet.objects.filter(course=course).exists()


def test_the_refusal_is_in_korean_too(client):
    course = _zoned_course("Asia/Seoul")
    _instructor(course, client)
    response = client.post(
        reverse("authoring:set-create", kwargs={"pk": course.pk}),
        {"course": course.pk, "title_en": "W", "title_ko": "W", "position": 0,
         "due_at": "0001-01-01T00:00"},
        headers={"Accept-Language": "ko"},
    )  # fmt: skip
    assert "2000년부터 2199년 사이의 날짜를 입력하세요." in response.content.decode()


def test_the_range_is_of_the_year_as_written_in_the_courses_zone(client):
    """2000-01-01 00:00 in Seoul is 1999 in UTC, and within "from the year 2000"."""
    course = _zoned_course("Asia/Seoul")
    _instructor(course, client)
    data = {"course": course.pk, "title_en": "W", "title_ko": "W", "position": 0}
    url = reverse("authoring:set-create", kwargs={"pk": course.pk})
    assert client.post(url, {**data, "due_at": "2000-01-01T00:00"}).status_code == 302
    late = _zoned_course("America/New_York")
    _instructor(late, client)
    url = reverse("authoring:set-create", kwargs={"pk": late.pk})
    assert (
        client.post(url, {**data, "course": late.pk, "due_at": "2199-12-31T23:59"}).status_code
        == 302
    )
