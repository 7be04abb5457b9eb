"""The Content-Security-Policy in a real browser: a student and an instructor go through their
pages (KaTeX, htmx previews and polls, the gradebook's sorting) and chromium reports no
violation of the policy, while the math is still rendered by KaTeX."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.browser.flows import log_in, save_toy_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts: each securitypolicyviolation event is sent to
# the test (exposed binding), so that violations on pages navigated away from are kept.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  var where = [e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber];
  window.reportCspViolation(where.join(" "));
});
"""


@pytest.fixture
def watched(page):
    """The page, and the CSP violations it reports (events and console messages)."""
    violations: list[str] = []

    def report(text: str) -> None:
        violations.append(text)

    def console(message) -> None:  # chromium also logs "Refused to ... Content Security Policy"
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", console)
    return page, violations


def test_a_student_answering_a_problem_meets_no_csp_violation(watched, live_server):
    page, violations = watched
    course = factories.course()
    factories.student(in_course=course, username="student1")
    item = factories.item(in_set=factories.problem_set(in_course=course))

    log_in(page, live_server, "student1")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    expect(page.locator("#statement .katex").first).to_be_visible()
    page.fill("#id_answer", "1/2x")  # ambiguous: "did you mean" buttons, rendered by KaTeX
    expect(page.locator("#preview button.reading .katex").first).to_be_visible()
    page.locator("#preview button.reading").first.click()
    expect(page.locator("#preview button.reading")).to_have_count(0)
    page.fill("#id_answer", "3x^2 + y")
    expect(page.locator("#preview .preview-ok .katex")).to_contain_text("3")
    page.click("#submit-button")
    expect(page.locator("[data-status=correct]")).to_be_visible()
    page.select_option("#language-select", "ko")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("#statement .katex").first).to_be_visible()

    assert page.locator(".katex").count() > 0
    assert violations == []


def test_an_instructor_editing_previewing_and_grading_meets_no_csp_violation(watched, live_server):
    page, violations = watched
    course = factories.course(code="calc-101")
    teacher = factories.user(username="prof")
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    student = factories.student(in_course=course, username="student1")
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    factories.graded(factories.instance(for_item=item, for_student=student), "x - 1")

    log_in(page, live_server, "prof")
    save_toy_template(page)
    expect(page.locator("#variant .katex").first).to_be_visible()
    page.fill("#seed", "5")
    page.click("#preview-button")
    expect(page.locator("#variant [data-seed='5']")).to_be_visible()
    expect(page.locator("#variant .key .katex")).to_be_visible()

    page.goto(f"{live_server.url}/teach/sets/{problem_set.pk}/")
    expect(page.locator("table.items tbody tr[data-item]")).to_have_count(1)
    page.goto(f"{live_server.url}/courses/{course.pk}/gradebook/")
    page.locator("table.gradebook thead a").first.click()  # sorted by the server
    expect(page.locator("table.gradebook")).to_be_visible()
    page.goto(f"{live_server.url}/items/{item.pk}/wrong-answers/")
    expect(page.locator(".katex").first).to_be_visible()
    page.goto(
        f"{live_server.url}/courses/{course.pk}/export/?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    )
    expect(page.locator("#export-download")).to_be_visible()

    assert violations == []
