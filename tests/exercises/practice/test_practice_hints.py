"""Hints before the key (issue #14 part 3): after a wrong answer, the rule named by the mistake
and the rules of the worked solution, never the key; none once the key is shown; none on an
item whose hints are off."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from exercises.authoring.generators import task_of
from exercises.authoring.models import ProblemInstance
from exercises.authoring.services.instances import instance_worked_record
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from grading.engine import key_of
from tests import factories

pytestmark = pytest.mark.django_db


def _toy2(**item_kwargs):
    return factories.toy2_instance(**item_kwargs)


def _page(client, instance, lang="en"):
    client.force_login(instance.student)
    url = reverse("practice:problem-detail", args=[instance.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def test_a_hint_follows_a_wrong_answer_and_never_shows_the_key(client):
    instance = _toy2(max_attempts=3)
    assert 'id="rule-hint"' not in _page(client, instance)  # nothing before an attempt
    factories.graded(instance, "7y/e^(x^2+y^2)")  # the product rule forgotten
    page = _page(client, instance)
    assert 'id="rule-hint"' in page
    assert "Product rule: (gh)′ = g′h + gh′." in page
    assert "The worked solution applies, in order:" in page
    key = key_of(task_of(instance.params))
    assert key.text not in page and key.latex not in page
    assert "Answer key" not in page


def test_the_hint_is_in_korean_on_the_korean_page(client):
    instance = _toy2(max_attempts=3)
    factories.graded(instance, "7y/e^(x^2+y^2)")
    page = _page(client, instance, lang="ko")
    assert "힌트: 이 법칙을 다시 확인하세요. 곱의 미분법" in page
    assert "풀이에서 적용하는 법칙의 순서:" in page


def test_no_hint_after_a_right_answer_nor_once_the_key_is_shown(client):
    instance = _toy2(max_attempts=1)
    factories.graded(instance, "7y/e^(x^2+y^2)")  # the only attempt: the key is shown
    page = _page(client, instance)
    assert "Answer key" in page and 'id="rule-hint"' not in page
    solved = _toy2(max_attempts=3)
    factories.graded(solved, "-7y(2x^2-1)/e^(x^2+y^2)")
    assert 'id="rule-hint"' not in _page(client, solved)


def test_hints_turned_off_for_the_item_are_not_shown(client):
    instance = _toy2(max_attempts=3)
    item = instance.item
    factories.item_update(item, show_hints=False)
    factories.graded(instance, "7y/e^(x^2+y^2)")
    page = _page(client, instance)
    assert 'class="mistake"' in page or 'data-status="incorrect"' in page
    assert 'id="rule-hint"' not in page and "The worked solution applies" not in page


@pytest.mark.parametrize("flag,other", [("show_hints", "show_plots"), ("show_plots", "show_hints")])
def test_the_instructor_turns_hints_or_plots_off_in_the_set_editor(client, flag, other):
    instance = _toy2()
    item = instance.item
    instructor = factories.user()
    membership_create(
        course=item.problem_set.course, user=instructor, role=Membership.Role.INSTRUCTOR
    )
    client.force_login(instructor)
    editor = client.get(reverse("authoring:set-edit", args=[item.problem_set_id])).content.decode()
    assert f'name="{flag}"' in editor
    values = {"points": "1", "max_attempts": "3", "late_penalty": "0.5", "action": "update"}
    client.post(reverse("authoring:item-change", args=[item.pk]), {**values, other: "on"})
    item.refresh_from_db()
    assert getattr(item, flag) is False and getattr(item, other) is True
    client.post(reverse("authoring:item-change", args=[item.pk]), {**values, flag: "on"})
    item.refresh_from_db()
    assert getattr(item, flag) is True and getattr(item, other) is False


def test_a_verdict_shows_the_solution_and_hint_kept_with_the_variant_without_deriving(client):
    # derived by a worker once the variant is stored; showing them does no SymPy work
    instance = _toy2(max_attempts=2)
    assert instance.worked == {}  # not in the student's request that made the variant
    assert instance_worked_record(instance_id=instance.pk) is True
    assert instance_worked_record(instance_id=instance.pk) is False  # kept: not again
    instance.refresh_from_db()
    assert instance.worked["solution"] is not None
    factories.graded(instance, "7y/e^(x^2+y^2)")
    with (
        mock.patch("exercises.practice.selectors.hint", side_effect=AssertionError),
        mock.patch("exercises.practice.selectors.solution", side_effect=AssertionError),
    ):
        page = _page(client, instance)
        assert "Product rule: (gh)′ = g′h + gh′." in page
        factories.graded(instance, "-7y(2x^2-1)/e^(x^2+y^2)")
        page = _page(client, instance)
        assert 'id="solution"' in page and 'data-rules="product"' in page


def test_opening_a_new_problem_has_a_worker_derive_them(client):
    """The item's first open makes the variant and sends its derivation to the workers (inline
    here: Celery's eager mode), not done in the request itself; a later open sends nothing."""
    instance = _toy2(max_attempts=2)
    ProblemInstance.objects.filter(pk=instance.pk).delete()
    client.force_login(instance.student)
    with mock.patch("exercises.practice.views.instance_worked_enqueue") as sent:
        opened = client.get(reverse("practice:item-open", args=[instance.item_id]))
    made = ProblemInstance.objects.get(item=instance.item, student=instance.student)
    assert opened.status_code == 302 and made.worked == {}
    sent.assert_called_once_with(made.pk)
    client.get(reverse("practice:item-open", args=[instance.item_id]))  # eager: derived now
    made.refresh_from_db()
    assert made.worked["solution"] is not None
    with mock.patch("exercises.practice.views.instance_worked_enqueue") as sent:
        client.get(reverse("practice:item-open", args=[instance.item_id]))
    sent.assert_not_called()


def test_a_variant_kept_without_them_still_shows_them(client):
    instance = _toy2(max_attempts=1)
    ProblemInstance.objects.filter(pk=instance.pk).update(worked={})  # made before 0006
    factories.graded(instance, "7y/e^(x^2+y^2)")
    assert 'id="solution"' in _page(client, instance)
