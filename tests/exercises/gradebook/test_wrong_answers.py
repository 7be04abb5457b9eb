"""Common wrong answers: grouped by equivalence per variant, with the named mistake and share."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.selectors import common_wrong_answers
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    """Toy #1 (f_x of x^3 + xy - y = 3x^2 + y), same variant for everyone (family 'fixed')."""
    c = factories.course()
    instructor = factories.user(username="prof")
    membership_create(course=c, user=instructor, role=Membership.Role.INSTRUCTOR)
    item = factories.item(in_set=factories.problem_set(in_course=c))
    answers = {
        "s1": ["3x^2"],
        "s2": ["3*x^2"],  # the same expression typed differently
        "s3": ["x^2*3", "3x^2 + y"],  # equivalent but not the same reading; then right
        "s4": ["3x^2 + x"],
        "s5": ["3x^2 + y"],
    }
    for name, typed in answers.items():
        inst = factories.instance(
            for_item=item, for_student=factories.student(in_course=c, username=name)
        )
        for answer in typed:
            factories.graded(inst, answer)
    return {"course": c, "item": item, "instructor": instructor}


def test_equivalent_spellings_form_one_group_with_share_and_mistake(answered):
    report = common_wrong_answers(item=answered["item"])
    assert report.total_wrong == 4
    assert report.examined == 4
    assert report.variants == 1
    assert [(g.submissions, g.share) for g in report.groups] == [(3, 75), (1, 25)]
    top = report.groups[0]
    assert sorted(top.spellings) == ["3*x^2", "3x^2", "x^2*3"]
    assert top.students == {
        m.user_id for m in Membership.objects.filter(user__username__in=["s1", "s2", "s3"])
    }
    assert top.mistake is not None and top.mistake["code"]
    assert report.groups[1].answer == "3x^2 + x"


def test_different_variants_are_not_merged():
    c = factories.course()
    item = factories.item(in_set=factories.problem_set(in_course=c))
    other_tpl = factories.template(
        config={"function": "x^3 + 2*x*y - y", "function_latex": "", "wrt": ["x"]}
    )
    other = factories.item(in_set=factories.problem_set(in_course=c), tpl=other_tpl)
    s = factories.student(in_course=c)
    factories.graded(factories.instance(for_item=item, for_student=s), "3x^2")
    report = common_wrong_answers(item=other)
    assert report.groups == []
    factories.graded(factories.instance(for_item=other, for_student=s), "3x^2")
    assert [g.submissions for g in common_wrong_answers(item=other).groups] == [1]


def test_page_shows_groups_with_a_fixed_number_of_queries(client, answered):
    client.force_login(answered["instructor"])
    url = reverse("gradebook:item-wrong-answers", args=[answered["item"].pk])
    with CaptureQueriesContext(connection) as first:
        body = client.get(url).content.decode()
    assert '<strong class="share">75%</strong>' in body
    assert "<code>3x^2</code>" in body
    assert re.search(r"<p>1 variant; \d+ engine comparisons?\.</p>", body)  # not "1 variants"
    c = answered["course"]
    for n in range(4):
        inst = factories.instance(
            for_item=answered["item"], for_student=factories.student(in_course=c)
        )
        factories.graded(inst, f"{n + 4}x^2")
    with CaptureQueriesContext(connection) as later:
        assert client.get(url).status_code == 200
    assert len(later) == len(first)


@pytest.mark.parametrize(
    "who, expected", [(None, 302), ("student", 404), ("stranger", 404), ("ta", 200), ("prof", 200)]
)
def test_wrong_answers_url_by_role(client, answered, who, expected):
    c = answered["course"]
    users = {
        "student": factories.student(in_course=c),
        "stranger": factories.user(),
        "ta": factories.user(),
        "prof": answered["instructor"],
    }
    membership_create(
        course=factories.course(), user=users["stranger"], role=Membership.Role.INSTRUCTOR
    )
    membership_create(course=c, user=users["ta"], role=Membership.Role.TA)
    if who:
        client.force_login(users[who])
    response = client.get(reverse("gradebook:item-wrong-answers", args=[answered["item"].pk]))
    assert response.status_code == expected


def test_the_work_is_capped(answered, monkeypatch):
    import exercises.gradebook.selectors as sel

    monkeypatch.setattr(sel, "WRONG_ANSWERS_EXAMINED", 6)
    monkeypatch.setattr(sel, "WRONG_ANSWER_GROUPS", 2)
    monkeypatch.setattr(sel, "ENGINE_COMPARISONS", 3)
    c = answered["course"]
    for n in range(5):
        inst = factories.instance(
            for_item=answered["item"], for_student=factories.student(in_course=c)
        )
        factories.graded(inst, f"{n + 4}x^2 + y^2")
    report = common_wrong_answers(item=answered["item"])
    assert (report.total_wrong, report.examined) == (9, 6)
    assert len(report.groups) == 2
    assert report.comparisons == 3
