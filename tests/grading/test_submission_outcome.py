"""Submission.outcome: the one word the result and the history both show."""

from __future__ import annotations

import pytest

from grading.models import Submission


@pytest.mark.parametrize(
    ("status", "equivalent", "outcome"),
    [
        ("graded", True, "correct"),
        ("graded", False, "incorrect"),
        ("graded", None, "undecided"),
        ("error", None, "error"),
        ("queued", None, "pending"),
        ("grading", None, "pending"),
    ],
)
def test_outcome(status, equivalent, outcome):
    assert Submission(status=status, equivalent=equivalent).outcome == outcome
