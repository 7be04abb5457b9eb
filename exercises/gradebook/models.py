"""What an LMS's own gradebook file taught us (a round trip), kept so that later direct exports
write the LMS's ids and scale: its item id and points per set, its ids for each student."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from exercises.authoring.models import ProblemSet
from exercises.courses.models import Course


class LmsColumnLink(models.Model):
    """A set's grade item in one LMS: Canvas assignment id, Blackboard column id, Brightspace item
    name, Moodle header; and its points possible when the file said."""

    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="+")
    lms = models.CharField(max_length=20)
    lms_id = models.CharField(max_length=1000, blank=True)
    points_possible = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["problem_set", "lms"], name="lms_column_once_per_lms")
        ]

    def __str__(self) -> str:
        return f"{self.lms} {self.lms_id} ({self.problem_set_id})"


class LmsStudentLink(models.Model):
    """One of a student's ids in one LMS, in one course (`key` is an ExportStudent.lms_ids key:
    canvas, blackboard, brightspace, brightspace_username)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=30)
    value = models.CharField(max_length=255)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user", "key"], name="lms_student_id_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.value} ({self.user_id})"
