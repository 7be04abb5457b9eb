"""The template editor makes and edits multi-part templates (issue #15, Credit 2: "Authoring ...
know parts"): the kind of problem, the function, one row per part; its refusals are the parts
family's own (the same as a YAML import's), each on its row's field, in English and Korean; a
template saved unchanged keeps its config; the variant preview and the 50-seed check work."""

from __future__ import annotations

import copy
import html
import re

import pytest
import yaml
from django.urls import reverse

from exercises.authoring.models import ProblemTemplate, TemplateCheck
from exercises.authoring.services.templates import custom_template_create
from exercises.authoring.services.yaml_io import ImportFailed, course_import_yaml
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.test_korean import assert_reads_korean

pytestmark = pytest.mark.django_db

FORM = {
    "slug": "three-parts",
    "family": "parts",
    "title_en": "Three parts",
    "title_ko": "세 부분",
    "function": "{c} x y / e^(x^2 + y^2)",
    "variables": "x, y",
    "parameters": "c: 2..9",
    "constraints": "",
    # the one-question fields, posted by the page though hidden: a parts template ignores them
    "task": "value",
    "wrt": "q",
    "at": "nonsense",
    "notation": "subscript",
    "statement_en": "",
    "statement_ko": "",
    "points": "3",
    "tolerance": "0.001",
}
ROW = {"kind": "partial", "wrt": "x", "at": "", "weight": "1", "carry_from": "", "carry_share": ""}
THREE = [
    {**ROW},
    {**ROW, "kind": "value", "at": "x = 1, y = 2", "weight": "2", "carry_from": "1"},
    {**ROW, "wrt": "y"},
]


