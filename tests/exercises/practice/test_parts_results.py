"""What a part's result region tells the student, as a single-part problem's does: which
components of a gradient part are right (and its share of the points), the hint after a wrong
part, and each part's worked solution once its key is shown (a value part's ends with the key's
value at the point, also when the student's value was carried forward)."""

from __future__ import annotations

import html
import json
import math
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from exercises.authoring.models import ProblemInstance
from exercises.authoring.services.instances import (
    instance_worked_missing,
    instance_worked_record,
)
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
WRONG_FX = "7y/e^(x^2+y^2)"  # a term of the product rule dropped


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield


def _submit(client, inst, part, text, lang="en"):
    """Submit to a part (graded as the request commits), then the part's region as read."""
    client.force_login(inst.student)
    client.cookies["django_language"] = lang
    url = reverse("practice:part-submission-create", args=[inst.pk, part])
    with _capture(execute=True):
        assert client.post(url, {"answer": text}, **HTMX).status_code == 200
    region = reverse("practice:problem-detail", args=[inst.pk])
    return html.unescape(client.get(region, {"part": part}, **HTMX).content.decode())


def test_a_gradient_part_with_one_right_component_says_which_and_earns_half(client):
    inst = factories.parts_instance(config=factories.GRADIENT_PARTS, points=Decimal("3"))
    body = _submit(client, inst, 0, "<2xy, x^2>")  # f_y's 3y^2 left out
    assert 'data-status="partial"' in body
    assert "Partly correct — score 1.00" in body  # half of the part's 2 points
    assert 'id="components-0"' in body
    assert "1 of 2 components right" in body
    assert 'data-component="0" data-status="right"' in body
    assert 'data-component="1" data-status="wrong"' in body
    assert '<span class="part-score">1.00</span> / 2.00' in body
    assert Submission.objects.get().score == Decimal("1.00")
    korean = _submit(client, inst, 0, "<2x, x^2 + 3y^2>", lang="ko")
    assert "성분 2개 중 1개 맞음" in korean
    assert 'data-component="0" data-status="wrong"' in korean


def test_a_wrong_part_shows_a_hint_for_that_part_and_no_key(client):
    inst = factories.parts_instance(points=Decimal("3"))
    body = _submit(client, inst, 0, WRONG_FX)
    assert 'id="rule-hint-0"' in body
    assert "Product rule: (gh)′ = g′h + gh′." in body
    assert "Answer key" not in body and 'id="solution-0"' not in body
    korean = _submit(client, inst, 0, WRONG_FX, lang="ko")
    assert "힌트: 이 법칙을 다시 확인하세요. 곱의 미분법" in korean
    right = _submit(client, inst, 1, "-14/e^5")
    assert 'data-status="correct"' in right and "rule-hint" not in right


def test_each_part_shows_its_worked_solution_once_its_key_is_shown(client):
    inst = factories.parts_instance(points=Decimal("3"), max_attempts=1)
    assert instance_worked_record(instance_id=inst.pk)
    inst = ProblemInstance.objects.get(pk=inst.pk)
    assert not instance_worked_missing(instance=inst)
    assert [p is None for p in inst.worked["parts"]] == [True, False, False]
    first = _submit(client, inst, 0, WRONG_FX)  # its only attempt: the key and the solution
    assert 'id="solution-0"' in first and "Worked solution" in first
    assert 'id="rule-hint-0"' not in first  # no hint once the key is shown
    assert 'id="solution-1"' not in first
    carried = _submit(client, inst, 1, "14/e^5")  # right for the wrong f_x: carried forward
    assert 'data-status="carried"' in carried
    solution = carried.split('id="solution-1"')[1]
    assert 'data-rules="point"' in solution  # the derivative's value at the point
    assert "= -\\frac{14}{e^{5}}" in solution  # the key's value, not the student's 14/e^5
    korean = _submit(client, inst, 2, "7/e^2", lang="ko")
    assert 'id="solution-2"' in korean and "풀이" in korean


