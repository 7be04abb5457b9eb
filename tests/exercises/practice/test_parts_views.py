"""The page of a multi-part problem: one answer box, preview and result region per part."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
WRONG_FX = "7y/e^(x^2+y^2)"


@pytest.fixture
def inst():
    return factories.parts_instance(points=Decimal("3"))


def _page(client, inst, lang="en"):
    client.force_login(inst.student)
    client.cookies["django_language"] = lang
    response = client.get(reverse("practice:problem-detail", args=[inst.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


_capture = None


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """Grading runs as the submit commits (eager Celery), as with a worker in production."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


def _submit(client, inst, part, text):
    """Submit to a part, graded once the request commits, then the part's region as its poll
    reads it (a test's transaction commits only as the capture ends)."""
    url = reverse("practice:part-submission-create", args=[inst.pk, part])
    with _capture(execute=True):
        submitted = client.post(url, {"answer": text}, **HTMX)
    if submitted.status_code != 200:
        return submitted
    region = reverse("practice:problem-detail", args=[inst.pk])
    return client.get(region, {"part": part}, **HTMX)


def test_the_page_shows_each_part_with_its_own_box_and_region(client, inst):
    page = _page(client, inst)
    for k in range(3):
        assert f'id="id_answer_{k}"' in page
        assert f'id="part-result-{k}"' in page
        assert f'id="submit-part-{k}"' in page
    assert "Let \\(f(x, y) = \\frac{7xy}{e^{x^2+y^2}}\\). Find:" in page
    assert "the value \\(f_{x}(1, 2)\\)" in page
    assert "the slope of the slice \\(y = 1\\) at \\(x = -1\\)" in page
    assert "a value right for your own (a) earns 50% of this part's points" in page
    assert 'id="id_answer"' not in page  # not the single-part page's box


def test_the_page_in_korean(client, inst):
    page = _page(client, inst, "ko")
    assert "다음을 구하시오." in page
    assert "다음 값: \\(f_{x}(1, 2)\\)" in page
    assert "\\(y = 1\\)에서 자른 단면의 \\(x = -1\\)에서의 기울기" in page
    assert "(a)의 답이 틀렸을 때" in page


def test_a_wrong_derivative_and_a_value_consistent_with_it_show_carried_credit(client, inst):
    client.force_login(inst.student)
    first = _submit(client, inst, 0, WRONG_FX)
    assert first.status_code == 200
    body = html.unescape(first.content.decode())
    assert 'id="part-result-0"' in body and 'data-status="incorrect"' in body
    second = html.unescape(_submit(client, inst, 1, "14/e^5").content.decode())
    assert 'data-status="carried"' in second
    assert "score 0.50" in second
    assert "right for your own answer to (a) (attempt 1)" in second
    assert "for 50% of this part's points" in second
    assert '<span id="parts-total-score" hx-swap-oob="true">0.50</span>' in second
    assert _page(client, inst).count("Carried forward") >= 2  # the verdict and the history


def test_korean_carried_credit(client, inst):
    client.force_login(inst.student)
    client.cookies["django_language"] = "ko"
    _submit(client, inst, 0, WRONG_FX)
    body = html.unescape(_submit(client, inst, 1, "14/e^5").content.decode())
    assert 'data-status="carried"' in body
    assert "이어서 채점" in body


def test_the_part_preview_reads_the_part_asked(client, inst):
    client.force_login(inst.student)
    url = reverse("practice:problem-preview", args=[inst.pk])
    as_value = client.get(url, {"answer": "x + 1", "part": "1"}).content.decode()
    assert "preview-error" in as_value  # a value part wants a number
    as_derivative = client.get(url, {"answer": "x + 1", "part": "0"}).content.decode()
    assert "preview-ok" in as_derivative
    for bad in ("3", "-1", "x", "9" * 40):
        assert client.get(url, {"answer": "1", "part": bad}).status_code == 404


def test_parts_refuse_other_students_a_missing_part_and_the_single_answer_url(client, inst):
    other = factories.student(in_course=inst.item.problem_set.course)
    client.force_login(other)
    assert _submit(client, inst, 0, WRONG_FX).status_code == 404
    client.force_login(inst.student)
    assert _submit(client, inst, 3, WRONG_FX).status_code == 404
    single = reverse("practice:submission-create", args=[inst.pk])
    assert client.post(single, {"answer": WRONG_FX}, **HTMX).status_code == 404
    assert not Submission.objects.exists()


def test_a_single_part_problem_has_no_parts_url(client):
    single = factories.toy_instance()
    client.force_login(single.student)
    url = reverse("practice:part-submission-create", args=[single.pk, 0])
    assert client.post(url, {"answer": "3x^2 + y"}, **HTMX).status_code == 404


def _wait_url(body):
    found = re.search(r'hx-get="(/submissions/[^"]+)"', body)
    assert found is not None, body
    return html.unescape(found.group(1))


