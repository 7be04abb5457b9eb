"""The toy #2 page in a real browser: the surface with the y = 1 slice, and after a wrong f_x
a tangent line that misses the slice; desktop and a 390 px phone, English and Korean.
UPDATE_SCREENSHOTS=1 writes the screenshots into docs/."""

from __future__ import annotations

import math
import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.flows import page_errors
from tests.browser.test_student_flow import ROOT, log_in
from tests.support.budget import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOY2 = {**factories.TOY2, "notation": "subscript"}
VIEWPORTS = {"desktop": {"width": 1100, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def toy2_item():
    assert (ROOT / "static" / "vendor" / "plotly" / "plotly-gl3d.min.js").exists(), (
        "run `make install` first"
    )
    c = factories.course()
    factories.student(in_course=c, username="student1")
    tpl = factories.template(config=dict(TOY2))
    return factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=1)


def _device(browser, device):
    """A browser context of the device, its page, and the page's errors as they come."""
    phone = device == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[device], is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return context, page, page_errors(page)


def _log_in(page, live_server, lang):
    log_in(page, live_server)
    if lang == "ko":
        page.select_option("#language-select", "ko")
        page.click(".lang-switch button")
        page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_toy_2_surface_slice_and_a_tangent_line_that_misses(
    browser, live_server, toy2_item, lang, device, tmp_path
):
    context, page, errors = _device(browser, device)

    # The site's own Content-Security-Policy (config/settings/base.py), as served: no
    # 'unsafe-inline' or 'unsafe-eval' for the plots.
    policies: list[str] = []
    page.on(
        "response",
        lambda r: (
            policies.append(r.headers.get("content-security-policy", ""))
            if re.search(r"/problems/\d+/$", r.url)
            else None
        ),
    )
    try:
        _log_in(page, live_server, lang)
        page.goto(f"{live_server.url}/items/{toy2_item.pk}/")
        page.goto(page.url)  # the problem page itself (a redirect's target is not routed)
        # the student sees the plots, then reaches for the surface: Plotly's bundle runs then
        expect(page.locator("#plots")).to_have_attribute("data-plot-visible", "")
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(page.locator("#plots")).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        expect(page.locator("#plot-surface.js-plotly-plot")).to_be_attached()
        expect(page.locator("#plot-surface canvas").first).to_be_attached()
        expect(page.locator("#plot-slice svg.plot-svg")).to_be_visible()
        data = page.evaluate("window.partialCreditPlot")
        assert data["fixed"] == {"y": 1.0} and data["point"] == {"x": 1.0, "y": 1.0}
        assert "answer" not in data and "key" not in data
        description = page.locator("#plot-description").text_content()
        assert "y = 1" in description
        # a wrong f_x: the product rule forgotten
        page.fill("#id_answer", "7y/e^(x^2+y^2)")
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible(timeout=20_000)
        expect(page.locator("#plots")).to_have_attribute("data-plot-attempt", "1")
        data = page.evaluate("window.partialCreditPlot")
        t, z = data["slice"]["t"], data["slice"]["z"]
        i = min(range(len(t)), key=lambda k: abs(t[k] - 1.0))
        true_slope = (z[i + 1] - z[i - 1]) / (t[i + 1] - t[i - 1])
        assert true_slope == pytest.approx(-7 / math.e**2, rel=0.1)  # a grid point near x = 1
        line = data["answer"]["line"]
        drawn_slope = (line["z"][-1] - line["z"][0]) / (line["t"][-1] - line["t"][0])
        assert drawn_slope == pytest.approx(7 / math.e**2, rel=1e-3)  # visibly not tangent
        names = page.evaluate(
            "document.getElementById('plot-slice').plotTraces.map(function (t) { return t.name; })"
        )
        assert ("your tangent line" if lang == "en" else "내 답의 접선") in names
        drawn = page.locator("#plot-slice g.trace").evaluate_all(
            "gs => gs.map(g => g.getAttribute('data-name'))"
        )
        assert drawn == names
        # the only attempt is used: the key, its line, the derivatives and the solution
        assert data["key"]["value"] == pytest.approx(-7 / math.e**2, rel=1e-5)
        expect(page.locator("#plot-derivatives")).to_be_visible()
        expect(page.locator("#solution .katex").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
        assert policies and all("style-src 'self' 'nonce-" in p for p in policies), policies
        assert not any("unsafe" in p for p in policies), policies
        assert errors == []  # the page ran under the site's CSP, and nothing was refused
        target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
        suffix = "" if device == "desktop" else "-phone"
        page.locator("#plots").screenshot(path=str(target / f"plot-toy2-{lang}{suffix}.png"))
        if device == "desktop":
            page.locator("#solution").screenshot(path=str(target / f"solution-toy2-{lang}.png"))
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "device"), [("en", "desktop"), ("ko", "phone")])
def test_a_mixed_partial_draws_its_tangent_line_on_the_curve_of_f_x(
    browser, live_server, lang, device
):
    """f_xy of toy #2: beside the surface, f_x along the slice x = 1 (y moving), and the line
    the student's f_xy gives at the point; the key's line only once the key is shown."""
    c = factories.course()
    factories.student(in_course=c, username="student1")
    tpl = factories.template(config={**TOY2, "wrt": ["x", "y"]})
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=2)
    context, page, errors = _device(browser, device)
    try:
        _log_in(page, live_server, lang)
        page.goto(f"{live_server.url}/items/{item.pk}/")
        page.goto(page.url)
        # a wrong f_xy (the factor y not differentiated): -7/e^2 at (1, 1), the key is +7/e^2
        page.fill("#id_answer", "7(1-2x^2)/e^(x^2+y^2)")
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible(timeout=20_000)
        page.locator("#plots").scroll_into_view_if_needed()
        plots = page.locator("#plots")
        expect(plots).to_have_attribute("data-plot-attempt", "1")
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(plots).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        data = page.evaluate("window.partialCreditPlot")
        assert data["kind"] == "mixed" and data["fixed"] == {"x": 1.0} and "key" not in data
        names = page.evaluate(
            "document.getElementById('plot-slice').plotTraces.map(function (t) { return t.name; })"
        )
        inner, yours = (
            ("f_x along the slice", "your tangent line")
            if lang == "en"
            else ("단면을 따라 본 f_x", "내 답의 접선")
        )
        assert inner in names and yours in names and len(names) == 3  # no key line
        curve = page.evaluate("document.getElementById('plot-slice').plotTraces[0]")
        assert curve["y"] == data["inner"]["z"]  # f_x's curve, not f's
        line = data["answer"]["line"]
        slope = (line["z"][-1] - line["z"][0]) / (line["t"][-1] - line["t"][0])
        assert slope == pytest.approx(-7 / math.e**2, rel=1e-3)
        description = page.locator("#plot-description").text_content()
        assert "f_x" in description
        assert ("mixed partial" if lang == "en" else "혼합 편도함수") in description
        # the last attempt: the key is shown, its line and both mixed partials along the slice
        page.fill("#id_answer", "7(1-2y^2)/e^(x^2+y^2)")
        page.click("#submit-button")
        expect(page.locator(".key")).to_be_visible(timeout=20_000)
        page.locator("#plots").scroll_into_view_if_needed()
        expect(plots).to_have_attribute("data-plot-attempt", "2")
        data = page.evaluate("window.partialCreditPlot")
        assert data["key"]["value"] == pytest.approx(7 / math.e**2, rel=1e-5)
        expect(page.locator("#plot-derivatives")).to_be_visible()
        # the page fits the phone: the long key (expanded) scrolls in its own line
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
        assert errors == []
    finally:
        context.close()
