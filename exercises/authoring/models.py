"""What instructors author: problem templates and their checks, problem sets and items (with
the item's grading policy), and each student's variant of an item."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from exercises.authoring.generators.parts import template_part_count
from exercises.authoring.tolerance import DEFAULT_TOLERANCE
from exercises.courses.models import Course
from exercises.jobs import ResumableJob


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
        db_table = "exercises_problemtemplate"  # made by an earlier app; kept so that no data moves
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

    @property
    def part_count(self) -> int:
        """How many parts its problems ask (1 but for the multi-part "parts" family)."""
        return template_part_count(family=self.family, config=self.config)


class TemplateVersion(models.Model):
    """A version of a template that a newer one replaced: the family and config it had, so that
    what was made from it (students' instances, their practice variants) can still be made
    again. The current version is the template itself; each bump records the one it replaces
    (authoring.services.templates)."""

    template = models.ForeignKey(
        ProblemTemplate, on_delete=models.CASCADE, related_name="old_versions"
    )
    version = models.PositiveIntegerField()
    family = models.CharField(max_length=40)
    config = models.JSONField(default=dict, blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="version_once")]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


class TemplateCheck(ResumableJob):
    """A check of one template version over many seeds; a background job updates its progress
    (seeds_done), from which a resumed run (exercises/jobs.py) continues."""

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
    # {"7": [function, key], ...}: each checked seed's variant, to count the different keys
    # across the seeds at the end (kept here so that a resumed run still counts every seed).
    variants = models.JSONField(default=dict, blank=True)
    # Publish the template when this check passes (a YAML import's `published: true`), if it is
    # still at the checked version.
    publish_on_pass = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "exercises_templatecheck"  # made by an earlier app; kept so that no data moves
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"check {self.pk} of {self.template_id} v{self.version}: {self.status}"

    @property
    def progress_percent(self) -> int:
        return round(100 * self.seeds_done / self.seeds_total) if self.seeds_total else 100

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.PASSED, self.Status.FAILED)

    @property
    def failing_seeds(self) -> int:
        """How many seeds failed (a reason about the check as a whole has seed 0)."""
        return sum(1 for f in self.failures if f.get("seed"))


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
        db_table = "exercises_problemset"  # made by an earlier app; kept so that no data moves
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
    # The problem page draws the student's variant (surface, slice, their tangent line);
    # an instructor may turn it off, e.g. for an exam where a picture would help too much.
    show_plots = models.BooleanField(default=True)
    # After a wrong answer, before the key, a hint names the rule to look at again
    # (grading.engine.hints); an instructor may turn it off.
    show_hints = models.BooleanField(default=True)

    class VectorCredit(models.TextChoices):
        """How a vector answer (a gradient) earns the points (authoring.scoring.verdict_credit):
        the share of its components that are right, or only all of them."""

        PER_COMPONENT = "per_component", _("Per component")
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")

    vector_credit = models.CharField(
        max_length=20, choices=VectorCredit.choices, default=VectorCredit.PER_COMPONENT
    )
    # Retired: an opened problem the instructor took out of the set. Students who opened it keep
    # it and their history; nobody else sees it (an opened problem is never deleted).
    retired = models.BooleanField(default=False)

    class Meta:
        db_table = "exercises_problemsetitem"  # made by an earlier app; kept so that no data moves
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
    # The worked solution and the hints after its typical mistakes (grading.engine.hints.Worked),
    # made with the variant: showing a verdict then does no SymPy work (at a deadline each took
    # about 100 ms of a web process's CPU). Empty for variants made before it was kept.
    worked = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "exercises_probleminstance"  # made by an earlier app; kept so that no data moves
        constraints = [
            models.UniqueConstraint(fields=["item", "student"], name="instance_unique_student")
        ]

    def __str__(self) -> str:
        return f"instance {self.pk}"


class GradingPolicy(models.Model):
    """How an item is graded beyond its key: the relative tolerance for decimal answers to a
    value at a point, set by the instructor on this item. It overrides the template's tolerance
    (its config's "tolerance", else DEFAULT_TOLERANCE); an item without a policy uses that."""

    item = models.OneToOneField(
        "authoring.ProblemSetItem", on_delete=models.CASCADE, related_name="grading_policy"
    )
    tolerance = models.FloatField(default=DEFAULT_TOLERANCE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "grading_gradingpolicy"  # made by an earlier app; kept so that no data moves

    def __str__(self) -> str:
        return f"item {self.item_id}: tolerance {self.tolerance}"


class StudentRecord(models.Model):
    """Something about one student, kept up to date (on an item, or on a whole set)."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="%(class)s_records"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class StudentItemRecord(StudentRecord):
    """Something about one student on one item, at most one per pair."""

    item = models.ForeignKey(
        ProblemSetItem, on_delete=models.CASCADE, related_name="%(class)s_records"
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["item", "student"], name="%(class)s_unique_student")
        ]


class ExceptionTerms(models.Model):
    """A student's own terms, as an exception grants them (exercises.authoring.terms reads
    them): a due date, a late window's end, attempts, excused. Empty fields keep the terms
    they stand in for; granted_by is who gave them."""

    due_at = models.DateTimeField(null=True, blank=True)
    late_until = models.DateTimeField(null=True, blank=True)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    excused = models.BooleanField(default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        abstract = True


class StudentException(StudentItemRecord, ExceptionTerms):
    """One student's own terms on one item (exercises.authoring.terms reads them): a later due
    date, a late window, more (or fewer) attempts, or the problem excused (left out of their
    totals). Empty fields keep the item's own value."""

    def __str__(self) -> str:
        return f"exception of {self.student_id} on item {self.item_id}"


class StudentSetException(StudentRecord, ExceptionTerms):
    """One student's own terms on every item of a set, the items added later included (an
    extension "for the whole set"): a due date, a late window, attempts, or the set excused.
    An item's own StudentException, where there is one, wins field by field
    (exercises.authoring.terms.merged_exception)."""

    problem_set = models.ForeignKey(
        ProblemSet, on_delete=models.CASCADE, related_name="student_exceptions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["problem_set", "student"], name="set_exception_unique_student"
            )
        ]

    def __str__(self) -> str:
        return f"exception of {self.student_id} on set {self.problem_set_id}"


class ScoreOverride(StudentItemRecord):
    """A score set by hand for one student on one item: it replaces the score the attempts
    earned, wherever a score is read (gradebook, LMS files, LTI passback, the student's pages).
    Each change is kept in ScoreOverrideEvent."""

    score = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.TextField(max_length=500)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"override {self.score} of {self.student_id} on item {self.item_id}"


class ScoreOverrideEvent(models.Model):
    """The audit trail of overrides: who changed which score, when, from what to what, why.
    `old_score`/`new_score` are the scores in force before and after (None: no score); a
    removed override has `removed` set."""

    item = models.ForeignKey(
        ProblemSetItem, on_delete=models.CASCADE, related_name="override_events"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    old_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    removed = models.BooleanField(default=False)
    reason = models.TextField(max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_score} -> {self.new_score} ({self.student_id}, item {self.item_id})"