def test_a_multi_part_variant_kept_before_each_part_had_its_own_is_derived_again():
    inst = factories.parts_instance()
    assert instance_worked_record(instance_id=inst.pk)
    inst = ProblemInstance.objects.get(pk=inst.pk)
    old = {k: v for k, v in inst.worked.items() if k != "parts"}
    ProblemInstance.objects.filter(pk=inst.pk).update(worked=old)
    assert instance_worked_missing(instance=ProblemInstance.objects.get(pk=inst.pk))
    assert instance_worked_record(instance_id=inst.pk)
    assert len(ProblemInstance.objects.get(pk=inst.pk).worked["parts"]) == 3


def test_the_parts_page_has_a_worker_derive_what_a_variant_kept_before_lacks(client):
    """A multi-part variant kept before each part had its own worked solution, opened at its
    page (not through its item): the page sends the derivation to the workers, as the item's
    first open does, so later views do not derive it themselves; a kept one sends nothing."""
    inst = factories.parts_instance()
    assert instance_worked_record(instance_id=inst.pk)
    kept = ProblemInstance.objects.get(pk=inst.pk).worked
    client.force_login(inst.student)
    url = reverse("practice:problem-detail", args=[inst.pk])
    with mock.patch("exercises.practice.views.instance_worked_enqueue") as sent:
        assert client.get(url).status_code == 200
    sent.assert_not_called()
    ProblemInstance.objects.filter(pk=inst.pk).update(
        worked={k: v for k, v in kept.items() if k != "parts"}
    )
    with mock.patch("exercises.practice.views.instance_worked_enqueue") as sent:
        assert client.get(url).status_code == 200
    sent.assert_called_once_with(inst.pk)


KEY_SLOPE = -7 / math.e**2  # f_x(1, 1) of toy #2, where the slice is drawn


def test_the_parts_share_one_plot_of_the_function_with_the_derivative_parts_tangent(client):
    """Drawn once for the problem, inline and from plot.json: the slice and the surface of f,
    the latest answer to (a), f_x, as its tangent; the key's line only once (a)'s key is shown;
    answers to the value parts draw nothing of their own."""
    inst = factories.parts_instance(points=Decimal("3"), max_attempts=2)
    client.force_login(inst.student)
    page = client.get(reverse("practice:problem-detail", args=[inst.pk])).content.decode()
    assert page.count('id="plots"') == 1 and page.count('id="plot-data"') == 1
    data = _inline(page)
    assert data["kind"] == "slope" and data["moving"] == "x" and "surface" in data
    assert "answer" not in data and "key" not in data
    factories.graded(inst, "1", part=1)  # a value part's answer: not a tangent
    assert "answer" not in client.get(reverse("practice:problem-plot", args=[inst.pk])).json()
    factories.graded(inst, WRONG_FX, part=0)
    response = client.get(reverse("practice:problem-plot", args=[inst.pk]))
    data = response.json()
    assert data["answer"]["value"] == pytest.approx(7 / math.e**2, rel=1e-5)
    assert data["attempt"] == 1 and "key" not in data
    assert f"{KEY_SLOPE:.6g}" not in response.content.decode()
    factories.graded(inst, WRONG_FX + " + 1", part=0)  # (a)'s attempts used: its key shown
    page = client.get(reverse("practice:problem-detail", args=[inst.pk])).content.decode()
    data = _inline(page)
    assert data["key"]["value"] == pytest.approx(KEY_SLOPE, rel=1e-5) and data["attempt"] == 2


def test_a_parts_problem_with_plots_off_draws_none(client):
    inst = factories.parts_instance()
    factories.item_update(inst.item, show_plots=False)
    client.force_login(inst.student)
    page = client.get(reverse("practice:problem-detail", args=[inst.pk])).content.decode()
    assert 'id="plots"' not in page and 'id="plot-data"' not in page
    assert client.get(reverse("practice:problem-plot", args=[inst.pk])).status_code == 404


def _inline(page: str):
    start = page.find('<script id="plot-data" type="application/json">')
    assert start >= 0
    return json.loads(page[start:].split(">", 1)[1].split("</script>", 1)[0])
