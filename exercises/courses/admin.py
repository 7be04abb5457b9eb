"""Admin: courses with their memberships; student profiles (student ids)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from exercises.courses.models import Course, Membership, StudentProfile


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Who is in a course, and in which role, is changed here (a site admin may make themselves
    its instructor). Its code, titles and zone are changed on its settings page, which checks
    them (the code unique ignoring case, titles without hidden characters), and courses are made
    on the site, by the same form."""

    list_display = ["code", "title_en", "title_ko"]
    readonly_fields = ["code", "title_en", "title_ko", "time_zone", "join_code", "created_at"]
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    """Where an administrator records a student id that a roster may not (the account is in more
    than one course). Which roster made the account decides who may get its set-password link:
    shown, never edited here."""

    list_display = ["user", "student_id", "created_by_course"]
    search_fields = ["user__username", "user__email", "student_id"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_by_course"]
