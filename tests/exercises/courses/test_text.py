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


EDITED_TITLE = "Week 1 \u202eevah"  # shows as "Week 1 have"


@pytest.mark.django_db
def test_a_title_typed_in_an_editor_is_refused_as_an_imported_one():
    """The course, set and template editors take titles shown to every student: the import
    refused U+202E in them, the editors stored it."""
    from django.core.exceptions import ValidationError

    from exercises.authoring.forms import CustomTemplateForm, ProblemSetForm
    from exercises.courses.forms import CourseForm
    from exercises.courses.models import Course

    forms = [
        CourseForm(),
        ProblemSetForm(courses=Course.objects.all()),
        CustomTemplateForm(),
    ]
    for form in forms:
        for name in ("title_en", "title_ko"):
            with pytest.raises(ValidationError, match="cannot be typed"):
                form.fields[name].clean(EDITED_TITLE)
            assert form.fields[name].clean("Week 1 — 편미분") == "Week 1 — 편미분"


@pytest.mark.django_db
def test_a_statement_keeps_its_line_breaks_as_a_browser_sends_them():
    from django.core.exceptions import ValidationError

    from exercises.authoring.forms import CustomTemplateForm

    field = CustomTemplateForm().fields["statement_en"]
    assert field.clean("Find f_x.\r\nThen f_y.\tDone") == "Find f_x.\r\nThen f_y.\tDone"
    with pytest.raises(ValidationError, match="cannot be typed"):
        field.clean("Find f_x.\x1b[2J")
