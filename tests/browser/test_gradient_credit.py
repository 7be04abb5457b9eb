"""Credit per component in a real browser (issue #15): a student types the gradient of toy #1
with ∂f/∂x right and ∂f/∂y wrong; the result says "Partly correct", scores half of the points,
and shows which component is right (KaTeX for each component's name and answer), in English
and in Korean. UPDATE_SCREENSHOTS=1 writes docs/gradient-credit-<lang>.png."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grading.models import Submission
from tests import factories
from tests.browser.flows import page_errors
from tests.browser.test_student_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs"

TEXT = {
    "en": {
        "status": "Partly correct — score 1.00",
        "count": "1 of 2 components right",
        "right": "right",
        "wrong": "not right",
        "best": "Best score 1.00 / 2.00",
    },
    "ko": {
        "status": "부분 정답 — 점수 1.00",
        "count": "성분 2개 중 1개 맞음",
        "right": "맞음",
        "wrong": "틀림",
        "best": "1.00 / 2.00",
    },
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_gradient_with_one_right_component_scores_half_and_shows_which(page, live_server, lang):
    course = factories.course()
    factories.student(in_course=course, username="student1")
    problem_set = factories.problem_set(in_course=course)
    tpl = factories.template(config=dict(factories.TOY1_GRADIENT))
    item = factories.item(in_set=problem_set, tpl=tpl, points=Decimal("2"), max_attempts=3)
    errors = page_errors(page)

    log_in(page, live_server)
    if lang == "ko":
        page.select_option("#language-select", "ko")
        page.click(".lang-switch button")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    expect(page.locator("#statement .katex").first).to_be_visible()
    page.fill("#id_answer", "<3x^2 + y, x>")  # ∂f/∂x right, ∂f/∂y = x - 1 wrong
    page.click("#submit-button")

    text = TEXT[lang]
    status = page.locator("#result [data-status=partial]")
    expect(status).to_have_text(f"◐ {text['status']}")
    components = page.locator("#components")
    expect(components.locator(".components-count")).to_have_text(text["count"])
    right = components.locator("li[data-component='0']")
    wrong = components.locator("li[data-component='1']")
    expect(right).to_have_attribute("data-status", "right")
    expect(right.locator(".component-outcome")).to_have_text(text["right"])
    expect(wrong).to_have_attribute("data-status", "wrong")
    expect(wrong.locator(".component-outcome")).to_have_text(text["wrong"])
    # the component's name (∂f/∂x) and the answer as read, drawn by KaTeX
    expect(right.locator(".katex")).to_have_count(2)
    expect(right.locator(".katex").first).to_contain_text("∂f")
    expect(page.locator("#result .attempts")).to_contain_text(text["best"])
    expect(page.locator("#result .key")).to_have_count(0)  # attempts are left: no key

    sub = Submission.objects.get()
    assert (sub.equivalent, sub.score, sub.outcome) == (False, Decimal("1.00"), "partial")
    assert [c["equivalent"] for c in sub.components] == [True, False]
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.locator("#result").screenshot(path=str(DOCS / f"gradient-credit-{lang}.png"))
    assert errors == []
