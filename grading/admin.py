"""Admin: submissions with their verdicts (read-only)."""

from __future__ import annotations

from django.contrib import admin

from grading.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "instance", "attempt", "status", "equivalent", "method", "score", "late"]
    list_filter = ["status", "equivalent", "method", "late"]
    list_select_related = ["instance"]
    readonly_fields = [f.name for f in Submission._meta.fields]
