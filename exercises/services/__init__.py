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
    submission_create,
    submission_requeue_stuck,
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
    "submission_create",
    "submission_requeue_stuck",
    "user_create",
]
