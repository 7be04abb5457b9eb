"""A TA and an instructor work from the gradebook in Chromium: open a student's submissions
from their row, give one student an extension (she submits after the due date, another student
cannot), override a score (it shows in the gradebook, the LMS file and the audit trail), in
English and Korean, on a desktop and a 390 px phone. UPDATE_SCREENSHOTS=1 writes the
screenshots into docs/ (gradebook-*.png)."""

from __future__ import annotations

import csv
import io
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exercises.authoring.services.problem_sets import problem_set_create
from exercises.courses.models import Membership, StudentProfile
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.browser.flows import log_in, page_errors

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _student(course, username, first, last, student_id):
    user = factories.student(in_course=course, username=username)
    user.first_name, user.last_name, user.email = first, last, f"{username}@example.edu"
    user.save()
    StudentProfile.objects.create(user=user, student_id=student_id)
    return user


@pytest.fixture
def klass():
    course = factories.course(code="calc")
    prof, ta = factories.user(username="prof"), factories.user(username="ta1")
    membership_create(course=course, user=prof, role=Membership.Role.INSTRUCTOR)
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    now = timezone.now()
    # two sets with the same title, as in the issue; the first is past due
    past = problem_set_create(
        course=course,
        title_en="Second and mixed partials",
        title_ko="2계·혼합 편도함수",
        due_at=now - timedelta(hours=1),
    )
    later = problem_set_create(
        course=course,
        title_en="Second and mixed partials",
        title_ko="2계·혼합 편도함수",
        due_at=now + timedelta(days=7),
    )
    closed_item = factories.item(in_set=past, max_attempts=2)
    open_items = [factories.item(in_set=later), factories.item(in_set=later, points=Decimal("3"))]
    ann = _student(course, "ann", "Ann", "Lee", "2024-001")
    ben = _student(course, "ben", "Ben", "Kim", "2024-002")
    others = [_student(course, f"s{n}", f"Student{n}", "Park", f"2024-1{n:02d}") for n in range(4)]
    for user, answers in [
        (ann, ["x - 1", "3x^2 + y"]),
        (ben, ["3x^2"]),
        (others[0], ["3x^2 + y"]),
        (others[1], ["3x^2", "3x^2 + y"]),
        (others[2], ["x"]),
    ]:
        instance = factories.instance(for_item=open_items[0], for_student=user)
        for answer in answers:
            factories.graded(instance, answer)
    factories.graded(factories.instance(for_item=open_items[1], for_student=ben), "3x^2 + y")
    return {
        "course": course,
        "closed_item": closed_item,
        "open_items": open_items,
        "ann": ann,
        "ben": ben,
        "later": later,
    }


