"""Playwright driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import os

import pytest

from tests.conftest import require_service
from tests.support.budget import WAIT_MS


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; the test's own ORM calls
    (factories, assertions) are synchronous and safe there. Only for browser tests."""
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install is a missing service, said clearly
            require_service("Chromium", False, f"chromium failed to start: {exc}")
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _waits_are_hang_detectors():
    """Every wait (Playwright's actions and its expect() assertions, 5 s by default) allows
    WAIT_MS: a hang detector, not a speed target."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)


@pytest.fixture
def page(browser, live_server):
    """A fresh context's page; closed before the live server drains (it depends on live_server),
    so that no request of it reaches the server after its test."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()
