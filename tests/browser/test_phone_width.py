"""No page wider than a 390 px phone (issue #16): every instructor and student page, measured in
chromium at 390 px (tables may scroll inside their own container); after Submit on a phone the
verdict is scrolled into view and announced."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from exercises.authoring.services.templates import custom_template_create
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.services import regrade_job_create
from tests import factories
from tests.browser.flows import log_in
from tests.exercises.authoring.test_authoring_services import TOY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world():
    course = factories.course(code="calc-partials")
    teacher = factories.user(username="prof")
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    student = factories.student(in_course=course, username="student1")
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set, max_attempts=3)
    instance = factories.instance(for_item=item, for_student=student)
    submission = factories.graded(instance, "3x^2")
    template = custom_template_create(
        course=course,
        slug="toy",
        title_en="A rather long template title",
        title_ko="토이",
        config=TOY,
    )
    regrade = regrade_job_create(item=item, requested_by=teacher, reason="phone")
    return {
        "course": course,
        "set": problem_set,
        "item": item,
        "instance": instance,
        "submission": submission,
        "template": template,
        "regrade": regrade,
    }


def _instructor_pages(w):
    c = w["course"].pk
    return [
        reverse("practice:dashboard"),
        reverse("courses:course-create"),
        reverse("courses:course-settings", args=[c]),
        reverse("courses:course-people", args=[c]),
        reverse("gradebook:course-gradebook", args=[c]),
        reverse("gradebook:course-grades-export", args=[c]),
        reverse("lti:course-lti", args=[c]),
        reverse("authoring:course-authoring", args=[c]),
        reverse("authoring:template-create", args=[c]),
        reverse("authoring:template-edit", args=[w["template"].pk]),
        reverse("authoring:set-create", args=[c]),
        reverse("authoring:set-edit", args=[w["set"].pk]),
        reverse("authoring:course-import", args=[c]),
        reverse("gradebook:item-wrong-answers", args=[w["item"].pk]),
        reverse("gradebook:regrade-detail", args=[w["regrade"].pk]),
        reverse("courses:course-join"),
    ]


def _student_pages(w):
    return [
        reverse("practice:dashboard"),
        reverse("practice:problem-set-detail", args=[w["set"].pk]),
        reverse("practice:problem-detail", args=[w["instance"].pk]),
        reverse("practice:submission-detail", args=[w["submission"].pk]),
        reverse("courses:course-join"),
    ]


def _too_wide(page, live_server, paths):
    wide = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            culprit = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > 390.5
                              && !e.closest('.table-scroll, .statement, .plot, pre'))
                     .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
            )
            wide.append((path, width, culprit))
    return wide


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_page_is_wider_than_a_phone(browser, live_server, world, lang):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        if lang == "ko":
            page.select_option("#language-select", "ko")
            page.click(".lang-switch button")
        wide = _too_wide(page, live_server, ["/accounts/login/"])
        assert not wide, "\n".join(map(str, wide))
        page.fill("#id_username", "prof")
        page.fill("#id_password", factories.PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{live_server.url}/")
        wide = _too_wide(page, live_server, _instructor_pages(world))
        assert not wide, "\n".join(map(str, wide))
        page.context.clear_cookies()
        log_in(page, live_server, "student1") if lang == "en" else None
        if lang == "ko":
            page.goto(f"{live_server.url}/accounts/login/")
            page.select_option("#language-select", "ko")
            page.click(".lang-switch button")
            page.fill("#id_username", "student1")
            page.fill("#id_password", factories.PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{live_server.url}/")
        wide = _too_wide(page, live_server, _student_pages(world))
        assert not wide, "\n".join(map(str, wide))
    finally:
        context.close()


def test_after_submit_on_a_phone_the_verdict_is_in_view_and_announced(browser, live_server, world):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "student1")
        page.goto(f"{live_server.url}/problems/{world['instance'].pk}/")
        page.fill("#id_answer", "3x^2 + y")
        page.locator("#id_answer").focus()
        page.click("#submit-button")
        expect(page.locator("#result [data-status=correct]")).to_be_visible(timeout=30_000)
        expect(page.locator("#verdict-live")).to_contain_text("✔")
        page.wait_for_function(
            "() => { const r = document.getElementById('result').getBoundingClientRect();"
            " return r.top >= 0 && r.top < window.innerHeight / 2; }"
        )
        assert page.evaluate("document.activeElement.id") != "id_answer"
    finally:
        context.close()


def test_on_a_korean_phone_the_login_hint_and_the_history_keep_their_lines(browser, live_server):
    """The login's hint stands on its own line, under its box, with the password's label on the
    next (they ran together); in the attempt history a long answer does not squeeze 결과 and
    오답 into one syllable a line."""
    context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    hint = page.locator("#login-hint").bounding_box()
    label = page.locator("label[for=id_password]").bounding_box()
    box = page.locator("#id_username").bounding_box()
    assert hint["y"] >= box["y"] + box["height"] and label["y"] >= hint["y"] + hint["height"]
    instance = factories.toy_instance(max_attempts=5)
    factories.graded(instance, "3x^2 + y + 1 + x - x + y - y + 2x^2 - 2x^2 + 17x^3 - 17x^3")
    page.fill("#id_username", instance.student.username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{live_server.url}/problems/{instance.pk}/")
    head = page.locator("table.history th").nth(2)
    expect(head).to_have_text("결과")
    outcome = page.locator("table.history tbody td").nth(2)
    expect(outcome).to_have_text("오답")
    # the lines of the words themselves (a cell is as tall as its row): one
    words = (
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getClientRects().length; }"
    )
    for cell in (head, outcome):
        assert cell.evaluate(words) == 1, cell.inner_text()
    context.close()
