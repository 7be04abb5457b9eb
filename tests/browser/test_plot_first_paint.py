"""The plots as the page first paints them, without Plotly: the 2-D slice drawn as SVG by
static/js/plots.js from the page's inline data (the y = 1 slice of toy #2 with the point on it,
and after a wrong f_x a tangent line that visibly misses the curve), and the surface as a still
SVG picture with the slice plane and curve, replaced by Plotly's rotatable surface when the
student reaches for it (touch, click, pointer or focus): the bundle is only fetched before.
UPDATE_SCREENSHOTS=1 writes the still picture into docs/."""

from __future__ import annotations

import contextlib
import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.flows import page_errors
from tests.browser.test_plot_page import TOY2, VIEWPORTS, _log_in
from tests.browser.test_student_flow import ROOT
from tests.support.budget import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLOTLY = re.compile(r".*/vendor/plotly/.*")


@pytest.fixture
def toy2_item():
    """Toy #2 (f_x, the y = 1 slice) for student1, one attempt."""
    c = factories.course()
    factories.student(in_course=c, username="student1")
    tpl = factories.template(config=dict(TOY2))
    return factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=1)


@contextlib.contextmanager
def _problem_page(browser, live_server, item, *, lang="en", viewport, **context_options):
    """A logged-in student1's page of `item` in a context of its own: (page, the page's script
    errors, the Plotly files it asked for); the problem is opened through its item, then
    reloaded as a returning student would."""
    context = browser.new_context(viewport=viewport, **context_options)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors = page_errors(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/vendor/plotly/" in r.url else None)
    try:
        _log_in(page, live_server, lang)
        page.goto(f"{live_server.url}/items/{item.pk}/")
        page.goto(page.url)
        yield page, errors, asked
    finally:
        context.close()


def _points(d: str) -> list[tuple[float, float]]:
    """The points of an SVG path of M/L commands (what plots.js writes)."""
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", d)]


def _slice_geometry(page):
    """Screen points of the slice curve, the point marker, and the answer's line (if any)."""
    curve = page.locator("#plot-slice g.trace").nth(0).locator("path")
    curve_points = _points(curve.get_attribute("d"))
    marker = page.locator("#plot-slice g.trace circle").last
    point = (float(marker.get_attribute("cx")), float(marker.get_attribute("cy")))
    dashed = page.locator("#plot-slice g.trace path[stroke-dasharray]")
    line = _points(dashed.get_attribute("d")) if dashed.count() else []
    return curve_points, point, line


def _curve_y(curve, x):
    """The curve's screen y at screen x (linear between its two nearest points)."""
    for (xa, ya), (xb, yb) in zip(curve, curve[1:], strict=False):
        if xa <= x <= xb:
            return ya + (yb - ya) * (x - xa) / (xb - xa) if xb > xa else ya
    raise AssertionError(f"x = {x} is outside the curve")


@pytest.mark.parametrize(("lang", "device"), [("en", "desktop"), ("ko", "phone")])
def test_the_svg_slice_and_the_still_surface_need_no_plotly(
    browser, live_server, toy2_item, lang, device, tmp_path
):
    phone = device == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[device], is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors = page_errors(page)
    plotly_asked: list[str] = []

    def refuse(route):
        plotly_asked.append(route.request.url)
        route.abort()

    try:
        _log_in(page, live_server, lang)
        page.route(PLOTLY, refuse)  # no Plotly at all: what is drawn is plots.js's own SVG
        page.goto(f"{live_server.url}/items/{toy2_item.pk}/")
        page.goto(page.url)
        plots = page.locator("#plots")
        expect(plots).to_have_attribute("data-plot-visible", "")
        # the data came with the page: no plot.json request was needed
        assert page.evaluate("document.getElementById('plot-data') !== null")
        data = page.evaluate("window.partialCreditPlot")
        assert data["fixed"] == {"y": 1.0} and "answer" not in data and "key" not in data
        # the surface: a still picture with the slice plane and the slice curve on it
        picture = page.locator("#plot-surface svg.plot-preview")
        plots.scroll_into_view_if_needed()
        expect(picture).to_be_visible()
        assert picture.locator(".surface-mesh path").count() > 1000  # the 41 x 41 grid's cells
        assert picture.locator("path.slice-plane").count() > 0
        slice_name = "slice curve" if lang == "en" else "단면 곡선"
        expect(picture.locator(f"path.trace[data-name='{slice_name}']")).to_be_attached()
        # the 2-D slice: the point (1, f(1, 1)) lies on the curve
        expect(page.locator("#plot-slice svg.plot-svg")).to_be_visible()
        curve, point, line = _slice_geometry(page)
        assert len(curve) > 100 and line == []
        assert _curve_y(curve, point[0]) == pytest.approx(point[1], abs=2)
        assert "y = 1" in page.locator("#plot-description").text_content()
        # nothing runs Plotly until the student reaches for the surface; then its bundle is
        # asked for, refused here: the picture stays, and the page says so
        assert page.locator("head script[src*='/vendor/plotly/']").count() == 0
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(page.locator("head script[src*='/vendor/plotly/']")).to_have_count(1)
        expect(page.locator("#plot-status")).to_have_text(
            "The rotatable surface could not be loaded: the surface is shown as a still picture."
            if lang == "en"
            else "돌려 볼 수 있는 곡면을 불러오지 못해 곡면을 정지 그림으로 보여 줍니다."
        )
        assert plotly_asked
        target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
        suffix = "" if device == "desktop" else "-phone"
        plots.screenshot(path=str(target / f"plot-toy2-{lang}{suffix}-still.png"))

        # a wrong f_x (the product rule forgotten): a tangent line that misses the curve
        page.fill("#id_answer", "7y/e^(x^2+y^2)")
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible(timeout=20_000)
        expect(plots).to_have_attribute("data-plot-attempt", "1")
        expect(plots).to_have_attribute("data-plot-visible", "")
        curve, point, line = _slice_geometry(page)
        assert len(line) == 25
        # the line goes through the point ...
        middle = line[len(line) // 2]
        assert middle == pytest.approx(point, abs=2)
        # ... but rises where the curve falls (screen y grows downwards): on either side of the
        # point it is far from the curve, not tangent to it (at x = 0 it happens to cross it)
        assert line[0][1] > line[-1][1]  # rising
        assert _curve_y(curve, line[-1][0]) > _curve_y(curve, point[0])  # the curve falls there
        for x, y in (line[6], line[18], line[-1]):
            assert abs(_curve_y(curve, x) - y) > 20
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
        assert [e for e in errors if "plotly" not in e.lower()] == []
    finally:
        context.close()


def test_the_rotatable_surface_replaces_the_picture_on_first_touch(browser, live_server, toy2_item):
    """A short window, the section below the fold: Plotly is not run until the picture is
    touched; then the WebGL surface is drawn and the picture goes."""
    short = {"width": 1100, "height": 300}
    with _problem_page(browser, live_server, toy2_item, viewport=short) as (page, errors, asked):
        plots = page.locator("#plots")
        expect(plots).to_have_attribute("data-plot-visible", "")
        page.wait_for_timeout(300)
        # whether or not the bundle was prefetched, nothing runs it before the touch
        assert page.locator("head script[src*='/vendor/plotly/']").count() == 0
        assert plots.get_attribute("data-plot-drawn") is None
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(plots).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        assert asked and asked[0].endswith(".js")
        expect(page.locator("#plot-surface.js-plotly-plot canvas").first).to_be_attached()
        expect(page.locator("#plot-surface svg.plot-preview")).to_have_count(0)
        assert errors == []


def test_a_gradient_page_draws_contour_lines_and_arrows_as_svg(browser, live_server):
    """A gradient problem: the contour plot and, after an answer, its arrows, drawn by plots.js
    as SVG; Plotly's full bundle is never asked for (only the 3-D one, for the surface)."""
    c = factories.course()
    factories.student(in_course=c, username="student1")
    tpl = factories.template(family="gradient", config={})
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=2)
    desktop = VIEWPORTS["desktop"]
    with _problem_page(browser, live_server, item, viewport=desktop) as (page, errors, asked):
        plots = page.locator("#plots")
        expect(plots).to_have_attribute("data-plot-kind", "gradient")
        expect(plots).to_have_attribute("data-plot-visible", "")
        traces = page.locator("#plot-slice g.trace")
        assert traces.count() >= 5  # contour levels
        assert page.evaluate("window.partialCreditPlot")["kind"] == "gradient"
        page.fill("#id_answer", "<1, 1>")  # a vector, wrong: drawn as arrows
        page.click("#submit-button")
        expect(page.locator("[data-status=incorrect]")).to_be_visible(timeout=20_000)
        expect(plots).to_have_attribute("data-plot-attempt", "1")
        arrows = page.locator("#plot-slice g.trace[data-name='your gradient vectors'] path")
        expect(arrows.first).to_be_attached()
        assert arrows.count() > 40  # a line and a head per grid point (7 x 7)
        page.locator("#plot-surface").dispatch_event("pointerdown")
        expect(plots).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        assert asked and all("plotly-gl3d" in url for url in asked)
        assert errors == []


def test_in_view_the_bundle_is_fetched_but_runs_only_when_the_student_reaches_for_it(
    browser, live_server, toy2_item
):
    """The section in view on a desktop: Plotly's bundle is fetched ahead (a prefetch) but not
    run while the student types the first answer (running it is one long task that held the
    preview back by 2 s here); pointing at the picture runs it, and the rotatable surface
    replaces the picture, with a word on the status line meanwhile."""
    desktop = VIEWPORTS["desktop"]
    with _problem_page(browser, live_server, toy2_item, viewport=desktop) as (page, errors, asked):
        plots = page.locator("#plots")
        expect(plots).to_have_attribute("data-plot-visible", "")
        expect(page.locator("link#plotly-prefetch[rel=prefetch]")).to_be_attached()
        page.fill("#id_answer", "3x^2 + y")
        expect(page.locator("#preview .katex")).to_be_visible()
        assert page.evaluate("typeof window.Plotly") == "undefined"
        assert plots.get_attribute("data-plot-drawn") is None
        assert page.locator("head script[src*='/vendor/plotly/']").count() == 0
        # the bundle's script held until the status line has been read
        held, released = [], []

        def hold(route):
            if released:
                route.continue_()
            else:
                held.append(route)

        page.route(PLOTLY, hold)
        page.locator("#plot-surface").hover()  # the pointer rests on the picture
        expect(page.locator("head script[src*='/vendor/plotly/']")).to_have_count(1)
        expect(page.locator("#plot-status")).to_have_text("Loading the rotatable surface…")
        released.append(True)
        for route in held:
            route.continue_()
        expect(plots).to_have_attribute("data-plot-drawn", "", timeout=30_000)
        expect(page.locator("#plot-surface.js-plotly-plot canvas").first).to_be_attached()
        expect(page.locator("#plot-surface svg.plot-preview")).to_have_count(0)
        expect(page.locator("#plot-status")).to_be_hidden()
        assert asked and all("plotly-gl3d" in url for url in asked)
        assert errors == []
