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
    assert (ROOT / "static" / "vendor" / "plotly" / "plotly.min.js").exists(), (
        "run `make install` first"
    )
    c = factories.course()
    factories.student(in_course=c, username="student1")
    tpl = factories.template(config=dict(TOY2))
    return factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=1)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_toy_2_surface_slice_and_a_tangent_line_that_misses(
    browser, live_server, toy2_item, lang, device, tmp_path
):
    phone = device == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[device], is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors = page_errors(page)

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
        log_in(page, live_server)
        if lang == "ko":
            page.select_option("#language-select", "ko")
            page.click(".lang-switch button")
            page.wait_for_load_state()
        page.goto(f"{live_server.url}/items/{toy2_item.pk}/")
        page.goto(page.url)  # the problem page itself (a redirect's target is not routed)
        expect(page.locator("#plot-surface.js-plotly-plot")).to_be_attached()
        expect(page.locator("#plot-surface canvas").first).to_be_attached()
        expect(page.locator("#plot-slice .main-svg").first).to_be_visible()
        data = page.evaluate("window.partialCreditPlot")
        assert data["fixed"] == {"y": 1.0} and data["point"] == {"x": 1.0, "y": 1.0}
        assert "answer" not in data and "key" not in data
        description = page.locator("#plot-description").text_content()
        assert "y = 1" in description
        # a wrong f_x: the product rule forgotten
        page.fill("#id_answer", "7y/e^(x^2+y^2)")
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible()
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
            "document.getElementById('plot-slice').data.map(function (t) { return t.name; })"
        )
        assert ("your tangent line" if lang == "en" else "내 답의 접선") in names
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
