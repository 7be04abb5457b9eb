"""Practice variants come from the template at the version the student's graded problem was
made from, not from a newer version of the template (issue #14, keep practising): a library
template gets a new version when its config changes (seed_demo's upsert), even while in a set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exercises.authoring.models import TemplateVersion
from exercises.authoring.services.instances import instance_regenerate
from exercises.authoring.services.templates import problem_template_upsert
from exercises.practice import selectors
from tests import factories

pytestmark = pytest.mark.django_db

OLD = {"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "wrt": ["x"]}
NEW = {"function": "7x*y/e^(x^2+y^2)", "function_latex": "\\frac{7xy}{e^{x^2+y^2}}", "wrt": ["x"]}


def _closed_instance_then_new_version():
    """An instance of a library template at version 1, closed for credit (its one attempt
    used); then the template's config changes: version 2."""
    c = factories.course()
    student = factories.student(in_course=c)
    tpl = factories.template(family="fixed", config=dict(OLD), slug="lib-toy")
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl, max_attempts=1)
    instance = factories.instance(for_item=item, for_student=student)
    factories.graded(instance, "1")
    newer = problem_template_upsert(
        slug="lib-toy", family="fixed", title_en="T", title_ko="T", config=dict(NEW)
    )
    assert (instance.template_version, newer.version) == (1, 2)
    instance.refresh_from_db()
    return instance


def test_practice_variants_use_the_version_of_the_graded_problem(client):
    instance = _closed_instance_then_new_version()
    assert instance.params["function"] == OLD["function"]
    variant = selectors.practice_variant(instance=instance, n=1)
    assert variant is not None
    assert variant.params["function"] == OLD["function"]  # not the new version's function
    # the page the student sees says the same
    client.force_login(instance.student)
    page = client.get(reverse("practice:practice", args=[instance.pk, 1])).content.decode()
    assert "x^3 + xy - y" in page and "frac{7xy}" not in page
    # and the graded instance itself still regenerates from its version
    assert instance_regenerate(instance=instance) == instance.params


def test_a_new_student_gets_the_new_version_and_practises_on_it():
    instance = _closed_instance_then_new_version()
    other = factories.student(in_course=instance.item.problem_set.course)
    newer = factories.instance(for_item=instance.item, for_student=other)
    assert (newer.template_version, newer.params["function"]) == (2, NEW["function"])
    factories.graded(newer, "1")
    variant = selectors.practice_variant(instance=newer, n=1)
    assert variant is not None and variant.params["function"] == NEW["function"]


def test_a_version_that_was_not_kept_gives_no_practice_variant():
    """A version replaced before versions were kept cannot be made again: no variant (the page
    answers 404) rather than one of another version."""
    instance = _closed_instance_then_new_version()
    TemplateVersion.objects.filter(template=instance.template).delete()
    assert selectors.practice_variant(instance=instance, n=1) is None
    with pytest.raises(ValueError, match="was not kept"):
        instance_regenerate(instance=instance)
