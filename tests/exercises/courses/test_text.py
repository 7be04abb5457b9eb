"""courses.text.untypable: the one rule for characters nobody types, as the roster, the YAML
import and an override's reason read it (each is tested where it refuses)."""

from __future__ import annotations

import pytest
import yaml

from exercises.authoring.services.yaml_io import ImportFailed, course_import_yaml
from exercises.courses.text import untypable
from tests import factories


@pytest.mark.parametrize("text", ["A\x00B", "\x1b[31mRed", "Ann\u202eeno", "x\u2066y", "\ud800"])
def test_controls_surrogates_and_bidirectional_overrides_are_untypable(text):
    assert untypable(text)


@pytest.mark.parametrize("text", ["김민지", "Ann Lee", "José", "مريم", "a\u200db", "1.5 – 2"])
def test_names_of_any_script_are_typable(text):
    assert not untypable(text)


def test_allowed_characters_pass():
    assert untypable("two\nlines") and not untypable("two\nlines\tok", allowed="\n\t")


@pytest.mark.django_db
def test_a_yaml_title_with_a_bidirectional_override_is_refused():
    """A set's title is shown on every student's page: U+202E made it read as another text."""
    text = yaml.safe_dump(
        {
            "format": "partial-credit/1",
            "problem_sets": [{"title_en": "Week \u202e1", "title_ko": "W", "due_at": None}],
        }
    )
    with pytest.raises(ImportFailed) as refused:
        course_import_yaml(course=factories.course(), text=text)
    assert any(
        e.startswith("problem_sets[0].title_en: contains a control character")
        for e in refused.value.errors
    ), refused.value.errors
