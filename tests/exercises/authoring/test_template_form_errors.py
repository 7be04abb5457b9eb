"""Template validation shows every problem at once, each once, in the reader's language, as an
error (issue #16 item 6); a service refusal is an error message, not inside a success box."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exercises.authoring.generators.custom import template_problems
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories

pytestmark = pytest.mark.django_db

FORM = {
    "slug": "bad",
    "title_en": "Bad",
    "title_ko": "나쁨",
    "function": "{a} x^2 + {b} y",
    "variables": "x, y",
    "parameters": "a: 5..1\nb: 3..2",
    "constraints": "a <> b",
    "task": "partial",
    "wrt": "x",
    "at": "",
    "notation": "any",
    "statement_en": "",
    "statement_ko": "",
    "points": "1",
    "tolerance": "0.001",
}


def test_every_problem_of_a_config_is_listed():
    config = {
        "function": "{a} x",
        "variables": ["x", "x"],
        "parameters": [{"name": "a", "min": 5, "max": 1}, {"name": "e", "min": 1, "max": "z"}],
        "constraints": ["a"],
        "task": "nope",
        "wrt": ["q"],
    }
    texts = [p.text("en") for p in template_problems(config)]
    assert texts[0] == "declare between one and six distinct variables"
    assert "parameter a: need min <= max, at most 200 apart, |value| <= 1000" in texts
    assert any(t.startswith("'e' cannot be a parameter name") for t in texts)
    assert "parameter e: min and max must be integers" in texts
    assert any(t.startswith("constraint 'a'") for t in texts)
    assert any(t.startswith("the task must be one of") for t in texts)
    assert "differentiating by an undeclared variable: q" in texts


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_editor_shows_all_errors_once_in_the_readers_language(client, lang):
    course = factories.course()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    url = reverse("authoring:template-create", args=[course.pk])
    response = client.post(url, FORM, HTTP_ACCEPT_LANGUAGE=lang)
    page = response.content.decode()
    expected = {
        "en": [
            "parameter a: need min &lt;= max",
            "parameter b: need min &lt;= max",
            "write exactly one of",
        ],
        "ko": [
            "매개변수 a: 최솟값은 최댓값 이하",
            "매개변수 b: 최솟값은 최댓값 이하",
            "중 하나를 정확히 한 번 쓰세요",
        ],
    }[lang]
    for text in expected:
        assert page.count(text) == 1, (text, page.count(text))
    assert 'class="errors" role="alert"' in page
    if lang == "ko":
        assert "need min" not in page


def test_a_refusal_is_an_error_message_not_a_success(client):
    course = factories.course()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    item = factories.item(in_set=factories.problem_set(in_course=course))
    factories.instance(for_item=item, for_student=factories.student(in_course=course))
    client.force_login(teacher)
    url = reverse("authoring:item-change", args=[item.pk])
    page = client.post(url, {"action": "remove"}, follow=True).content.decode()
    assert '<li class="error" role="alert">Students have opened this problem' in page
