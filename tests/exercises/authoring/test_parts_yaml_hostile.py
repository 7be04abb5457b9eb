"""A YAML import's parts config, written to break it: each refusal names the path of what is
wrong and is said in English and in Korean; nothing is written and nothing raises past the
import (no 500 on the upload page)."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.urls import reverse
from django.utils import translation

from exercises.authoring.models import ProblemTemplate
from exercises.authoring.services.yaml_io import ImportFailed, course_import_yaml
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories

pytestmark = pytest.mark.django_db

FX = {"wrt": ["x"]}
VALUE = {"wrt": ["x"], "at": {"x": "1", "y": "2"}, "carry_from": 0}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # a part written twice is written out twice
        return True


def _file(config) -> str:
    entry = {"slug": "p", "family": "parts", "title_en": "P", "title_ko": "P", "config": config}
    data = {"format": "partial-credit/1", "templates": [entry]}
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True)


def _config(parts) -> dict:
    return {**{k: v for k, v in factories.TOY2_PARTS.items() if k != "parts"}, "parts": parts}


# (the parts, the start of the refusal in English, a word of it in Korean)
CASES = [
    pytest.param([], "templates[0].config.parts: at least 2", "2", id="zero"),
    pytest.param([FX], "templates[0].config.parts: at least 2", "2", id="one"),
    pytest.param([FX] * 7, "templates[0].config.parts: at most 6", "6", id="seven"),
    pytest.param([FX] * 10_000, "templates[0].config.parts: at most 6", "6", id="ten-thousand"),
    pytest.param(
        [FX, FX], "templates[0].config.parts[1].wrt: part 2: asks the same", "소문항 2", id="dup"
    ),
    pytest.param(
        [FX, {**VALUE}, {**VALUE}],
        "templates[0].config.parts[2].wrt: part 3: asks",
        "소문항 3",
        id="dup-value",
    ),
    pytest.param(
        [FX, {**FX, "kind": "hessian"}],
        "templates[0].config.parts[1].kind: unknown key",
        "kind",
        id="kind",
    ),
    pytest.param(
        [FX, {"hessian": True}], "templates[0].config.parts[1].hessian", "hessian", id="kind-key"
    ),
    pytest.param([FX, "f_y"], "templates[0].config.parts[1]", "parts[1]", id="string-part"),
    pytest.param([FX, ["x"]], "templates[0].config.parts[1]", "parts[1]", id="list-part"),
    pytest.param([FX, {"wrt": "y"}], "templates[0].config.parts[1].wrt", "wrt", id="wrt-string"),
    pytest.param(
        [FX, {"wrt": [["y"]]}], "templates[0].config.parts[1].wrt", "wrt", id="wrt-nested"
    ),
    pytest.param(
        [FX, {"wrt": ["z"]}],
        "templates[0].config.parts[1].wrt: part 2: ask",
        "소문항 2",
        id="wrt-z",
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": 0}], "templates[0].config.parts[1].weight", "weight", id="w0"
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": -1}],
        "templates[0].config.parts[1].weight",
        "weight",
        id="w-neg",
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": 10**100}],
        "templates[0].config.parts[1].weight",
        "weight",
        id="w-huge",
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": 1.5}],
        "templates[0].config.parts[1].weight",
        "weight",
        id="w-frac",
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": ".nan"}],
        "templates[0].config.parts[1].weight",
        "weight",
        id="w-nan",
    ),
    pytest.param(
        [FX, {"wrt": ["y"], "weight": True}],
        "templates[0].config.parts[1].weight",
        "weight",
        id="w-bool",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": -0.5}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-neg",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": 2}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-2",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": float("nan")}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-nan",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": float("inf")}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-inf",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": "9" * 5000}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-long",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_share": [0.5]}],
        "templates[0].config.parts[1].carry_share",
        "carry",
        id="s-list",
    ),
    pytest.param(
        [FX, {"wrt": ["x"], "carry_share": "0.5"}],
        "templates[0].config.parts[1].carry_share: part 2: carry_share without carry_from",
        "소문항 2",
        id="share-alone",
    ),
    pytest.param(
        [{**VALUE, "carry_from": 1}, FX],
        "templates[0].config.parts[0].carry_from: part 1",
        "소문항 1",
        id="later",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_from": 1}],
        "templates[0].config.parts[1].carry_from: part 2",
        "소문항 2",
        id="self",
    ),
    pytest.param(
        [FX, VALUE, {**VALUE, "at": {"x": "2", "y": "2"}, "carry_from": 1}],
        "templates[0].config.parts[2].carry_from: part 3",
        "소문항 3",
        id="from-value",
    ),
    pytest.param(
        [{"gradient": True}, VALUE],
        "templates[0].config.parts[1].carry_from: part 2",
        "소문항 2",
        id="from-gradient",
    ),
    pytest.param(
        [{"wrt": ["y"]}, VALUE],
        "templates[0].config.parts[1].carry_from: part 2",
        "소문항 2",
        id="other-wrt",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_from": -1}],
        "templates[0].config.parts[1].carry_from",
        "carry_from",
        id="c-neg",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_from": 10**30}],
        "templates[0].config.parts[1].carry_from",
        "carry_from",
        id="c-huge",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_from": "0"}],
        "templates[0].config.parts[1].carry_from",
        "carry_from",
        id="c-str",
    ),
    pytest.param(
        [FX, {**VALUE, "carry_from": True}],
        "templates[0].config.parts[1].carry_from",
        "carry_from",
        id="c-bool",
    ),
    pytest.param(
        [FX, {**VALUE, "at": {"x": "1"}}],
        "templates[0].config.parts[1].at: part 2",
        "소문항 2",
        id="at-short",
    ),
    pytest.param(
        [FX, {**VALUE, "at": ["1", "2"]}], "templates[0].config.parts[1].at", "at", id="at-list"
    ),
    pytest.param(
        [FX, {**VALUE, "at": {"x": "x" * 5000, "y": "1"}}],
        "templates[0].config.parts[1].at",
        "at",
        id="at-long",
    ),
    pytest.param(
        [FX, {**VALUE, "at": {"x": "{a}", "y": "1"}}],
        "templates[0].config.parts[1].at: part 2",
        "소문항 2",
        id="at-a",
    ),
    pytest.param(
        [FX, {**VALUE, "at": {"x": "9^9^9^9", "y": "1"}}],
        "templates[0].config.parts[1].at",
        "소문항 2",
        id="at-pow",
    ),
    pytest.param(
        [FX, {**VALUE, "at": {"x": {"a": {"b": {"c": 1}}}, "y": "1"}}],
        "templates[0].config.parts[1].at",
        "at",
        id="at-deep",
    ),
    pytest.param(
        [FX, {**VALUE, "slope": True, "wrt": ["y"]}],
        "templates[0].config.parts[1].slope: part 2",
        "소문항 2",
        id="slope-y",
    ),
    pytest.param(
        [FX, {"wrt": ["x"], "slope": True}],
        "templates[0].config.parts[1].slope: part 2",
        "소문항 2",
        id="slope-nopt",
    ),
    pytest.param([FX, {"wrt": ["x"] * 4}], "templates[0].config.parts[1].wrt", "wrt", id="wrt-4"),
    pytest.param(
        [FX, {"wrt": ["x" * 5000]}], "templates[0].config.parts[1].wrt", "wrt", id="wrt-long"
    ),
]


@pytest.mark.parametrize(("parts", "english", "korean"), CASES)
def test_a_hostile_parts_config_is_refused_with_its_path_in_both_languages(parts, english, korean):
    course = factories.course()
    text = _file(_config(copy.deepcopy(parts)))
    for lang, words in (("en", english), ("ko", korean)):
        with translation.override(lang), pytest.raises(ImportFailed) as failed:
            course_import_yaml(course=course, text=text)
        errors = failed.value.errors
        if lang == "en":
            assert any(e.startswith(words) for e in errors), errors
        else:
            assert any(words in e for e in errors), errors
            assert not any("part 2:" in e or "part 3:" in e for e in errors), errors
    assert not ProblemTemplate.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    "config",
    [
        {"base": "parts", "parts": [FX, VALUE]},
        {"base": {"deep": {"er": [1, 2, 3]}}, "parts": [FX, VALUE]},
        {"base": "x" * 5000, "parts": [FX, VALUE]},
        {"base": "custom", "function": "{a} x y", "parts": [FX, VALUE]},  # {a} undeclared
        {"base": "fixed", "parts": {"0": FX, "1": VALUE}},
        {"base": "fixed", "parts": "f_x, f_y"},
        {"base": "fixed", "parts": None},
    ],
)
def test_a_bad_base_or_parts_list_is_refused(config):
    course = factories.course()
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text=_file(config))
    assert all(e.startswith("templates[0]") for e in failed.value.errors), failed.value.errors
    assert not ProblemTemplate.objects.filter(course=course).exists()


def test_deeply_nested_yaml_in_a_part_is_refused_not_a_500(client):
    course = factories.course()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)
    deep = "[" * 5000 + "]" * 5000
    text = _file(_config([FX, VALUE])).replace("carry_from: 0", f"carry_from: {deep}")
    with pytest.raises(ImportFailed) as failed:
        course_import_yaml(course=course, text=text)
    assert failed.value.errors == ["line 14: nested deeper than 12 levels"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.yaml", text.encode(), content_type="application/x-yaml")
    response = client.post(reverse("authoring:course-import", args=[course.pk]), {"file": upload})
    assert response.status_code == 400  # the import page, saying why
    assert "nested deeper than 12 levels" in response.content.decode()
    assert not ProblemTemplate.objects.filter(course=course).exists()


def test_the_parts_of_the_demo_pass_and_come_back_unchanged():
    course = factories.course()
    course_import_yaml(course=course, text=_file(copy.deepcopy(factories.TOY2_PARTS)))
    assert ProblemTemplate.objects.get(course=course).config == factories.TOY2_PARTS
