"""Publish a new LTI signing key (it signs after LTI_KEY_PUBLISH_SECONDS; keys older than
LTI_KEY_RETIRE_DAYS leave the JWKS). Run it from cron, e.g. monthly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from exercises.lti.services.registrations import keys_rotate


class Command(BaseCommand):
    help = "Publish a new LTI signing key; it signs once platforms have had time to fetch it."

    def handle(self, *args: Any, **options: Any) -> None:
        key = keys_rotate()
        self.stdout.write(f"published key {key.as_jwk()['kid']}")
