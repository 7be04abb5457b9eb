"""A student's institution id, kept beside the login so LMS exports can match on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudentProfile(models.Model):
    """Filled by roster imports. The student id is unique across the site when present: the
    LMS files match students on it (Moodle "ID number", Brightspace OrgDefinedId)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    student_id = models.CharField(max_length=40, unique=True, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.student_id or '-'}"
