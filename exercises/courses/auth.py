"""The logged-in user read from the cache on each request instead of the database.

Every page, submit and result poll needs `request.user`; Django's ModelBackend reads it from the
database each time. At a deadline that is one query per request for a row that hardly ever
changes, so this backend keeps it in the cache for USER_CACHE_SECONDS. It is enabled where the
cache is shared by all web processes (production: Redis; and the tests), so that a change made
by one process is seen by all.

A save or delete of the user drops the cached copy, once at once and once more when the
transaction commits (a request between the two would otherwise cache the row as it was before
the commit), so a password change, deactivation or role change is seen on the next request. A
bulk `QuerySet.update()` (no signals), or a drop that fails because the cache is down, is seen
within USER_CACHE_SECONDS. Django still checks the session's password hash and `is_active` on
the cached copy. A cache outage falls back to the database.

The copy holds the whole user row, password hash included, like the sessions beside it: keep the
cache as private as the database (Redis behind a password or on a private network).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from exercises.courses.selectors import login_account

logger = logging.getLogger(__name__)

# The version in the key: bump it when the user model changes, so no old copy is read.
KEY_VERSION = 1


def _key(user_id: Any) -> str:
    return f"auth-user:v{KEY_VERSION}:{user_id}"


def _remember(user: Any) -> None:
    try:
        cache.set(_key(user.pk), user, timeout=settings.USER_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 (the cache is an optimisation)
        logger.warning("user cache unavailable")


# The dotted path of the backend a session is signed in with when no password was checked (an
# LTI launch): it reads the user back on each request. Enabled where the user cache is shared
# (CACHED_USER_BACKENDS: production, tests); see session_backend for the others.
USER_BACKEND = "exercises.courses.auth.CachedModelBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def session_backend() -> str:
    """The backend to sign a user in with when no password was checked: one the settings enable,
    since Django reads a session signed in with any other as anonymous (the development settings
    of `make run` have no cached backend)."""
    return USER_BACKEND if USER_BACKEND in settings.AUTHENTICATION_BACKENDS else MODEL_BACKEND


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            user = cache.get(_key(user_id))
        except Exception:  # noqa: BLE001 (the cache is an optimisation: read the database)
            logger.warning("user cache unavailable")
            return super().get_user(user_id)
        if user is not None:
            return user if self.user_can_authenticate(user) else None
        user = super().get_user(user_id)
        if user is not None:
            _remember(user)
        return user


def user_cache_forget(*, user_id: Any) -> None:
    """Drop the cached copy of a user (after any change to the row)."""
    try:
        cache.delete(_key(user_id))
    except Exception:  # noqa: BLE001
        logger.warning("user cache unavailable: user %s may be stale for a while", user_id)


def _forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_id = instance.pk
    user_cache_forget(user_id=user_id)
    transaction.on_commit(lambda: user_cache_forget(user_id=user_id))


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # connected after auth's update_last_login (INSTALLED_APPS order), so the copy kept is
    # the saved one; the first page after a login needs no user query either
    _remember(user)


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="people.auth.remember_logged_in")
    model = get_user_model()
    post_save.connect(_forget, sender=model, dispatch_uid="people.auth.forget_saved")
    post_delete.connect(_forget, sender=model, dispatch_uid="people.auth.forget_deleted")


class StudentIdBackend(ModelBackend):
    """Log in with what a roster student knows besides the exact login: the email in any case,
    or the student id (`login_account`: only when it names one account). After ModelBackend in
    AUTHENTICATION_BACKENDS, so an exact username is tried first; the password decides either
    way. django-axes counts the attempt against the same account (login_limits.login_username
    maps the text the same way)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kw: Any
    ) -> Any:
        if username is None or password is None:
            return None
        account = login_account(username)
        if account is None or account.get_username() == username:
            return None  # nothing else to try (ModelBackend has tried the exact username)
        if account.check_password(password) and self.user_can_authenticate(account):
            return account
        return None


class CachedStudentIdBackend(StudentIdBackend, CachedModelBackend):
    """StudentIdBackend where the user cache is shared (CACHED_USER_BACKENDS): a session opened
    with a student id reads its user from the cache like any other."""
