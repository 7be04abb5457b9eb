"""Issue #12 item 7: every student URL follows the student's current membership and the set's
visibility (hidden) and release (opens_at), not only the set pages.

A student opened a problem and answered it while the set was open to them; then the set is
hidden, or its release is moved to the future, or their membership is removed. Every student
URL of that problem (its page and the polling region, the preview, the submit, the submission
page, and opening another item of the set) answers 404 and stores nothing. The same URLs
answer as usual while the set is open to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.models import ProblemInstance
from exercises.courses.models import Membership
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _hide(w: dict[str, Any]) -> None:
    w["set"].hidden = True
    w["set"].save(update_fields=["hidden"])


def _not_yet_open(w: dict[str, Any]) -> None:
    w["set"].opens_at = timezone.now() + timedelta(days=1)
    w["set"].save(update_fields=["opens_at"])


def _remove_membership(w: dict[str, Any]) -> None:
    Membership.objects.filter(user=w["student"], course=w["course"]).delete()


@pytest.fixture
def world(client) -> dict[str, Any]:
    course = factories.course()
    student = factories.student(in_course=course)
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    unopened = factories.item(in_set=problem_set)  # the student has no instance of it yet
    instance = factories.instance(for_item=item, for_student=student)
    submission = factories.graded(instance, "x")  # a wrong answer: attempts remain
    client.force_login(student)
    return {
        "course": course,
        "student": student,
        "set": problem_set,
        "instance": instance,
        "submission": submission,
        "unopened": unopened,
    }


def _requests(w: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any], dict[str, str]]]:
    """Every student URL about the problem: name -> (method, url, data, headers)."""
    problem = reverse("practice:problem-detail", args=[w["instance"].pk])
    preview = reverse("practice:problem-preview", args=[w["instance"].pk])
    submit = reverse("practice:submission-create", args=[w["instance"].pk])
    submission = reverse("practice:submission-detail", args=[w["submission"].pk])
    item_open = reverse("practice:item-open", args=[w["unopened"].pk])
    answer = {"answer": "3x^2 + y"}
    return {
        "problem page": ("get", problem, {}, {}),
        "problem polling": ("get", problem, {}, HTMX),
        "preview": ("get", preview, answer, HTMX),
        "submit": ("post", submit, answer, {}),
        "submit htmx": ("post", submit, answer, HTMX),
        "submission page": ("get", submission, {}, {}),
        "submission polling": ("get", submission, {}, HTMX),
        "item open": ("get", item_open, {}, {}),
        "set page": ("get", reverse("practice:problem-set-detail", args=[w["set"].pk]), {}, {}),
    }


# What each request answers while the set is open to the student: the plain submit and opening
# an item redirect to the problem page.
OPEN_STATUS = {
    "problem page": 200,
    "problem polling": 200,
    "preview": 200,
    "submit": 302,
    "submit htmx": 200,
    "submission page": 200,
    "submission polling": 200,
    "item open": 302,
    "set page": 200,
}
REQUESTS = tuple(OPEN_STATUS)


def _send(client, w: dict[str, Any], name: str):  # type: ignore[no-untyped-def]
    method, url, data, headers = _requests(w)[name]
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        return getattr(client, method)(url, data, **headers)


def _stored() -> tuple[int, int]:
    return Submission.objects.count(), ProblemInstance.objects.count()


@pytest.mark.parametrize("name", REQUESTS)
@pytest.mark.parametrize(
    "close", [_hide, _not_yet_open, _remove_membership], ids=["hidden", "not-open", "removed"]
)
def test_closed_to_the_student_answers_404_and_stores_nothing(
    client, world, close: Callable[[dict[str, Any]], None], name: str
) -> None:
    close(world)
    before = _stored()
    assert _send(client, world, name).status_code == 404
    assert _stored() == before


@pytest.mark.parametrize("name", REQUESTS)
def test_open_to_the_student_answers(client, world, name: str) -> None:
    before = _stored()
    assert _send(client, world, name).status_code == OPEN_STATUS[name]
    method = _requests(world)[name][0]
    stored = (before[0] + (method == "post"), before[1] + (name == "item open"))
    assert _stored() == stored


def test_released_set_opens_again(client, world) -> None:
    """A set whose release time has come is open: opens_at in the past is no barrier."""
    world["set"].opens_at = timezone.now() - timedelta(minutes=1)
    world["set"].save(update_fields=["opens_at"])
    assert _send(client, world, "problem page").status_code == 200


@pytest.mark.parametrize(
    "close", [_hide, _not_yet_open, _remove_membership], ids=["hidden", "not-open", "removed"]
)
def test_the_dashboard_no_longer_lists_the_set(client, world, close) -> None:  # type: ignore[no-untyped-def]
    link = reverse("practice:problem-set-detail", args=[world["set"].pk])
    assert link in client.get(reverse("practice:dashboard")).content.decode()
    close(world)
    assert link not in client.get(reverse("practice:dashboard")).content.decode()
