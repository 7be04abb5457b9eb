"""Submissions and their verdicts, and regrade jobs with their progress and changes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from exercises.authoring.models import ProblemInstance
from exercises.authoring.scoring import row_credit
from exercises.jobs import ResumableJob


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        GRADING = "grading", _("Grading")
        GRADED = "graded", _("Graded")
        ERROR = "error", _("Error")

    instance = models.ForeignKey(
        ProblemInstance, on_delete=models.CASCADE, related_name="submissions"
    )
    # Which part of a multi-part problem this answers (exercises.authoring.generators.parts);
    # 0 for every single-part problem. Attempts are numbered and counted per part.
    part = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveIntegerField()
    answer = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    late = models.BooleanField(default=False)
    verdict = models.JSONField(null=True, blank=True)
    equivalent = models.BooleanField(null=True)
    method = models.CharField(max_length=20, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # A part's score before any late penalty (what an export "without the late penalty"
    # counts); set only for the parts of multi-part problems, whose share of the item's points
    # and carried-forward credit the item's points alone cannot tell.
    earned = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    error_detail = models.TextField(blank=True)
    requeue_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "exercises_submission"  # made by an earlier app; kept so that no data moves
        ordering = ["instance_id", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "part", "attempt"], name="submission_unique_part_attempt"
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"

    @property
    def outcome(self) -> str:
        """What the student is told, in one word: correct, partial (some components of a
        vector answer right, and credited), incorrect, undecided (the engine could not decide),
        error (grading failed for good) or pending (queued or grading)."""
        if self.status == self.Status.GRADED:
            if self.equivalent is True:
                return "correct"
            if self.credit:
                return "partial"
            return "undecided" if self.equivalent is None else "incorrect"
        return "error" if self.status == self.Status.ERROR else "pending"

    @property
    def carried(self) -> dict[str, object] | None:
        """How a wrong value earned credit carried forward from the student's own earlier
        derivative (grading.services), or None."""
        found = (self.verdict or {}).get("carried")
        return found if isinstance(found, dict) else None

    @property
    def part_letter(self) -> str:
        """The part as the page names it: (a), (b), ..."""
        return "abcdefghij"[self.part] if self.part < 10 else str(self.part + 1)

    @property
    def carried_shown(self) -> dict[str, object] | None:
        """What the page says of carried-forward credit: the earlier part's letter, its
        attempt, the derivative as read (LaTeX) and the share as a percentage."""
        carried = self.carried
        if carried is None:
            return None
        try:
            letter = "abcdefghij"[int(str(carried.get("from_part")))]
            percent = format((Decimal(str(carried.get("share"))) * 100).normalize(), "f")
        except (ValueError, IndexError, ArithmeticError):
            return None
        return {
            "letter": letter,
            "attempt": carried.get("attempt"),
            "latex": carried.get("answer_latex") or "",
            "text": carried.get("answer") or "",
            "percent": percent,
        }

    @property
    def credit(self) -> Decimal:
        """The share of the points the verdict earned (authoring.scoring.row_credit)."""
        stored = self.verdict if isinstance(self.verdict, dict) else {}
        return row_credit({"verdict__credit": stored.get("credit"), "equivalent": self.equivalent})

    @property
    def components(self) -> list[dict[str, Any]]:
        """How each component of a vector answer was decided, as stored with the verdict
        (grading.engine.ComponentVerdict.to_dict); empty for a scalar answer or a verdict
        stored before components were recorded."""
        found = self.verdict.get("components") if isinstance(self.verdict, dict) else None
        if not isinstance(found, list):
            return []
        return [c for c in found if isinstance(c, dict)]

    @property
    def components_right(self) -> int:
        return sum(1 for c in self.components if c.get("equivalent") is True)

    @property
    def components_named(self) -> bool:
        """Whether the answer's named mistake is one a component's line already says."""
        whole = self.verdict.get("mistake") if isinstance(self.verdict, dict) else None
        return whole is not None and any(c.get("mistake") == whole for c in self.components)

    @property
    def is_pending(self) -> bool:
        """Stored and not graded yet: queued, or a worker is grading it."""
        return self.status in (self.Status.QUEUED, self.Status.GRADING)


# A job's reason is stored in English (admin, logs, old rows); pages show it translated.
REASON_REQUESTED = gettext_noop("regrade requested")


REASON_TOLERANCE = gettext_noop("tolerance %(old)s -> %(new)s")


# Why a job failed, stored in English too; pages show a known one translated.
ERROR_TOO_LONG = gettext_noop("the regrade took too long")


ERROR_GAVE_UP = gettext_noop("gave up: the regrade lost its worker too many times")


_TOLERANCE_CHANGE = re.compile(r"tolerance (\S+) -> (\S+)")


class RegradeJob(ResumableJob):
    """Regrading the graded submissions of one item. `cursor` is the last submission id done,
    so a redelivered, resumed (exercises/jobs.py) or second run continues instead of counting a
    submission twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    item = models.ForeignKey(
        "authoring.ProblemSetItem", on_delete=models.CASCADE, related_name="regrade_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0)
    changes = models.JSONField(default=list, blank=True)
    error_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"regrade {self.pk} of item {self.item_id} ({self.status})"

    @property
    def reason_display(self) -> str:
        """The reason in the active language; one we do not know is shown as stored."""
        if self.reason == REASON_REQUESTED:
            return gettext(REASON_REQUESTED)
        change = _TOLERANCE_CHANGE.fullmatch(self.reason)
        if change:
            return gettext(REASON_TOLERANCE) % {"old": change[1], "new": change[2]}
        return self.reason

    @property
    def error_display(self) -> str:
        """error_detail in the active language when it is one of ours; otherwise as stored."""
        if self.error_detail in (ERROR_TOO_LONG, ERROR_GAVE_UP):
            return gettext(self.error_detail)
        return self.error_detail

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
