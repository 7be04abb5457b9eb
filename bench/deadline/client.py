"""The HTTP client: logins, problem pages, the burst of submissions, polling for verdicts."""

from __future__ import annotations

import concurrent.futures as cf
import html
import http.client
import random
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from bench.deadline.stack import HOST, PASSWORD, Planned


class Browser:
    """One student's browser: its cookies, over plain HTTP to gunicorn as if behind TLS."""

    TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.tokens: dict[int, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "deadline-bench (like a browser)",
            "Accept": "text/html",
            "Accept-Language": "en",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        headers.update(extra or {})
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        self.cookies[morsel.key] = morsel.value
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
        finally:
            conn.close()

    def page_token(self, path: str, what: str) -> str:
        """GET the page at `path` and return its form's CSRF token."""
        status, _, page = self.request("GET", path)
        m = self.TOKEN.search(page)
        if status != 200 or m is None:
            raise RuntimeError(f"{what}: HTTP {status}")
        return m.group(1)

    def login(self, username: str) -> None:
        token = self.page_token("/accounts/login/", "login page")
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "next": "",
            },
            {"Referer": f"{self.origin}/accounts/login/"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username}: HTTP {status}")

    def open_problem(self, instance_id: int) -> None:
        path = f"/problems/{instance_id}/"
        self.tokens[instance_id] = self.page_token(path, f"problem page {instance_id}")

    def submit(self, instance_id: int, answer: str) -> tuple[int, str]:
        page = f"{self.origin}/problems/{instance_id}/"
        status, _, body = self.request(
            "POST",
            f"/problems/{instance_id}/submit/",
            {"csrfmiddlewaretoken": self.tokens[instance_id], "answer": answer},
            {
                "Referer": page,
                "HX-Request": "true",
                "HX-Current-URL": page,
                "HX-Target": "result",
                "X-CSRFToken": self.tokens[instance_id],
            },
        )
        return status, body

    def floor_submit(self, token: str, answer: str) -> tuple[int, str]:
        """The floor's POST (bench.deadline.floor): as htmx would send it, from a page."""
        page = f"{self.origin}/"
        return self.request(
            "POST",
            "/bench-floor/submit/",
            {"csrfmiddlewaretoken": token, "answer": answer},
            {"Referer": page, "HX-Request": "true", "HX-Current-URL": page, "X-CSRFToken": token},
        )[::2]

    def poll(self, url: str, page: str) -> tuple[int, str]:
        """What htmx sends when the result region re-fetches itself."""
        status, _, body = self.request(
            "GET",
            url,
            extra={
                "HX-Request": "true",
                "HX-Current-URL": f"{self.origin}{page}",
                "HX-Target": "result",
            },
        )
        return status, body


# The result region while grading: an element that fetches `hx-get` after its delay (none: at
# once, as the wait URL's answer that loads the graded region does).
POLLING = re.compile(r'hx-get="([^"]+)"[^>]*?hx-trigger="load(?: delay:(\d+)ms)?"')


