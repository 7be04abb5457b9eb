"""Steps that several browser tests take the same way."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_have_text(re.compile("^(Your problem sets|Your courses)$"))


def fill_template(
    page, *, slug, title_en, title_ko, function, parameters, constraints="", wrt="x", notation=None
) -> None:
    """On a template's editor: fill a partial-derivative template and save it."""
    page.fill("#id_slug", slug)
    page.fill("#id_title_en", title_en)
    page.fill("#id_title_ko", title_ko)
    page.fill("#id_function", function)
    page.fill("#id_parameters", parameters)
    if constraints:
        page.fill("#id_constraints", constraints)
    page.select_option("#id_task", "partial")
    page.fill("#id_wrt", wrt)
    if notation:
        page.select_option("#id_notation", notation)
    page.click("#save-template")


def save_toy_template(page) -> None:
    """From the dashboard of a course's instructor: a new custom template "toy-1", saved; the
    editor then previews a variant."""
    page.get_by_role("link", name="Templates and sets").click()
    page.get_by_role("link", name="New template").click()
    fill_template(
        page,
        slug="toy-1",
        title_en="Toy #1 with parameters",
        title_ko="토이 1",
        function="{a} x^3 + {b} x y - {c} y",
        parameters="a: 1..9\nb: -5..5 except 0\nc: 1..9",
        constraints="a != c\na + c > 2",
        notation="subscript",
    )


def page_errors(page) -> list[str]:
    """A list that fills with the page's script errors and its CSP refusals (a test asserts it
    empty at the end)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return errors
