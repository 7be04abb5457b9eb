"""Templates render in the tests as they do outside them, without Django's test instrumentation,
except in a test that asks for it with the `rendered_context` fixture.

Django's test environment (setup_test_environment, which pytest-django runs for the session)
replaces Template._render with `instrumented_test_render`: every template rendered, down to each
form widget's and each `{% include %}`, sends the `template_rendered` signal with a copy of its
context, so that the test client can fill `response.context` and `response.templates`. Almost no
test reads them (two files here), and the rest paid for it on every page a view test, a fuzz
test or the browser tests' live server rendered: in the form fuzz of the template editor, the
signal and the context copies were a quarter of its CPU. So the plain render is put back for the
session, and `rendered_context` brings the instrumentation back for one test. Loaded by
tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.template.base import Template
from django.test.utils import instrumented_test_render

# Taken when this plugin is imported, before the session's test environment is set up.
PLAIN_RENDER = Template._render
assert PLAIN_RENDER is not instrumented_test_render, "imported after setup_test_environment"


@pytest.fixture(autouse=True, scope="session")
def _plain_template_render(django_test_environment: None) -> Iterator[None]:
    """After pytest-django's test environment: the plain render (when Django is configured and
    has instrumented it; the engine's tests run without Django)."""
    if Template._render is not instrumented_test_render:
        yield
        return
    Template._render = PLAIN_RENDER
    try:
        yield
    finally:
        Template._render = instrumented_test_render  # for its teardown to restore


@pytest.fixture
def rendered_context() -> Iterator[None]:
    """For a test that reads `response.context` or `response.templates`: templates report what
    they render, as in Django's own test environment."""
    saved = Template._render
    Template._render = instrumented_test_render
    try:
        yield
    finally:
        Template._render = saved
