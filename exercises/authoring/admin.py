"""Admin: templates, sets with their items, students' variants, to look at (and delete).

A course's templates and sets are changed on its pages (Templates and sets), which check what
is saved: a template's 50-seed check and text, a set's dates, its publishing, removing a
problem students have opened. The admin would save around all of that, so it adds and changes
none of them; a site admin who must change one adds themselves to the course as an instructor
(the course's page here) and uses those pages. Library templates (in no course, shipped with
the code and checked by its tests) have no such page: here a site admin may publish or
unpublish one, nothing else. Deleting stays open: deleting a course or an account deletes its
sets and variants, and Django asks for the right to delete each of them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem, ProblemTemplate


class ViewOnly:
    """A model admin (or inline) that shows, and deletes, but never adds or changes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "family", "version", "title_en", "course", "published"]
    list_filter = ["published", ("course", admin.EmptyFieldListFilter)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the list (obj None) links every template; a course's own opens as a view
        return obj is None or obj.course_id is None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ProblemTemplate._meta.fields if f.name != "published"]


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