def _no_page_overflow(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_ta_extends_overrides_and_the_students_see_it(browser, page, live_server, klass):
    errors = page_errors(page)
    course = klass["course"]
    log_in(page, live_server, "ta1")
    page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/")
    # grouped by set, told apart by their numbers; names and student ids from the roster
    expect(page.locator("th.set-head")).to_have_count(2)
    expect(page.locator("th.set-head").nth(0)).to_contain_text("Set 1 · Second and mixed partials")
    expect(page.locator("th.set-head").nth(1)).to_contain_text("Set 2 · Second and mixed partials")
    row = page.locator("#gradebook-table tbody tr", has=page.get_by_role("link", name="Ann Lee"))
    expect(row.locator("td").first).to_have_text("2024-001")

    # a student's submissions open from her row
    row.get_by_role("link", name="Ann Lee").click()
    expect(page.locator("#student-name")).to_have_text("Ann Lee")
    first_open = page.locator(f"#item-{klass['open_items'][0].pk}")
    expect(first_open.locator("table.submissions tbody tr")).to_have_count(2)
    expect(first_open.locator("table.submissions code").first).to_have_text("x - 1")
    expect(first_open.locator("table.submissions .katex").first).to_be_visible()  # as read
    expect(first_open).to_contain_text("You differentiated with respect to y instead of x.")

    # an extension on the past-due problem
    closed = page.locator(f"#item-{klass['closed_item'].pk}")
    closed.locator("summary", has_text="Extension or excuse").click()
    due = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    closed.locator("input[name=due_at]").fill(due)
    closed.get_by_role("button", name="Save the student's terms").click()
    expect(page.locator(".messages")).to_contain_text("The student's terms are saved.")
    expect(closed.locator("[data-state=extended]")).to_be_visible()

    # an override with a reason on the second set's last problem (she never answered it)
    target = page.locator(f"#item-{klass['open_items'][1].pk}")
    target.locator("summary", has_text="Override the score").click()
    target.locator("input[name=score]").fill("1.5")
    target.locator("textarea[name=reason]").fill("Oral exam, 2024-05-02")
    target.get_by_role("button", name="Save the score").click()
    expect(page.locator(".messages")).to_contain_text("audit trail")
    expect(target.locator(".item-score")).to_contain_text("1.50 / 3.00")
    expect(target.locator(".audit")).to_contain_text("ta1: – → 1.50")

    # a hostile value is refused with a message, not a server error
    target.locator("summary", has_text="Override the score").click()
    target.locator("input[name=score]").fill("7")
    target.locator("textarea[name=reason]").fill("too much")
    target.get_by_role("button", name="Save the score").click()
    expect(page.locator(".errorlist")).to_contain_text("from 0 to 3, the problem's points")

    # the override in the gradebook (Ann's set 2 total: 2.00 + 1.50)
    page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/")
    row = page.locator("#gradebook-table tbody tr", has=page.get_by_role("link", name="Ann Lee"))
    expect(row.locator("td.overridden")).to_contain_text("1.50 ✎")
    expect(row.locator("td.set-total").nth(1)).to_contain_text("3.50")
    # ...in the LMS file
    response = page.request.get(
        f"{live_server.url}/courses/{course.pk}/export/download/"
        f"?lms=plain&attempt=best&late_penalty=yes&problem_set={klass['later'].pk}"
    )
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    ann_line = next(r for r in rows if "ann@example.edu" in r or "Ann Lee" in r)
    assert ann_line[2] == "3.5"  # the set: 2.00 earned + 1.50 set by hand
    # ...and in the audit trail
    page.get_by_role("link", name="Score overrides: audit trail").click()
    audit = page.locator("table.audit-table tbody tr")
    expect(audit).to_have_count(1)
    expect(audit.first).to_contain_text("ta1")
    expect(audit.first).to_contain_text("Ann Lee")
    expect(audit.first).to_contain_text("– → 1.50")
    expect(audit.first).to_contain_text("Oral exam, 2024-05-02")

    # Ann may answer the past-due problem; Ben may not
    for username, can in (("ann", True), ("ben", False)):
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
        student = context.new_page()
        log_in(student, live_server, username)
        student.goto(f"{live_server.url}/items/{klass['closed_item'].pk}/")
        if can:
            expect(student.locator("[data-state=extended]")).to_be_visible()
            student.fill("#id_answer", "3x^2 + y")
            # generous waits: the machine running the suite may be busy (no time is asserted)
            expect(student.locator("#preview .katex")).to_be_visible(timeout=30_000)
            student.click("#submit-button")
            expect(student.locator("[data-status=correct]")).to_be_visible(timeout=30_000)
        else:
            expect(student.locator("#submit-button")).to_be_disabled()
            expect(student.locator("#submit-closed")).to_contain_text("closed")
        context.close()
    assert errors == []


def test_gradebook_screenshots_and_phone_layout(browser, live_server, klass, tmp_path):
    """The gradebook and a student's drill-down on a 1280 px desktop (the caption is not
    clipped) and a 390 px phone (headers stay horizontal, the table scrolls inside its box,
    the page does not), in English and Korean."""
    target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    course = klass["course"]
    for lang, width, height in (("en", 1280, 900), ("ko", 390, 844), ("en", 390, 844)):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="en-US",  # Korean is chosen with the switcher, after logging in
            device_scale_factor=1,
        )
        page = context.new_page()
        errors = page_errors(page)
        log_in(page, live_server, "prof")
        if lang == "ko":
            page.select_option("#language-select", "ko")
            page.click(".lang-switch button")
            page.wait_for_load_state()
        page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/?sort=total&order=desc")
        caption = page.locator("#gradebook-caption")
        expect(caption).to_be_visible()
        box = caption.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        # headers read horizontally: an item header is wider than it is tall
        header = page.locator("th.item-head").first.bounding_box()
        assert header is not None and header["width"] > header["height"] / 2
        expect(page.locator(".histogram svg rect.bar").first).to_be_attached()
        _no_page_overflow(page, width)
        suffix = "" if width > 600 else "-phone"
        name = f"gradebook-{lang}{suffix}.png"
        page.screenshot(path=str(target / name), full_page=True)
        page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/students/{klass['ann'].pk}/")
        expect(page.locator("table.submissions .katex").first).to_be_visible()
        _no_page_overflow(page, width)
        page.screenshot(path=str(target / f"gradebook-student-{lang}{suffix}.png"), full_page=True)
        assert errors == []
        context.close()
    assert (target / "gradebook-en.png").stat().st_size > 10_000


