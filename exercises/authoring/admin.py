"""Admin: templates, sets with their items, students' variants (read-mostly)."""

from __future__ import annotations

from django.contrib import admin

from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem, ProblemTemplate


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "family", "version", "title_en"]
    readonly_fields = ["version"]


class ProblemSetItemInline(admin.TabularInline):
    model = ProblemSetItem
    extra = 0


@admin.register(ProblemSet)
class ProblemSetAdmin(admin.ModelAdmin):
    list_display = ["title_en", "course", "due_at"]
    list_select_related = ["course"]
    inlines = [ProblemSetItemInline]


@admin.register(ProblemInstance)
class ProblemInstanceAdmin(admin.ModelAdmin):
    list_display = ["id", "student", "item", "template", "template_version", "seed"]
    list_select_related = ["student", "item", "template"]
    readonly_fields = ["item", "student", "template", "template_version", "seed", "params"]
