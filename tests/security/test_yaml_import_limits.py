"""The YAML import against hostile files, through the upload page: refused with a message that
names the problem, nothing written, and no work proportional to what an alias would expand to."""

from __future__ import annotations

import pytest

from exercises.authoring.models import ProblemSet, ProblemTemplate, TemplateCheck

pytestmark = pytest.mark.django_db

# As in the report: under unused keys of a code family's config (stored as it was), seven
# levels of ten aliases, 10^7 leaves once expanded (an 80 MB row, a 4.6 GB export).
ALIAS_BOMB = (
    "format: partial-credit/1\ntemplates:\n- slug: bomb\n  family: polynomial\n"
    "  title_en: B\n  title_ko: B\n  config:\n"
    + "".join(
        f"    l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 10)}]\n" if n else "    l0: &l0 [lol]\n"
        for n in range(8)
    )
)


@pytest.fixture
def upload(yaml_upload):
    def post(text: str) -> str:
        course, response = yaml_upload(text)
        assert response.status_code == 400
        assert not ProblemTemplate.objects.filter(course=course).exists()
        assert not ProblemSet.objects.filter(course=course).exists()
        assert not TemplateCheck.objects.exists()
        return response.content.decode()

    return post


def test_an_alias_bomb_is_refused_before_it_expands(upload):
    assert len(ALIAS_BOMB) < 600
    page = upload(ALIAS_BOMB)
    assert "line 8: anchors (&amp;) and aliases (*) are not allowed" in page


@pytest.mark.parametrize(
    "text",
    [
        "format: partial-credit/1\nx: &a 1\n",  # an anchor alone
        "format: partial-credit/1\ntemplates: []\nproblem_sets: *a\n",  # an unknown alias
    ],
)
def test_any_anchor_or_alias_is_refused(upload, text):
    assert "anchors (&amp;) and aliases (*) are not allowed" in upload(text)


def test_deep_nesting_is_refused_not_a_recursion_error(upload):
    page = upload("format: partial-credit/1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "line 2: nested deeper than 12 levels" in page


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("format: partial-credit/1\ntemplates: !!int abc\n", "not YAML: invalid literal"),
        ("format: partial-credit/1\nx: !!timestamp 2026-13-45\n", "x: unknown key"),
        ("format: partial-credit/1\nx: !!float abc\n", "not YAML: could not convert"),
    ],
)
def test_a_scalar_that_does_not_construct_is_refused_not_a_500(upload, text, error):
    assert error in upload(text)


def test_too_many_templates_are_refused(upload):
    entry = "- {slug: t%d, family: polynomial, title_en: T, title_ko: T, published: true}\n"
    text = "format: partial-credit/1\ntemplates:\n" + "".join(entry % n for n in range(31))
    assert "templates: at most 30 entries" in upload(text)
