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


def save_toy_template(page) -> None:
    """From the dashboard of a course's instructor: a new custom template "toy-1", saved; the
    editor then previews a variant."""
    page.get_by_role("link", name="Templates and sets").click()
    page.get_by_role("link", name="New template").click()
    page.fill("#id_slug", "toy-1")
    page.fill("#id_title_en", "Toy #1 with parameters")
    page.fill("#id_title_ko", "토이 1")
    page.fill("#id_function", "{a} x^3 + {b} x y - {c} y")
    page.fill("#id_parameters", "a: 1..9\nb: -5..5 except 0\nc: 1..9")
    page.fill("#id_constraints", "a != c\na + c > 2")
    page.select_option("#id_task", "partial")
    page.fill("#id_wrt", "x")
    page.select_option("#id_notation", "subscript")
    page.click("#save-template")


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
