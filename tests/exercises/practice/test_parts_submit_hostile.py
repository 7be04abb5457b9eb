"""Every way a request to a part's submit URL can be wrong (/problems/<id>/parts/<n>/submit/):
404 for a part, problem or student that is not there, 405 for a GET, 403 without the CSRF
token, and a refusal in the student's language (English and Korean) for an excused, closed or
used-up part; never a 500, and nothing stored but what may be."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.models import StudentException
from exercises.practice.services import MAX_ANSWER_LENGTH
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
RIGHT_FX = "7y/e^(x^2+y^2) - 14x^2 y/e^(x^2+y^2)"
WRONG_FX = "7y/e^(x^2+y^2)"


@pytest.fixture
def inst():
    return factories.parts_instance(points=Decimal("3"), max_attempts=2)


def _url(pk: int, part: object) -> str:
    return f"/problems/{pk}/parts/{part}/submit/"


def _post(client, inst, part, answer=WRONG_FX, lang="en", **headers):
    client.force_login(inst.student)
    client.cookies["django_language"] = lang
    return client.post(_url(inst.pk, part), {"answer": answer}, **headers)


def test_the_url_is_the_named_one(inst):
    assert reverse("practice:part-submission-create", args=[inst.pk, 2]) == _url(inst.pk, 2)


@pytest.mark.parametrize("part", [3, 4, 99, 2**31, 2**63, 10**40, "-1", "-0", "1.5", "x", "%00"])
def test_a_part_the_problem_does_not_have_is_404(client, inst, part):
    for headers in ({}, HTMX):
        assert _post(client, inst, part, **headers).status_code == 404
    assert not Submission.objects.exists()


def test_part_0_and_the_last_part_are_answered(client, inst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, inst, 0, **HTMX).status_code == 200
        assert _post(client, inst, 2, "7/e^2", **HTMX).status_code == 200
    assert sorted(Submission.objects.values_list("part", flat=True)) == [0, 2]


def test_a_single_part_problem_has_no_part_urls(client):
    c = factories.course()
    single = factories.instance(
        for_item=factories.item(in_set=factories.problem_set(in_course=c)),
        for_student=factories.student(in_course=c),
    )
    client.force_login(single.student)
    for part in (0, 1):
        assert client.post(_url(single.pk, part), {"answer": "1"}).status_code == 404
    assert not Submission.objects.exists()


def test_another_students_problem_and_a_missing_problem_are_404(client, inst):
    other = factories.student(in_course=inst.item.problem_set.course)
    client.force_login(other)
    assert client.post(_url(inst.pk, 0), {"answer": WRONG_FX}).status_code == 404
    assert client.post(_url(10**12, 0), {"answer": WRONG_FX}).status_code == 404
    assert not Submission.objects.exists()


def test_anonymous_is_sent_to_log_in(client, inst):
    response = client.post(_url(inst.pk, 0), {"answer": WRONG_FX})
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_only_post_is_taken(client, inst, method):
    client.force_login(inst.student)
    assert getattr(client, method)(_url(inst.pk, 0)).status_code == 405
    assert not Submission.objects.exists()


def test_without_the_csrf_token_it_is_403(inst):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(inst.student)
    for headers in ({}, HTMX):
        response = strict.post(_url(inst.pk, 0), {"answer": WRONG_FX}, **headers)
        assert response.status_code == 403
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_HX_REQUEST": "false"},
        {"HTTP_HX_REQUEST": "1"},
        {"HTTP_HX_REQUEST": "true" * 1000},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "<script>alert(1)</script>"},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "javascript:alert(1)"},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "\x00"},
    ],
)
def test_odd_htmx_headers_get_the_page_or_the_fragment(
    client, inst, headers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, inst, 1, "14/e^5", **headers)
    if headers.get("HTTP_HX_REQUEST") == "true":
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    else:  # not htmx: back to the problem's page
        assert response.status_code == 302
        assert response["Location"] == reverse("practice:problem-detail", args=[inst.pk])
    assert Submission.objects.filter(part=1).count() == 1


@pytest.mark.parametrize(
    ("data", "english", "korean"),
    [
        ({}, "Type an answer first.", "먼저 답을 입력하세요."),
        ({"answer": "   "}, "Type an answer first.", "먼저 답을 입력하세요."),
        ({"answer": "x" * (MAX_ANSWER_LENGTH + 1)}, "The answer is longer than", "자보다 깁니다."),
        ({"answer": "x\x00"}, "null", "null"),
    ],
)
def test_a_bad_answer_is_refused_in_both_languages(client, inst, data, english, korean):
    for lang, words in (("en", english), ("ko", korean)):
        client.force_login(inst.student)
        client.cookies["django_language"] = lang
        response = client.post(_url(inst.pk, 0), data, **HTMX)
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode()
        if words != "null":
            assert words in response.content.decode()
    assert not Submission.objects.exists()


def test_a_body_too_large_to_read_is_413(client, inst):
    client.force_login(inst.student)
    response = client.post(_url(inst.pk, 0), {"answer": "x" * 10_000_000}, **HTMX)
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_two_answers_in_one_post_are_one_answer(client, inst, django_capture_on_commit_callbacks):
    client.force_login(inst.student)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(inst.pk, 0), {"answer": ["1", WRONG_FX]}, **HTMX)
    assert response.status_code == 200
    assert list(Submission.objects.values_list("answer", flat=True)) == [WRONG_FX]


def _refusals(client, inst, part=1):
    said = {}
    for lang in ("en", "ko"):
        response = _post(client, inst, part, "14/e^5", lang=lang, **HTMX)
        assert response.status_code == 200
        said[lang] = response.content.decode()
    return said


def test_an_excused_student_is_told_and_nothing_is_stored(client, inst):
    StudentException.objects.create(item=inst.item, student=inst.student, excused=True)
    said = _refusals(client, inst)
    assert "You are excused from this problem" in said["en"]
    assert "이 문제는 면제되었습니다" in said["ko"]
    assert not Submission.objects.exists()


def test_a_closed_problem_is_told_and_nothing_is_stored(client):
    past = timezone.now() - timedelta(days=3)
    inst = factories.parts_instance(due_at=past, late_until=past + timedelta(days=1))
    said = _refusals(client, inst)
    assert "This problem is closed" in said["en"]
    assert "마감 기한이 지나 더 이상 제출할 수 없습니다." in said["ko"]
    assert not Submission.objects.exists()


def test_a_part_whose_attempts_are_used_up_is_told_and_others_still_take_answers(
    client, inst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert _post(client, inst, 0, WRONG_FX, **HTMX).status_code == 200
    said = _refusals(client, inst, part=0)
    assert "You have used all your attempts for this problem." in said["en"]
    assert "이 문제의 제출 기회를 모두 사용했습니다." in said["ko"]
    assert Submission.objects.filter(part=0).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, inst, 1, "14/e^5", **HTMX).status_code == 200  # (b) is its own
    assert Submission.objects.filter(part=1).count() == 1


def test_a_solved_part_takes_no_more_answers(client, inst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, inst, 0, RIGHT_FX, **HTMX)
    assert Submission.objects.get(part=0).equivalent is True
    said = _refusals(client, inst, part=0)
    assert "You have already solved this problem." in said["en"]
    assert Submission.objects.filter(part=0).count() == 1
