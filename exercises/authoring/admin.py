"""Admin: templates, sets with their items, students' variants, to look at.

Templates and sets are changed on the course's pages (Templates and sets), which check what
is saved: a template's 50-seed check and text, a set's dates, its publishing, removing a
problem students have opened. The admin would save around all of that, so it shows them and
changes nothing; a site admin who must change one adds themselves to the course as an
instructor (the course's page here) and uses those pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem, ProblemTemplate


class ViewOnly:
    """A model admin (or inline) that shows and never adds, changes or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["slug", "family", "version", "title_en"]
    readonly_fields = ["version"]


class ProblemSetItemInline(ViewOnly, admin.TabularInline):
    model = ProblemSetItem
    extra = 0


@admin.register(ProblemSet)
class ProblemSetAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["title_en", "course", "due_at"]
    list_select_related = ["course"]
    inlines = [ProblemSetItemInline]


@admin.register(ProblemInstance)
class ProblemInstanceAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["id", "student", "item", "template", "template_version", "seed"]
    list_select_related = ["student", "item", "template"]
    readonly_fields = ["item", "student", "template", "template_version", "seed", "params"]