def test_a_part_being_graded_waits_through_the_signed_wait_url(client, inst):
    """As a single-part result does: the part's region polls the wait URL (a status read, no
    session), which loads that part's region once graded; never the problem's page itself."""
    client.force_login(inst.student)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        body = _submit(client, inst, 2, "7/e^2").content.decode()
    assert 'data-status="grading"' in body
    wait = _wait_url(body)
    assert wait.endswith("?poll=1")
    assert "part=" not in body  # no poll of the problem's URL
    sub = Submission.objects.get(part=2)
    assert wait.startswith(f"/submissions/{sub.pk}/wait/")
    again = Client().get(wait, **HTMX).content.decode()  # anonymous: the token is the login
    assert "load delay:" in again and _wait_url(again).endswith("?poll=2")
    from grading.services import submission_grade

    submission_grade(submission_id=sub.pk)
    done = html.unescape(Client().get(wait, **HTMX).content.decode())
    region = reverse("practice:problem-detail", args=[inst.pk])
    assert f'hx-get="{region}?part=2"' in done and 'hx-target="#part-result-2"' in done
    polled = client.get(region, {"part": "2"}, **HTMX)
    assert polled.status_code == 200
    assert 'id="part-result-2"' in polled.content.decode()
    assert 'data-status="grading"' not in polled.content.decode()
    bad = client.get(region, {"part": "7"}, **HTMX)
    assert bad.status_code == 404


def test_a_wait_token_made_before_part_regions_still_answers():
    from django.core import signing

    from exercises.practice.selectors import WAIT_SALT
    from exercises.practice.services import submission_create

    single = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=single, answer="x")
    token = signing.dumps([sub.pk, "problem", single.pk], salt=WAIT_SALT)  # the old payload
    url = reverse("practice:submission-wait", args=[sub.pk, token])
    assert "load delay:" in Client().get(url, **HTMX).content.decode()


@pytest.mark.parametrize(
    "payload",
    [["part", None], ["part", -1], ["part", "1"], ["problem", 1], ["part", True], ["nope", 1]],
)
def test_a_signed_wait_token_naming_no_part_rightly_is_not_found(client, inst, payload):
    """A token this server signed but never makes (a part region without a valid part, a part
    on a problem region, an unknown region) loads nothing."""
    from django.core import signing

    from exercises.practice.selectors import WAIT_SALT

    client.force_login(inst.student)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        _submit(client, inst, 0, WRONG_FX)
    sub = Submission.objects.get()
    kind, part = payload
    token = signing.dumps([sub.pk, kind, inst.pk, part], salt=WAIT_SALT)
    url = reverse("practice:submission-wait", args=[sub.pk, token])
    assert Client().get(url, **HTMX).status_code == 404


def test_practice_of_a_parts_problem_waits_until_every_part_is_closed(client, inst):
    client.force_login(inst.student)
    for part in (0, 1):
        for _ in range(3):
            factories.graded(inst, "1", part=part)
    assert client.get(reverse("practice:practice", args=[inst.pk, 1])).status_code == 404
    assert 'id="another-variant"' not in _page(client, inst)  # (c) still takes answers
    factories.graded(inst, "-7/e^2", part=2)  # (c) solved: every part closed for credit
    assert 'id="another-variant"' in _page(client, inst)


def test_each_part_of_a_practice_variant_is_practised_on_its_own(client):
    inst = factories.parts_instance(max_attempts=1)
    for part, answer in ((0, WRONG_FX), (1, "1"), (2, "1")):
        factories.graded(inst, answer, part=part)
    client.force_login(inst.student)
    url = reverse("practice:practice", args=[inst.pk, 1])
    first = html.unescape(client.get(url).content.decode())
    assert "practice variant 1 · (a)" in first and "Find \\(f_{x}\\)." in first
    assert '<a href="?part=1">(b)</a>' in first and '<a href="?part=2">(c)</a>' in first
    assert "no answer is carried forward" in first
    answered = html.unescape(client.post(f"{url}?part=1", {"answer": "-14/e^5"}).content.decode())
    assert "practice variant 1 · (b)" in answered
    assert f'action="{url}?part=1"' in answered
    assert 'data-status="correct"' in answered and 'id="solution"' in answered
    wrong = html.unescape(client.post(f"{url}?part=2", {"answer": "7/e^2"}).content.decode())
    assert 'data-status="incorrect"' in wrong and "Answer key" in wrong
    assert f'href="{reverse("practice:practice", args=[inst.pk, 2])}?part=2"' in wrong
    plot = reverse("practice:practice-plot", args=[inst.pk, 1])
    assert client.get(plot, {"part": "2", "answer": "x"}).status_code == 200
    for bad in ("3", "-1", "b", "9" * 5000):
        assert client.get(url, {"part": bad}).status_code == 404
        assert client.get(plot, {"part": bad}).status_code == 404
    assert Submission.objects.count() == 3  # practice stores nothing
    client.cookies["django_language"] = "ko"
    korean = html.unescape(client.get(url, {"part": "1"}).content.decode())
    assert "연습 문제 1 · (b)" in korean and "다음 값을 구하시오" in korean
    single = factories.toy_instance(max_attempts=1)
    factories.graded(single, "x")
    client.force_login(single.student)
    single_url = reverse("practice:practice", args=[single.pk, 1])
    assert client.get(single_url).status_code == 200
    assert client.get(single_url, {"part": "1"}).status_code == 404


def test_the_set_page_says_attempts_are_per_part_and_offers_practice_once_closed(client, inst):
    client.force_login(inst.student)
    for _ in range(3):
        _submit(client, inst, 0, WRONG_FX)
    for part in (1, 2):
        for _ in range(3):
            _submit(client, inst, part, "1")
    page = html.unescape(
        client.get(
            reverse("practice:problem-set-detail", args=[inst.item.problem_set_id])
        ).content.decode()
    )
    assert "3 parts, 3 attempts each; answers given: 9" in page
    assert "closed for credit" in page  # every part's attempts are used
    assert reverse("practice:practice", args=[inst.pk, 1]) in page
