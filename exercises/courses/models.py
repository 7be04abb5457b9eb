"""Courses, who is in them and in which role, and what we know of a student beyond the login."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    title_en = models.CharField(max_length=200)
    title_ko = models.CharField(max_length=200)
    join_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    # Dates of the course (due dates, late windows, release times) are shown in this zone.
    time_zone = models.CharField(max_length=64, default="Asia/Seoul")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "exercises_course"  # made by an earlier app; kept so that no data moves
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Membership(models.Model):
    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", _("Instructor")
        TA = "ta", _("Teaching assistant")
        STUDENT = "student", _("Student")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "exercises_membership"  # made by an earlier app; kept so that no data moves
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.course_id}:{self.role}"


class StudentProfile(models.Model):
    """Filled by roster imports. The student id is unique across the site when present: the
    LMS files match students on it (Moodle "ID number", Brightspace OrgDefinedId).

    `created_by_course` is the course whose roster made the account: only that course's
    instructors may hand out a set-password link for it (`roster_signin_links`), and only until
    the student has set a password. Null for every account a roster did not make."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    student_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    created_by_course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "people_studentprofile"  # made by an earlier app; kept so that no data moves

    def __str__(self) -> str:
        return f"{self.user_id}: {self.student_id or '-'}"
