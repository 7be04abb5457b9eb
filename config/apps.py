"""django.contrib.admin with this project's admin site (config/admin.py: superusers only)."""

from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    default_site = "config.admin.SiteAdminSite"
