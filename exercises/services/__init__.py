"""Writes: every change to exercises data goes through these functions (tests use them too)."""

from exercises.services.courses import (
    course_create,
    membership_create,
    problem_set_create,
    problem_set_item_create,
    problem_template_upsert,
    user_create,
)
from exercises.services.instances import instance_get_or_create, instance_regenerate
from exercises.services.submissions import (
    SubmissionRejected,
    Submitted,
    submission_create,
    submission_requeue_stuck,
    submission_submit,
)

__all__ = [
    "SubmissionRejected",
    "course_create",
    "instance_get_or_create",
    "instance_regenerate",
    "membership_create",
    "problem_set_create",
    "problem_set_item_create",
    "problem_template_upsert",
    "Submitted",
    "submission_create",
    "submission_submit",
    "submission_requeue_stuck",
    "user_create",
]
