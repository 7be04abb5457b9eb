"""A three-part problem in a real browser (toy #2: f_x, f_x(1, 2), the slope of the slice y = 1 at
x = -1): a wrong f_x, then values consistent with it, get the carried-forward credit shown on
the page without a reload, in English and in Korean. UPDATE_SCREENSHOTS=1 writes the screenshots
into docs/ (docs/parts-carried-en.png, docs/parts-carried-ko.png); otherwise they go to a
temporary folder, so that taking them is tested too."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

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
    c = factories.course()
    factories.student(in_course=c, username="student1")
    ps = factories.problem_set(in_course=c)
    tpl = factories.template(family="parts", config=dict(factories.TOY2_PARTS))
    return factories.item(in_set=ps, tpl=tpl, points=Decimal("3"))


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
