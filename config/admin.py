"""The Django admin is for site admins only: it shows every course's data, unscoped, so only
active superusers (with is_staff, which the admin's own checks expect) enter it. Instructors
and TAs use the site's pages, which are scoped to their courses; is_staff or model permissions
alone grant nothing here. Logging in goes through the site's login page, which throttles
failed attempts (exercises/courses/views.py), not the admin's own unthrottled form."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class SiteAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        if self.has_permission(request):
            return super().login(request, extra_context)  # the admin sends them to its index
        wanted = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(wanted, reverse("login"))
