"""Keep practising (issue #14 part 4): once a problem is closed for credit, ungraded practice
variants of its template, answered in the request and stored nowhere; previous/next links
through the set; the set page says which problems are closed and which take late answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.generators import task_of
from exercises.lti.models import ScorePassback
from exercises.practice import selectors
from exercises.practice.selectors import dashboard_rows
from grading.engine import key_of
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


def _polynomial(**item_kwargs):
    c = factories.course()
    student = factories.student(in_course=c)
    problem_set = factories.problem_set(in_course=c)
    tpl = factories.template(family="polynomial", config={})
    item = factories.item(in_set=problem_set, tpl=tpl, **item_kwargs)
    return factories.instance(for_item=item, for_student=student)


def _url(instance, n=1):
    return reverse("practice:practice", args=[instance.pk, n])


def test_practice_waits_until_the_problem_is_closed_for_credit(client):
    instance = _polynomial(max_attempts=2)
    client.force_login(instance.student)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert 'id="another-variant"' not in page
    assert client.get(_url(instance)).status_code == 404
    assert client.post(_url(instance), {"answer": "1"}).status_code == 404
    factories.graded(instance, "1")  # wrong, one attempt left: answers still count
    assert client.get(_url(instance)).status_code == 404
    factories.graded(instance, "2")  # the last attempt: closed for credit
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert f'href="{_url(instance)}"' in page
    practice = client.get(_url(instance))
    assert practice.status_code == 200
    assert "Ungraded practice" in practice.content.decode()


def test_a_past_due_problem_is_open_for_practice_a_late_one_is_not(client):
    past = timezone.now() - timedelta(days=1)
    closed = _polynomial(due_at=past)
    client.force_login(closed.student)
    assert client.get(_url(closed)).status_code == 200
    late = _polynomial(due_at=past, late_until=timezone.now() + timedelta(days=1))
    client.force_login(late.student)
    assert client.get(_url(late)).status_code == 404


def test_a_practice_answer_is_graded_and_never_stored_nor_scored(client):
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    before_rows = dashboard_rows(user=instance.student)
    before = list(Submission.objects.values_list("pk", "score", "status"))
    client.force_login(instance.student)
    passbacks = ScorePassback.objects.count()
    variant = selectors.practice_variant(instance=instance, n=1)
    assert variant is not None and variant.seed != instance.seed
    key = key_of(task_of(variant.params))
    right = client.post(_url(instance), {"answer": key.text}).content.decode()
    assert 'data-status="correct"' in right and 'id="solution"' in right
    wrong = client.post(_url(instance), {"answer": "1"}).content.decode()
    assert 'data-status="incorrect"' in wrong and "Answer key" in wrong
    assert list(Submission.objects.values_list("pk", "score", "status")) == before
    after_rows = dashboard_rows(user=instance.student)
    assert [r.score for r in after_rows] == [r.score for r in before_rows]
    assert [i.attempts for i in after_rows[0].items] == [i.attempts for i in before_rows[0].items]
    # the gradebook and the LMS passback read submissions only: none was added or changed
    assert ScorePassback.objects.count() == passbacks


def test_another_variant_is_another_seed_and_bounded(client):
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    client.force_login(instance.student)
    page = client.get(_url(instance, 1)).content.decode()
    assert f'href="{_url(instance, 2)}"' in page  # "Try another variant"
    one = selectors.practice_variant(instance=instance, n=1)
    two = selectors.practice_variant(instance=instance, n=2)
    assert one.seed != two.seed
    assert client.get(_url(instance, 0)).status_code == 404
    assert client.get(_url(instance, selectors.PRACTICE_MAX + 1)).status_code == 404


def test_only_the_owner_practises(client):
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    peer = factories.student(in_course=instance.item.problem_set.course)
    client.force_login(peer)
    assert client.get(_url(instance)).status_code == 404
    assert client.post(_url(instance), {"answer": "1"}).status_code == 404


@pytest.fixture
def one_minute():
    """The practice counters' clock held still: a test does not straddle a minute's end."""
    from unittest import mock

    with mock.patch("exercises.practice.services.timezone.now", return_value=timezone.now()):
        yield


def test_practice_answers_are_rate_limited(client, settings, one_minute):
    settings.SUBMISSIONS_PER_MINUTE = 2
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    client.force_login(instance.student)
    for _ in range(2):
        assert (
            'data-status="incorrect"'
            in client.post(_url(instance), {"answer": "1"}).content.decode()
        )
    refused = client.post(_url(instance), {"answer": "1"}).content.decode()
    assert "Too many answers" in refused and "data-status" not in refused


def test_previous_and_next_problem_links_follow_the_set(client):
    first = _polynomial()
    problem_set = first.item.problem_set
    second = factories.item(in_set=problem_set)
    third = factories.item(in_set=problem_set)
    client.force_login(first.student)
    page = client.get(reverse("practice:problem-detail", args=[first.pk])).content.decode()
    assert 'id="previous-problem"' not in page
    assert (
        f'id="next-problem" rel="next" href="{reverse("practice:item-open", args=[second.pk])}"'
        in page
    )
    middle = factories.instance(for_item=second, for_student=first.student)
    page = client.get(reverse("practice:problem-detail", args=[middle.pk])).content.decode()
    assert reverse("practice:item-open", args=[first.item.pk]) in page
    assert reverse("practice:item-open", args=[third.pk]) in page


def until(item):
    return "late answers until " + timezone.localtime(item.closes_at).strftime("%Y-%m-%d %H:%M")


def test_the_set_page_shows_closed_and_late_problems(client):
    past = timezone.now() - timedelta(days=1)
    instance = _polynomial(max_attempts=1)
    problem_set = instance.item.problem_set
    factories.graded(instance, "1")  # attempts used
    late = factories.item(
        in_set=problem_set, due_at=past, late_until=timezone.now() + timedelta(days=1)
    )
    factories.item(in_set=problem_set)  # open
    client.force_login(instance.student)
    page = client.get(
        reverse("practice:problem-set-detail", args=[problem_set.pk])
    ).content.decode()
    assert page.count('data-state="closed"') == 1 and page.count('data-state="late"') == 1
    assert f'href="{_url(instance)}"' in page
    assert until(late) in page


def test_the_practice_page_in_korean(client):
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    client.force_login(instance.student)
    page = client.post(_url(instance), {"answer": "1"}, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "채점에 들어가지 않는 연습입니다." in page and "다른 변형 문제 풀기" in page
    assert "Ungraded practice" not in page and "Try another variant" not in page


def test_the_practice_plots_draw_the_answer_and_the_key_only_after_an_answer(client):
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    client.force_login(instance.student)
    plot_url = reverse("practice:practice-plot", args=[instance.pk, 1])
    page = client.get(_url(instance)).content.decode()
    assert f'data-url="{plot_url}"' in page
    before = client.get(plot_url).json()
    assert "key" not in before and "answer" not in before
    answered = client.post(_url(instance), {"answer": "2x"}).content.decode()
    assert f'data-url="{plot_url}?answer=2x"' in answered
    after = client.get(plot_url, {"answer": "2x"}).json()
    assert "answer" in after and "key" in after and after["attempt"] is None
    hostile = client.get(plot_url, {"answer": "(" * 3000})
    assert hostile.status_code == 200 and "answer" not in hostile.json()
    fresh = _polynomial(max_attempts=2)  # still open: no practice plot either
    client.force_login(fresh.student)
    assert client.get(reverse("practice:practice-plot", args=[fresh.pk, 1])).status_code == 404


def test_practice_pages_and_their_plots_are_rate_limited(client, settings, one_minute):
    settings.PRACTICE_PAGES_PER_MINUTE = 3
    instance = _polynomial(max_attempts=1)
    factories.graded(instance, "1")
    client.force_login(instance.student)
    for n in (1, 2):
        assert client.get(_url(instance, n)).status_code == 200
    plot = reverse("practice:practice-plot", args=[instance.pk, 3])
    assert client.get(plot).status_code == 200
    busy = client.get(_url(instance, 4))
    assert busy.status_code == 429 and "Too many practice pages" in busy.content.decode()
    assert client.get(plot).status_code == 429
    korean = client.get(_url(instance, 5), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "연습 문제를 너무 많이 열었습니다" in korean
