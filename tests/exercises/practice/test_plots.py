"""The plot data of a problem page (practice:problem-plot): the owner's variant only, the
latest graded answer drawn, the key's values only once the key is shown, plots off per item."""

from __future__ import annotations

import json
import math

import pytest
from django.urls import reverse

from exercises.authoring.generators import task_of
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
    # the same data comes inline with the page, as a JSON data block (no script that runs)
    assert _inline(page) == data


def _inline(page: str):
    """The plot data inlined in a problem page (None when there is none)."""
    start = page.find('<script id="plot-data" type="application/json">')
    if start < 0:
        return None
    body = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert "<" not in body
    return json.loads(body)


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


def test_a_gradient_page_names_the_3d_bundle_only_its_contour_plot_is_svg(client):
    c = factories.course()
    student = factories.student(in_course=c)
    tpl = factories.template(family="gradient", config={})
    item = factories.item(in_set=factories.problem_set(in_course=c), tpl=tpl)
    instance = factories.instance(for_item=item, for_student=student)
    client.force_login(student)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert 'data-plotly="/static/vendor/plotly/plotly-gl3d.min.js"' in page
    assert "plotly.min.js" not in page  # the full bundle (4.8 MB) is needed by no page now
    assert _plot(client, instance).json()["kind"] == "gradient"
    assert _inline(page)["kind"] == "gradient"


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
    assert 'id="plots"' not in page and "plotly" not in page and "plot-data" not in page


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


def test_the_page_inlines_the_key_only_when_it_shows_the_key(client):
    instance = _toy2(max_attempts=2)
    client.force_login(instance.student)
    url = reverse("practice:problem-detail", args=[instance.pk])
    factories.graded(instance, "7y/e^(x^2+y^2)")
    page = client.get(url).content.decode()
    data = _inline(page)
    assert data["attempt"] == 1 and "key" not in data and "differs" not in data
    assert f"{KEY_SLOPE:.6g}" not in page
    factories.graded(instance, "7y/e^(x^2+y^2) + 1")
    data = _inline(client.get(url).content.decode())
    assert data["key"]["value"] == pytest.approx(KEY_SLOPE, rel=1e-5) and data["attempt"] == 2


def test_the_cache_never_serves_the_key_to_a_student_who_may_not_see_it(client):
    """Two students of the same variant with the same wrong answer: the first has used their
    attempts (the key is shown, and cached with the data), the second has not: their data comes
    from another cache entry, without the key."""
    first = _toy2(max_attempts=1)
    factories.graded(first, "7y/e^(x^2+y^2)")
    revealed = _plot(client, first).json()
    assert revealed["key"]["value"] == pytest.approx(KEY_SLOPE, rel=1e-5)
    course = first.item.problem_set.course
    second = factories.instance(
        for_item=factories.item(in_set=first.item.problem_set, tpl=first.item.template,
                                max_attempts=3),
        for_student=factories.student(in_course=course),
    )  # fmt: skip
    # the same task (the notation of the statement may differ): the same cache key but for
    # `reveal`
    assert task_of(second.params) == task_of(first.params)
    factories.graded(second, "7y/e^(x^2+y^2)")
    body = _plot(client, second).content.decode()
    data = json.loads(body)
    assert data["answer"] == {k: v for k, v in revealed["answer"].items() if k != "derivative"}
    assert "key" not in data and "differs" not in data and f"{KEY_SLOPE:.6g}" not in body


def test_plot_data_is_computed_once_per_task_and_answer_and_survives_a_cache_outage(
    client, monkeypatch
):
    from exercises.practice import selectors

    calls: list[tuple[str | None, bool]] = []
    real = selectors.plot_data

    def counted(task, *, answer=None, reveal=False):
        calls.append((answer, reveal))
        return real(task, answer=answer, reveal=reveal)

    monkeypatch.setattr(selectors, "plot_data", counted)
    instance = _toy2(max_attempts=3)
    first = _plot(client, instance).json()
    assert _plot(client, instance).json() == first
    assert calls == [(None, False)]  # the second request was served from the cache
    factories.graded(instance, "7y/e^(x^2+y^2)")
    assert _plot(client, instance).json()["attempt"] == 1
    assert calls == [(None, False), ("7y/e^(x^2+y^2)", False)]  # a new answer: a new key

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(selectors.cache, "get", down)
    monkeypatch.setattr(selectors.cache, "set", down)
    response = _plot(client, instance)
    assert response.status_code == 200 and response.json()["answer"]["value"] is not None


def test_a_failure_in_drawing_the_answer_leaves_the_page_and_the_key_plots(
    client, monkeypatch, caplog
):
    """The backstop (practice.selectors): should drawing a stored answer fail in a way the
    engine did not foresee, the problem page and plot.json still answer, with the plots drawn
    without the answer, and the failure is logged. 1/0 once made every load a 500."""
    from exercises.practice import selectors

    real = selectors.plot_data

    def failing_on_answers(task, *, answer=None, reveal=False):
        if answer:
            raise RuntimeError("an unforeseen failure")
        return real(task, answer=answer, reveal=reveal)

    monkeypatch.setattr(selectors, "plot_data", failing_on_answers)
    instance = _toy2(max_attempts=2)
    factories.graded(instance, "7y/e^(x^2+y^2)")
    client.force_login(instance.student)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk]))
    assert page.status_code == 200
    inline = _inline(page.content.decode())
    assert inline["surface"] and "answer" not in inline
    response = _plot(client, instance)
    assert response.status_code == 200 and response.json() == inline
    assert "plot data failed" in caplog.text and "an unforeseen failure" in caplog.text
