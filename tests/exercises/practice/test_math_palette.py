"""The maths keyboard as the server renders it: hidden until static/js/palette.js offers it (the
plain box without JavaScript), keys that depend on the problem (its label, its variables, a
vector for a gradient), labelled in the page's language; on the graded and the practice page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


class _Palette(HTMLParser):
    """The toggle's and the palette's attributes, and each key's attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.toggle: dict[str, str | None] | None = None
        self.palette: dict[str, str | None] | None = None
        self.keys: list[dict[str, str | None]] = []
        self._key: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "palette-toggle":
            self.toggle = a
        elif a.get("id") == "math-palette":
            self.palette = a
        elif tag == "button" and "mkey" in (a.get("class") or "").split():
            self._key = {**a, "text": ""}
            self.keys.append(self._key)

    def handle_data(self, data):
        if self._key is not None:
            self._key["text"] = (self._key["text"] or "") + data

    def handle_endtag(self, tag):
        if tag == "button":
            self._key = None


def _palette(client, url, lang="en"):
    client.cookies["django_language"] = lang
    response = client.get(url)
    assert response.status_code == 200
    parsed = _Palette()
    parsed.feed(response.content.decode())
    return parsed


def _instance(config):
    course = factories.course()
    student = factories.student(in_course=course)
    item = factories.item(
        in_set=factories.problem_set(in_course=course), tpl=factories.template(config=config)
    )
    return factories.instance(for_item=item, for_student=student)


def test_the_keys_are_hidden_until_the_script_offers_them(client):
    instance = _instance(factories.TOY1 | {"notation": "partial"})
    client.force_login(instance.student)
    page = _palette(client, reverse("practice:problem-detail", args=[instance.pk]))
    assert page.toggle is not None and "hidden" in page.toggle
    assert page.toggle["aria-expanded"] == "false"
    assert page.toggle["aria-controls"] == "math-palette"
    assert page.palette is not None and "hidden" in page.palette
    assert page.palette["data-for"] == "id_answer"
    assert page.palette["role"] == "group"
    label = [k for k in page.keys if "data-label" in k]
    assert [(k["data-label"], k["text"]) for k in label] == [("∂f/∂x = ", "∂f/∂x =")]
    inserts = [k.get("data-insert") for k in page.keys]
    assert "x" in inserts and "y" in inserts
    assert "<" not in inserts  # a vector only where a gradient is asked
    for needed in ("^2", "sqrt(", "e^(", "ln(", "∂", "_", "0", "9"):
        assert needed in inserts, needed
    actions = {k.get("data-action") for k in page.keys} - {None}
    assert actions == {"left", "right", "next", "backspace", "close"}
    # every key says what it does: its text, or a label for a symbol
    for key in page.keys:
        said = key.get("aria-label") or key["text"]
        assert said and said.strip(), key


def test_the_keys_are_labelled_in_korean(client):
    instance = _instance(factories.TOY1 | {"notation": "subscript"})
    client.force_login(instance.student)
    url = reverse("practice:problem-detail", args=[instance.pk])
    english = {k["text"]: k.get("aria-label") for k in _palette(client, url).keys}
    korean_page = _palette(client, url, "ko")
    korean = {k["text"]: k.get("aria-label") for k in korean_page.keys}
    assert english["a/b"] == "fraction" and korean["a/b"] == "분수"
    assert korean["⌫"] == "지우기"
    assert korean["f_x ="] == "답 앞의 표기: f_x ="
    assert korean_page.palette["aria-label"].startswith("수식 키패드")
    for text, label in korean.items():
        if label:
            assert re.search("[\uac00-\ud7a3]", label) or label == text, (text, label)


def test_a_gradient_gets_a_vector_key_with_a_box_per_component(client):
    instance = _instance(
        {"function": "x^2 + y^2", "function_latex": "x^2 + y^2", "gradient": True, "wrt": []}
    )
    client.force_login(instance.student)
    page = _palette(client, reverse("practice:problem-detail", args=[instance.pk]))
    vector = [k for k in page.keys if k.get("data-insert") == "<"]
    assert [k["data-after"] for k in vector] == [", >"]
    assert [k["data-label"] for k in page.keys if "data-label" in k] == ["∇f = "]


def test_a_loss_has_a_key_per_variable_and_its_label(client):
    course = factories.course()
    student = factories.student(in_course=course)
    tpl = factories.template(family="loss", config={"notation": "subscript", "wrt": ["w1"]})
    item = factories.item(in_set=factories.problem_set(in_course=course), tpl=tpl)
    instance = factories.instance(for_item=item, for_student=student)
    client.force_login(student)
    page = _palette(client, reverse("practice:problem-detail", args=[instance.pk]))
    variables = [k["data-insert"] for k in page.keys if "var" in (k["class"] or "").split()]
    assert variables == ["w1", "w2", "h1", "h2", "b", "y"]
    assert [k["data-label"] for k in page.keys if "data-label" in k] == ["L_{w1} = "]


def test_the_practice_page_has_the_keys_too(client):
    instance = factories.toy_instance(max_attempts=1)
    factories.graded(instance, "1")  # the last attempt: open for practice
    client.force_login(instance.student)
    page = _palette(client, reverse("practice:practice", args=[instance.pk, 1]))
    assert page.palette is not None and page.palette["data-for"] == "id_answer"
    assert any("data-label" in k for k in page.keys)
