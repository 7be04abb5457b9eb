"""Login throttling with django-axes: who a login attempt is from, which account it is for, and
how many failures each may have.

Two counters per failed login, in the shared cache (Redis in production), each for
LOGIN_FAILURE_WINDOW seconds after its last counted failure:

- per (client address, account): LOGIN_FAILURE_LIMIT (5). A student who mistypes, or anyone
  guessing from one address, is stopped there, at that address only;
- per account, from every address: LOGIN_FAILURE_LIMIT_PER_ACCOUNT (20). Someone guessing from
  many addresses is stopped there. Attempts refused while locked are not counted, so one
  address adds at most LOGIN_FAILURE_LIMIT to it in a window.

There is no limit per address alone: a class behind one NAT, or every user behind a
misconfigured proxy, shares an address, and a limit on it would lock all of them out at once.

The account is the username as authentication reads it (NFKC, as Django's login form and
`AbstractBaseUser.normalize_username` do), also case-folded: `ｓｔｕｄｅｎｔ３` and `Student3` count
against `student3`. Case folding counts more attempts together than the (case-sensitive) login
matches, never fewer.

The client address is REMOTE_ADDR, unless that is one of TRUSTED_PROXIES: then X-Forwarded-For
is read from the right, past every trusted proxy, to the first address that is not one. Entries
left of it were written by the client and are ignored.

A cache that is down lets the attempt through (and says so in the log): a Redis outage must not
lock everyone out.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_cache_timeout, get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from exercises.courses.selectors import login_account

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The version in the keys: bump it when what they count changes.
KEY_VERSION = 1


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the account an attempt is for, in one spelling: a student id or
    an email in another case (auth.StudentIdBackend) counts against the account it names."""
    field = get_user_model().USERNAME_FIELD
    raw = credentials.get(field) if credentials else None
    if raw is None and request is not None:
        raw = request.POST.get(field)
    account = login_account(str(raw or ""))
    return account_key(account.get_username() if account is not None else str(raw or ""))


def account_key(username: str) -> str:
    folded = unicodedata.normalize("NFKC", username).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address of whoever sent the request."""
    address = _address(str(request.META.get("REMOTE_ADDR", "")))
    if address is None:
        return "unknown"
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    while hops and _trusted(address, networks):
        previous = _address(hops.pop())
        if previous is None:  # a proxy we trust wrote something else: stay with the proxy
            break
        address = previous
    return str(address)


def _key(*parts: str) -> str:
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return f"login-fail:v{KEY_VERSION}:{digest}"


def _pair_key(address: str, username: str) -> str:
    return _key("address+account", address, username)


def _counters(*, address: str | None, username: str | None) -> list[tuple[str, int]]:
    """(cache key, failure limit) of each counter the attempt counts against."""
    counters: list[tuple[str, int]] = []
    if username:
        counters.append((_key("account", username), settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT))
        if address:
            counters.append((_pair_key(address, username), settings.LOGIN_FAILURE_LIMIT))
    return counters


class LoginLimitHandler(AxesCacheHandler):
    """AXES_HANDLER: axes' cache handler with a limit of its own for each counter."""

    # Axes keeps one handler for the life of the process, and its __init__ holds on to the cache
    # it found then. Look the cache up on each use instead, so that the counters always live in
    # the cache the settings name now (tests swap CACHES; a handler built under a Redis outage
    # test must not keep counting into a dead server).
    @property  # type: ignore[override]
    def cache(self) -> Any:
        return get_cache()

    @cache.setter
    def cache(self, value: Any) -> None:
        pass  # AxesCacheHandler.__init__ assigns it; the property decides

    def _request_counters(
        self, request: Any, credentials: dict[str, Any] | None
    ) -> list[tuple[str, int]]:
        return _counters(
            address=request.axes_ip_address, username=get_client_username(request, credentials)
        )

    def _add_one(self, key: str, timeout: int | None) -> int:
        if self.cache.add(key, 1, timeout=timeout):
            return 1
        try:
            count = int(self.cache.incr(key))
        except ValueError:  # expired between add and incr
            self.cache.add(key, 1, timeout=timeout)
            return 1
        self.cache.touch(key, timeout=timeout)
        return count

    def _counts(self, counters: list[tuple[str, int]]) -> dict[str, int] | None:
        try:
            return self.cache.get_many([key for key, _limit in counters])
        except Exception:  # noqa: BLE001 - a cache outage must not lock everyone out
            logger.warning("login throttling unavailable: cache error")
            return None

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        counts = self._counts(self._request_counters(request, credentials)) or {}
        return max(counts.values(), default=0)

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        counters = self._request_counters(request, credentials)
        counts = self._counts(counters) or {}
        return any(counts.get(key, 0) >= limit for key, limit in counters)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            logger.error("login throttling: a failed login without a request is not counted")
            return
        username = get_client_username(request, credentials)
        if request.axes_locked_out or self.is_locked(request, credentials):
            # refused by AxesStandaloneBackend before the password was checked: not counted,
            # so the wait does not grow and one address cannot fill the account's counter
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        if self.is_whitelisted(request, credentials):
            return
        timeout = get_cache_timeout(request)
        try:
            counted = [
                (self._add_one(key, timeout), limit)
                for key, limit in self._request_counters(request, credentials)
            ]
        except Exception:  # noqa: BLE001
            logger.warning("login throttling unavailable: cache error")
            return
        if any(count >= limit for count, limit in counted):
            logger.warning("login throttling: a login is locked after repeated failures")
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        # The password was right from this address: its counter starts again. The account's
        # counter stays, it may be counting someone else's guesses from elsewhere.
        if not settings.AXES_RESET_ON_SUCCESS:
            return
        key = _pair_key(request.axes_ip_address, account_key(user.get_username()))
        try:
            self.cache.delete(key)
        except Exception:  # noqa: BLE001
            logger.warning("login throttling unavailable: cache error")

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        return None

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """`manage.py axes_reset_username NAME` (the account's counter) and
        `axes_reset_ip_username ADDRESS NAME` (the counter of that address and account)."""
        if username is None or ip_or_username:
            raise NotImplementedError("login counters are reset by username (and address)")
        counters = _counters(address=ip_address, username=account_key(username))
        if not counters:
            return 0
        key, _limit = counters[-1]  # the pair's when an address is given, else the account's
        return int(bool(self.cache.delete(key)))
