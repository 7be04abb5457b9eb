"""Courses, who is in them and in which role, and what we know of a student beyond the login."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# Said wherever a course's code is refused as another's (in any case): the form, the database.
CODE_TAKEN = _("Another course already has this code.")


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
        constraints = [
            # the code names the course's files (calc.yaml and CALC.yaml are one file on a disk
            # that ignores case): unique ignoring case, in the database too, so that two
            # requests at once cannot both pass the form's check (CourseForm.clean_code)
            models.UniqueConstraint(
                Lower("code"),
                name="course_code_unique_ignoring_case",
                violation_error_message=CODE_TAKEN,
            ),
        ]

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


class Invitation(models.Model):
    """An email with a student's one-time set-password link, stored when an instructor asks for
    it and sent by a worker (exercises.courses.tasks), retried while the mail server refuses.
    The link itself is made when the email is sent and never stored (it is a credential)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")
        NOT_NEEDED = "not_needed", _("Not needed (password already set)")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    # scheme and host of the page the instructor used ("https://pc.example.edu"): the links in
    # the email point there
    site_url = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["course", "status"], name="invitation_course_status")]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.email}: {self.status}"