def server_side_session(username: str) -> str:
    """--quick-login: a logged-in session made in the session store directly, as Django's test
    client does (force_login), instead of a login over HTTP; returns its session key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.utils.module_loading import import_string

    user = get_user_model().objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    # the backend a password login records: the first that reads users back (not axes' limits)
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def login_all(
    port: int, planned: list[Planned], threads: int, quick: bool = False
) -> tuple[dict[str, Browser], float]:
    by_student: dict[str, list[Planned]] = {}
    for p in planned:
        by_student.setdefault(p.student, []).append(p)
    browsers = {name: Browser(port) for name in by_student}
    if quick:
        for name, browser in browsers.items():
            browser.cookies["sessionid"] = server_side_session(name)

    def one(name: str) -> None:
        if not quick:
            browsers[name].login(name)
        for p in by_student[name]:
            browsers[name].open_problem(p.instance_id)

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(threads) as pool:
        for fut in [pool.submit(one, n) for n in by_student]:
            fut.result()
    return browsers, time.perf_counter() - t0


@dataclass
class Sent:
    planned: Planned
    scheduled: float = 0.0
    sent: float = 0.0
    answered: float = 0.0
    status: int = 0
    rejected: bool = False
    error: str = ""
    polls: int = 0  # GETs of the result region after the POST, until it showed a verdict
    seen: float = 0.0  # when the client saw the verdict (0: never, or not polled)


Send = Callable[[Browser, Planned], tuple[int, str]]


def submit_answer(browser: Browser, p: Planned) -> tuple[int, str]:
    return browser.submit(p.instance_id, p.answer)


def burst(
    browsers: dict[str, Browser],
    planned: list[Planned],
    seconds: float,
    threads: int,
    hard_limit: float,
    send: Send = submit_answer,
    poll_limit: float = 0.0,
) -> tuple[list[Sent], float]:
    """Each student submits once, at a time spread uniformly (shuffled) over `seconds`; then,
    as htmx does, re-fetches the result region while it says so (for up to `poll_limit` s)."""
    rng = random.Random(7)
    order = list(planned)
    rng.shuffle(order)
    t0 = time.time() + 0.5
    sends = [Sent(p, scheduled=t0 + seconds * i / max(1, len(order))) for i, p in enumerate(order)]

    def fire(s: Sent) -> Sent:
        delay = s.scheduled - time.time()
        if delay > 0:
            time.sleep(delay)
        s.sent = time.time()
        browser = browsers[s.planned.student]
        try:
            s.status, body = send(browser, s.planned)
            s.rejected = 'class="rejected"' in body
        except Exception as exc:  # noqa: BLE001 (recorded as a failed request)
            s.error = f"{type(exc).__name__}: {exc}"
            body = ""
        s.answered = time.time()
        page = f"/problems/{s.planned.instance_id}/"
        polling = POLLING.search(body) if poll_limit > 0 and s.status == 200 else None
        try:
            while polling is not None and time.time() - s.answered < poll_limit:
                time.sleep(int(polling.group(2) or 0) / 1000)
                status, body = browser.poll(html.unescape(polling.group(1)), page)
                s.polls += 1
                polling = POLLING.search(body) if status == 200 else None
                if status != 200:
                    s.error = f"poll: HTTP {status}"
            if polling is None and s.polls:
                s.seen = time.time()
        except Exception as exc:  # noqa: BLE001
            s.error = f"poll: {type(exc).__name__}: {exc}"
        return s

    pool = cf.ThreadPoolExecutor(threads)
    futures = [pool.submit(fire, s) for s in sends]
    done, not_done = cf.wait(futures, timeout=hard_limit + poll_limit)
    for f in not_done:
        f.cancel()
    pool.shutdown(wait=False, cancel_futures=True)
    for s in sends:
        if not s.answered:
            s.error = s.error or f"no answer within the {hard_limit:.0f} s limit"
    return sends, t0


def wait_graded(instance_ids: list[int], timeout: float) -> tuple[list[dict[str, Any]], float]:
    from grading.models import Submission

    pending = [Submission.Status.QUEUED, Submission.Status.GRADING]
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        left = Submission.objects.filter(instance_id__in=instance_ids, status__in=pending).count()
        if left == 0:
            break
        time.sleep(0.25)
    rows = list(
        Submission.objects.filter(instance_id__in=instance_ids).values(
            "id",
            "instance_id",
            "status",
            "equivalent",
            "method",
            "verdict",
            "created_at",
            "started_at",
            "graded_at",
            "requeue_count",
        )
    )
    return rows, time.perf_counter() - t0


def wait_floor(timeout: float) -> tuple[list[dict[str, Any]], float]:
    """Wait until every floor row is done; the rows (all of them: the table is the run's)."""
    from bench.deadline.floor.models import FloorRow

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if not FloorRow.objects.filter(done=False).exists():
            break
        time.sleep(0.25)
    rows = list(FloorRow.objects.values("id", "user__username", "done", "created_at", "done_at"))
    FloorRow.objects.all().delete()  # the next wait (after the warm-up) sees only its own
    return rows, time.perf_counter() - t0
