"""The Jinja2 engine of the result regions (exercises/courses/jinja.py)."""

from __future__ import annotations

import pytest
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template
from django.utils import translation


def test_a_dtl_template_is_never_read_as_jinja():
    """The Jinja2 engine comes first in TEMPLATES: it must find only `.jinja` files, so that a
    DTL template (which it would compile as Jinja) goes on to Django's engine."""
    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template("practice/problem_detail.html")
    assert get_template("practice/problem_detail.html").backend.name == "django"
    assert get_template("practice/_result.jinja").backend.name == "jinja2"


def test_format_escapes_its_values_not_the_translation():
    """As {% blocktranslate %}: the catalogue's text is markup, the values are escaped."""
    template = engines["jinja2"].from_string(
        '{{ _("score %(score)s")|format(score=s) }} {{ _("Your attempts") }} {{ missing.attr }}|'
    )
    with translation.override("ko"):
        shown = template.render({"s": "<b>1</b>"})
    assert shown == "점수 &lt;b&gt;1&lt;/b&gt; 나의 제출 기록 |"


def test_translations_follow_the_request_language(rf):
    """The context processor's `_` is memoised per language, not once for all."""
    template = engines["jinja2"].from_string('{{ _("Your attempts") }}')
    request = rf.get("/")
    with translation.override("en"):
        assert template.render({}, request) == "Your attempts"
    with translation.override("ko"):
        assert template.render({}, request) == "나의 제출 기록"


def test_what_is_missing_shows_empty_as_in_dtl():
    """A value a region lacks (an older stored verdict, a context without it) renders empty or
    undecided, as the DTL templates did, not as an error page."""
    jinja = engines["jinja2"]
    shown = jinja.from_string("[{{ gone|floatformat(2) }}][{{ gone|date('c') }}]").render({})
    assert shown == "[][]"
    components = jinja.get_template("practice/_components.jinja").render(
        {"components": [{"label": ""}], "right": 0}
    )
    assert 'data-status="undecided"' in components and "Component :" in components
    assert "not decided" in components
