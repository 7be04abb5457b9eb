"""The result of a gradient answer says which components are right, with the mistake named per
component, and the partial score (issue #15, credit per component), in English and Korean."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from exercises.authoring.generators import task_of
from grading.engine import key_of
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


def _page(client, instance, lang="en"):
    client.force_login(instance.student)
    url = reverse("practice:problem-detail", args=[instance.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def _components(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li data-component="(\d)" data-status="(\w+)">', page)


def test_one_right_component_scores_half_and_the_page_says_which(client):
    instance = factories.gradient_instance(points=Decimal("2"), max_attempts=3)
    factories.graded(instance, "<3x^2 + y, x>")

    page = _page(client, instance)
    assert 'data-status="partial"' in page
    assert "Partly correct — score 1.00" in page
    assert "1 of 2 components right" in page
    assert _components(page) == [("0", "right"), ("1", "wrong")]
    assert r'data-latex="\frac{\partial f}{\partial x}"' in page
    assert page.count('<strong class="component-outcome">right</strong>') == 1
    assert page.count('<strong class="component-outcome">not right</strong>') == 1
    assert "Best score 1.00 / 2.00" in page
    key = key_of(task_of(instance.params))
    assert key.latex not in page and "Answer key" not in page  # attempts are left

    korean = _page(client, instance, "ko")
    assert "부분 정답 — 점수 1.00" in korean
    assert "성분 2개 중 1개 맞음" in korean
    assert korean.count('<strong class="component-outcome">맞음</strong>') == 1
    assert korean.count('<strong class="component-outcome">틀림</strong>') == 1


def test_each_wrong_component_names_its_own_mistake_once(client):
    instance = factories.gradient_instance(max_attempts=3)
    factories.graded(instance, "<3x^2, 3x^2 + y>")

    page = _page(client, instance)
    assert 'data-status="incorrect"' in page
    assert "0 of 2 components right" in page
    assert _components(page) == [("0", "wrong"), ("1", "wrong")]
    assert page.count("In ∂f/∂x: You dropped terms that contain y.") == 1
    assert page.count("In ∂f/∂y: You differentiated with respect to x instead of y.") == 1
    korean = _page(client, instance, "ko")
    assert "∂f/∂x 성분:" in korean and "∂f/∂y 성분:" in korean


def test_the_whole_answers_mistake_is_said_once_when_a_component_says_it(client):
    instance = factories.gradient_instance(max_attempts=3)
    sub = factories.graded(instance, "<3x^2, x - 1>")
    assert sub.components_named

    page = _page(client, instance)
    assert page.count("In ∂f/∂x: You dropped terms that contain y.") == 1
    assert "Partly correct" in page


def test_swapped_components_are_named_for_the_whole_and_each_component(client):
    instance = factories.gradient_instance(max_attempts=3)
    factories.graded(instance, "<x - 1, 3x^2 + y>")

    page = _page(client, instance)
    assert "The components are in the wrong order" in page
    assert "In ∂f/∂x: You differentiated with respect to y instead of x." in page


def test_all_or_nothing_shows_the_components_and_scores_zero(client):
    instance = factories.gradient_instance(max_attempts=3, vector_credit="all_or_nothing")
    factories.graded(instance, "<3x^2 + y, x>")

    page = _page(client, instance)
    assert 'data-status="incorrect"' in page and "Incorrect — score 0.00" in page
    assert _components(page) == [("0", "right"), ("1", "wrong")]


def test_a_result_stored_before_components_shows_as_before(client):
    instance = factories.gradient_instance(max_attempts=3)
    sub = factories.graded(instance, "<3x^2 + y, x>")
    old = {k: v for k, v in sub.verdict.items() if k not in ("components", "credit")}
    Submission.objects.filter(pk=sub.pk).update(verdict=old, score=Decimal("0.00"))

    page = _page(client, instance)
    assert 'data-status="incorrect"' in page
    assert 'id="components"' not in page


def test_the_staff_drill_down_says_partly_correct(client):
    from exercises.courses.models import Membership
    from exercises.courses.services.accounts import membership_create

    instance = factories.gradient_instance(max_attempts=3)
    factories.graded(instance, "<3x^2 + y, x>")
    course = instance.item.problem_set.course
    ta = factories.user()
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    url = reverse("gradebook:course-gradebook-student", args=[course.pk, instance.student_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="status partial">Partly correct</span>' in page


def test_an_ungraded_practice_gradient_says_which_components_are_right(client):
    instance = factories.gradient_instance(max_attempts=1)
    factories.graded(instance, "<0, 0>")  # the only attempt: closed for credit, practice opens
    client.force_login(instance.student)
    url = reverse("practice:practice", args=[instance.pk, 1])
    # the fixed template's variants are all toy #1's gradient
    page = client.post(url, {"answer": "<3x^2 + y, x>"}, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert 'data-status="incorrect"' in body
    assert "1 of 2 components right" in body
    assert _components(body) == [("0", "right"), ("1", "wrong")]
