"""Courses, memberships, problem templates and sets, per-student instances and submissions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    title_en = models.CharField(max_length=200)
    title_ko = models.CharField(max_length=200)
    join_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.course_id}:{self.role}"


class ProblemTemplate(models.Model):
    """A family of problems; `family` names a generator, `config` narrows it.

    `version` is bumped whenever the generator or config changes, so that an instance can be
    regenerated with the version it was made from.
    """

    slug = models.SlugField(max_length=80)
    family = models.CharField(max_length=40)
    config = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    title_en = models.CharField(max_length=200)
    title_ko = models.CharField(max_length=200)
    # The course whose instructors edit it; None: a library template (read-only in the editor).
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, null=True, blank=True, related_name="templates"
    )
    # Only published templates can be added to a set; a custom template is published only after
    # a passing check of its current version, and any change of family or config unpublishes it.
    published = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        # A slug is unique within its course, and among the library templates (no course), so
        # that a course's YAML file imports into another course under the same slugs.
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="template_unique_course_slug"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(course__isnull=True),
                name="template_unique_library_slug",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class TemplateCheck(models.Model):
    """A check of one template version over many seeds; a background job updates its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    template = models.ForeignKey(ProblemTemplate, on_delete=models.CASCADE, related_name="checks")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    seeds_total = models.PositiveIntegerField()
    seeds_done = models.PositiveIntegerField(default=0)
    # [{"seed": 7, "problems": ["..."]}, ...]: only the failing seeds.
    failures = models.JSONField(default=list, blank=True)
    max_elapsed_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"check {self.pk} of {self.template_id} v{self.version}: {self.status}"

    @property
    def progress_percent(self) -> int:
        return round(100 * self.seeds_done / self.seeds_total) if self.seeds_total else 100

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.PASSED, self.Status.FAILED)


class ProblemSet(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="problem_sets")
    title_en = models.CharField(max_length=200)
    title_ko = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    # A draft: students do not see the set, whatever its dates (a duplicate starts hidden).
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["course_id", "position", "id"]

    def __str__(self) -> str:
        return self.title_en


class ProblemSetItem(models.Model):
    """One problem in a set: which template, worth how much, under which rules.

    Submissions after `due_at` and before `late_until` score `1 - late_penalty` of the points;
    after `late_until` (or `due_at` when there is no late window) the set is closed.
    """

    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="items")
    template = models.ForeignKey(ProblemTemplate, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    max_attempts = models.PositiveIntegerField(default=3, validators=[MinValueValidator(1)])
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("Defaults to the set's."))
    late_until = models.DateTimeField(null=True, blank=True)
    late_penalty = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        ordering = ["problem_set_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.problem_set_id}#{self.position}"

    @property
    def effective_due_at(self) -> datetime:
        return self.due_at or self.problem_set.due_at

    @property
    def closes_at(self) -> datetime:
        return self.late_until or self.effective_due_at


class ProblemInstance(models.Model):
    """A student's own variant: reproducible from template, template_version, seed."""

    item = models.ForeignKey(ProblemSetItem, on_delete=models.CASCADE, related_name="instances")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_instances"
    )
    template = models.ForeignKey(ProblemTemplate, on_delete=models.PROTECT)
    template_version = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    params = models.JSONField()
    # The engine's SymPy work for this variant (grading.engine.prepare): key, LaTeX, typical
    # mistakes. Derived from params; empty for variants made before it was kept.
    prepared = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "student"], name="instance_unique_student")
        ]

    def __str__(self) -> str:
        return f"instance {self.pk}"


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        GRADING = "grading", _("Grading")
        GRADED = "graded", _("Graded")
        ERROR = "error", _("Error")

    instance = models.ForeignKey(
        ProblemInstance, on_delete=models.CASCADE, related_name="submissions"
    )
    attempt = models.PositiveIntegerField()
    answer = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    late = models.BooleanField(default=False)
    verdict = models.JSONField(null=True, blank=True)
    equivalent = models.BooleanField(null=True)
    method = models.CharField(max_length=20, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    error_detail = models.TextField(blank=True)
    requeue_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instance_id", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "attempt"], name="submission_unique_attempt"
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        """Stored and not graded yet: queued, or a worker is grading it."""
        return self.status in (self.Status.QUEUED, self.Status.GRADING)
