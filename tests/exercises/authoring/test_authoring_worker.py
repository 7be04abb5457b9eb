"""A template check as a real background job: a Celery worker runs it and the page's progress
moves before it finishes (Redis and PostgreSQL, as in tests/grading/test_worker_integration)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from exercises.authoring.models import TemplateCheck
from exercises.authoring.services.templates import custom_template_create
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY
from tests.grading.test_worker_integration import broker, start_worker  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_the_check_and_the_page_shows_its_progress(start_worker, client):  # noqa: F811
    start_worker()
    course = factories.course()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    tpl = custom_template_create(course=course, slug="t", title_en="T", title_ko="T", config=TOY)
    client.force_login(teacher)
    url = reverse("authoring:template-check", args=[tpl.pk])
    first = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Checking: 0 of 50 seeds…" in first  # queued: the request did not run the check
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        check = TemplateCheck.objects.get()
        seen.add(check.seeds_done)
        if check.finished:
            break
        time.sleep(0.2)
    assert (check.status, check.seeds_done, check.failures) == ("passed", 50, [])
    assert any(0 < n < 50 for n in seen), sorted(seen)
    assert 'data-status="check-passed"' in client.get(url).content.decode()
