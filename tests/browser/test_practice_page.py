"""Hints and practice in a real browser, under the site's CSP: after a wrong f_x of toy #2 a
hint (no key); once the attempts are used, "Try another variant" opens an ungraded variant
with its plots, and an answer there shows the verdict, the key and the worked solution."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exercises.authoring.generators import task_of
from exercises.practice.selectors import practice_variant
from grading.engine import key_of
from grading.models import Submission
from tests import factories
from tests.browser.flows import page_errors
from tests.browser.test_student_flow import log_in
from tests.support.budget import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hint_then_practice_with_another_variant(browser, live_server):
    c = factories.course()
    factories.student(in_course=c, username="student1")
    problem_set = factories.problem_set(in_course=c)
    tpl = factories.template(config=dict(factories.TOY2))
    item = factories.item(in_set=problem_set, tpl=tpl, max_attempts=2)
    factories.item(in_set=problem_set, tpl=factories.template(family="polynomial", config={}))
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors = page_errors(page)
    try:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/items/{item.pk}/")
        page.goto(page.url)
        expect(page.locator("#next-problem")).to_be_visible()
        page.fill("#id_answer", "7y/e^(x^2+y^2)")  # the product rule forgotten
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible()
        hint = page.locator("#rule-hint")
        expect(hint).to_contain_text("Product rule")
        expect(hint.locator(".katex").first).to_be_visible()
        expect(page.locator(".key")).to_have_count(0)
        expect(page.locator("#another-variant")).to_have_count(0)
        page.fill("#id_answer", "7y/e^(x^2+y^2) + 1")  # the last attempt
        page.click("#submit-button")
        expect(page.locator(".key")).to_be_visible()
        submissions = Submission.objects.count()
        page.click("#another-variant")
        expect(page.locator("#ungraded")).to_be_visible()
        # the student sees the plots, then reaches for the surface: Plotly's bundle runs then
        expect(page.locator("#plots")).to_have_attribute("data-plot-visible", "")
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(page.locator("#plots")).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        expect(page.locator("#plot-surface.js-plotly-plot")).to_be_attached()
        instance = item.instances.get()
        variant = practice_variant(instance=instance, n=1)
        page.fill("#id_answer", key_of(task_of(variant.params)).text)
        page.click("#practice-form button[type=submit]")
        expect(page.locator("[data-status=correct]")).to_be_visible()
        expect(page.locator("#solution .katex").first).to_be_visible()
        # the plots (below the solution here), drawn again for the practice answer
        page.locator("#plots").scroll_into_view_if_needed()
        expect(page.locator("#plots")).to_have_attribute("data-plot-attempt", "")
        page.click("#another-variant")
        expect(page.locator("#practice")).to_have_attribute("data-variant", "2")
        assert Submission.objects.count() == submissions
        assert errors == []
    finally:
        context.close()
