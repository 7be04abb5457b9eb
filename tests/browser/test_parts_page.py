"""A three-part problem in a real browser (toy #2: f_x, f_x(1, 2), the slope of the slice y = 1 at
x = -1): a wrong f_x, then values consistent with it, get the carried-forward credit shown on
the page without a reload, in English and in Korean. UPDATE_SCREENSHOTS=1 writes the screenshots
into docs/ (docs/parts-carried-en.png, docs/parts-carried-ko.png); otherwise they go to a
temporary folder, so that taking them is tested too."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect

from exercises.authoring.models import ProblemInstance
from grading.models import Submission
from tests import factories
from tests.browser.flows import log_in, page_errors

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG_FX = "7y/e^(x^2+y^2)"  # a term of the product rule dropped


@pytest.fixture
def three_parts():
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").exists(), (
        "run `make install` first"
    )
    return _parts_item()


def _parts_item(config=factories.TOY2_PARTS, max_attempts: int = 3):
    """A multi-part item (3 points) in a course where student1 studies."""
    c = factories.course()
    factories.student(in_course=c, username="student1")
    ps = factories.problem_set(in_course=c)
    tpl = factories.template(family="parts", config=dict(config))
    return factories.item(in_set=ps, tpl=tpl, points=Decimal("3"), max_attempts=max_attempts)


def _answer(page, part: int, text: str) -> None:
    page.fill(f"#id_answer_{part}", text)
    expect(page.locator(f"#part-preview-{part} .katex")).to_be_visible()
    page.click(f"#submit-part-{part}")


def _carried_forward(page, live_server, item) -> None:
    """Answer (a) wrong and (b), (c) with the values of that wrong f_x."""
    page.goto(f"{live_server.url}/items/{item.pk}/")
    expect(page.locator("#statement .katex").first).to_be_visible()
    page.evaluate("window.__noReload = 'still here'")
    _answer(page, 0, WRONG_FX)
    expect(page.locator("#part-result-0 [data-status=incorrect]")).to_be_visible()
    _answer(page, 1, "14/e^5")
    expect(page.locator("#part-result-1 [data-status=carried]")).to_be_visible()
    _answer(page, 2, "7/e^2")
    expect(page.locator("#part-result-2 [data-status=carried]")).to_be_visible()
    expect(page.locator("#parts-total-score")).to_have_text("1.00")
    assert page.evaluate("window.__noReload") == "still here"


def _screenshot(page, name: str, tmp_path: Path) -> None:
    target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / name), full_page=True)
    assert (target / name).stat().st_size > 10_000


def test_a_wrong_derivative_carried_forward_in_english(page, live_server, three_parts, tmp_path):
    errors = page_errors(page)
    log_in(page, live_server, "student1")
    _carried_forward(page, live_server, three_parts)
    status = page.locator("#part-result-1 [data-status=carried]")
    expect(status).to_contain_text("Carried forward — score 0.50")
    note = page.locator("#part-result-1 .carried-note")
    expect(note).to_contain_text("right for your own answer to (a) (attempt 1)")
    expect(note).to_contain_text("for 50% of this part's points")
    expect(note.locator(".katex")).to_be_visible()  # their f_x, as it was read
    expect(page.locator("#part-result-1 .part-score")).to_have_text("0.50")
    expect(page.locator("#part-result-0 .attempts")).to_contain_text("Attempts used: 1, left: 2")
    scores = sorted((s.part, s.score) for s in Submission.objects.all())
    assert scores == [(0, Decimal("0.00")), (1, Decimal("0.50")), (2, Decimal("0.50"))]
    _screenshot(page, "parts-carried-en.png", tmp_path)
    assert errors == []


def test_a_wrong_derivative_carried_forward_in_korean(page, live_server, three_parts, tmp_path):
    errors = page_errors(page)
    log_in(page, live_server, "student1")
    page.select_option("#language-select", "ko")
    page.click(".lang-switch button")
    expect(page.locator("h1")).to_have_text("나의 문제 모음")
    _carried_forward(page, live_server, three_parts)
    expect(page.locator("#submit-part-0")).to_have_text("제출")
    status = page.locator("#part-result-2 [data-status=carried]")
    expect(status).to_contain_text("이어서 채점")
    note = page.locator("#part-result-2 .carried-note")
    expect(note).to_contain_text("(a)에 낸 틀린 답(1번째 제출)에 맞는 값입니다")
    expect(note).to_contain_text("배점 중 50%의 점수")
    expect(page.locator("#part-2")).to_contain_text("단면")
    assert page.evaluate("document.documentElement.lang") == "ko"
    _screenshot(page, "parts-carried-ko.png", tmp_path)
    assert errors == []


# ----------------------------------------------------------------- on a phone, as a single part

PHONE_TEXT = {
    "en": {
        "hint": "Product rule: (gh)′ = g′h + gh′.",
        "partial": "Partly correct — score 1.00",
        "count": "1 of 2 components right",
        "solution": "Worked solution",
    },
    "ko": {
        "hint": "곱의 미분법",
        "partial": "부분 정답 — 점수 1.00",
        "count": "성분 2개 중 1개 맞음",
        "solution": "풀이 과정",
    },
}


@pytest.fixture
def phone(browser, live_server):
    """A 390 px touch phone's page (closed before the live server drains)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", has_touch=True, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


