"""Starting and stopping gunicorn, Celery, PostgreSQL and Redis, and the bench database's data."""

from __future__ import annotations

import argparse
import atexit
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"


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


def bench_command(make_target: str, module: str, argv: list[str]) -> str:
    """How the run was started, for its report: `make <target>` with its BENCH_ARGS, or the
    module with its arguments."""
    shown = " ".join(argv)
    if os.environ.get("BENCH_VIA_MAKE"):
        extra = shown.replace("--write BENCHMARKS.md", "").strip()
        return f"make {make_target}" + (f" BENCH_ARGS='{extra}'" if extra else "")
    return f".venv/bin/python -m {module} {shown}".strip()


def run_in_stack(prefix: str, run: Callable[[Stack, Path], int]) -> int:
    """`run(stack, run_dir)` in a new run directory; what it started is stopped at the end,
    on Ctrl-C, SIGTERM and SIGHUP too."""
    run_dir = Path(tempfile.mkdtemp(prefix=prefix))
    stack = Stack(run_dir)
    atexit.register(stack.close)

    def _terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    # Ctrl-C must reach the cleanup even when started in the background (SIGINT ignored there)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        return run(stack, run_dir)
    finally:
        stack.close()
        log(f"stopped everything this run started; logs in {run_dir}")


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


def add_stack_arguments(ap: argparse.ArgumentParser, *, db: str) -> None:
    """The options django_env, recreate_database and setup_data read, for a bench that runs on
    this stack in its own process (bench/submit_cost.py, bench/worker_cost.py)."""
    ap.add_argument("--db", default=db)
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument("--conn-max-age", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=4)


def django_env(args: argparse.Namespace, secret_key: str) -> dict[str, str]:
    """Settings for the bench's processes: its own database and Redis db number. The broker and
    the cache are named too, so that a CELERY_BROKER_URL or CACHE_URL in the caller's
    environment cannot point them at another Redis db (the test suite's, db 0)."""
    redis_url = f"redis://{HOST}:{args.redis_port}/{args.redis_db}"
    env = {
        # production's settings plus the floor (bench/deadline/floor/) the costs are compared to
        "DJANGO_SETTINGS_MODULE": "bench.deadline.settings",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://postgres@{HOST}:{args.pg_port}/{args.db}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,
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


def settle_database(args: argparse.Namespace) -> None:
    """Before a burst: VACUUM (ANALYZE) the bench's database and CHECKPOINT, so that
    PostgreSQL's own after-work of what came before (autovacuum of the set-up's thousands of
    rows, the checkpoint of their WAL) does not land inside the burst's window. Each burst,
    the floor's and ours, starts from the same settled database."""
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@{HOST}:{args.pg_port}/{args.db}", autocommit=True
    ) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


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

    from exercises.authoring.generators import task_of
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

    from exercises.authoring.models import ProblemSetItem
    from exercises.authoring.services.instances import (
        instance_get_or_create,
        instance_worked_record,
    )
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
        # what a worker does after the student's first open (grading.tasks.instance_worked_task),
        # long before a deadline: the worked solution and hints the verdicts show
        instance_worked_record(instance_id=instance.pk)
        real_kind, answer, expect = plan_answers(instance.params, instance.seed, kind, rng)
        from exercises.authoring.generators import task_of

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

    from exercises.authoring.services.problem_sets import (
        problem_set_create,
        problem_set_item_create,
    )
    from exercises.authoring.services.templates import problem_template_upsert
    from exercises.courses.models import Membership
    from exercises.courses.services.accounts import course_create, membership_create, user_create

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


def service_versions(args: argparse.Namespace) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    import redis

    r = redis.Redis(host=HOST, port=args.redis_port)
    return f"PostgreSQL {pg}, Redis {r.info()['redis_version']}"


def celery_worker_argv(name: str, concurrency: int, app: str = "config.celery_app") -> list[str]:
    """A grading worker's command line: prefork, on the grading queue, as docker-compose.yml
    runs it (no gossip, mingle or heartbeat)."""
    return [
        str(VENV_BIN / "celery"),
        "-A",
        app,
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
        "--without-heartbeat",
    ]


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
        stack.spawn(name, celery_worker_argv(name, concurrency), env, pyspy)
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
