"""The plot data of a problem page (practice:problem-plot): the owner's variant only, the
latest graded answer drawn, the key's values only once the key is shown, plots off per item."""

from __future__ import annotations

import json
import math

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

KEY_SLOPE = -7 / math.e**2  # f_x(1, 1) of toy #2


def _toy2(**item_kwargs):
    return factories.toy2_instance(**item_kwargs)


def _plot(client, instance):
    client.force_login(instance.student)
    return client.get(reverse("practice:problem-plot", args=[instance.pk]))


def test_the_page_loads_the_plots_and_the_data_is_the_variant(client):
    instance = _toy2()
    client.force_login(instance.student)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert 'id="plots"' in page and "<script>" not in page and " onclick=" not in page
    # Plotly is no script of the page: plots.js adds the bundle the section names, the 3-D one
    assert 'data-plotly="/static/vendor/plotly/plotly-gl3d.min.js"' in page
    assert 'src="/static/vendor/plotly/' not in page
    response = _plot(client, instance)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["point"] == {"x": 1.0, "y": 1.0} and data["moving"] == "x"
    assert len(data["surface"]["z"]) == len(data["surface"]["y"])
    assert "answer" not in data and "key" not in data


def test_a_wrong_answer_is_drawn_and_the_key_is_never_sent_before_it_is_shown(client):
    instance = _toy2(max_attempts=2)
    factories.graded(instance, "7y/e^(x^2+y^2)")  # wrong: the product rule forgotten
    response = _plot(client, instance)
    body = response.content.decode()
    data = json.loads(body)
    assert data["answer"]["value"] == pytest.approx(7 / math.e**2, rel=1e-5)
    assert data["attempt"] == 1
    assert "key" not in data and "differs" not in data and "derivative" not in data["answer"]
    assert f"{KEY_SLOPE:.6g}" not in body
    # the last attempt used: the key is shown on the page, and drawn
    factories.graded(instance, "7y/e^(x^2+y^2) + 1")
    data = _plot(client, instance).json()
    assert data["key"]["value"] == pytest.approx(KEY_SLOPE, rel=1e-5)
    assert data["attempt"] == 2 and data["differs"]


def test_a_gradient_page_names_the_full_bundle_for_its_contour_plot(client):
    c = factories.course()
    student = factories.student(in_course=c)
    tpl = factories.template(family="gradient", config={})
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl)
    instance = factories.instance(for_item=item, for_student=student)
    client.force_login(student)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert 'data-plotly="/static/vendor/plotly/plotly.min.js"' in page
    assert _plot(client, instance).json()["kind"] == "gradient"


def test_another_students_plot_is_not_found(client):
    instance = _toy2()
    other = factories.student(in_course=instance.item.problem_set.course)
    client.force_login(other)
    assert client.get(reverse("practice:problem-plot", args=[instance.pk])).status_code == 404


def test_plots_turned_off_for_the_item_are_not_drawn_nor_served(client):
    instance = _toy2()
    item = instance.item
    factories.item_update(item, show_plots=False)
    assert _plot(client, instance).status_code == 404
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert 'id="plots"' not in page and "plotly" not in page


def test_the_worked_solution_is_shown_with_the_key_and_not_before(client):
    instance = _toy2(max_attempts=1)
    client.force_login(instance.student)
    url = reverse("practice:problem-detail", args=[instance.pk])
    assert 'id="solution"' not in client.get(url).content.decode()
    factories.graded(instance, "7y/e^(x^2+y^2)")
    client.cookies["django_language"] = "ko"
    page = client.get(url).content.decode()
    assert 'id="solution"' in page and "풀이 과정" in page
    assert 'data-rules="product"' in page and "곱의 미분법" in page
    assert "-\\frac{7 y \\left(2 x^{2} - 1\\right)}{e^{x^{2} + y^{2}}}" in page
