"""A student in a real browser: log in, preview, submit, see the verdict without a reload."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grading.models import Submission
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def student_problem():
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").exists(), (
        "run `make install` first"
    )
    c = factories.course()
    student = factories.student(in_course=c, username="student1")
    ps = factories.problem_set(in_course=c)
    item = factories.item(in_set=ps)
    return {"student": student, "item": item, "set": ps}


def log_in(page, live_server, username="student1"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("Your problem sets")


def open_problem(page, live_server, data):
    page.goto(f"{live_server.url}/items/{data['item'].pk}/")
    expect(page.locator("#statement .katex").first).to_be_visible()


def test_correct_answer_shows_correct_without_reload(page, live_server, student_problem):
    log_in(page, live_server)
    page.get_by_role("link", name="Set", exact=True).click()
    page.get_by_role("link", name="Toy #1", exact=True).click()
    expect(page.locator("#statement .katex").first).to_be_visible()
    page.evaluate("window.__noReload = 'still here'")
    page.fill("#id_answer", "3x^2 + y")
    expect(page.locator("#preview .katex")).to_be_visible()
    page.click("#submit-button")
    expect(page.locator("[data-status=correct]")).to_be_visible()
    expect(page.locator("[data-status=correct]")).to_contain_text("Correct")
    assert page.evaluate("window.__noReload") == "still here"
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    assert Submission.objects.get().equivalent is True


def test_wrong_answer_shows_the_named_mistake(page, live_server, student_problem):
    log_in(page, live_server)
    open_problem(page, live_server, student_problem)
    page.fill("#id_answer", "x - 1")
    expect(page.locator("#preview .katex")).to_be_visible()
    page.click("#submit-button")
    expect(page.locator("[data-status=incorrect]")).to_be_visible()
    mistake = page.locator(".mistake")
    expect(mistake).to_be_visible()
    assert len(mistake.inner_text().strip()) > 10
    expect(page.locator(".attempts")).to_contain_text("Attempts used: 1, left: 2")


def test_malformed_answer_shows_positioned_error_and_uses_no_attempt(
    page, live_server, student_problem
):
    log_in(page, live_server)
    open_problem(page, live_server, student_problem)
    page.fill("#id_answer", "3x^2 + (")
    caret = page.locator("#preview pre.caret")
    expect(caret).to_be_visible()
    lines = caret.inner_text().split("\n")
    assert lines[0] == "3x^2 + ("
    assert re.fullmatch(r" *\^+", lines[1])
    page.click("#submit-button")
    expect(page.locator("#result")).to_contain_text("No attempt was used.")
    expect(page.locator(".attempts")).to_contain_text("Attempts used: 0, left: 3")
    assert Submission.objects.count() == 0


def test_keyboard_only(page, live_server, student_problem):
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.type("student1")  # the username field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your problem sets")
    page.goto(f"{live_server.url}/items/{student_problem['item'].pk}/")
    for _ in range(40):
        if page.evaluate("document.activeElement && document.activeElement.id") == "id_answer":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_answer"
    page.keyboard.type("3x^2 + y")
    expect(page.locator("#preview .katex")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("[data-status=correct]")).to_be_visible()


def test_korean_ui_renders(page, live_server, student_problem):
    log_in(page, live_server)
    page.select_option("#language-select", "ko")
    page.click(".lang-switch button")
    expect(page.locator("h1")).to_have_text("나의 문제 모음")
    open_problem(page, live_server, student_problem)
    expect(page.locator("#submit-button")).to_have_text("제출")
    expect(page.locator("#statement")).to_contain_text("구하시오")
    page.fill("#id_answer", "3x^2 + z")
    expect(page.locator("#preview .error")).to_be_visible()
    assert re.search("[\uac00-\ud7a3]", page.locator("#preview .error").inner_text())
    assert page.evaluate("document.documentElement.lang") == "ko"


def test_phone_sized_screen_has_no_horizontal_scroll(browser, live_server, student_problem):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, live_server)
        open_problem(page, live_server, student_problem)
        page.fill("#id_answer", "3x^2 + y")
        expect(page.locator("#preview .katex")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.locator("#submit-button").bounding_box()
        assert box is not None and box["height"] >= 40
    finally:
        context.close()


def test_problem_page_screenshots(browser, live_server, student_problem, tmp_path):
    """Both languages render to an image; UPDATE_SCREENSHOTS=1 writes them into docs/."""
    target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    for lang in ("en", "ko"):
        context = browser.new_context(viewport={"width": 900, "height": 820}, device_scale_factor=1)
        page = context.new_page()
        log_in(page, live_server)
        if lang == "ko":
            page.select_option("#language-select", "ko")
            page.click(".lang-switch button")
            page.wait_for_load_state()
        open_problem(page, live_server, student_problem)
        if lang == "en":
            page.fill("#id_answer", "x - 1")
            page.click("#submit-button")
            expect(page.locator(".mistake")).to_be_visible()
        with page.expect_response(lambda r: "/preview/?answer=3x" in r.url):
            page.fill("#id_answer", "3x^2 + y")
        expect(page.locator("#preview .katex")).to_be_visible()
        if lang == "ko":
            page.click("#submit-button")
            expect(page.locator("[data-status=correct]")).to_be_visible()
        path = target / f"problem-page-{lang}.png"
        page.screenshot(path=str(path), full_page=True)
        context.close()
        assert path.stat().st_size > 10_000


def test_did_you_mean_choice_fills_the_answer(page, live_server, student_problem):
    log_in(page, live_server)
    open_problem(page, live_server, student_problem)
    page.fill("#id_answer", "1/2x")
    choices = page.locator("#preview button.reading")
    expect(choices).to_have_count(2)
    with page.expect_response(lambda r: "/preview/" in r.url):
        choices.first.click()
    assert page.input_value("#id_answer") == "1/(2x)"
    expect(page.locator("#preview .preview-ok .katex")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "id_answer"


def test_submit_is_disabled_once_the_last_attempt_is_used(page, live_server, student_problem):
    item = student_problem["item"]
    item.max_attempts = 1
    item.save()
    log_in(page, live_server)
    open_problem(page, live_server, student_problem)
    expect(page.locator("#submit-button")).to_be_enabled()
    page.evaluate("window.__noReload = 'still here'")
    page.fill("#id_answer", "x - 1")
    expect(page.locator("#preview .katex")).to_be_visible()
    page.click("#submit-button")
    expect(page.locator("[data-status=incorrect]")).to_be_visible()
    expect(page.locator("#submit-button")).to_be_disabled()
    expect(page.locator("#submit-closed")).to_have_text(
        "No attempts left: no more answers are taken."
    )
    assert page.evaluate("window.__noReload") == "still here"


def test_a_verdict_recorded_while_the_page_waits_replaces_the_region_in_place(
    page, live_server, student_problem
):
    """Grading off the request, as in production: the region waits through its wait URL, whose
    answer once graded is the whole region (HX-Retarget): it takes the region's place, once."""
    from unittest import mock

    from grading.services import submission_grade

    log_in(page, live_server)
    open_problem(page, live_server, student_problem)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        page.fill("#id_answer", "3x^2 + y")
        expect(page.locator("#preview .katex")).to_be_visible()
        page.click("#submit-button")
        expect(page.locator("[data-status=grading]")).to_be_visible()
    expect(page.locator("#result .poll")).to_have_count(1)
    submission_grade(submission_id=Submission.objects.get().pk)
    expect(page.locator("[data-status=correct]")).to_be_visible()
    expect(page.locator("section#result")).to_have_count(1)
    expect(page.locator("#result #result")).to_have_count(0)
    expect(page.locator("#result .poll")).to_have_count(0)
    expect(page.locator("table.history tbody tr")).to_have_count(1)