def test_an_excused_student_cannot_submit_and_a_retired_problem_leaves_the_totals(
    browser, page, live_server, klass
):
    """The TA excuses Ben from a problem he still had attempts on: his page says so (in
    Korean too) and offers no Submit. The instructor retires a problem after confirming what
    happens to scores: it leaves the set's points for everyone without a score on it."""
    errors = page_errors(page)
    course, ben = klass["course"], klass["ben"]
    first, second = klass["open_items"]
    log_in(page, live_server, "ta1")
    page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/students/{ben.pk}/")
    item = page.locator(f"#item-{first.pk}")
    item.locator("summary", has_text="Extension or excuse").click()
    item.locator("input[name=excused]").check()
    item.get_by_role("button", name="Save the student's terms").click()
    expect(page.locator(".messages")).to_contain_text("The student's terms are saved.")
    expect(item.locator("[data-state=excused]")).to_be_visible()

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    student = context.new_page()
    student_errors = page_errors(student)
    log_in(student, live_server, "ben")
    for language, says in (("en", "You are excused from this problem"), ("ko", "면제")):
        student.goto(f"{live_server.url}/items/{first.pk}/")
        if language == "ko":
            student.select_option("#language-select", "ko")
            student.click(".lang-switch button")
            expect(student.locator("html")).to_have_attribute("lang", "ko")
        expect(student.locator("[data-state=excused]")).to_be_visible()
        expect(student.locator("#submit-button")).to_be_disabled()
        expect(student.locator("#submit-closed")).to_contain_text(says)
        # typing an answer does not turn Submit on
        student.fill("#id_answer", "3x^2 + y")
        expect(student.locator("#preview .katex")).to_be_visible(timeout=30_000)
        expect(student.locator("#submit-button")).to_be_disabled()
    assert student_errors == []
    context.close()
    assert ben.problem_instances.get(item=first).submissions.count() == 1  # his earlier one

    # the instructor retires the second problem (Ben has a score on it, Ann has none)
    log_in(page, live_server, "prof")
    page.goto(f"{live_server.url}/teach/sets/{klass['later'].pk}/")
    row = page.locator(f"tr[data-item='{second.pk}']")
    confirm = row.locator("details.retire-confirm")
    confirm.locator("summary").click()
    expect(confirm).to_contain_text("keeps it")
    expect(confirm).to_contain_text("LTI grade passback")
    confirm.get_by_role("button", name="Retire this problem").click()
    expect(page.locator(".messages")).to_contain_text("The problem is retired.")
    expect(page.locator(f"tr[data-item='{second.pk}'] [data-status=retired]")).to_be_visible()

    page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/")
    expect(page.locator("th.item-head [data-status=retired]")).to_have_count(1)
    set_total = page.locator("thead th.set-total").nth(1)
    expect(set_total).to_contain_text("/ 2.00")  # the retired 3 points are out
    ann = page.locator("#gradebook-table tbody tr", has=page.get_by_role("link", name="Ann Lee"))
    expect(ann.locator("td.set-total").nth(1)).to_contain_text("2.00 / 2.00")
    ben_row = page.locator(
        "#gradebook-table tbody tr", has=page.get_by_role("link", name="Ben Kim")
    )
    # Ben keeps his 3 on the retired problem; his excused problem is out
    expect(ben_row.locator("td.set-total").nth(1)).to_contain_text("3.00 / 3.00")
    # every date says its zone (the course's: Asia/Seoul)
    expect(page.locator("th.set-head time").first).to_contain_text("KST")
    assert errors == []
