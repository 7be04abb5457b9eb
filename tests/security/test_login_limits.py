"""Login limits (django-axes, exercises/courses/login_limits.py), through the login page: per
(client address, account) and per account, on the account as authentication reads it, with
the client address taken from X-Forwarded-For only behind a trusted proxy; never per address
alone."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
REFUSED = "Too many failed logins"


def _login(client: Client, username: str, password: str, **meta: str):
    meta.setdefault("REMOTE_ADDR", "198.51.100.1")
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def _via_proxy(client_address: str, *, spoofed: str = "") -> dict[str, str]:
    """What the TLS proxy passes on: its own address, and the client's appended to whatever
    X-Forwarded-For the client sent."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def _fail(n: int, username: str, **meta: str) -> None:
    for _ in range(n):
        response = _login(Client(), username, "wrong-password", **meta)
        assert response.status_code == 200
        assert "did not match" in response.content.decode()


@pytest.fixture
def student3():
    return factories.student(in_course=factories.course(), username="student3")


def test_a_fullwidth_look_alike_is_the_same_account_and_is_locked_with_it(student3):
    look_alike = "ｓｔｕｄｅｎｔ３"
    # Django's login form reads it as student3 (NFKC): it logs in...
    assert _login(Client(), look_alike, factories.PASSWORD).status_code == 302
    # ...so it shares student3's count, as does a change of case
    _fail(2, "student3")
    _fail(2, look_alike)
    _fail(1, "Student3")
    for name in (look_alike, "student3", "ＳＴＵＤＥＮＴ３"):
        refused = _login(Client(), name, factories.PASSWORD)
        assert refused.status_code == 429
        assert REFUSED in refused.content.decode()


def test_failures_from_many_addresses_lock_the_account(student3):
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
    for n in range(limit):
        _fail(1, "student3", REMOTE_ADDR=f"203.0.113.{n + 1}")
    fresh = {"REMOTE_ADDR": "192.0.2.200"}
    assert _login(Client(), "student3", factories.PASSWORD, **fresh).status_code == 429
    # only that account
    other = factories.student(in_course=factories.course())
    assert _login(Client(), other.username, factories.PASSWORD, **fresh).status_code == 302


def test_one_address_adds_at_most_its_own_limit_to_the_accounts_count(student3):
    # attempts refused at an address are not counted: locking the account needs many addresses
    for _ in range(settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT + 5):
        _login(Client(), "student3", "wrong-password", REMOTE_ADDR="203.0.113.9")
    assert _login(Client(), "student3", factories.PASSWORD).status_code == 302


def test_many_failures_behind_one_address_do_not_lock_out_anyone_else():
    # the documented proxy without TRUSTED_PROXIES: every user has its address
    behind = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    for n in range(60):
        _fail(1, f"nobody{n}", **behind)
    _fail(settings.LOGIN_FAILURE_LIMIT, "guessed", **behind)
    user = factories.student(in_course=factories.course())
    assert _login(Client(), user.username, factories.PASSWORD, **behind).status_code == 302


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_each_client_has_its_own_count(student3):
    _fail(settings.LOGIN_FAILURE_LIMIT, "student3", **_via_proxy("192.0.2.10"))
    assert (
        _login(Client(), "student3", factories.PASSWORD, **_via_proxy("192.0.2.10")).status_code
        == 429
    )
    # the real student, elsewhere behind the same proxy, still logs in
    assert (
        _login(Client(), "student3", factories.PASSWORD, **_via_proxy("192.0.2.11")).status_code
        == 302
    )


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_client_cannot_dodge_its_count_with_a_forged_forwarded_for(student3):
    limit = settings.LOGIN_FAILURE_LIMIT
    # straight to the web container: the header is not the proxy's, it is ignored
    for n in range(limit):
        _fail(1, "student3", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    direct = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "192.0.2.99"}
    assert _login(Client(), "student3", factories.PASSWORD, **direct).status_code == 429
    # through the proxy: what the client put in front of its own address is ignored
    for n in range(limit):
        _fail(1, "student3", **_via_proxy("198.51.100.7", spoofed=f"192.0.2.{n + 1}"))
    forged = _via_proxy("198.51.100.7", spoofed="192.0.2.99")
    assert _login(Client(), "student3", factories.PASSWORD, **forged).status_code == 429


def test_a_login_after_a_few_failures_works_and_starts_the_count_again(student3):
    below = settings.LOGIN_FAILURE_LIMIT - 1
    _fail(below, "student3")
    client = Client()
    assert _login(client, "student3", factories.PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session
    _fail(below, "student3")
    assert _login(Client(), "student3", factories.PASSWORD).status_code == 302


def test_the_refusal_is_a_429_login_page_in_the_users_language(student3):
    _fail(settings.LOGIN_FAILURE_LIMIT, "student3")
    client = Client()
    refused = _login(client, "student3", factories.PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed logins. Wait 15 minutes, then try again." in page
    assert 'name="password"' in page  # the login form, to try again later
    assert "_auth_user_id" not in client.session
    client.cookies["django_language"] = "ko"
    korean = _login(client, "student3", factories.PASSWORD)
    assert korean.status_code == 429
    assert "로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도하세요." in korean.content.decode()


def test_the_admin_login_is_no_way_around_the_count(student3):
    # The admin's own login form checks no password: it sends everyone to the site's login page,
    # whose count holds (tests/security/test_admin_scope.py). So a locked account stays locked.
    student3.is_staff = student3.is_superuser = True
    student3.save()
    _fail(settings.LOGIN_FAILURE_LIMIT, "student3")
    client = Client()
    sent = client.post(
        reverse("admin:login"),
        {"username": "student3", "password": factories.PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert _login(client, "student3", factories.PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "trusted, remote, forwarded, client",
    [
        ([], PROXY, "192.0.2.10", PROXY),  # no trusted proxy: the header is anyone's
        ([PROXY], "203.0.113.5", "192.0.2.10", "203.0.113.5"),  # not from the proxy
        ([PROXY], PROXY, "192.0.2.99, 192.0.2.10", "192.0.2.10"),  # the proxy's entry only
        (["10.0.0.0/8"], PROXY, "192.0.2.99, 192.0.2.10, 10.0.0.2", "192.0.2.10"),  # two hops
        ([PROXY], PROXY, "192.0.2.99, not-an-address", PROXY),  # garbage: stay with the proxy
        ([PROXY], PROXY, "", PROXY),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
        ([], "::ffff:192.0.2.8", "", "192.0.2.8"),
    ],
)
def test_the_client_address(rf, trusted, remote, forwarded, client):
    from exercises.courses.login_limits import client_address

    request = rf.post("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXIES=trusted):
        assert client_address(request) == client


def test_an_admin_clears_an_accounts_count_by_any_spelling_of_its_name(student3):
    from django.core.management import call_command

    for n in range(settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT):
        _fail(1, "student3", REMOTE_ADDR=f"203.0.113.{n + 1}")
    assert _login(Client(), "student3", factories.PASSWORD).status_code == 429
    call_command("axes_reset_username", "ＳＴＵＤＥＮＴ３", stdout=io.StringIO())
    assert _login(Client(), "student3", factories.PASSWORD).status_code == 302
