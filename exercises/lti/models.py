"""What LTI adds to our rooms: who an LMS user is here, which of our courses and problem sets
an LMS course and its links stand for, and the outbox of scores to send back.

The LMS side (registrations, deployments, contexts, resource links, keys) is django-lti's
(`lti_tool`); these models point at it."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exercises.authoring.models import ProblemSet
from exercises.courses.models import Course


class LtiIdentity(models.Model):
    """An LMS user (the platform's issuer and `sub`) and our account. A launch signs in the
    account found by this pair only: never by email, name or any other field the LMS sends."""

    issuer = models.CharField(max_length=255)
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="lti_identity_unique_sub")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.sub} -> {self.user_id}"


class LmsLink(models.Model):
    """What ties a row of the LMS side (`lti_tool`) to one of ours, and since when. `ends`:
    the names of the two fields, LMS side first."""

    ends: ClassVar[tuple[str, str]]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        lms, ours = (getattr(self, f"{name}_id") for name in self.ends)
        return f"{lms} -> {ours}"


class CourseLink(LmsLink):
    """An LMS course (a context of one deployment) and the course of ours it enrols into."""

    ends = ("context", "course")
    context = models.OneToOneField(
        "lti_tool.LtiContext", on_delete=models.CASCADE, related_name="course_link"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lti_links")


class ResourceLinkSet(LmsLink):
    """An LMS link (placed by Deep Linking, or chosen by an instructor on its first launch) and
    the problem set it opens. Scores of a linked set go back to the LMS."""

    ends = ("resource_link", "problem_set")
    resource_link = models.OneToOneField(
        "lti_tool.LtiResourceLink", on_delete=models.CASCADE, related_name="problem_set_link"
    )
    problem_set = models.ForeignKey(
        ProblemSet, on_delete=models.CASCADE, related_name="lti_resource_links"
    )


class SetLineItem(models.Model):
    """The LMS gradebook column (AGS line item) a set's scores go to, in one LMS course."""

    context = models.ForeignKey(
        "lti_tool.LtiContext", on_delete=models.CASCADE, related_name="set_line_items"
    )
    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "problem_set"], name="lti_line_item_unique_set"
            )
        ]

    def __str__(self) -> str:
        return self.url


class ScorePassback(models.Model):
    """The outbox: the newest score of one student on one linked set, for one LMS course.

    Written in the transaction that records the verdict; a newer score replaces an unsent
    one in place (its `version` goes up), so the newest is the only one ever sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    context = models.ForeignKey(
        "lti_tool.LtiContext", on_delete=models.CASCADE, related_name="score_passbacks"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_passbacks"
    )
    problem_set = models.ForeignKey(
        ProblemSet, on_delete=models.CASCADE, related_name="score_passbacks"
    )
    sub = models.CharField(max_length=255)  # the LMS's id of the student (AGS userId)
    score_given = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    score_maximum = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    completed = models.BooleanField(default=False)  # every item of the set has a verdict
    scored_at = models.DateTimeField(default=timezone.now)  # the score's AGS timestamp
    version = models.PositiveBigIntegerField(default=0)  # 0: nothing recorded yet
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # failed sends of this version
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)  # a sender is at work
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "student", "problem_set"], name="lti_passback_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"passback {self.pk} v{self.version} ({self.status})"