def rows(parts: list[dict[str, str]], total: int | None = None) -> dict[str, str]:
    data = {
        "part-TOTAL_FORMS": str(len(parts) if total is None else total),
        "part-INITIAL_FORMS": "0",
        "part-MIN_NUM_FORMS": "0",
        "part-MAX_NUM_FORMS": "6",
    }
    for i, row in enumerate(parts):
        data.update({f"part-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def teacher(client):
    course = factories.course()
    user = factories.user()
    membership_create(course=course, user=user, role=Membership.Role.INSTRUCTOR)
    client.force_login(user)
    return course


def _create(client, course, parts, lang="en", **changes):
    client.cookies["django_language"] = lang
    url = reverse("authoring:template-create", args=[course.pk])
    return client.post(url, {**FORM, **changes, **rows(parts)})


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_editor_offers_the_kind_of_problem_and_three_starting_parts(client, teacher):
    page = _text(client.get(reverse("authoring:template-create", args=[teacher.pk])))
    assert 'value="parts"' in page and "Several parts about one function" in page
    assert page.count("data-part-row") == 4  # three rows and the empty row to copy
    assert 'name="part-TOTAL_FORMS" value="3"' in page
    for kind in ("partial", "value", "slope", "gradient", "gradient_at"):
        assert f'<option value="{kind}"' in page
    assert 'id="add-part"' in page and "js/parts_editor.js" in page


def test_the_editor_in_korean(client, teacher):
    client.cookies["django_language"] = "ko"
    page = _text(client.get(reverse("authoring:template-create", args=[teacher.pk])))
    assert "여러 소문항" in page
    assert "소문항 추가" in page
    assert "이어받기" in page


def test_a_three_part_template_made_in_the_editor(
    client, teacher, django_capture_on_commit_callbacks
):
    response = _create(client, teacher, THREE)
    assert response.status_code == 302, _text(response)
    tpl = ProblemTemplate.objects.get(course=teacher, slug="three-parts")
    assert (tpl.family, tpl.published) == ("parts", False)
    assert tpl.config["base"] == "custom"
    assert "task" not in tpl.config and "statement_en" not in tpl.config
    assert tpl.config["parts"] == [
        {"wrt": ["x"], "weight": 1},
        {"wrt": ["x"], "at": {"x": "1", "y": "2"}, "weight": 2, "carry_from": 0},
        {"wrt": ["y"], "weight": 1},
    ]
    # its variants: three parts with their keys, the value part carrying (a) forward
    preview = _text(client.get(reverse("authoring:template-preview", args=[tpl.pk]), {"seed": 4}))
    assert preview.count('<li data-part="') == 3
    assert "carries forward (a) for 0.5 of its points" in preview
    assert "data-variant-error" not in preview
    # and its 50 seeds pass the check
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("authoring:template-check", args=[tpl.pk]), HTTP_HX_REQUEST="true")
    check = TemplateCheck.objects.get(template=tpl)
    assert check.status == "passed", check.failures


def test_the_toy_parts_template_shows_its_parts_and_saves_unchanged(client, teacher):
    tpl = factories.course_parts_template(teacher)
    url = reverse("authoring:template-edit", args=[tpl.pk])
    page = _text(client.get(url))
    assert re.search(r'value="parts"[^>]*checked', page)
    assert 'name="part-TOTAL_FORMS" value="3"' in page
    assert 'name="part-1-at" value="x = 1, y = 2"' in page
    assert '<option value="slope" selected>' in page
    assert 'name="part-2-at" value="x = -1, y = 1"' in page
    assert 'name="function" value="7x*y/e^(x^2+y^2)"' in page
    data = _posted(page)
    assert client.post(url, data).status_code == 302
    tpl.refresh_from_db()
    assert (tpl.config, tpl.version) == (factories.TOY2_PARTS, 1)
    # a change of one part is a new version, the function's LaTeX kept
    data["part-2-weight"] = "2"
    assert client.post(url, data).status_code == 302
    tpl.refresh_from_db()
    assert tpl.version == 2 and tpl.config["base"] == "fixed"
    assert tpl.config["function_latex"] == factories.TOY2_PARTS["function_latex"]
    assert [p["weight"] for p in tpl.config["parts"]] == [1, 1, 2]


def test_a_template_made_in_the_editor_saves_unchanged_and_goes_through_yaml(client, teacher):
    assert _create(client, teacher, THREE).status_code == 302
    tpl = ProblemTemplate.objects.get(course=teacher, slug="three-parts")
    made = copy.deepcopy(tpl.config)
    url = reverse("authoring:template-edit", args=[tpl.pk])
    assert client.post(url, _posted(_text(client.get(url)))).status_code == 302
    tpl.refresh_from_db()
    assert (tpl.config, tpl.version) == (made, 1)
    other = factories.course()
    course_import_yaml(course=other, text=_yaml(tpl.config))
    assert ProblemTemplate.objects.get(course=other, slug="p").config == made


def test_a_custom_base_written_in_yaml_with_its_own_task_saves_unchanged(client, teacher):
    config = {
        **_base_config(),
        "task": "partial",
        "wrt": ["y"],
        "constraints": [],
        "tolerance": 0.001,
        "parts": [{"wrt": ["x"]}, {"wrt": ["x"], "at": {"x": "1", "y": "2"}, "carry_from": 0}],
    }
    course_import_yaml(course=teacher, text=_yaml(config))
    tpl = ProblemTemplate.objects.get(course=teacher, slug="p")
    url = reverse("authoring:template-edit", args=[tpl.pk])
    data = _posted(_text(client.get(url)))
    assert client.post(url, data).status_code == 302
    tpl.refresh_from_db()
    assert (tpl.config, tpl.version) == (config, 1)
    data["part-1-carry_share"] = "0.25"
    assert client.post(url, data).status_code == 302
    tpl.refresh_from_db()
    assert tpl.version == 2 and tpl.config["parts"][1]["carry_share"] == "0.25"


def test_a_one_question_template_can_become_several_parts_and_a_copy_keeps_them(client, teacher):
    assert _create(client, teacher, THREE).status_code == 302
    tpl = ProblemTemplate.objects.get(course=teacher, slug="three-parts")
    copied = client.post(reverse("authoring:template-copy", args=[tpl.pk]))
    copy_ = ProblemTemplate.objects.get(course=teacher, slug="three-parts-copy")
    assert copied.status_code == 302 and copy_.config == tpl.config
    single = {**FORM, "family": "custom", "task": "partial", "wrt": "x", "at": ""}
    url = reverse("authoring:template-edit", args=[copy_.pk])
    assert client.post(url, {**single, **rows(THREE)}).status_code == 302
    copy_.refresh_from_db()
    assert copy_.family == "custom" and "parts" not in copy_.config


def _posted(page: str) -> dict[str, str]:
    """What the browser posts from the editor's form as it is shown (the one-question fields
    and all), without the empty row's template."""
    start = page.index('id="template-form"')
    form = page[start : page.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or "__prefix__" in name.group(1):
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        data[name] = value.removeprefix("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        if "__prefix__" in name:
            continue
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else re.search(r'value="([^"]*)"', options).group(1)
    return data


def _yaml(config) -> str:
    entry = {"slug": "p", "family": "parts", "title_en": "P", "title_ko": "P", "config": config}
    return yaml.safe_dump({"format": "partial-credit/1", "templates": [entry]}, allow_unicode=True)


# Each refused parts input: the rows, the row and field the message is on, its words in English
# and in Korean. None for the field: a message of the whole form.
P = {**ROW}
V = {**ROW, "kind": "value", "at": "x = 1, y = 2", "carry_from": "1"}
REFUSED = [
    pytest.param([P], None, "parts: give a list of 2 to 6 parts", "소문항", id="one-part"),
    pytest.param([], None, "parts: give a list of 2 to 6 parts", "소문항", id="zero-parts"),
    pytest.param(
        [{**P, "wrt": v} for v in ("x", "y", "x, y", "y, x", "x, x", "y, y", "x, y, x")],
        None,
        "parts: give a list of 2 to 6 parts",
        "소문항",
        id="seven-parts",
    ),
    pytest.param(
        [P, P],
        (1, "wrt"),
        "part 2: asks the same as part 1",
        "소문항 2: 소문항 1의 질문과",
        id="duplicate",
    ),
    pytest.param(
        [P, {**P, "wrt": "z"}],
        (1, "wrt"),
        "part 2: ask a partial derivative",
        "소문항 2:",
        id="unknown-var",
    ),
    pytest.param(
        [P, {**P, "wrt": ""}], (1, "wrt"), "part 2: ask a partial", "소문항 2:", id="no-wrt"
    ),
    pytest.param(
        [P, {**P, "wrt": "x, y, x, y"}],
        (1, "wrt"),
        "part 2: ask a partial",
        "소문항 2:",
        id="4th-order",
    ),
    pytest.param(
        [P, {**P, "weight": "0"}],
        (1, "weight"),
        "part 2: weight is a whole number",
        "소문항 2:",
        id="w0",
    ),
    pytest.param(
        [P, {**P, "wrt": "y", "weight": "-3"}],
        (1, "weight"),
        "part 2: weight",
        "소문항 2:",
        id="w-neg",
    ),
    pytest.param(
        [P, {**P, "wrt": "y", "weight": "1" * 20}],
        (1, "weight"),
        "part 2: weight",
        "소문항 2:",
        id="w-huge",
    ),
    pytest.param(
        [P, {**P, "wrt": "y", "weight": "1.5"}],
        (1, "weight"),
        "part 2: weight",
        "소문항 2:",
        id="w-frac",
    ),
    pytest.param(
        [P, {**P, "wrt": "y", "weight": "NaN"}],
        (1, "weight"),
        "part 2: weight",
        "소문항 2:",
        id="w-nan",
    ),
    pytest.param(
        [P, {**V, "carry_share": "-0.5"}],
        (1, "carry_share"),
        "part 2: carry_share",
        "소문항 2:",
        id="s-neg",
    ),
    pytest.param(
        [P, {**V, "carry_share": "NaN"}],
        (1, "carry_share"),
        "part 2: carry_share",
        "소문항 2:",
        id="s-nan",
    ),
    pytest.param(
        [P, {**V, "carry_share": "1e999"}],
        (1, "carry_share"),
        "part 2: carry_share",
        "소문항 2:",
        id="s-big",
    ),
    pytest.param(
        [P, {**V, "carry_share": "Infinity"}],
        (1, "carry_share"),
        "part 2: carry",
        "소문항 2:",
        id="s-inf",
    ),
    pytest.param(
        [P, {**V, "carry_share": "half"}],
        (1, "carry_share"),
        "part 2: carry",
        "소문항 2:",
        id="s-word",
    ),
    pytest.param(
        [P, {**V, "carry_from": "", "carry_share": "0.5"}],
        (1, "carry_share"),
        "part 2: carry_share without carry_from",
        "소문항 2:",
        id="share-alone",
    ),
    pytest.param(
        [{**V, "carry_from": "2"}, P],
        (0, "carry_from"),
        "part 1: carry_from names",
        "소문항 1:",
        id="later",
    ),
    pytest.param(
        [P, {**V, "carry_from": "2"}],
        (1, "carry_from"),
        "part 2: carry_from names",
        "소문항 2:",
        id="self",
    ),
    pytest.param(
        [P, V, {**V, "at": "x = 2, y = 2", "carry_from": "2"}],
        (2, "carry_from"),
        "part 3: carry_from names",
        "소문항 3:",
        id="from-a-value",
    ),
    pytest.param(
        [{**P, "wrt": "y"}, V],
        (1, "carry_from"),
        "part 2: carry_from names",
        "소문항 2:",
        id="other-wrt",
    ),
    pytest.param(
        [P, {**P, "wrt": "y", "carry_from": "1"}],
        (1, "carry_from"),
        "part 2: carry_from names",
        "소문항 2:",
        id="no-point",
    ),
    pytest.param(
        [{**P, "kind": "gradient"}, {**V}],
        (1, "carry_from"),
        "part 2: carry_from names",
        "소문항 2:",
        id="from-gradient",
    ),
    pytest.param(
        [P, {**V, "at": "x = 1"}],
        (1, "at"),
        "part 2: at gives a value to each of x, y",
        "소문항 2:",
        id="pt",
    ),
    pytest.param(
        [P, {**V, "at": "x = 1, y = 2, z = 3"}],
        (1, "at"),
        "part 2: at gives",
        "소문항 2:",
        id="pt-extra",
    ),
    pytest.param(
        [P, {**V, "at": "x = {c}, y = 1"}],
        (1, "at"),
        "part 2: the point's x = {c}",
        "소문항 2:",
        id="pt-a",
    ),
    pytest.param(
        [P, {**V, "at": "x = 1/0, y = 1"}],
        (1, "at"),
        "part 2: the point's x",
        "소문항 2:",
        id="pt-inf",
    ),
    pytest.param(
        [P, {**V, "at": "x = 9^9^9^9, y = 1"}],
        (1, "at"),
        "part 2: the point's x",
        "소문항 2:",
        id="pt-pow",
    ),
    pytest.param(
        [P, {**V, "at": "x = " + "1" * 70 + ", y = 1"}],
        (1, "at"),
        "part 2: a value of at is empty or longer than 60",
        "소문항 2:",
        id="pt-long",
    ),
    pytest.param([P, {**V, "at": "x 1"}], (1, "at"), "Write the point as", "x = 1", id="pt-syntax"),
    pytest.param(
        [P, {**P, "kind": "hessian"}], (1, "kind"), "Select a valid choice", "올바르게", id="kind"
    ),
    pytest.param(
        [P, {**V, "carry_from": "7"}],
        (1, "carry_from"),
        "Select a valid choice",
        "올바르게",
        id="c7",
    ),
    pytest.param(
        [P, {**V, "wrt": "x" * 41}], (1, "wrt"), "at most 40 characters", "40", id="long-wrt"
    ),
]


@pytest.mark.parametrize(("parts", "where", "english", "korean"), REFUSED)
def test_a_refused_part_is_said_on_its_field_in_both_languages(
    client, teacher, parts, where, english, korean, rendered_context
):
    for lang, words in (("en", english), ("ko", korean)):
        response = _create(client, teacher, parts, lang=lang)
        assert response.status_code == 200
        page = _text(response)
        assert not ProblemTemplate.objects.filter(course=teacher).exists()
        form = response.context["form"]
        if where is None:
            said = " ".join(form.non_field_errors()) + " ".join(form.parts.non_form_errors())
        else:
            row, field = where
            said = " ".join(form.parts.forms[row].errors.get(field, []))
            assert form.non_field_errors()  # and the top of the form says where to look
        assert words in said, (lang, said, form.errors)
        assert words in page
        if lang == "ko" and where is not None and where[1] != "kind":
            assert "part " not in said  # the parts family's words, translated


def test_a_forged_part_count_is_refused_not_a_500(client, teacher, rendered_context):
    url = reverse("authoring:template-create", args=[teacher.pk])
    for total in ("1000000000", "-1", "abc", ""):
        data = {**FORM, **rows(THREE, total=0)}
        data["part-TOTAL_FORMS"] = total
        response = client.post(url, data)
        assert response.status_code == 200, total
        assert response.context["form"].errors, total
    missing = {**FORM, **{f"part-0-{k}": v for k, v in ROW.items()}}
    response = client.post(url, missing)  # no management form at all
    assert response.status_code == 200 and response.context["form"].errors
    client.cookies["django_language"] = "ko"
    for data in (missing, {**FORM, **rows(THREE, total=10**9)}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert_reads_korean(response.content.decode(), "forged parts")
    assert not ProblemTemplate.objects.filter(course=teacher).exists()


def test_a_parts_template_of_another_base_is_shown_not_edited(client, teacher):
    config = {"base": "gaussian", "parts": [{"wrt": ["x"]}, {"wrt": ["y"]}]}
    tpl = custom_template_create(
        course=teacher, slug="g", title_en="G", title_ko="G", config=config, family="parts"
    )
    url = reverse("authoring:template-edit", args=[tpl.pk])
    page = _text(client.get(url))
    assert 'id="template-form"' not in page
    assert client.post(url, {**FORM, **rows(THREE)}).status_code == 403
    assert client.post(reverse("authoring:template-copy", args=[tpl.pk])).status_code == 404


# The same parts, as rows of the form and as a YAML config: accepted by both or refused by both.
SAME = [
    ([P, V], True),
    ([P, {**V, "kind": "slope", "at": "x = -1, y = 1"}], True),
    ([{**P, "kind": "gradient"}, {**P, "kind": "gradient_at", "at": "x = 0, y = 1"}], True),
    (
        [
            {**P, "kind": "gradient"},
            {**P, "kind": "gradient_at", "at": "x=0,y=1", "carry_from": "1"},
        ],
        True,
    ),
    ([P, {**P, "wrt": "x, y", "weight": "100"}], True),
    ([P, {**V, "carry_share": "0"}], True),
    ([P, {**V, "carry_share": "1"}], True),
    ([P, P], False),
    ([P], False),
    ([P, {**V, "carry_from": "2"}], False),
    ([P, {**V, "carry_share": "1.5"}], False),
    ([P, {**P, "wrt": "y", "weight": "101"}], False),
    ([P, {**V, "kind": "slope", "wrt": "y", "at": "x = -1, y = 1"}], True),  # a slope is f_x
    ([P, {**V, "at": "x = {c}, y = 1"}], False),
]


def _as_yaml_part(row: dict[str, str]) -> dict[str, object]:
    from exercises.authoring.forms import PartForm

    form = PartForm(row)
    assert form.is_valid(), form.errors
    return form.cleaned_data["spec"]


@pytest.mark.parametrize(("parts", "accepted"), SAME)
def test_the_form_and_a_yaml_import_accept_and_refuse_the_same_parts(
    client, teacher, parts, accepted
):
    made = _create(client, teacher, parts).status_code == 302
    config = {k: v for k, v in _base_config().items()}
    config["parts"] = [_as_yaml_part(row) for row in parts]
    try:
        course_import_yaml(course=factories.course(), text=_yaml(config))
        imported = True
    except ImportFailed:
        imported = False
    assert (made, imported) == (accepted, accepted)


def _base_config() -> dict[str, object]:
    return {
        "base": "custom",
        "function": FORM["function"],
        "variables": ["x", "y"],
        "parameters": [{"name": "c", "min": 2, "max": 9}],
        "notation": "subscript",
        "points": "3",
    }
