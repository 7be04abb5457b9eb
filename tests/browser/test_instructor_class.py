"""An instructor in a real browser: enrol students from a CSV, watch a student's wrong and
right answers in the gradebook and the common wrong answers, download Canvas and Moodle CSVs."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.support.budget import WAIT_MS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "\ufeffname,email,student id\n"
    "김민지,minji@example.edu,2024001\n"
    "Ben Lee,ben@example.edu,2024002\n"
)
STUDENT_PASSWORD = "minji-chose-this-9"  # noqa: S105


@pytest.fixture
def course_setup():
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").exists(), "run `make install`"
    c = factories.course(code="calc")
    prof = factories.user(username="prof")
    membership_create(course=c, user=prof, role=Membership.Role.INSTRUCTOR)
    ps = factories.problem_set(in_course=c)
    item = factories.item(in_set=ps)
    return {"course": c, "set": ps, "item": item}


def log_in(page, live_server, username, password=factories.PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    # a student's dashboard lists their sets, a teacher's their courses (issue #16)
    expect(page.locator("h1")).to_have_text(re.compile("^(Your problem sets|Your courses)$"))


def download_text(page, selector) -> str:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_text(encoding="utf-8-sig")


def test_instructor_enrols_watches_and_exports(browser, page, live_server, course_setup, tmp_path):
    course, item = course_setup["course"], course_setup["item"]
    # The instructor enrols two students from a CSV.
    log_in(page, live_server, "prof")
    courses = page.locator(".course-list li", has_text=course.title_en)
    courses.get_by_role("link", name="Gradebook", exact=True).click()
    page.get_by_role("link", name="People", exact=True).click()
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    page.set_input_files("#id_roster", str(roster))
    page.get_by_role("button", name="Check the roster").click()
    expect(page.locator(".roster-preview tbody tr")).to_have_count(2)
    expect(page.locator(".roster-preview")).to_contain_text("김민지")
    page.click("#roster-import")
    expect(page.locator(".messages")).to_contain_text("Imported 2 students: 2 new accounts")
    expect(page.locator("#students")).to_contain_text("2024001")
    links = download_text(page, "text=Download set-password links")
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(links))}
    link = rows["minji@example.edu"]["set password link"]

    # The student sets a password, logs in, answers wrong and then right.
    student = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    spage = student.new_page()
    spage.set_default_timeout(WAIT_MS)
    try:
        spage.goto(link)
        spage.fill("#id_new_password1", STUDENT_PASSWORD)
        spage.fill("#id_new_password2", STUDENT_PASSWORD)
        spage.get_by_role("button", name="Set password").click()
        expect(spage.locator("h1")).to_have_text("Your password is set")
        log_in(spage, live_server, "minji@example.edu", STUDENT_PASSWORD)
        spage.goto(f"{live_server.url}/items/{item.pk}/")
        expect(spage.locator("#statement .katex").first).to_be_visible()
        spage.fill("#id_answer", "3x^2")
        expect(spage.locator("#preview .katex")).to_be_visible()
        spage.click("#submit-button")
        expect(spage.locator("[data-status=incorrect]")).to_be_visible()
        spage.fill("#id_answer", "3x^2 + y")
        expect(spage.locator("#preview .katex")).to_be_visible()
        spage.click("#submit-button")
        expect(spage.locator("[data-status=correct]")).to_be_visible()
    finally:
        student.close()

    # The gradebook shows the score; the item's page shows the common wrong answer.
    page.get_by_role("link", name="Gradebook", exact=True).click()
    # rows carry the roster's names and student ids
    row = page.locator("tr", has=page.locator("th", has_text="김민지"))
    expect(row.locator("td").nth(0)).to_have_text("2024001")
    expect(row.locator("td").nth(1)).to_have_text("2.00 (2)")
    body_rows = page.locator("#gradebook-table tbody tr")
    expect(body_rows.first.locator("th")).to_have_text("Ben Lee")
    head = page.locator("#gradebook-table thead")
    total = head.locator('a[href*="sort=total&"]')  # its name gains the ▲/▼ once sorted
    total.click()  # ascending, by the server
    expect(page).to_have_url(re.compile(r"sort=total&order=asc"))
    expect(body_rows.first.locator("th")).to_have_text("Ben Lee")
    total.click()  # descending
    expect(page).to_have_url(re.compile(r"sort=total&order=desc"))
    expect(body_rows.first.locator("th")).to_have_text("김민지")
    page.fill("#gradebook-q", "ben")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q=ben"))
    expect(page.locator("#gradebook-table tbody tr")).to_have_count(1)
    expect(body_rows.first.locator("th")).to_have_text("Ben Lee")
    expect(page.locator(".gradebook-stats")).to_contain_text("Median attempts")
    page.get_by_role("link", name="wrong answers").click()
    first = page.locator(".wrong-answer").first
    expect(first.locator(".share")).to_have_text("100%")
    expect(first.locator("code").first).to_have_text("3x^2")
    expect(first.locator(".named-mistake")).not_to_be_empty()

    # Canvas and Moodle CSVs download with the right header and the student's score.
    page.get_by_role("link", name="Export grades").click()
    page.select_option("#id_lms", "canvas")
    page.get_by_role("button", name="Prepare the file").click()
    expect(page.locator(".export-choices")).to_have_text("best attempt; late penalty applied")
    canvas = download_text(page, "#export-download").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Set"
    assert "김민지,,2024001,minji@example.edu,,2" in canvas
    page.select_option("#id_lms", "moodle")
    page.get_by_role("button", name="Prepare the file").click()
    moodle = download_text(page, "#export-download").splitlines()
    assert moodle[0] == "Email address,Set (Real)"
    assert "minji@example.edu,2" in moodle
    # Ben has no score: out of the file (Moodle would empty his grade) and named on the page.
    assert not any(line.startswith("ben@example.edu") for line in moodle)
    expect(page.locator(".export-left-out")).to_contain_text("no score yet; left out")