def _open_on_phone(page, live_server, item, lang: str) -> None:
    log_in(page, live_server, "student1")
    if lang == "ko":
        page.select_option("#language-select", "ko")
        page.click(".lang-switch button")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    expect(page.locator("#statement .katex").first).to_be_visible()


def _fits(page) -> None:
    """Nothing makes the phone's page wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_on_a_phone_a_wrong_part_waits_through_the_wait_url_then_shows_a_hint(
    phone, live_server, three_parts, lang
):
    """The grading is held back (no worker), so the part's region polls: only its signed wait
    URL, never the problem's page, until the test grades the answer; then the part's region is
    loaded once, with the verdict and the hint for that part."""
    from grading.services import submission_grade

    errors = page_errors(phone)
    _open_on_phone(phone, live_server, three_parts, lang)
    asked: list[str] = []
    phone.on("request", lambda r: asked.append(r.url))
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        _answer(phone, 0, WRONG_FX)
        expect(phone.locator("#part-result-0 [data-status=grading]")).to_be_visible()
        for _ in range(3):  # three polls while it is graded: each is answered "still grading"
            with phone.expect_request(lambda r: "/wait/" in r.url):
                pass  # waits, on leaving, for the next poll
    instance_pk = ProblemInstance.objects.get().pk
    regions = [u for u in asked if f"/problems/{instance_pk}/?" in u]
    assert regions == []  # the region never polled the problem's page
    submission = Submission.objects.get()
    submission_grade(submission_id=submission.pk)
    region = phone.locator("#part-result-0")
    expect(region.locator("[data-status=incorrect]")).to_be_visible()
    hint = phone.locator("#rule-hint-0")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text(PHONE_TEXT[lang]["hint"])
    expect(phone.locator("#part-result-0 [data-status=grading]")).to_have_count(0)
    regions = [u for u in asked if f"/problems/{instance_pk}/?" in u]
    assert len(regions) == 1 and regions[0].endswith("?part=0")  # loaded once, when graded
    assert sum("/wait/" in u for u in asked) >= 3  # the last may have found it graded
    expect(phone.locator("#rule-hint-1")).to_have_count(0)  # the other parts are untouched
    _fits(phone)
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_on_a_phone_a_gradient_part_with_one_right_component_shows_which_and_half(
    phone, live_server, lang
):
    item = _parts_item(config=factories.GRADIENT_PARTS)
    errors = page_errors(phone)
    _open_on_phone(phone, live_server, item, lang)
    _answer(phone, 0, "<2xy, x^2>")  # f_y's 3y^2 left out
    region = phone.locator("#part-result-0")
    expect(region.locator("[data-status=partial]")).to_contain_text(PHONE_TEXT[lang]["partial"])
    components = phone.locator("#components-0")
    expect(components).to_contain_text(PHONE_TEXT[lang]["count"])
    expect(components.locator("[data-component='0'][data-status=right]")).to_be_visible()
    expect(components.locator("[data-component='1'][data-status=wrong]")).to_be_visible()
    expect(components.locator(".katex").first).to_be_visible()
    expect(region.locator(".part-score")).to_have_text("1.00")  # half of the part's 2 points
    expect(phone.locator("#parts-total-score")).to_have_text("1.00")
    _fits(phone)
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_on_a_phone_each_part_shows_its_worked_solution_once_its_key_is_shown(
    phone, live_server, lang
):
    """One attempt per part: once it is used the part shows its key and worked solution; the
    carried-forward value part's solution ends with the key's value, not the student's."""
    item = _parts_item(max_attempts=1)
    errors = page_errors(phone)
    _open_on_phone(phone, live_server, item, lang)
    _answer(phone, 0, WRONG_FX)
    first = phone.locator("#solution-0")
    expect(first).to_contain_text(PHONE_TEXT[lang]["solution"])
    expect(first.locator(".katex").first).to_be_visible()
    expect(phone.locator("#rule-hint-0")).to_have_count(0)  # the key is shown: no hint
    expect(phone.locator("#solution-1")).to_have_count(0)  # (b) is not answered yet
    _answer(phone, 1, "14/e^5")
    expect(phone.locator("#part-result-1 [data-status=carried]")).to_be_visible()
    value = phone.locator("#solution-1 [data-rules=point] .katex")
    expect(value).to_be_visible()
    # KaTeX's accessible text of the key's value, -14/e^5 (the student's was 14/e^5)
    expect(value.locator(".katex-mathml annotation")).to_have_text("= -\\frac{14}{e^{5}}")
    _fits(phone)
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_on_a_phone_the_parts_share_one_plot_with_the_tangent_of_the_derivative_part(
    phone, live_server, three_parts, lang
):
    """The function's plots once for the problem (the SVG slice and the still surface; Plotly is
    refused, so what is seen is plots.js's own drawing); a wrong f_x in (a) draws its tangent
    line through the point, redrawn without a reload; a value part's answer draws no line."""
    from tests.browser.test_plot_first_paint import PLOTLY, _slice_geometry

    errors = page_errors(phone)
    phone.route(PLOTLY, lambda route: route.abort())
    _open_on_phone(phone, live_server, three_parts, lang)
    plots = phone.locator("#plots")
    expect(plots).to_have_count(1)
    plots.scroll_into_view_if_needed()
    expect(plots).to_have_attribute("data-plot-visible", "")
    expect(phone.locator("#plot-surface svg.plot-preview")).to_be_visible()
    expect(phone.locator("#plot-slice svg.plot-svg")).to_be_visible()
    curve, point, line = _slice_geometry(phone)
    assert len(curve) > 100 and line == []
    _answer(phone, 1, "1")  # a value: no tangent of its own
    expect(phone.locator("#part-result-1 [data-status=incorrect]")).to_be_visible()
    _answer(phone, 0, WRONG_FX)
    expect(phone.locator("#part-result-0 [data-status=incorrect]")).to_be_visible()
    expect(plots).to_have_attribute("data-plot-attempt", "1")
    curve, point, line = _slice_geometry(phone)
    assert len(line) == 25
    assert line[len(line) // 2] == pytest.approx(point, abs=2)  # through the point
    heading = "See the function" if lang == "en" else "함수 그래프"
    expect(phone.locator("#plots-heading")).to_have_text(heading)
    _fits(phone)
    assert [e for e in errors if "plotly" not in e.lower()] == []


PRACTICE_TEXT = {
    "en": {"another": "Try another variant", "title": "practice variant 1 · (b)", "ok": "Correct"},
    "ko": {"another": "다른 변형 문제 풀기", "title": "연습 문제 1 · (b)", "ok": "정답"},
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_on_a_phone_a_closed_parts_problem_offers_practice_of_each_part(phone, live_server, lang):
    """Every part's attempts used: the page offers practice variants, whose parts are practised
    one at a time; a right answer to (b) is marked right, with the key and its worked solution."""
    item = _parts_item(max_attempts=1)
    errors = page_errors(phone)
    _open_on_phone(phone, live_server, item, lang)
    for part in range(3):
        _answer(phone, part, WRONG_FX if part == 0 else "1")
        expect(phone.locator(f"#part-result-{part} [data-status=incorrect]")).to_be_visible()
    phone.reload()
    text = PRACTICE_TEXT[lang]
    another = phone.locator("#another-variant")
    expect(another).to_have_text(text["another"])
    another.click()
    phone.locator(".practice-parts a", has_text="(b)").click()
    expect(phone.locator("h1")).to_contain_text(text["title"])
    expect(phone.locator("#statement .katex").first).to_be_visible()
    phone.fill("#id_answer", "-14/e^5")
    phone.locator("#practice-form button[type=submit]").click()
    expect(phone.locator("#result [data-status=correct]")).to_contain_text(text["ok"])
    expect(phone.locator("#solution [data-rules=point] .katex")).to_be_visible()
    expect(phone.locator("h1")).to_contain_text(text["title"])  # still part (b)
    _fits(phone)
    assert Submission.objects.count() == 3  # practice stores nothing
    assert errors == []
