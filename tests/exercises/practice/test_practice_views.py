"""Views: login, pages, htmx partials, and 404 for every id that is not the student's own."""

from __future__ import annotations

import html
import re
import time
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.authoring.services.instances import instance_worked_record
from exercises.practice import selectors
from exercises.practice.services import submission_create
from exercises.practice.views import poll_delay_ms
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def setup():
    c = factories.course()
    alice = factories.student(in_course=c, username="alice")
    bob = factories.student(in_course=c, username="bob")
    ps = factories.problem_set(in_course=c)
    item = factories.item(in_set=ps)
    alice_inst = factories.instance(for_item=item, for_student=alice)
    bob_inst = factories.instance(for_item=item, for_student=bob)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        bob_sub = submission_create(instance=bob_inst, answer="x")
    return {
        "alice": alice,
        "bob": bob,
        "set": ps,
        "item": item,
        "alice_inst": alice_inst,
        "bob_inst": bob_inst,
        "bob_sub": bob_sub,
        "course": c,
    }


def login(client, user):
    client.force_login(user)
    return client


def test_every_page_requires_login(client, setup):
    urls = [
        reverse("practice:dashboard"),
        reverse("practice:problem-set-detail", args=[setup["set"].pk]),
        reverse("practice:item-open", args=[setup["item"].pk]),
        reverse("practice:problem-detail", args=[setup["alice_inst"].pk]),
        reverse("practice:problem-preview", args=[setup["alice_inst"].pk]),
        reverse("practice:submission-detail", args=[setup["bob_sub"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    submit = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    assert client.post(submit, {"answer": "x"}).status_code == 302
    assert Submission.objects.filter(instance=setup["alice_inst"]).count() == 0


def test_login_page_logs_in(client):
    factories.user(username="carol")
    response = client.post(reverse("login"), {"username": "carol", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("practice:dashboard")


def test_other_students_ids_answer_404_on_every_url(client, setup):
    login(client, setup["alice"])
    bob_inst, bob_sub = setup["bob_inst"], setup["bob_sub"]
    gets = [
        reverse("practice:problem-detail", args=[bob_inst.pk]),
        reverse("practice:problem-preview", args=[bob_inst.pk]) + "?answer=x",
        reverse("practice:submission-detail", args=[bob_sub.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
        assert client.get(url, **HTMX).status_code == 404, url
    url = reverse("practice:submission-create", args=[bob_inst.pk])
    assert client.post(url, {"answer": "3x^2+y"}, **HTMX).status_code == 404
    assert Submission.objects.filter(instance=bob_inst).count() == 1


def test_sets_and_items_of_other_courses_answer_404(client, setup):
    outsider = factories.user(username="outsider")
    login(client, outsider)
    assert (
        client.get(reverse("practice:problem-set-detail", args=[setup["set"].pk])).status_code
        == 404
    )
    assert client.get(reverse("practice:item-open", args=[setup["item"].pk])).status_code == 404
    assert (
        client.get(reverse("practice:problem-detail", args=[setup["alice_inst"].pk])).status_code
        == 404
    )


def test_item_open_redirects_to_own_instance(client, setup):
    login(client, setup["alice"])
    response = client.get(reverse("practice:item-open", args=[setup["item"].pk]))
    assert response.status_code == 302
    assert response.url == reverse("practice:problem-detail", args=[setup["alice_inst"].pk])


def test_dashboard_shows_sets_with_constant_queries(client, setup):
    login(client, setup["alice"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("practice:dashboard"))
    assert response.status_code == 200
    assert "Set" in response.content.decode()
    for _ in range(3):
        ps = factories.problem_set(in_course=setup["course"])
        for _ in range(3):
            it = factories.item(in_set=ps)
            factories.instance(for_item=it, for_student=setup["alice"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("practice:dashboard"))
    assert response.status_code == 200
    assert len(many) == len(few)
    assert response.content.decode().count('class="card set-card"') == 4


def test_problem_set_page_has_constant_queries(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-set-detail", args=[setup["set"].pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        factories.item(in_set=setup["set"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert response.content.decode().count('class="card item-card"') == 5


def test_problem_page_renders_statement_and_answer_box(client, setup):
    login(client, setup["alice"])
    response = client.get(reverse("practice:problem-detail", args=[setup["alice_inst"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "x^3 + xy - y" in body
    assert 'id="id_answer"' in body
    assert 'hx-trigger="input changed delay:300ms, answer-chosen"' in body


def test_preview_shows_latex_and_uses_no_attempt(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    response = client.get(url, {"answer": "3x^2 + y"}, **HTMX)
    assert response.status_code == 200
    assert 'data-latex="' in response.content.decode()
    assert Submission.objects.filter(instance=setup["alice_inst"]).count() == 0


def test_preview_warns_of_a_division_by_zero_in_both_languages(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    body = client.get(url, {"answer": "3x^2 + y/0"}, **HTMX).content.decode()
    assert '<p class="warning">y/0 divides by 0, so it has no value' in body
    client.cookies["django_language"] = "ko"
    body = client.get(url, {"answer": "3x^2 + y/0"}, **HTMX).content.decode()
    assert '<p class="warning">y/0에서 0으로 나누므로 값이 없습니다.' in body


def test_preview_shows_positioned_error(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    body = client.get(url, {"answer": "3x^2 + (("}, **HTMX).content.decode()
    assert 'class="caret"' in body
    assert "^" in body.split('class="caret"')[1]


def test_preview_in_korean_uses_korean_messages(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    client.cookies["django_language"] = "ko"
    body = client.get(url, {"answer": "3x^2 + z"}, **HTMX).content.decode()
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body)  # Hangul syllables


def test_submit_htmx_shows_grading_then_the_verdict(
    client, setup, django_capture_on_commit_callbacks
):
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"answer": "3x^2 + y"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert len(callbacks) == 1
    assert 'data-status="grading"' in body
    assert 'hx-trigger="load delay:250ms"' in body
    polled = client.get(reverse("practice:problem-detail", args=[setup["alice_inst"].pk]), **HTMX)
    assert 'data-status="correct"' in polled.content.decode()
    sub = Submission.objects.get(instance=setup["alice_inst"])
    assert (sub.status, sub.equivalent) == ("graded", True)


def test_submit_malformed_shows_error_and_uses_no_attempt(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    body = client.post(url, {"answer": "3x^2 + ("}, **HTMX).content.decode()
    caret = body.split('<pre class="caret">')[1].split("</pre>")[0]
    assert caret.split("\n")[0] == "3x^2 + ("  # the answer, then a line that points into it
    assert caret.split("\n")[1].strip() == "^"
    assert "No attempt was used." in body
    assert Submission.objects.filter(instance=setup["alice_inst"]).count() == 0


def test_pending_result_polls_and_graded_result_stops(client, setup):
    login(client, setup["alice"])
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=setup["alice_inst"], answer="3x^2+y")
    url = reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
    pending = client.get(url, **HTMX).content.decode()
    assert 'hx-trigger="load delay:250ms"' in pending
    assert 'data-status="grading"' in pending
    from grading.services import submission_grade

    submission_grade(submission_id=sub.pk)
    done = client.get(url, **HTMX).content.decode()
    assert "hx-trigger" not in done
    assert "hx-get" not in done
    assert 'data-status="correct"' in done


def test_submission_detail_full_page_and_partial(client, setup):
    login(client, setup["bob"])
    url = reverse("practice:submission-detail", args=[setup["bob_sub"].pk])
    full = client.get(url).content.decode()
    partial = client.get(url, **HTMX).content.decode()
    assert "<html" in full
    assert "<html" not in partial
    assert 'id="result"' in partial


def test_key_is_shown_once_attempts_are_used_up(client, setup, django_capture_on_commit_callbacks):
    login(client, setup["alice"])
    url = reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
    assert "Answer key" not in client.get(url).content.decode()
    for answer in ["x", "y", "x+y"]:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("practice:submission-create", args=[setup["alice_inst"].pk]),
                {"answer": answer},
                **HTMX,
            )
    body = client.get(url).content.decode()
    assert "Answer key" in body
    assert "disabled" in body.split('id="submit-button"')[1].split(">")[0]


def test_healthz(client):
    assert client.get("/healthz").content == b"ok"


def test_preview_offers_did_you_mean_readings(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    body = client.get(url, {"answer": "1/2x"}, **HTMX).content.decode()
    assert 'data-reading="1/(2x)"' in body
    assert 'data-reading="(1/2)x"' in body
    assert body.count('class="reading"') == 2


def test_ambiguous_submission_uses_no_attempt(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    body = client.post(url, {"answer": "1/2x"}, **HTMX).content.decode()
    assert 'data-reading="1/(2x)"' in body
    assert "No attempt was used." in body
    assert Submission.objects.filter(instance=setup["alice_inst"]).count() == 0


def test_preview_of_an_overlong_answer_says_so(client, setup):
    login(client, setup["alice"])
    url = reverse("practice:problem-preview", args=[setup["alice_inst"].pk])
    body = client.get(url, {"answer": "x+" * 1001}, **HTMX).content.decode()
    assert "The answer is longer than 2000 characters." in body


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("endpoint", ["preview", "submit"])
def test_a_null_character_is_named_not_called_too_long(client, setup, endpoint, language):
    """Django's CharField refuses a null character; the answer box said "longer than 2000
    characters" for any invalid form."""
    login(client, setup["alice"])
    client.cookies["django_language"] = language
    pk = setup["alice_inst"].pk
    if endpoint == "preview":
        url = reverse("practice:problem-preview", args=[pk])
        body = client.get(url, {"answer": "3x^2\x00 + y"}, **HTMX).content.decode()
    else:
        url = reverse("practice:submission-create", args=[pk])
        body = client.post(url, {"answer": "3x^2\x00 + y"}, **HTMX).content.decode()
    expected = {
        "en": "The answer contains a character that can't be typed (a null character",
        "ko": "답에 키보드로 입력할 수 없는 문자(널 문자",
    }
    # as shown: the preview (DTL) writes ' as &#x27;, the result region (Jinja2) as &#39;
    assert expected[language] in html.unescape(body)
    assert "2000" not in body
    assert not Submission.objects.filter(instance=setup["alice_inst"]).exists()


@pytest.mark.parametrize(
    ("poll", "delay_ms"),
    [(0, 250), (3, 250), (4, 500), (7, 500), (8, 1000), (9, 2000), (50, 2000), (-1, 250)],
)
def test_poll_delay_backs_off_to_a_cap(poll, delay_ms):
    assert poll_delay_ms(poll) == delay_ms


def test_poll_schedule_shows_a_typical_verdict_within_a_second_then_slows_down():
    waited = [sum(poll_delay_ms(n) for n in range(polls)) for polls in range(1, 11)]
    assert waited == [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 6000]


@pytest.mark.parametrize(
    ("poll", "delay_ms", "next_poll"),
    [
        ("0", 250, 1),
        ("5", 500, 6),
        ("50", 2000, 9),
        (str(10**30), 2000, 9),
        ("-3", 250, 1),
        ("garbage", 250, 1),
        ("2.5", 250, 1),
        ("9" * 5000, 250, 1),  # past int()'s digit limit: still not a 500
    ],
)
def test_pending_result_polls_with_the_next_delay(client, setup, poll, delay_ms, next_poll):
    login(client, setup["bob"])
    url = reverse("practice:problem-detail", args=[setup["bob_inst"].pk])
    response = client.get(url, {"poll": poll}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="grading"' in body
    wait = _wait_url(body)
    assert wait.startswith(f"/submissions/{setup['bob_sub'].pk}/wait/")
    assert wait.endswith(f"?poll={next_poll}")
    assert f'hx-trigger="load delay:{delay_ms}ms"' in body
    # the wait URL answers itself again, one poll further
    again = client.get(wait.replace(f"?poll={next_poll}", f"?poll={poll}"), **HTMX)
    assert again.status_code == 200
    assert _wait_url(again.content.decode()).endswith(f"?poll={next_poll}")
    assert f'hx-trigger="load delay:{delay_ms}ms"' in again.content.decode()


def test_graded_result_carries_no_poll(client, setup):
    login(client, setup["alice"])
    factories.graded(setup["alice_inst"], "3x^2 + y")
    url = reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
    body = client.get(url, {"poll": "5"}, **HTMX).content.decode()
    assert 'data-status="correct"' in body
    assert "hx-get" not in body
    assert "hx-trigger" not in body


def test_result_poll_runs_three_queries(client, setup, django_assert_num_queries):
    """Session, the instance with its item and set and the student's own terms and override
    (subqueries of the same query), its submissions: nothing more (the user comes from the
    cache; production reads the session from the cache too)."""
    login(client, setup["bob"])
    url = reverse("practice:problem-detail", args=[setup["bob_inst"].pk])
    with django_assert_num_queries(3) as queries:
        response = client.get(url, {"poll": "3"}, **HTMX)
    assert 'data-status="grading"' in response.content.decode()
    # the full page's joins (course, template) are not needed to render the region
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "exercises_course" not in sql
    assert "exercises_problemtemplate" not in sql


def test_a_result_showing_the_key_reads_what_was_kept_in_one_query(
    client, setup, django_assert_num_queries
):
    """Once solved, the region shows the key (from the prepared task) and the worked solution:
    both read in one query, beside the three of a poll."""
    instance = setup["alice_inst"]
    instance_worked_record(instance_id=instance.pk)  # as a worker does after the first open
    factories.graded(instance, "3x^2 + y")
    login(client, setup["alice"])
    url = reverse("practice:problem-detail", args=[instance.pk])
    with (
        mock.patch("exercises.practice.selectors.solution", side_effect=AssertionError),
        django_assert_num_queries(4) as queries,
    ):
        body = client.get(url, {"poll": "5"}, **HTMX).content.decode()
    assert 'data-status="correct"' in body and 'class="key"' in body
    assert 'id="solution"' in body
    kept = queries.captured_queries[-1]["sql"]
    assert '"prepared"' in kept and '"worked"' in kept


def test_submit_reads_the_history_once(client, setup, django_assert_num_queries):
    """Session, the instance with its item and set and the student's terms and override (in
    the same query; the result region reuses them), the rate count, then in one transaction
    (a savepoint here, inside the test's transaction) the instance's lock, its submissions and
    the insert: the result region is rendered from those, not from a second read."""
    factories.graded(setup["alice_inst"], "3x^2")
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    with django_assert_num_queries(8) as queries:
        response = client.post(url, {"answer": "3x^2 + y"}, **HTMX)
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "exercises_submission"' in q["sql"]
    ]
    assert len(selects) == 2  # the rate count and the history, nothing after the insert
    body = response.content.decode()
    assert 'data-status="grading"' in body
    assert "Attempts used: 2, left: 1" in body
    history = body.split('class="history"')[1]
    assert history.index("<code>3x^2 + y</code>") < history.index("<code>3x^2</code>")
    assert history.count("<tr>") == 3  # the header and both attempts


@pytest.mark.django_db(transaction=True)
def test_submit_graded_inline_shows_its_verdict_at_once(client, setup):
    """With Celery's eager mode the answer is graded as the submit commits: the response shows
    that verdict, not the "grading" state read before it."""
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    body = client.post(url, {"answer": "3x^2 + y"}, **HTMX).content.decode()
    assert Submission.objects.get(instance=setup["alice_inst"]).status == "graded"
    assert 'data-status="correct"' in body
    assert "hx-get" not in body  # nothing left to poll for
    history = body.split('class="history"')[1]
    assert "Grading…" not in history


def test_a_submissions_page_shows_that_submissions_verdict(client, setup):
    """Not the problem's latest: attempt 1 was wrong, attempt 2 right; attempt 1's page says
    incorrect, with its mistake."""
    first = factories.graded(setup["alice_inst"], "3x^2")
    second = factories.graded(setup["alice_inst"], "3x^2 + y")
    assert (first.equivalent, second.equivalent) == (False, True)
    login(client, setup["alice"])
    body = client.get(reverse("practice:submission-detail", args=[first.pk])).content.decode()
    result = body.split('id="result"')[1]
    assert 'data-status="incorrect"' in result
    assert 'data-status="correct"' not in result
    later = client.get(reverse("practice:submission-detail", args=[second.pk]), **HTMX)
    assert 'data-status="correct"' in later.content.decode()


def test_a_pending_submissions_page_waits_then_loads_its_own_url(client, setup):
    login(client, setup["bob"])
    url = reverse("practice:submission-detail", args=[setup["bob_sub"].pk])
    body = client.get(url, {"poll": "2"}, **HTMX).content.decode()
    assert 'data-status="grading"' in body
    wait = _wait_url(body)
    assert wait.endswith("?poll=3")
    from grading.services import submission_grade

    submission_grade(submission_id=setup["bob_sub"].pk)
    done = client.get(wait, **HTMX).content.decode()
    assert f'hx-get="{url}"' in done and 'hx-target="#result"' in done
    assert 'hx-trigger="load"' in done


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_once_graded_the_owners_wait_url_answers_the_graded_region_itself(client, setup, lang):
    """One request instead of two: the region, exactly as its own URL shows it (in the
    student's language), put in the region's place."""
    from grading.services import submission_grade

    login(client, setup["bob"])
    client.cookies["django_language"] = lang
    url = reverse("practice:problem-detail", args=[setup["bob_inst"].pk])
    wait = _wait_url(client.get(url, **HTMX).content.decode())
    submission_grade(submission_id=setup["bob_sub"].pk)
    answered = client.get(wait, **HTMX)
    assert answered.status_code == 200
    assert answered["HX-Retarget"] == "#result" and answered["HX-Reswap"] == "outerHTML"
    assert "Cookie" in answered["Vary"] and "no-store" in answered["Cache-Control"]
    body = answered.content.decode()
    assert body == client.get(url, **HTMX).content.decode()
    assert '<section id="result"' in body
    assert "data-status=" in body and "hx-get" not in body  # the verdict; no more polling
    assert ("사용한 기회" in body) == (lang == "ko")


def test_once_graded_anyone_but_the_owner_gets_only_the_element_that_loads_the_region(setup):
    """The token alone shows nothing of the verdict: an anonymous client, another student and
    the owner once out of the course get the element that loads the region's own URL (which
    then asks them to log in, or is not found), as before."""
    from grading.services import submission_grade

    bob = Client()
    bob.force_login(setup["bob"])
    url = reverse("practice:problem-detail", args=[setup["bob_inst"].pk])
    wait = _wait_url(bob.get(url, **HTMX).content.decode())
    submission_grade(submission_id=setup["bob_sub"].pk)
    alice = Client()
    alice.force_login(setup["alice"])
    done = f'<span class="poll" hx-get="{url}" hx-trigger="load" hx-target="#result"'
    for other in (Client(), alice):
        answered = other.get(wait, **HTMX)
        assert answered.status_code == 200
        assert answered.content.decode().startswith(done)
        assert "HX-Retarget" not in answered
    from exercises.courses.models import Membership

    Membership.objects.filter(user=setup["bob"]).delete()
    assert bob.get(wait, **HTMX).content.decode().startswith(done)
    assert bob.get(url, **HTMX).status_code == 404


def _wait_url(body):
    found = re.search(r'hx-get="(/submissions/[^"]+)"', body)
    assert found is not None, body
    return html.unescape(found.group(1))


def test_a_poll_while_grading_reads_one_status_and_no_session(setup, django_assert_num_queries):
    """The wait URL's token stands for the login: an anonymous client with it is answered, with
    one query and no session, user or instance read."""
    c = Client()
    c.force_login(setup["bob"])
    body = c.get(reverse("practice:problem-detail", args=[setup["bob_inst"].pk]), **HTMX)
    wait = _wait_url(body.content.decode())
    anonymous = Client()
    with django_assert_num_queries(1) as queries:
        response = anonymous.get(wait, **HTMX)
    assert response.status_code == 200
    assert "load delay:" in response.content.decode()
    assert "exercises_submission" in queries.captured_queries[0]["sql"]
    assert "Cookie" not in response.get("Vary", "")  # the session was not touched
    assert "sessionid" not in response.cookies


def test_a_wait_url_with_a_forged_foreign_or_expired_token_is_not_found(client, setup):
    login(client, setup["bob"])
    sub = setup["bob_sub"]
    good = _wait_url(
        client.get(
            reverse("practice:problem-detail", args=[setup["bob_inst"].pk]), **HTMX
        ).content.decode()
    )
    assert client.get(good, **HTMX).status_code == 200
    token = good.split("/wait/")[1].split("/")[0]
    other = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        foreign = submission_create(instance=other, answer="3x^2 + y")
    for url in (
        reverse("practice:submission-wait", args=[sub.pk, token[:-2] + "xx"]),  # forged
        reverse("practice:submission-wait", args=[foreign.pk, token]),  # another submission
        reverse("practice:submission-wait", args=[sub.pk, "garbage"]),
    ):
        assert client.get(url, **HTMX).status_code == 404, url
    later = time.time() + selectors.WAIT_MAX_AGE_SECONDS + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(good, **HTMX).status_code == 404


def test_the_result_region_says_when_no_more_answers_are_taken(client, setup):
    """The region carries whether Submit is allowed (app.js disables the button from it after
    each swap) and says why not, with the attempts used up, once graded."""
    login(client, setup["alice"])
    url = reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
    fresh = client.get(url, **HTMX).content.decode()
    assert 'data-can-submit="true"' in fresh
    assert 'id="submit-closed"' not in fresh
    for answer in ["x", "y", "x+y"]:
        factories.graded(setup["alice_inst"], answer)
    used_up = client.get(url, **HTMX).content.decode()
    assert 'data-can-submit="false"' in used_up
    assert "No attempts left: no more answers are taken." in used_up
    page = client.get(url).content.decode()
    assert re.search(r'<button type="submit" class="primary" id="submit-button"\s+disabled>', page)


def test_a_solved_problem_says_so_instead_of_inviting_another_answer(client, setup):
    factories.graded(setup["alice_inst"], "3x^2 + y")
    login(client, setup["alice"])
    url = reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
    body = client.get(url, **HTMX).content.decode()
    assert 'data-can-submit="false"' in body
    assert "Solved: no more answers are needed." in body


def test_a_refused_answer_labels_the_earlier_verdict_shown_under_it(client, setup):
    factories.graded(setup["alice_inst"], "3x^2")
    login(client, setup["alice"])
    url = reverse("practice:submission-create", args=[setup["alice_inst"].pk])
    body = client.post(url, {"answer": "3x^2 + ("}, **HTMX).content.decode()
    assert "No attempt was used." in body
    caption = body.index("Your attempt 1, before this answer:")
    assert caption < body.index('data-status="incorrect"')
    fresh = client.get(reverse("practice:problem-detail", args=[setup["alice_inst"].pk]), **HTMX)
    assert "before this answer" not in fresh.content.decode()


def test_a_problem_in_named_variables_says_how_to_type_them(client):
    c = factories.course()
    student = factories.student(in_course=c, username="hana")
    loss = factories.template(family="loss", config={"indexed": True, "wrt": ["w_11"]})
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=loss)
    inst = factories.instance(for_item=item, for_student=student)
    login(client, student)
    url = reverse("practice:problem-detail", args=[inst.pk])
    body = client.get(url).content.decode()
    assert "Type the variables as w_11, w_21, h1, h2, b_1, y." in body
    client.cookies["django_language"] = "ko"
    assert (
        "변수는 다음과 같이 입력하세요: w_11, w_21, h1, h2, b_1, y"
        in client.get(url).content.decode()
    )


def test_a_problem_in_x_and_y_needs_no_variable_hint(client, setup):
    login(client, setup["alice"])
    body = client.get(reverse("practice:problem-detail", args=[setup["alice_inst"].pk]))
    assert "Type the variables as" not in body.content.decode()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_item_without_a_usable_variant_shows_a_page_not_a_500(client, setup, lang):
    """A published template whose function does not read (no seed gives a variant): the student
    is told the problem is not available yet, in their language, and nothing is stored."""
    broken = factories.template(config={**factories.TOY1, "function": "x^^3 +"})
    item = factories.item(in_set=setup["set"], tpl=broken)
    login(client, setup["alice"])
    client.cookies["django_language"] = lang
    response = client.get(reverse("practice:item-open", args=[item.pk]))
    assert response.status_code == 200
    expected = {"en": "This problem is not available yet.", "ko": "이 문제는 아직 풀 수 없습니다."}
    assert expected[lang] in response.content.decode()
    assert not item.instances.exists()


def test_an_item_whose_template_is_not_published_is_not_available_yet(client, setup):
    """A template still being checked (or whose check failed) gives no variant to a student;
    a student who already has one keeps it."""
    from exercises.authoring.services.templates import custom_template_create
    from tests.exercises.authoring.test_authoring_services import TOY

    draft = custom_template_create(
        course=setup["course"], slug="draft", title_en="D", title_ko="D", config=TOY
    )
    item = factories.item(in_set=setup["set"], tpl=draft)
    login(client, setup["alice"])
    response = client.get(reverse("practice:item-open", args=[item.pk]))
    assert "This problem is not available yet." in response.content.decode()
    assert not item.instances.exists()
    opened = client.get(reverse("practice:item-open", args=[setup["item"].pk]))
    assert opened["Location"] == reverse("practice:problem-detail", args=[setup["alice_inst"].pk])
