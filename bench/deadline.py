"""The exam-deadline burst: 500 students submit within 5 s to the production-like stack.

It starts gunicorn (config.wsgi, production settings with a bench SECRET_KEY) and Celery workers
on this machine, against PostgreSQL and Redis that it finds running or starts (and says which),
in a dedicated database (`pc_bench`, dropped and migrated each run) and Redis db number.
Students, problem instances and answers are made through the project's own services
(`user_create`, `membership_create`, `instance_get_or_create`, which runs the engine's variant
check). Every student logs in over HTTP before the burst (login form, CSRF token from the page,
session cookie), opens the problem page and keeps its CSRF token; then each student POSTs one
answer to the real submit endpoint as htmx does, all within `--burst-seconds`, from a bounded
thread pool under a hard time limit, to 127.0.0.1 only. Requests carry `X-Forwarded-Proto:
https`, as from the TLS proxy production runs behind, so production's HTTPS settings stay on.

The same burst runs twice on the same gunicorn, each on fresh instances (a second item per
student): first against the baseline (one Celery worker process, concurrency 1), then the tuned
configuration. Submit-to-verdict is read from the app's own timestamps (created_at, started_at,
graded_at of Submission), and also from the client's send time.

    make bench-deadline    # = .venv/bin/python bench/deadline.py --write BENCHMARKS.md
    .venv/bin/python bench/deadline.py --students 100 --no-baseline   # a quick look
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures as cf
import cProfile
import http.client
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
MARK_START = "<!-- bench/deadline.py:start -->"
MARK_END = "<!-- bench/deadline.py:end -->"
PASSWORD = "deadline-bench-password-7"  # noqa: S105 (bench students only, in a bench database)
FAMILIES = ["polynomial", "gaussian", "rational", "chain", "slope", "loss", "gradient", "second"]
# Share of each answer kind in the class (by student, the same in both runs).
KIND_WEIGHTS = [("correct", 35), ("wrong", 30), ("malformed", 15), ("slow", 20)]
MALFORMED = [
    "3x^2 +",
    "(2x + y",
    "2x + * y",
    "x^",
    "sin x)",
    "3x^2 y)",
    "e^(2x",
    "2x + y =",
    "ln()",
    "4x^2 + 3$y",
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


# --------------------------------------------------------------------------- the stack


class Stack:
    """Processes and services this run started; `close()` stops exactly those."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_commands: list[tuple[str, list[str]]] = []
        self.stop_signal: dict[str, int] = {}
        self._closed = False

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str], pyspy: str | None = None
    ) -> subprocess.Popen[bytes]:
        if pyspy:
            # py-spy may only sample its own children here (ptrace scope), so it starts them
            out = self.run_dir / f"{name}.pyspy"
            argv = [
                pyspy,
                "record",
                "--subprocesses",
                "--rate",
                "100",
                "--format",
                "raw",
                "--nonblocking",
                "--gil",  # samples of a thread holding the GIL: running Python, not waiting
                "-o",
                str(out),
                "--",
                *argv,
            ]
            self.stop_signal[name] = signal.SIGINT  # py-spy writes its profile on SIGINT
        logfile = open(self.run_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the run)
        proc = subprocess.Popen(  # noqa: S603
            argv,
            cwd=ROOT,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its children
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, self.stop_signal.get(name, signal.SIGTERM))
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for name in list(self.procs):
            self.stop(name)
        for what, argv in reversed(self.stop_commands):
            log(f"stopping {what} (started by this run): {' '.join(argv)}")
            subprocess.run(argv, check=False, capture_output=True, timeout=60)  # noqa: S603


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for(check: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def ensure_postgres(stack: Stack, port: int) -> str:
    if port_open(port):
        return f"PostgreSQL: found running at {HOST}:{port}"
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        ver, name, cport, *_ = line.split()
        if int(cport) == port:
            subprocess.run(["pg_ctlcluster", ver, name, "start"], check=True)  # noqa: S603,S607
            stack.stop_commands.append(("PostgreSQL", ["pg_ctlcluster", ver, name, "stop"]))
            wait_for(lambda: port_open(port), "PostgreSQL", 60)
            return f"PostgreSQL: was not running; started cluster {ver}/{name} on port {port}"
    raise RuntimeError(f"nothing listens on {HOST}:{port} and no cluster uses that port")


def ensure_redis(stack: Stack, port: int) -> str:
    if port_open(port):
        return f"Redis: found running at {HOST}:{port}"
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise RuntimeError(f"nothing listens on {HOST}:{port} and redis-server is not installed")
    pidfile = stack.run_dir / "redis.pid"
    subprocess.run(  # noqa: S603
        [
            redis_server,
            "--daemonize",
            "yes",
            "--port",
            str(port),
            "--bind",
            HOST,
            "--pidfile",
            str(pidfile),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(stack.run_dir),
            "--logfile",
            str(stack.run_dir / "redis.log"),
        ],
        check=True,
    )
    stack.stop_commands.append(
        ("Redis", ["redis-cli", "-h", HOST, "-p", str(port), "shutdown", "nosave"])
    )
    wait_for(lambda: port_open(port), "Redis", 30)
    return f"Redis: was not running; started redis-server --daemonize yes on port {port}"


# --------------------------------------------------------------------------- setup (in-process)


def django_env(args: argparse.Namespace, secret_key: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://postgres@{HOST}:{args.pg_port}/{args.db}",
        "REDIS_URL": f"redis://{HOST}:{args.redis_port}/{args.redis_db}",
        "CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def recreate_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@{HOST}:{args.pg_port}/postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')


def manage(env: dict[str, str], *argv: str) -> None:
    subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "manage.py", *argv],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass
class Planned:
    """One student's submission in one run: which instance, what answer, of which kind."""

    student: str
    run: str
    instance_id: int
    kind: str
    answer: str
    expect: bool | None  # the verdict a correct grader gives (None: rejected before storing)
    task_key: str = ""  # (task, normalized answer), to count what a verdict cache would reuse
    warm: bool = False  # a warm-up student, not measured


def _slow_answer(c: Any, key_text: str) -> str | None:
    """A correct answer that is long and expanded: key + expand((u+v+1)^n) - (u+v+1)^n."""
    import sympy

    from grading.engine import preview
    from grading.engine.printing import to_text
    from grading.engine.sympy_bridge import from_sympy

    task = c.task
    if c.is_number:
        base = sympy.sqrt(2) + 1
        names: list[str] = []
    else:
        names = list(task.variables[:2])
        base = sum(c.symbols[n] for n in names) + 1
    for power in (8, 7, 6, 5, 4, 3):
        expanded = to_text(from_sympy(sympy.expand(base**power)))
        plain = to_text(from_sympy(base))
        parts = [f"{k} + ({expanded}) - ({plain})^{power}" for k in c_components(c, key_text)]
        text = "<" + ", ".join(parts) + ">" if c.is_vector else parts[0]
        if preview(text, task.variables, task=task).ok:
            return text
    return None


def c_components(c: Any, key_text: str) -> list[str]:
    from grading.engine.printing import to_text

    return [to_text(n) for n in c.key_nodes] if c.is_vector else [key_text]


def plan_answers(
    params: dict[str, Any], seed: int, kind: str, rng: random.Random
) -> tuple[str, str, bool | None]:
    """(kind, answer, expected verdict) for one instance; falls back to another kind if the
    variant has no such answer (e.g. no typical mistake)."""
    import sympy

    from exercises.generators import task_of
    from grading.engine import diagnosis, key_of, limits, preview
    from grading.engine.compiled import compile_task
    from grading.engine.printing import to_text
    from grading.engine.sympy_bridge import from_sympy

    task = task_of(params)
    c = compile_task(task)
    key = key_of(task)
    if kind == "malformed":
        for text in rng.sample(MALFORMED, len(MALFORMED)):
            if not preview(text, task.variables, task=task).ok:
                return kind, text, None
    if kind == "slow":
        text = _slow_answer(c, key.text)
        if text is not None:
            return kind, text, True
    if kind == "wrong" and c.function is not None:
        candidates = diagnosis.typical_mistakes(
            c.function,
            wrt=[c.symbols[v] for v in task.wrt],
            variables=[c.symbols[v] for v in task.variables],
            gradient=task.gradient,
            budget_s=limits.DIAGNOSIS_BUDGET_S,
        )
        rng.shuffle(candidates)
        for cand in candidates[:6]:
            try:
                exprs = [e.subs(c.point) if c.point else e for e in cand.expr]
                texts = [to_text(from_sympy(e)) for e in exprs]
            except Exception:  # noqa: BLE001, S112 (an unusable candidate: try the next)
                continue
            text = "<" + ", ".join(texts) + ">" if c.is_vector else texts[0]
            # at a point a mistake can give the key's very value: that answer is right
            if text != key.text and preview(text, task.variables, task=task).ok:
                return kind, text, False
    # correct: half as SymPy writes the key, half rewritten (factored or expanded) by hand
    if rng.random() < 0.5 and not c.is_vector:
        e = c.key_exprs[0]
        for alt in (sympy.factor(e), sympy.expand(e)):
            try:
                text = to_text(from_sympy(alt))
            except Exception:  # noqa: BLE001, S112
                continue
            if text != key.text and preview(text, task.variables, task=task).ok:
                return "correct", text, True
    return "correct", key.text, True


def _make_instances(job: tuple[int, list[int], str, list[str]]) -> list[dict[str, Any]]:
    """In a pool process: the student's instances (service, with the variant check) and answers."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from exercises.models import ProblemSetItem
    from exercises.services import instance_get_or_create
    from grading.engine import preview

    index, item_ids, kind, run_names = job
    warm = index < 0
    username = f"warm{-index:03d}" if warm else f"bench{index:04d}"
    user = get_user_model().objects.get(username=username)
    rng = random.Random(index)
    out = []
    for run_name, item_id in zip(run_names, item_ids, strict=True):
        item = ProblemSetItem.objects.select_related("template").get(pk=item_id)
        instance = instance_get_or_create(item=item, student=user)
        real_kind, answer, expect = plan_answers(instance.params, instance.seed, kind, rng)
        from exercises.generators import task_of

        shown = preview(answer, tuple(instance.params["variables"]), task=task_of(instance.params))
        out.append(
            {
                "student": user.username,
                "run": run_name,
                "instance_id": instance.pk,
                "kind": real_kind,
                "answer": answer,
                "expect": expect,
                "warm": warm,
                "task_key": json.dumps(
                    [
                        instance.params["function"],
                        instance.params.get("wrt"),
                        instance.params.get("at"),
                        shown.normalized,
                    ]
                ),
            }
        )
    connection.close()
    return out


def _pool_init() -> None:
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


def setup_data(args: argparse.Namespace, runs: list[str]) -> tuple[list[Planned], float]:
    from django.contrib.auth import base_user, hashers
    from django.contrib.auth import models as auth_models
    from django.db import connections
    from django.utils import timezone

    from exercises.models import Membership
    from exercises.services import (
        course_create,
        membership_create,
        problem_set_create,
        problem_set_item_create,
        problem_template_upsert,
        user_create,
    )

    t0 = time.perf_counter()
    course = course_create(code="deadline-bench", title_en="Deadline bench", title_ko="마감 벤치")
    due = timezone.now() + timedelta(days=7)
    pset = problem_set_create(course=course, title_en="Exam", title_ko="시험", due_at=due)
    items: dict[str, list[int]] = {}
    for position, family in enumerate(FAMILIES):
        template = problem_template_upsert(
            slug=f"bench-{family}", family=family, title_en=family, title_ko=family
        )
        items[family] = [
            problem_set_item_create(
                problem_set=pset, template=template, position=2 * position + k, max_attempts=3
            ).pk
            for k in range(len(runs))
        ]
    # One real PBKDF2 hash (production's hasher and iterations) shared by all bench students,
    # so making 500 users does not cost 500 hashes; every login still verifies it in full.
    one_hash = hashers.make_password(PASSWORD)
    real_make_password = hashers.make_password

    def shared_hash(raw: str | None, *a: Any, **k: Any) -> str:
        return one_hash if raw == PASSWORD else real_make_password(raw, *a, **k)

    patched = (base_user, auth_models)  # the modules that imported make_password by name
    for module in patched:
        module.make_password = shared_hash  # type: ignore[attr-defined]
    try:
        names = [f"bench{i:04d}" for i in range(args.students)]
        names += [f"warm{i:03d}" for i in range(1, args.warmup + 1)]
        for name in names:
            user = user_create(username=name, password=PASSWORD)
            membership_create(course=course, user=user, role=Membership.Role.STUDENT)
    finally:
        for module in patched:
            module.make_password = real_make_password  # type: ignore[attr-defined]
    kinds = [k for k, w in KIND_WEIGHTS for _ in range(w)]
    jobs = []
    for i in range(args.students):
        kind = kinds[(i * 37) % len(kinds)]  # spread the kinds evenly over families
        jobs.append((i, items[FAMILIES[i % len(FAMILIES)]], kind, runs))
    for i in range(1, args.warmup + 1):
        jobs.append((-i, items[FAMILIES[i % len(FAMILIES)]], "correct", runs))
    for conn in connections.all(initialized_only=True):
        conn.close()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes=max(1, os.cpu_count() or 1), initializer=_pool_init) as pool:
        rows = [r for chunk in pool.imap(_make_instances, jobs, chunksize=8) for r in chunk]
    planned = [Planned(**r) for r in rows]
    return planned, time.perf_counter() - t0


# --------------------------------------------------------------------------- the browser


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

    def login(self, username: str) -> None:
        status, _, page = self.request("GET", "/accounts/login/")
        m = self.TOKEN.search(page)
        if status != 200 or m is None:
            raise RuntimeError(f"login page: HTTP {status}")
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": m.group(1),
                "username": username,
                "password": PASSWORD,
                "next": "",
            },
            {"Referer": f"{self.origin}/accounts/login/"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username}: HTTP {status}")

    def open_problem(self, instance_id: int) -> None:
        status, _, page = self.request("GET", f"/problems/{instance_id}/")
        m = self.TOKEN.search(page)
        if status != 200 or m is None:
            raise RuntimeError(f"problem page {instance_id}: HTTP {status}")
        self.tokens[instance_id] = m.group(1)

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

    user = get_user_model().objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
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


def burst(
    browsers: dict[str, Browser],
    planned: list[Planned],
    seconds: float,
    threads: int,
    hard_limit: float,
) -> tuple[list[Sent], float]:
    """Each student submits once, at a time spread uniformly (shuffled) over `seconds`."""
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
        try:
            s.status, body = browsers[s.planned.student].submit(
                s.planned.instance_id, s.planned.answer
            )
            s.rejected = 'class="rejected"' in body
        except Exception as exc:  # noqa: BLE001 (recorded as a failed request)
            s.error = f"{type(exc).__name__}: {exc}"
        s.answered = time.time()
        return s

    pool = cf.ThreadPoolExecutor(threads)
    futures = [pool.submit(fire, s) for s in sends]
    done, not_done = cf.wait(futures, timeout=hard_limit)
    for f in not_done:
        f.cancel()
    pool.shutdown(wait=False, cancel_futures=True)
    for s in sends:
        if not s.answered:
            s.error = s.error or f"no answer within the {hard_limit:.0f} s limit"
    return sends, t0


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return out


def _descendants(roots: list[int], table: dict[int, tuple[int, float]]) -> set[int]:
    """These processes and their live descendants, by the parent pids in `table`."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        out.add(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_pids(roots: list[int]) -> set[int]:
    return _descendants(roots, _proc_table())


def cpu_of_trees(roots: list[int]) -> float:
    """CPU seconds used so far by these processes and their live descendants."""
    table = _proc_table()
    return sum(table.get(pid, (0, 0.0))[1] for pid in _descendants(roots, table))


def service_pids() -> list[int]:
    """PostgreSQL and Redis server processes (they serve this run, whoever started them)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                comm = (d / "comm").read_text().strip()
            except OSError:
                continue
            if comm in {"postgres", "redis-server"}:
                pids.append(int(d.name))
    return pids


def comm_snapshot() -> dict[int, tuple[str, float]]:
    """pid -> (command name, CPU seconds so far) for every process."""
    out = {}
    for pid, (_, cpu) in _proc_table().items():
        try:
            out[pid] = (Path(f"/proc/{pid}/comm").read_text().strip(), cpu)
        except OSError:
            continue
    return out


def other_by_name(
    before: dict[int, tuple[str, float]],
    after: dict[int, tuple[str, float]],
    known: set[int],
) -> list[tuple[str, float]]:
    """CPU used between two snapshots by processes outside `known`, summed by command name,
    largest first (what the "other" column is made of)."""
    by_name: dict[str, float] = {}
    for pid, (name, cpu) in after.items():
        if pid in known:
            continue
        used = cpu - before.get(pid, (name, 0.0))[1]
        if used > 0:
            by_name[name] = by_name.get(name, 0.0) + used
    return sorted(by_name.items(), key=lambda kv: -kv[1])


def services_snapshot() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL and Redis process alive now."""
    table = _proc_table()
    return {pid: table[pid][1] for pid in service_pids() if pid in table}


def services_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the services used between two snapshots. A process started in between (a new
    PostgreSQL backend) counts from zero; one that ended in between is missed, since its
    last reading is gone (so this is a lower bound, never negative)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def own_cpu() -> float:
    """CPU seconds this process (the client, without its children) has used."""
    t = os.times()
    return t.user + t.system


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_split() -> dict[str, float]:
    """CPU seconds the whole machine has spent so far, by kind (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    tick = os.sysconf("SC_CLK_TCK")
    return {name: int(v) / tick for name, v in zip(STAT_FIELDS, fields, strict=True)}


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- measuring


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(q / 100 * len(values) + 0.5)) - 1))
    return values[k]


def wait_graded(instance_ids: list[int], timeout: float) -> tuple[list[dict[str, Any]], float]:
    from exercises.models import Submission

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


@dataclass
class Result:
    name: str
    config: str
    sends: list[Sent]
    rows: list[dict[str, Any]]
    t0: float
    waited: float
    load: str = "?"
    cpu: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    others: list[tuple[str, float]] = field(default_factory=list)
    split: dict[str, float] = field(default_factory=dict)


def analyse(res: Result) -> dict[str, Any]:
    by_instance = {r["instance_id"]: r for r in res.rows}
    stored = [s for s in res.sends if s.planned.instance_id in by_instance]
    http_ok = [s for s in res.sends if s.status == 200 and not s.error]
    first = min(s.sent for s in res.sends)
    last_stored = max((s.answered for s in stored), default=first)
    graded, lost, lat, lat_client, queue_wait, grade_time, engine_ms = [], [], [], [], [], [], []
    errors = 0
    unexpected: list[tuple[Planned, bool | None, str]] = []
    kinds: dict[str, dict[str, Any]] = {}
    for s in res.sends:
        k = kinds.setdefault(
            s.planned.kind,
            {
                "sent": 0,
                "stored": 0,
                "rejected": 0,
                "graded": 0,
                "lost": 0,
                "as_expected": 0,
                "lat": [],
                "engine": [],
            },
        )
        k["sent"] += 1
        row = by_instance.get(s.planned.instance_id)
        if row is None:
            if s.planned.expect is None and s.rejected and s.status == 200:
                k["rejected"] += 1  # malformed: rejected, nothing stored, no attempt used
            else:
                k["lost"] += 1
                lost.append((s, "never stored", s.error or f"HTTP {s.status}"))
            continue
        k["stored"] += 1
        if row["status"] != "graded":
            if row["status"] == "error":
                errors += 1
            k["lost"] += 1
            lost.append((s, f"stored, still {row['status']}", ""))
            continue
        k["graded"] += 1
        graded.append(row)
        if row["equivalent"] is s.planned.expect:
            k["as_expected"] += 1
        else:
            unexpected.append((s.planned, row["equivalent"], row["method"]))
        v = (row["graded_at"] - row["created_at"]).total_seconds()
        lat.append(v)
        k["lat"].append(v)
        lat_client.append(row["graded_at"].timestamp() - s.sent)
        queue_wait.append((row["started_at"] - row["created_at"]).total_seconds())
        grade_time.append((row["graded_at"] - row["started_at"]).total_seconds())
        e = float((row["verdict"] or {}).get("elapsed_ms", 0.0))
        engine_ms.append(e)
        k["engine"].append(e)
    stored_ids = [r["instance_id"] for r in res.rows]
    sent_window = max(s.sent for s in res.sends) - first
    resp = [s.answered - s.sent for s in http_ok]
    seen: set[str] = set()
    repeats = 0
    gradable = [s for s in stored]
    for s in sorted(gradable, key=lambda s: s.sent):
        repeats += s.planned.task_key in seen
        seen.add(s.planned.task_key)
    return {
        "sent": len(res.sends),
        "sent_window": sent_window,
        "http_ok": len(http_ok),
        "stored": len(stored_ids),
        "duplicates": len(stored_ids) - len(set(stored_ids)),
        "accepted_per_s": len(stored) / max(1e-9, last_stored - first),
        "graded": len(graded),
        "unexpected": unexpected,
        "lost": lost,
        "errors": errors,
        "lat": lat,
        "lat_client": lat_client,
        "queue_wait": queue_wait,
        "grade_time": grade_time,
        "engine_ms": engine_ms,
        "resp": resp,
        "kinds": kinds,
        "cache_hits_possible": repeats,
        "cache_use": {
            use: sum(1 for r in graded if (r["verdict"] or {}).get("cache", "off") == use)
            for use in ("hit", "miss", "off")
        },
        "cache_lookups": len(gradable),
        "drain": max((r["graded_at"].timestamp() for r in graded), default=first) - first,
    }


def fmt(v: float) -> str:
    return "–" if v != v else f"{v:.2f}"  # noqa: PLR0124 (nan)


# --------------------------------------------------------------------------- profile


def profile_engine(planned: list[Planned]) -> tuple[str, dict[str, float]]:
    """cProfile of the worker's work (grade() as the task calls it, with the instance's prepared
    task, each task compiled cold as in a fresh worker) over this run's gradable answers; plus
    wall time by kind."""
    from exercises.generators import task_of
    from exercises.models import ProblemInstance
    from grading.engine import grade
    from grading.engine.compiled import forget_compiled
    from grading.services import instance_prepared

    instances = ProblemInstance.objects.in_bulk([p.instance_id for p in planned])
    by_kind: dict[str, list[float]] = {}
    prof = cProfile.Profile()
    for p in planned:
        if p.expect is None:
            continue
        inst = instances[p.instance_id]
        task = task_of(inst.params)
        forget_compiled()
        t = time.perf_counter()
        prof.enable()
        grade(task, p.answer, seed=inst.seed, prepared=instance_prepared(instance=inst))
        prof.disable()
        by_kind.setdefault(p.kind, []).append(time.perf_counter() - t)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(18)
    summary = {k: statistics.mean(v) * 1000 for k, v in by_kind.items()}
    return out.getvalue(), summary


def compact_profile(text: str, limit: int = 14) -> list[str]:
    lines = []
    for line in text.splitlines():
        m = re.match(r"\s*(\d+(?:/\d+)?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.*)", line)
        if m:
            where = m.group(6)
            where = where.replace(str(ROOT) + "/", "").replace(str(ROOT / ".venv") + "/", "")
            where = re.sub(r".*/site-packages/", "", where)
            lines.append(f"| {m.group(4)} | {m.group(2)} | `{where}` |")
        if len(lines) >= limit:
            break
    return lines


def pyspy_summary(
    path: Path, must: str, top: int = 12
) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """From py-spy's raw stacks: samples under `must`, then inclusive share of the project's
    (and a few library) functions, and the self share of leaf functions."""
    total = 0
    incl: dict[str, int] = {}
    leaf: dict[str, int] = {}
    if not path.exists():
        return 0, [], []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if must not in stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [
            re.sub(r"\(.*/site-packages/", "(", f).replace(str(ROOT) + "/", "") for f in frames
        ]
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
        leaf[frames[-1]] = leaf.get(frames[-1], 0) + n
    project = [
        (f, 100 * c / total)
        for f, c in incl.items()
        if total
        and re.search(
            r"\((exercises|grading|config)/|pbkdf2|psycopg/cursor|kombu/|"
            r"django/template/base|django/contrib/sessions|celery/app/task",
            f,
        )
    ]
    project.sort(key=lambda x: -x[1])
    leaves = sorted(((f, 100 * c / total) for f, c in leaf.items()), key=lambda x: -x[1])
    return total, project[:top], leaves[:8]


# --------------------------------------------------------------------------- main


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; Python {platform.python_version()}"  # noqa: E501


def speed_probe() -> str:
    """How fast this machine is right now, on fixed work, so that runs on different machines
    (or on one machine whose speed changes over the day) can be compared: the same code met
    the target on one machine and missed it on another about 2.5x slower."""
    import hashlib

    def best_ms(work: Any, repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            work()
            times.append(time.perf_counter() - t0)
        return 1000 * min(times)

    def python_loop() -> None:
        total = 0
        for i in range(1_000_000):
            total += i % 7
        if total < 0:
            raise AssertionError

    pbkdf2 = best_ms(lambda: hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 200_000))
    loop = best_ms(python_loop)
    return (
        f"speed probe (best of 5, one core): PBKDF2-SHA256 200,000 iterations {pbkdf2:.0f} ms, "
        f"a pure-Python loop of 1,000,000 steps {loop:.0f} ms"
    )


def service_versions(args: argparse.Namespace) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    import redis

    r = redis.Redis(host=HOST, port=args.redis_port)
    return f"PostgreSQL {pg}, Redis {r.info()['redis_version']}"


def start_workers(
    stack: Stack,
    env: dict[str, str],
    nodes: int,
    concurrency: int,
    tag: str,
    pyspy: str | None = None,
) -> None:
    for n in range(nodes):
        name = f"worker-{tag}-{n}"
        stack.spawn(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config.celery_app",
                "worker",
                "-P",
                "prefork",
                "-c",
                str(concurrency),
                "-Q",
                "grading",
                "-n",
                f"{name}@%h",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            pyspy,
        )
    for n in range(nodes):
        name = f"worker-{tag}-{n}"
        wait_for(
            lambda name=name: b" ready." in (stack.run_dir / f"{name}.log").read_bytes(),
            f"Celery {name}",
            90,
        )


def stop_workers(stack: Stack, tag: str) -> None:
    for name in [n for n in stack.procs if n.startswith(f"worker-{tag}-")]:
        stack.stop(name)


def run_phase(
    args: argparse.Namespace,
    stack: Stack,
    env: dict[str, str],
    browsers: dict[str, Browser],
    planned: list[Planned],
    name: str,
    nodes: int,
    concurrency: int,
    wenv: dict[str, str],
) -> Result:
    import redis

    redis.Redis(host=HOST, port=args.redis_port, db=args.redis_db).flushdb()
    start_workers(
        stack, {**env, **wenv}, nodes, concurrency, name, args.py_spy if name == "tuned" else None
    )
    config = f"{nodes} worker{'s' if nodes > 1 else ''} × prefork concurrency {concurrency}"
    if wenv:
        config += " (" + ", ".join(f"{k}={v}" for k, v in wenv.items()) + ")"
    warm = [p for p in planned if p.warm]
    planned = [p for p in planned if not p.warm]
    if warm:
        # Each web worker's first Celery publish imports kombu's Redis transport (about 1 s);
        # a deadline meets warm processes, so warm-up students submit first (not measured).
        with cf.ThreadPoolExecutor(args.gunicorn_workers * 2) as pool:
            list(pool.map(lambda p: browsers[p.student].submit(p.instance_id, p.answer), warm))
        wait_graded([p.instance_id for p in warm], 60)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    log(
        f"{name}: {config}; {len(warm)} warm-up submissions graded; load average {load}; "
        f"burst of {len(planned)} submissions over {args.burst_seconds:.0f} s"
    )
    web = [stack.procs["gunicorn"].pid]
    workers = [p.pid for n, p in stack.procs.items() if n.startswith(f"worker-{name}-")]
    services0 = services_snapshot()
    comms0 = comm_snapshot()
    split0 = machine_split()
    cpu0 = (
        cpu_of_trees(web),
        cpu_of_trees(workers),
        own_cpu(),
        0.0,
        machine_busy(),
    )
    sends, t0 = burst(browsers, planned, args.burst_seconds, args.client_threads, args.hard_limit)
    log(f"{name}: burst done in {max(s.answered for s in sends) - t0:.1f} s; waiting for verdicts")
    rows, waited = wait_graded([p.instance_id for p in planned], args.verdict_timeout)
    cpu1 = (
        cpu_of_trees(web),
        cpu_of_trees(workers),
        own_cpu(),
        services_used(services0, services_snapshot()),
        machine_busy(),
    )
    known = tree_pids(web + workers) | set(services0) | set(service_pids()) | {os.getpid()}
    others = other_by_name(comms0, comm_snapshot(), known)
    split1 = machine_split()
    split = {k: split1[k] - split0[k] for k in STAT_FIELDS}
    wall = time.time() - t0
    used = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    cpu = {
        "web": used[0],
        "workers": used[1],
        "client": used[2],
        "services": used[3],
        "other": max(0.0, used[4] - used[0] - used[1] - used[2] - used[3]),
        "wall": wall,
    }
    res_others = others
    stop_workers(stack, name)
    res = Result(
        name, config, sends, rows, t0, waited, load=load, cpu=cpu, others=res_others, split=split
    )
    res.stats = analyse(res)
    st = res.stats
    log(
        f"{name}: stored {st['stored']}, graded {st['graded']}, lost {len(st['lost'])}; "
        f"p50/p95/p99/max {fmt(pct(st['lat'], 50))}/{fmt(pct(st['lat'], 95))}/"
        f"{fmt(pct(st['lat'], 99))}/{fmt(max(st['lat'], default=float('nan')))} s"
    )
    return res


def git_state(written: Path | None = None) -> str:
    """The commit, and whether tracked files differ from it; the file this bench writes its
    section into (BENCHMARKS.md) does not count, so a second run is not reported as changed
    code."""

    def git(*argv: str) -> str:
        out = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603,S607
        return out.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("diff", "HEAD", "--name-only").splitlines()
    if written is not None:
        own = written.resolve()
        changed = [name for name in changed if (ROOT / name).resolve() != own]
    return head + (" with uncommitted changes" if changed else "")


def report(
    args: argparse.Namespace,
    results: list[Result],
    env_info: list[str],
    timings: dict[str, float],
    profile: tuple[str, dict[str, float]] | None,
    gtimes: dict[str, list[float]],
    command: str,
    pyspy_files: list[tuple[str, Path, str]] = (),  # type: ignore[assignment]
) -> str:
    L: list[str] = [MARK_START, "## Deadline burst (`bench/deadline.py`)", ""]
    L.append(
        f"Command: `{command}` (run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"code at {git_state(args.write)})"
    )
    L.append("")
    L.append(f"Machine: {machine()}; {env_info[-1]}.")
    L.append("")
    L.append(
        f"Stack on this machine: gunicorn `config.wsgi` ({args.gunicorn_workers} sync workers, "
        f"production settings, bench SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, DEBUG off, "
        f"CONN_MAX_AGE={args.conn_max_age}), Celery prefork workers and beat, "
        f"PostgreSQL database `{args.db}` (dropped, created and migrated by the run), Redis db "
        f"{args.redis_db}. " + " ".join(env_info[:-1])
    )
    L.append("")
    L.append(
        f"{args.students} students, each logged in before the burst "
        + (
            "(--quick-login: a session made in the session store, as Django's test client's "
            "force_login does, then the problem page over HTTP for its CSRF token)"
            if args.quick_login
            else "over HTTP (login form with its CSRF token, then the problem page for its token)"
        )
        + f"; then one htmx-style POST per student "
        f"to `/problems/<id>/submit/`, spread over {args.burst_seconds:.0f} s, {args.client_threads} "  # noqa: E501
        f"client threads, hard limit {args.hard_limit:.0f} s. Both runs use the same students and "
        f"answer kinds, each on fresh instances of the same templates (one item per run). "
        f'Submit-to-verdict is `graded_at - created_at` of the stored Submission; "client" is '
        f"`graded_at` minus the moment the client sent the POST (adds the HTTP queue)."
    )
    L.append("")
    L.append(
        "| configuration | sent | accepted/s | stored | graded | lost | p50 s | p95 s | p99 s | max s | client p99 s | all graded after s |"  # noqa: E501
    )
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        st = r.stats
        L.append(
            f"| {r.name}: {r.config} | {st['sent']} in {st['sent_window']:.1f} s | "
            f"{st['accepted_per_s']:.0f} | {st['stored']} | {st['graded']} | {len(st['lost'])} | "
            f"{fmt(pct(st['lat'], 50))} | {fmt(pct(st['lat'], 95))} | {fmt(pct(st['lat'], 99))} | "
            f"{fmt(max(st['lat'], default=float('nan')))} | {fmt(pct(st['lat_client'], 99))} | "
            f"{st['drain']:.1f} |"
        )
    L.append("")
    tuned = results[-1]
    all_graded = (
        len(tuned.stats["lost"]) == 0
        and tuned.stats["graded"] + tuned.stats["kinds"].get("malformed", {}).get("rejected", 0)
        == tuned.stats["sent"]
    )
    server_p99, client_p99 = pct(tuned.stats["lat"], 99), pct(tuned.stats["lat_client"], 99)
    # The student's wait runs from the click: the client's p99 (send to verdict) is the target;
    # the server's (stored to verdict) leaves out the time a request waits to be taken.
    target_ok = all_graded and client_p99 <= 2.0 and server_p99 <= 2.0
    # the target is for the burst: 500 students within 5 s
    full_burst = args.students >= 500 and args.burst_seconds <= 5.0
    verdict = ("met" if target_ok else "NOT met") if full_burst else "not judged: a smaller burst"
    L.append(
        f"Target (500 students in 5 s: all graded, p99 submit-to-verdict ≤ 2 s from the "
        f"client's send, none lost) for `{tuned.name}`: **{verdict}** (client p99 "
        f"{fmt(client_p99)} s, server-side p99 {fmt(server_p99)} s, "
        f"{'all' if all_graded else 'not all'} graded or refused before storing)."
    )
    L.append("")
    L.append(
        "By answer kind (each run): sent / stored / rejected before storing / graded / lost, "
        "verdict as expected, p99 submit-to-verdict, mean engine time."
    )
    L.append("")
    L.append(
        "| run | kind | sent | stored | rejected | graded | lost | verdict as expected | p99 s | engine ms |"  # noqa: E501
    )
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        for kind, k in sorted(r.stats["kinds"].items()):
            L.append(
                f"| {r.name} | {kind} | {k['sent']} | {k['stored']} | {k['rejected']} | {k['graded']} "  # noqa: E501
                f"| {k['lost']} | {k['as_expected'] if kind != 'malformed' else '–'} | "
                f"{fmt(pct(k['lat'], 99))} | {fmt(statistics.mean(k['engine'])) if k['engine'] else '–'} |"  # noqa: E501
            )
    L.append("")
    L.append("Where the time goes (medians / p99, seconds):")
    L.append("")
    L.append(
        "| run | HTTP submit (client) | queue wait (started_at - created_at) | task (graded_at - started_at) | engine (verdict.elapsed_ms) |"  # noqa: E501
    )
    L.append("| --- | --- | --- | --- | --- |")
    for r in results:
        st = r.stats
        eng = [e / 1000 for e in st["engine_ms"]]
        L.append(
            f"| {r.name} | {fmt(pct(st['resp'], 50))} / {fmt(pct(st['resp'], 99))} | "
            f"{fmt(pct(st['queue_wait'], 50))} / {fmt(pct(st['queue_wait'], 99))} | "
            f"{pct(st['grade_time'], 50) * 1000:.0f} ms / {pct(st['grade_time'], 99) * 1000:.0f} ms | "  # noqa: E501
            f"{pct(eng, 50) * 1000:.0f} ms / {pct(eng, 99) * 1000:.0f} ms |"
        )
    L.append("")
    L.append(
        "CPU seconds used from the start of the burst until the last verdict (wall time in "
        "brackets; the machine has 2 cores, so at most twice the wall time): gunicorn (all "
        "workers), Celery workers (all processes), this client (the bench process alone), PostgreSQL and Redis "  # noqa: E501
        "(all their processes: they also serve anyone else on the machine), and the rest of "
        "the machine's busy time (/proc/stat): other processes (named below when they used "
        "any) and what no process alive at the end accounts for."
    )
    L.append("")
    L.append(
        "| run | wall s | gunicorn | Celery | client | PostgreSQL + Redis | other | web CPU ms / submit | worker CPU ms / graded | load avg before |"  # noqa: E501
    )
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        c, st = r.cpu, r.stats
        L.append(
            f"| {r.name} | {c['wall']:.1f} | {c['web']:.1f} | {c['workers']:.1f} | "
            f"{c['client']:.1f} | {c['services']:.1f} | {c['other']:.1f} | "
            f"{1000 * c['web'] / max(1, st['sent']):.0f} | "
            f"{1000 * c['workers'] / max(1, st['graded']):.0f} | {r.load} |"
        )
    L.append("")
    for r in results:
        kinds = ", ".join(
            f"{k} {r.split.get(k, 0.0):.1f}" for k in STAT_FIELDS if k not in {"idle", "iowait"}
        )
        L.append(f"Machine CPU s in the same window by kind ({r.name} run, /proc/stat): {kinds}.")
        top = [f"{name} {cpu:.1f}" for name, cpu in r.others[:6] if cpu >= 0.05]
        if top:
            L.append(
                f"Largest other processes ({r.name} run), CPU s by name: " + ", ".join(top) + "."
            )
    L.append("")
    c, st = tuned.cpu, tuned.stats
    web_ms = 1000 * c["web"] / max(1, st["sent"])
    worker_ms = 1000 * c["workers"] / max(1, st["graded"])
    if web_ms and worker_ms:
        cores = os.cpu_count() or 1
        offered = st["sent"] / args.burst_seconds
        need = offered * (web_ms + worker_ms * st["graded"] / max(1, st["sent"])) / 1000
        L.append(
            f"Capacity (tuned run): a submission costs {web_ms:.0f} ms of gunicorn CPU and a "
            f"graded one {worker_ms:.0f} ms of Celery CPU, so the offered {offered:.0f} "
            f"submissions/s need {need:.1f} cores for gunicorn and Celery alone (PostgreSQL "
            f"not counted); this machine has {cores}. "
            f"At most {1000 * cores / (web_ms + worker_ms):.0f} submissions/s fit on {cores} idle "
            f"cores, so a {st['sent']}-submission burst takes at least "
            f"{st['sent'] * (web_ms + worker_ms) / 1000 / cores:.1f} s of CPU time to serve and "
            f"grade, before queueing."
        )
        L.append("")
    if gtimes:
        L.append(
            "gunicorn request time (access log `%(L)s`, whole run): "
            + "; ".join(
                f"{k}: n={len(v)}, median {statistics.median(v) * 1000:.0f} ms, p99 {pct(v, 99) * 1000:.0f} ms"  # noqa: E501
                for k, v in sorted(gtimes.items())
                if k.split()[1] in {"submit", "login", "problem"} or k.startswith("POST")
            )
            + "."
        )
        L.append("")
    st = tuned.stats
    for res in results:
        name, run_stats = res.name, res.stats
        use = run_stats["cache_use"]
        graded_n = max(1, sum(use.values()))
        L.append(
            f"Verdict cache ({name} run; grading.services.verdict_for, read from each stored "
            f"verdict's `cache` field): {use.get('hit', 0)} hits, {use.get('miss', 0)} misses, "
            f"{use.get('off', 0)} not cacheable, of {sum(use.values())} graded: hit rate "
            f"{100 * use.get('hit', 0) / graded_n:.0f} %. Of {run_stats['cache_lookups']} stored "
            f"answers, {run_stats['cache_hits_possible']} repeat an earlier (task, normalized "
            f"answer) pair, so at most {100 * run_stats['cache_hits_possible'] / max(1, run_stats['cache_lookups']):.0f} % "  # noqa: E501
            f"could hit (per-student variants make most keys unique; the baseline run starts "
            f"with what the warm-up left in the cache)."
        )
        L.append("")
    L.append("")
    L.append(
        "Setup (not timed in the table): "
        + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        + "."
    )
    L.append("")
    if profile:
        text, by_kind = profile
        L.append(
            "Profile of the worker's work: cProfile of `grade()` as `submission_grade` calls it, "
            "over the tuned run's stored answers, each task compiled cold as in a fresh worker "
            "(mean wall ms by kind: "
            + ", ".join(f"{k} {v:.1f}" for k, v in sorted(by_kind.items()))
            + "). Top by cumulative time:"
        )
        L.append("")
        L.append("| cumulative s | own s | function |")
        L.append("| --- | --- | --- |")
        L.extend(compact_profile(text))
        L.append("")
    for label, file, must in pyspy_files:
        total, project, leaves = pyspy_summary(file, must)
        if not total:
            continue
        L.append(f"py-spy ({label}, {total} samples at 100 Hz under `{must}`), inclusive share:")
        L.append("")
        L.append("| share | function |")
        L.append("| --- | --- |")
        L.extend(f"| {v:.0f} % | `{f}` |" for f, v in project)
        L.append("")
        L.append("Hottest leaves (self): " + "; ".join(f"`{f}` {v:.0f} %" for f, v in leaves) + ".")
        L.append("")
    L.append(MARK_END)
    return "\n".join(L) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARK_START in text and MARK_END in text:
        before = text[: text.index(MARK_START)]
        after = text[text.index(MARK_END) + len(MARK_END) :].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--students", type=int, default=500)
    ap.add_argument("--burst-seconds", type=float, default=5.0)
    ap.add_argument(
        "--client-threads",
        type=int,
        default=500,
        help="bound on requests in flight (a class of browsers: one each)",
    )
    ap.add_argument("--hard-limit", type=float, default=90.0, help="the burst's overall limit (s)")
    ap.add_argument("--verdict-timeout", type=float, default=120.0, help="then it is lost (s)")
    ap.add_argument("--gunicorn-workers", type=int, default=3, help="docker-compose.yml: 3")
    ap.add_argument("--workers", type=int, default=1, help="Celery worker processes (tuned)")
    ap.add_argument("--concurrency", type=int, default=2, help="prefork concurrency (tuned)")
    ap.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="CONN_MAX_AGE for web and workers (docker-compose.yml sets 60)",
    )
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--quick-login",
        action="store_true",
        help="make the students' sessions server-side instead of 500 logins over HTTP (each "
        "verifies a PBKDF2 hash: minutes of CPU); for quick looks, not the recorded run",
    )
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--warmup", type=int, default=12, help="warm-up students per run")
    ap.add_argument(
        "--py-spy",
        metavar="PATH",
        help="sample gunicorn and the tuned workers "
        "with this py-spy binary (a profile pass: it costs CPU)",
    )
    ap.add_argument("--db", default="pc_bench")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=13)
    ap.add_argument("--write", type=Path, help="write the section into this file (BENCHMARKS.md)")
    args = ap.parse_args()
    argv = " ".join(sys.argv[1:])
    if os.environ.get("BENCH_VIA_MAKE"):
        extra = argv.replace("--write BENCHMARKS.md", "").strip()
        command = "make bench-deadline" + (f" BENCH_ARGS='{extra}'" if extra else "")
    else:
        command = f".venv/bin/python bench/deadline.py {argv}".strip()

    run_dir = Path(tempfile.mkdtemp(prefix="pc-deadline-"))
    stack = Stack(run_dir)
    atexit.register(stack.close)

    def _terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    # Ctrl-C must reach the cleanup even when started in the background (SIGINT ignored there)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        return _main(args, stack, run_dir, command)
    finally:
        stack.close()
        log(f"stopped everything this run started; logs in {run_dir}")


def _main(args: argparse.Namespace, stack: Stack, run_dir: Path, command: str) -> int:
    log(f"run directory {run_dir}")
    probe = speed_probe()  # before anything this run starts uses the cores
    log(probe)
    env_info = [ensure_postgres(stack, args.pg_port), ensure_redis(stack, args.redis_port)]
    for line in env_info:
        log(line)
    secret_key = "bench-" + secrets.token_urlsafe(64)
    denv = django_env(args, secret_key)
    env = {**os.environ, **denv}
    os.environ.update(denv)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    recreate_database(args)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    timings["database created and migrated, static files collected"] = time.perf_counter() - t
    log(f"database {args.db} created and migrated")

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    env_info.append(f"{service_versions(args)}; {probe}")

    runs = ["tuned"] if args.no_baseline else ["baseline", "tuned"]
    planned, took = setup_data(args, runs)
    timings[f"{args.students} students and {len(planned)} instances (services, variant check)"] = (
        took
    )
    log(f"{args.students} students, {len(planned)} instances with answers in {took:.0f} s")

    port = free_port()
    stack.spawn(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(args.gunicorn_workers),
            "--timeout",
            "60",
            "--backlog",
            "2048",
            "--access-logfile",
            "-",
            "--access-logformat",
            "ACCESS %(t)s %(m)s %(U)s %(s)s %(L)s",
            "--log-level",
            "warning",
        ],
        env,
        args.py_spy,
    )
    wait_for(lambda: port_open(port), "gunicorn", 60)
    log(f"gunicorn on {HOST}:{port} with {args.gunicorn_workers} workers")

    t = time.perf_counter()
    browsers, took = login_all(
        port, planned, threads=max(4, args.gunicorn_workers * 2), quick=args.quick_login
    )
    how = "sessions made server-side (--quick-login)" if args.quick_login else "logins"
    timings[f"{len(browsers)} {how} and {len(planned)} problem pages over HTTP"] = took
    log(f"{len(browsers)} students logged in, problem pages open, in {took:.0f} s")

    stack.spawn(
        "beat",
        [
            str(VENV_BIN / "celery"),
            "-A",
            "config.celery_app",
            "beat",
            "-l",
            "WARNING",
            "-s",
            str(run_dir / "beat-schedule"),
        ],
        env,
    )
    results = []
    for run in runs:
        mine = [p for p in planned if p.run == run]
        if run == "baseline":
            results.append(run_phase(args, stack, env, browsers, mine, run, 1, 1, {}))
        else:
            results.append(
                run_phase(args, stack, env, browsers, mine, run, args.workers, args.concurrency, {})
            )

    profile = None
    if not args.no_profile:
        log("profiling the engine over the tuned run's answers")
        profile = profile_engine([p for p in planned if p.run == runs[-1]])
    # fix up the access log times: gunicorn's %(t)s is [dd/Mon/yyyy:HH:MM:SS +0000]
    gtimes = gunicorn_times_fixed(run_dir / "gunicorn.log")
    stack.stop("gunicorn")  # (writes its py-spy profile, if any)
    pyspy_files = (
        [
            (
                "gunicorn, the submit requests of both bursts",
                run_dir / "gunicorn.pyspy",
                "submission_create_view",
            ),
            (
                "the tuned Celery workers, the tuned burst",
                run_dir / "worker-tuned-0.pyspy",
                "submission_grade",
            ),
        ]
        if args.py_spy
        else []
    )
    section = report(args, results, env_info, timings, profile, gtimes, command, pyspy_files)
    print()
    print(section)
    if args.write:
        write_section(args.write, section)
        log(f"wrote the section into {args.write}")
    for r in results:
        for p, equivalent, method in r.stats["unexpected"]:
            log(
                f"{r.name}: {p.kind} answer graded {equivalent} by {method}, expected "
                f"{p.expect}: instance {p.instance_id}, {p.answer[:120]!r}"
            )
    tuned = results[-1].stats
    for s, why, detail in tuned["lost"][:10]:
        log(
            f"lost: {s.planned.student} instance {s.planned.instance_id} ({s.planned.kind}): {why} {detail}"  # noqa: E501
        )
    return 0


def gunicorn_times_fixed(logfile: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    if not logfile.exists():
        return out
    for line in logfile.read_text(errors="replace").splitlines():
        m = re.search(r"ACCESS \[[^\]]*\] (\S+) (\S+) (\d+) ([\d.]+)", line)
        if not m:
            continue
        path = m.group(2)
        kind = (
            "submit"
            if path.endswith("/submit/")
            else "login"
            if path.startswith("/accounts/login")
            else "problem"
            if path.startswith("/problems/")
            else "other"
        )
        out.setdefault(f"{m.group(1)} {kind}", []).append(float(m.group(4)))
    return out


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything it started is already stopped (main's finally)
        sys.exit(130)
