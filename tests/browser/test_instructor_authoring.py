"""An instructor in a real browser: write a template, preview it, check it, publish it, and put it
in a problem set of the course; a student of the course then sees the set."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from exercises.authoring.models import ProblemSet, ProblemTemplate
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.browser.flows import log_in, save_toy_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_instructor_authors_checks_publishes_and_assigns(page, live_server):
    course = factories.course(code="calc-101")
    teacher = factories.user(username="prof")
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    factories.student(in_course=course, username="student1")

    log_in(page, live_server, "prof")
    save_toy_template(page)

    expect(page.locator("[data-status=draft]")).to_be_visible()
    expect(page.locator("#variant .katex").first).to_be_visible()
    page.fill("#seed", "5")
    page.click("#preview-button")
    expect(page.locator("#variant [data-seed='5']")).to_be_visible()
    expect(page.locator("#variant .key .katex")).to_be_visible()
    expect(page.locator("#variant .statement[lang=en]")).to_contain_text("Let")

    page.click("#publish-button")  # too soon: the check has not run
    refused = page.locator(".messages .error")
    expect(refused).to_have_text("Run the check and let it pass before publishing.")
    expect(page.locator("[data-status=draft]")).to_be_visible()
    page.click("#check-button")
    passed = page.locator("[data-status=check-passed]")
    expect(passed).to_be_visible(timeout=60_000)
    expect(passed).to_contain_text("All 50 seeds pass.")
    expect(refused).to_have_count(0)  # what it said is past once the check runs
    page.click("#publish-button")
    expect(page.locator("[data-status=published]")).to_be_visible()
    assert ProblemTemplate.objects.get(slug="toy-1", course=course).published is True

    page.get_by_role("link", name=re.compile("Course")).first.click()
    page.get_by_role("link", name="New problem set").click()
    page.select_option("#id_course", str(course.pk))
    page.fill("#id_title_en", "Week 1")
    page.fill("#id_title_ko", "1주차")
    page.fill("#id_due_at", "2030-03-09T23:59")
    expect(page.locator("#id_hidden")).to_be_checked()  # a new set starts hidden (a draft)
    page.uncheck("#id_hidden")  # the instructor releases it
    page.click("#save-set")
    page.select_option("#id_template", label="Toy #1 with parameters (toy-1)")
    page.fill("#id_points", "2")
    page.fill("#id_max_attempts", "4")
    page.click("#add-item-button")
    expect(page.locator("table.items tbody tr[data-item]")).to_have_count(1)
    expect(page.locator("table.items")).to_contain_text("Toy #1 with parameters")
    # on a 1280 px screen every column of the problems' table shows, none behind a scroll
    page.set_viewport_size({"width": 1280, "height": 900})
    box = page.locator("table.items").locator("xpath=..")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways"

    ps = ProblemSet.objects.get(title_en="Week 1")
    assert ps.course == course
    assert list(ps.items.values_list("template__slug", "points", "max_attempts")) == [
        ("toy-1", 2, 4)
    ]

    page.context.clear_cookies()
    log_in(page, live_server, "student1")
    page.get_by_role("link", name="Week 1", exact=True).click()
    page.get_by_role("link", name="Toy #1 with parameters").click()
    expect(page.locator("#statement .katex").first).to_be_visible()
