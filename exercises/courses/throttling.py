"""Login throttling: failed logins counted per (username, address) and per address in the cache."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _keys(*, username: str, address: str) -> tuple[str, str]:
    who = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()[:32]
    return f"login-fail:user:{who}", f"login-fail:addr:{address}"


def login_blocked(*, username: str, address: str) -> bool:
    user_key, addr_key = _keys(username=username, address=address)
    try:
        counts = cache.get_many([user_key, addr_key])
    except Exception:  # noqa: BLE001 - a cache outage must not lock everyone out
        logger.warning("login throttling unavailable: cache error")
        return False
    return (
        counts.get(user_key, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(addr_key, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    )


def login_failed(*, username: str, address: str) -> None:
    for key in _keys(username=username, address=address):
        try:
            if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
                cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        except Exception:  # noqa: BLE001
            logger.warning("login throttling unavailable: cache error")


def login_succeeded(*, username: str, address: str) -> None:
    user_key, _addr_key = _keys(username=username, address=address)
    try:
        cache.delete(user_key)
    except Exception:  # noqa: BLE001
        logger.warning("login throttling unavailable: cache error")
