"""The cached user backend: one user query per cache period, and no stale user after a change."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    # axes (the login limits) needs the request: its address is part of the count
    assert client.login(request=HttpRequest(), username=user.username, password=factories.PASSWORD)
    return client


def _user_queries(captured) -> int:
    table = get_user_model()._meta.db_table
    return sum(1 for q in captured if f'FROM "{table}"' in q["sql"])


def test_the_user_is_read_from_the_cache_after_login(django_assert_max_num_queries):
    user = factories.user()
    client = _logged_in(user)
    url = reverse("practice:dashboard")
    for _ in range(2):
        with django_assert_max_num_queries(50) as page:
            assert client.get(url).status_code == 200
        assert _user_queries(page.captured_queries) == 0


def test_a_user_not_in_the_cache_is_read_once_then_kept(django_assert_max_num_queries):
    user = factories.user()
    client = _logged_in(user)
    url = reverse("practice:dashboard")
    cache.clear()
    with django_assert_max_num_queries(50) as first:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(50) as second:
        assert client.get(url).status_code == 200
    assert _user_queries(first.captured_queries) == 1
    assert _user_queries(second.captured_queries) == 0


def test_a_password_change_logs_the_old_session_out_at_once():
    user = factories.user()
    client = _logged_in(user)
    url = reverse("practice:dashboard")
    assert client.get(url).status_code == 200  # now cached
    user.set_password("another-password-456")
    user.save()
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_deactivated_user_is_refused_at_once():
    user = factories.user()
    client = _logged_in(user)
    url = reverse("practice:dashboard")
    assert client.get(url).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(url).status_code == 302


def test_a_deleted_user_is_logged_out():
    user = factories.user()
    client = _logged_in(user)
    url = reverse("practice:dashboard")
    assert client.get(url).status_code == 200
    user.delete()
    assert client.get(url).status_code == 302


def test_without_the_cache_the_user_comes_from_the_database(monkeypatch):
    user = factories.user()
    client = _logged_in(user)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert client.get(reverse("practice:dashboard")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_copy_cached_before_the_change_commits_is_dropped_at_commit():
    from django.db import transaction

    from exercises.courses.auth import CachedModelBackend, _remember

    user = factories.user()
    backend = CachedModelBackend()
    with transaction.atomic():
        stale = get_user_model().objects.get(pk=user.pk)
        user.is_active = False
        user.save()  # drops the cached copy now, and again at commit
        _remember(stale)  # a request in between cached the row as it was before the commit
        assert backend.get_user(user.pk) is not None  # (the stale copy, until the commit)
    assert backend.get_user(user.pk) is None  # deactivated: the stale copy is gone


def test_a_failed_drop_is_logged_not_raised(monkeypatch, caplog):
    from exercises.courses.auth import user_cache_forget

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "delete", down)
    user_cache_forget(user_id=12345)
    assert "may be stale" in caplog.text


def test_the_cached_backend_is_what_production_and_the_tests_use():
    from django.conf import settings

    # after django-axes' check of the login limits, which must come first (it authenticates
    # nobody: it refuses an attempt over the limits before any password is checked)
    assert settings.AUTHENTICATION_BACKENDS[:2] == [
        "axes.backends.AxesStandaloneBackend",
        "exercises.courses.auth.CachedModelBackend",
    ]
