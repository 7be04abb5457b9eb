"""Admin: courses with their memberships."""

from __future__ import annotations

from django.contrib import admin

from exercises.courses.models import Course, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "title_ko"]
    inlines = [MembershipInline]
