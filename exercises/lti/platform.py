"""Our adapter to PyLTI1p3 and django-lti: which key signs, which registrations and
deployments are accepted, how a launch is validated, and an HTTP session that gives up.

What the libraries leave open, closed here (docs/lti.md, "Security"):
- a deployment the admin has not activated is refused, and nothing is created for it
  (django-lti would create it, inactive);
- a launch's nonce is used once (PyLTI1p3 checks that it exists, never that it is new);
- clock skew of LTI_CLOCK_LEEWAY_SECONDS on iat/exp, and `azp` checked when `aud` lists
  several clients;
- the platform's JWKS is cached, and fetched again at once for a key id it does not hold;
- a new key of ours signs only LTI_KEY_PUBLISH_SECONDS after it is published;
- every call to a platform has a timeout.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from lti_tool.models import Key, LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig, _prepare_deployment
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import DisableSessionId
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector


class _TimeoutSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", settings.LTI_HTTP_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    """A requests session whose every call gives up after LTI_HTTP_TIMEOUT_SECONDS."""
    session = _TimeoutSession()
    session.headers["User-Agent"] = "partial-credit-lti"
    return session


def signing_key(*, now: datetime | None = None) -> Key:
    """The key that signs our messages: the newest active key published at least
    LTI_KEY_PUBLISH_SECONDS ago (platforms cache our JWKS and must have seen it), else the
    oldest active key; a first key is made when there is none."""
    now = now or timezone.now()
    keys = list(Key.objects.active().order_by("datetime_created", "pk"))
    if not keys:
        return Key.objects.generate()
    cutoff = now - timedelta(seconds=settings.LTI_KEY_PUBLISH_SECONDS)
    published = [key for key in keys if key.datetime_created <= cutoff]
    return published[-1] if published else keys[0]


def registration_for(registration: LtiRegistration) -> Registration:
    """PyLTI1p3's registration, with our signing key."""
    reg = Registration()
    reg.set_auth_login_url(registration.auth_url)
    reg.set_auth_token_url(registration.token_url)
    reg.set_client_id(registration.client_id)
    reg.set_key_set_url(registration.keyset_url)
    reg.set_issuer(registration.issuer)
    if registration.audience:
        reg.set_auth_audience(registration.audience)
    key = signing_key()
    reg.set_tool_private_key(key.private_key)
    reg.set_tool_public_key(key.public_key)
    return reg


def service_connector(registration: LtiRegistration) -> ServiceConnector:
    """Calls to a platform's services (AGS, NRPS), signed with our key, with a timeout."""
    return ServiceConnector(registration_for(registration), requests_session=http_session())


class ToolConfig(DjangoToolConfig):
    """django-lti's lookups, with our signing key, and no deployment made on the fly: only a
    deployment the admin has activated is found."""

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        found = super().find_registration_by_issuer(iss, *args, **kwargs)
        return None if found is None else registration_for(self.registration)

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        found = super().find_registration_by_params(iss, client_id, *args, **kwargs)
        return None if found is None else registration_for(self.registration)

    def _active_deployment(self, iss: str, deployment_id: str, **more: Any) -> Any:
        lookups = {
            "registration__issuer": iss,
            "registration__is_active": True,
            "deployment_id": deployment_id,
            **more,
        }
        if self.registration_uuid is not None:
            lookups["registration__uuid"] = self.registration_uuid
        self.deployment = LtiDeployment.objects.active().filter(**lookups).first()
        return None if self.deployment is None else _prepare_deployment(self.deployment)

    def find_deployment(self, iss: str, deployment_id: str) -> Any:
        return self._active_deployment(iss, deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        return self._active_deployment(iss, deployment_id, registration__client_id=client_id)


class Replayed(LtiException):
    """The launch's nonce was used before."""


class MessageLaunch(DjangoMessageLaunch):
    def validate_jwt_signature(self) -> MessageLaunch:
        public_key, key_alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=settings.LTI_CLOCK_LEEWAY_SECONDS,
            )
        except jwt.InvalidTokenError as exc:
            raise LtiException(f"Can't decode id_token: {exc}") from exc
        body = self._get_jwt_body()
        aud = body.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp") != self.get_client_id():
            raise LtiException("azp is not our client id")
        return self

    def get_public_key(self) -> tuple[str, str]:
        """The platform's key for the token's kid; on a kid the cached JWKS does not hold, the
        JWKS is fetched again once and cached (the platform rotated its keys)."""
        try:
            return super().get_public_key()
        except LtiException:
            storage = self._public_key_cache_data_storage
            url = self._registration.get_key_set_url()
            if storage is None or not url:
                raise
            self._public_key_cache_data_storage = None
            try:
                fresh = self.fetch_public_key(url)
            finally:
                self._public_key_cache_data_storage = storage
            with DisableSessionId(storage):
                storage.set_value(
                    "key-set-url-" + hashlib.md5(url.encode("utf-8")).hexdigest(),  # noqa: S324
                    fresh,
                    settings.LTI_JWKS_CACHE_SECONDS,
                )
            self._registration.set_key_set(fresh)
            return super().get_public_key()

    def validate(self) -> MessageLaunch:
        super().validate()
        body = self._get_jwt_body()
        digest = hashlib.sha256(f"{body.get('iss')}\n{body.get('nonce')}".encode()).hexdigest()
        lifetime = int(body.get("exp", 0)) - int(time.time()) + settings.LTI_CLOCK_LEEWAY_SECONDS
        if not cache.add("lti-nonce:" + digest, 1, timeout=max(60, min(lifetime, 7 * 24 * 3600))):
            raise Replayed("this launch was already used")
        return self


def launch_validate(request: HttpRequest) -> LtiLaunch:
    """The launch POSTed by a platform, validated; LtiException when it is refused."""
    message_launch = MessageLaunch(
        request,
        ToolConfig(),
        launch_data_storage=DjangoCacheDataStorage(),
        requests_session=http_session(),
    )
    message_launch.set_public_key_caching(
        DjangoCacheDataStorage(), cache_lifetime=settings.LTI_JWKS_CACHE_SECONDS
    )
    message_launch.validate()
    return LtiLaunch(message_launch)


def launch_from_cache(request: HttpRequest, launch_id: str) -> LtiLaunch | None:
    """A launch validated earlier in this session (by its id), or None."""
    try:
        message_launch = MessageLaunch.from_cache(
            launch_id, request, ToolConfig(), launch_data_storage=DjangoCacheDataStorage()
        )
    except LtiException:
        return None
    return LtiLaunch(message_launch) if message_launch.get_launch_data() else None
