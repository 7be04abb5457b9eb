"""LTI in a real browser: an instructor and a student launch from the fake LMS (OIDC login,
the platform's auto-posted id_token), the student answers, and the platform receives the
score (eager Celery: the send runs when the verdict commits)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.support.budget import HANG_S, WAIT_MS
from tests.support.fake_lms import INSTRUCTOR, LEARNER, FakeLMS
from tests.support.lti import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_lms(live_server):
    with FakeLMS() as fake:
        register(fake, base_url=live_server.url, jwks=live_server.url + "/lti/jwks/")
        yield fake


def test_instructor_and_student_launch_and_the_score_reaches_the_lms(page, browser, live_lms):
    from exercises.lti.models import CourseLink

    # the instructor's first launch: link the LMS course to a new course, then the link to a set
    page.goto(live_lms.login_url(sub="teacher-1", roles=INSTRUCTOR, name="Ada Teacher"))
    expect(page.locator("h1")).to_have_text("Link this LMS course")
    page.click("#context-link-submit")
    expect(page.locator("#choose-set h1")).to_have_text("Which problem set does this link open?")
    course = CourseLink.objects.get().course
    problem_set = factories.problem_set(in_course=course)
    factories.item(in_set=problem_set)
    page.reload()
    page.click("#choose-set-submit")
    page.wait_for_url(f"**/teach/sets/{problem_set.pk}/")

    # a new student launches from the same link and lands on the set
    student = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    spage = student.new_page()
    spage.set_default_timeout(WAIT_MS)
    try:
        spage.goto(live_lms.login_url(sub="student-1", roles=LEARNER, name="Kim Student"))
        spage.wait_for_url(f"**/sets/{problem_set.pk}/")
        spage.get_by_role("link", name="Toy #1", exact=True).click()
        expect(spage.locator("#statement .katex").first).to_be_visible()
        spage.fill("#id_answer", "3x^2 + y")
        expect(spage.locator("#preview .katex")).to_be_visible()
        spage.click("#submit-button")
        expect(spage.locator("[data-status=correct]")).to_be_visible()
    finally:
        student.close()

    deadline = time.monotonic() + HANG_S  # a hang detector, not a timing assertion
    while not live_lms.received.scores and time.monotonic() < deadline:
        time.sleep(0.05)
    [score] = live_lms.received.scores
    assert score["body"]["userId"] == "student-1"
    assert (score["body"]["scoreGiven"], score["body"]["scoreMaximum"]) == (2.0, 2.0)
