"""An instructor on a 390 px phone makes a three-part template in the editor (the kind of problem,
the function, its parts added and removed in the page, a refused weight said on its field),
previews a variant and runs the 50-seed check; a student then sees the three parts. The Korean
editor fits the phone too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from exercises.authoring.models import ProblemTemplate
from exercises.authoring.services.problem_sets import problem_set_item_add
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.browser.flows import log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# elements wider than the phone, outside a container that scrolls on its own
WIDER = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > 390.5)
  .map(e => e.tagName + '#' + e.id + '.' + e.className)"""


@pytest.fixture
def course():
    c = factories.course(code="calc-parts")
    membership_create(
        course=c, user=factories.user(username="prof"), role=Membership.Role.INSTRUCTOR
    )
    factories.student(in_course=c, username="student1")
    return c


def _row(page, n: int):
    return page.locator("#part-rows > li").nth(n)


def test_instructor_makes_a_three_part_template_on_a_phone_and_a_student_sees_it(
    page, live_server, course
):
    errors = page_errors(page)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "prof")
    page.goto(f"{live_server.url}/teach/courses/{course.pk}/templates/new/")
    expect(page.locator("#single-fields")).to_be_visible()
    expect(page.locator("#parts-fields")).to_be_hidden()
    page.get_by_label("Several parts about one function").check()
    expect(page.locator("#single-fields")).to_be_hidden()
    expect(page.locator("#parts-fields")).to_be_visible()
    expect(page.locator("#part-rows > li")).to_have_count(3)

    page.fill("#id_slug", "gauss-parts")
    page.fill("#id_title_en", "c xy / e^(x²+y²) in three parts")
    page.fill("#id_title_ko", "c xy / e^(x²+y²) 세 소문항")
    page.fill("#id_function", "{c} x y / e^(x^2 + y^2)")
    page.fill("#id_parameters", "c: 2..9")
    page.select_option("#id_notation", "subscript")
    page.fill("#id_points", "3")
    # (b) the value of f_x at (1, 2), carrying (a) forward; (c), f_y, removed and a slope added
    page.fill("#id_part-1-at", "x = 1, y = 2")
    _row(page, 2).get_by_role("button", name="Remove this part").click()
    expect(page.locator("#part-rows > li")).to_have_count(2)
    page.click("#add-part")
    expect(page.locator("#part-rows > li")).to_have_count(3)
    page.select_option("#id_part-2-kind", "slope")
    page.fill("#id_part-2-at", "x = -1, y = 1")
    page.select_option("#id_part-2-carry_from", "1")
    page.fill("#id_part-2-weight", "0")
    assert page.evaluate(WIDER) == []
    page.click("#save-template")

    # the refused weight is said on its own field; the rows come back as typed
    expect(_row(page, 2).locator(".errors")).to_contain_text("part 3: weight is a whole number")
    expect(page.locator("#part-rows > li")).to_have_count(3)
    assert not ProblemTemplate.objects.filter(slug="gauss-parts").exists()
    page.fill("#id_part-2-weight", "2")
    page.click("#save-template")

    expect(page.locator("[data-status=draft]")).to_be_visible()
    tpl = ProblemTemplate.objects.get(course=course, slug="gauss-parts")
    assert tpl.family == "parts"
    assert [(p.get("at"), p.get("carry_from"), p.get("weight")) for p in tpl.config["parts"]] == [
        (None, None, 1),
        ({"x": "1", "y": "2"}, 0, 1),
        ({"x": "-1", "y": "1"}, 0, 2),
    ]
    expect(page.locator("#variant li[data-part]")).to_have_count(3)
    page.fill("#seed", "5")
    page.click("#preview-button")
    expect(page.locator("#variant [data-seed='5'] li[data-part]")).to_have_count(3)
    expect(page.locator("#variant li[data-part='c'] .katex").first).to_be_visible()
    page.click("#check-button")
    passed = page.locator("[data-status=check-passed]")
    expect(passed).to_be_visible(timeout=120_000)
    expect(passed).to_contain_text("All 50 seeds pass.")
    page.click("#publish-button")
    expect(page.locator("[data-status=published]")).to_be_visible()
    assert page.evaluate(WIDER) == []

    tpl.refresh_from_db()
    ps = factories.problem_set(in_course=course)
    item = problem_set_item_add(problem_set=ps, template=tpl, points=Decimal("3"))
    page.context.clear_cookies()
    log_in(page, live_server, "student1")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    for k in range(3):
        expect(page.locator(f"#id_answer_{k}")).to_be_visible()
    expect(page.locator("#statement .katex").first).to_be_visible()
    expect(page.get_by_text("the slope of the slice")).to_be_visible()
    assert page.evaluate(WIDER) == []
    assert errors == []


def test_the_korean_parts_editor_fits_a_phone(page, live_server, course):
    errors = page_errors(page)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "prof")
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": live_server.url}])
    page.goto(f"{live_server.url}/teach/courses/{course.pk}/templates/new/")
    page.get_by_label("한 함수에 대한 여러 소문항").check()
    expect(page.locator("#parts-fields legend")).to_have_text("여러 소문항")
    page.click("#add-part")
    page.click("#add-part")
    page.click("#add-part")
    expect(page.locator("#part-rows > li")).to_have_count(6)
    expect(page.locator("#add-part")).to_be_hidden()  # six parts at most
    expect(page.get_by_role("button", name="이 소문항 삭제")).to_have_count(6)
    assert page.evaluate(WIDER) == []
    assert errors == []
