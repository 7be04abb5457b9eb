"""Admin for instructors: browse courses, sets, instances and submissions (read-mostly)."""

from django.contrib import admin

from exercises.models import (
    Course,
    Membership,
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
    ProblemTemplate,
    Submission,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "title_ko"]
    inlines = [MembershipInline]


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


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "instance", "attempt", "status", "equivalent", "method", "score", "late"]
    list_filter = ["status", "equivalent", "method", "late"]
    list_select_related = ["instance"]
    readonly_fields = [f.name for f in Submission._meta.fields]
