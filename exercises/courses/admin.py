"""Admin: courses with their memberships; student profiles (student ids)."""

from __future__ import annotations

from django.contrib import admin

from exercises.courses.models import Course, Membership, StudentProfile


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "title_ko"]
    inlines = [MembershipInline]


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    """Where an administrator records a student id that a roster may not (the account is in more
    than one course). Which roster made the account decides who may get its set-password link:
    shown, never edited here."""

    list_display = ["user", "student_id", "created_by_course"]
    search_fields = ["user__username", "user__email", "student_id"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_by_course"]
