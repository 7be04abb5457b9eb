"""Issue #16: the template `{a} e^x` with a: 0..3 is refused by the 50-seed check, in English and
Korean, with its degenerate seeds named (f = 0 with key 0 at seeds 1, 6 and 10; every other seed's
key is the function), and it cannot be published."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exercises.authoring.models import ProblemTemplate
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.browser.flows import fill_template, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "constant": "the function is constant (f = (0) e^x)",
        "copy": "the key equals the function",
        "few": "only 4 different key(s) across 50 seeds",
        "all": "all seeds",
    },
    "ko": {
        "constant": "함수가 상수입니다 (f = (0) e^x)",
        "copy": "정답 식이 함수와 같아서",
        "few": "시드 50개에서 정답 식이 4가지뿐입니다",
        "all": "모든 시드",
    },
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_degenerate_template_is_refused_with_its_seeds(page, live_server, lang):
    course = factories.course(code="calc-1")
    membership_create(course=course, user=factories.user(username="prof"), role="instructor")
    assert Membership.objects.filter(course=course, role="instructor").exists()
    log_in(page, live_server, "prof")
    if lang == "ko":
        page.select_option("#language-select", "ko")
        page.click(".lang-switch button")
    page.goto(f"{live_server.url}/teach/courses/{course.pk}/templates/new/")
    fill_template(
        page,
        slug="a-exp",
        title_en="a e^x",
        title_ko="a e^x",
        function="{a} e^x",
        parameters="a: 0..3",
    )
    page.click("#check-button")
    failed = page.locator("[data-status=check-failed]")
    expect(failed).to_be_visible(timeout=90_000)
    rows = page.locator("table.failures tbody tr")
    text = TEXT[lang]
    for seed in ("1", "6", "10"):
        row = rows.filter(has=page.locator(f"td:first-child:text-is('{seed}')"))
        expect(row).to_contain_text("a = 0")
        expect(row).to_contain_text(text["constant"])
    expect(rows.filter(has=page.locator("td:first-child:text-is('2')"))).to_contain_text(
        text["copy"]
    )
    expect(
        rows.filter(has=page.locator(f"td:first-child:text-is('{text['all']}')"))
    ).to_contain_text(text["few"])
    page.click("#publish-button")
    expect(page.locator("[data-status=draft]")).to_be_visible()
    assert ProblemTemplate.objects.get(slug="a-exp").published is False
