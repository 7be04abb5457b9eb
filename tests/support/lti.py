"""Steps through the tool's web layer that several LTI tests share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from tests import factories
from tests.support.fake_lms import INSTRUCTOR


def register(lms: Any, *, base_url: str, jwks: Any) -> Any:
    """The fake LMS registered here with its deployment active; it learns where we are."""
    from exercises.lti.services.registrations import registration_create

    registered = registration_create(
        name="Fake LMS",
        issuer=lms.issuer,
        client_id=lms.client_id,
        auth_url=lms.auth_url,
        token_url=lms.token_url,
        keyset_url=lms.jwks_url,
        deployment_ids=[lms.deployment_id],
    )
    lms.use_tool(base_url=base_url, jwks=jwks)
    return registered


def linked_course(lms: Any, client: Client | None = None, items: int = 1) -> tuple[Any, Any]:
    """An instructor's first launch links the LMS course to a new course, then its link to a
    new set of `items` items worth 2 points each; returns (course, problem set)."""
    from exercises.lti.models import CourseLink

    client = client or Client()
    response = lms.launch(client, sub="teacher-1", roles=INSTRUCTOR, name="Ada Teacher")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("lti:context-link")
    page = client.get(reverse("lti:context-link"))
    assert page.status_code == 200
    assert lms.context_title in page.content.decode()
    response = client.post(reverse("lti:context-link"), {"choice": "new"})
    assert response.headers["Location"] == reverse("lti:launch-continue")
    response = client.get(reverse("lti:launch-continue"))
    assert response.headers["Location"] == reverse("lti:resource-link")
    course = CourseLink.objects.get().course
    problem_set = factories.problem_set(in_course=course)
    for _ in range(items):
        factories.item(in_set=problem_set, points=Decimal("2"))
    client.post(reverse("lti:resource-link"), {"choice": str(problem_set.pk)})
    response = client.get(reverse("lti:launch-continue"))
    assert response.headers["Location"] == reverse("authoring:set-edit", args=[problem_set.pk])
    return course, problem_set
