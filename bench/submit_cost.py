"""CPU cost of one submission, in-process: the submit view and the grading service, profiled.

`bench/deadline/` measures the whole stack under a burst, but a run takes a quarter of an hour
(500 PBKDF2 logins). This measures the two halves one submission costs, in one process, with
production settings against PostgreSQL and Redis, so that a change to either can be judged in a
minute:

- web: `POST /problems/<id>/submit/` as htmx sends it, through the whole middleware stack
  (Django's test client, logged in with a real session; the Celery publish goes to Redis);
- worker: `grading.services.submission_grade_record` (what the Celery task runs) on what was
  stored (the engine plus its queries); the Celery machinery around it (prefork pool, acks)
  is not included.

It prints CPU ms per submission for each half and, with `--profile`, cProfile's top entries.
With `--pg-statements`, what PostgreSQL spent on each phase's statements (pg_stat_statements,
planning included: the server must load it, see `--help`).

    .venv/bin/python bench/submit_cost.py --students 80
    .venv/bin/python bench/submit_cost.py --students 80 --profile web
    .venv/bin/python bench/submit_cost.py --students 60 --pg-statements
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.deadline import accounting, stack  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--students", type=int, default=80)
    ap.add_argument(
        "--profile",
        choices=["web", "poll", "wait", "verdict", "graded-wait", "worker"],
        action="append",
        default=[],
    )
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    stack.add_stack_arguments(ap, db="pc_cost")
    ap.add_argument("--gc-freeze", action="store_true", help="gc.freeze() before measuring")
    ap.add_argument(
        "--pg-statements",
        action="store_true",
        help=(
            "per phase, PostgreSQL's statements a submission and their run and planning time "
            "(pg_stat_statements, the bench's database's entries reset before each phase). "
            "Needs it loaded, as a superuser: add 'pg_stat_statements' to "
            "shared_preload_libraries (ALTER SYSTEM SET shared_preload_libraries = "
            "'pg_stat_statements' where the list was empty); restart PostgreSQL; then ALTER "
            "SYSTEM SET pg_stat_statements.track_planning = on; SELECT pg_reload_conf(). "
            "ALTER SYSTEM RESET both and restart to undo. The wait phase's statements include "
            "those of the region it loads once graded, which its CPU figure leaves out."
        ),
    )
    args = ap.parse_args()

    denv = stack.django_env(args, "cost-" + secrets.token_urlsafe(64))
    os.environ.update(denv)
    stack.recreate_database(args)
    stack.manage({**os.environ}, "migrate", "--no-input")
    statements = _PgStatements(args) if args.pg_statements else None

    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.test import Client

    from grading.models import Submission

    try:
        from grading.services import submission_grade_record
    except ImportError:  # code before 3744c71 (to measure it in the same run)
        from grading.services import submission_grade as submission_grade_record

    redis.Redis.from_url(denv["REDIS_URL"]).flushdb()
    planned, took = stack.setup_data(args, ["cost"])
    print(f"setup: {args.students} students, {len(planned)} instances in {took:.0f} s")
    users = {u.username: u for u in get_user_model().objects.all()}
    order = [p for p in planned if p.warm] + [p for p in planned if not p.warm]

    # One client (one handler: middleware loaded once, as in a gunicorn worker), with each
    # student's session cookie put in before their request.
    client = Client(
        HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="en", SERVER_NAME="127.0.0.1"
    )
    cookies = {}
    for p in order:
        client.cookies = type(client.cookies)()
        client.force_login(users[p.student])
        cookies[p.student] = client.cookies

    def htmx(method: str, p: stack.Planned, path: str, data: dict[str, str]) -> float:
        """CPU of one htmx request of the student's, from the problem page."""
        client.cookies = cookies[p.student]
        page = f"https://127.0.0.1/problems/{p.instance_id}/"
        t0 = time.process_time()
        resp = getattr(client, method)(
            path,
            data,
            headers={"HX-Request": "true", "HX-Current-URL": page, "HX-Target": "result"},
            secure=True,
        )
        spent = time.process_time() - t0
        if resp.status_code != 200:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status_code}")
        return spent

    def submit(p: stack.Planned) -> float:
        return htmx("post", p, f"/problems/{p.instance_id}/submit/", {"answer": p.answer})

    services: dict[str, float] = {}  # PostgreSQL and Redis CPU s of each phase's items

    def measured(name: str, fn, items):  # type: ignore[no-untyped-def]
        prof = cProfile.Profile(time.process_time) if name in args.profile else None
        if statements:
            statements.reset()
        s0 = accounting.services_snapshot()  # after the reset, before the report: not counted
        costs = []
        for it in items:
            if prof:
                prof.enable()
            costs.append(fn(it))
            if prof:
                prof.disable()
        services[name] = accounting.services_used(s0, accounting.services_snapshot())
        if statements:
            statements.report(name, len(items))
        if prof:
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out).sort_stats(args.sort)
            stats.print_stats(args.top)
            print(out.getvalue())
        return costs

    if args.gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
    warm = [p for p in order if p.warm]
    cold = [p for p in order if not p.warm]
    for p in warm:
        submit(p)
    web = measured("web", submit, cold)

    def poll(p: stack.Planned) -> float:
        """The result region's poll, as htmx sends it (pending before grading, then the verdict)."""
        return htmx("get", p, f"/problems/{p.instance_id}/", {"poll": "1"})

    polled = measured("poll", poll, cold)

    def wait(p: stack.Planned) -> float:
        """The wait URL the pending region carries (what its polls ask while grading)."""
        client.cookies = cookies[p.student]
        region = client.get(
            f"/problems/{p.instance_id}/", headers={"HX-Request": "true"}, secure=True
        ).content.decode()
        found = re.search(r'hx-get="(/submissions/[^"]+)"', region)
        if found is None:  # nothing pending (a malformed answer was refused)
            return float("nan")
        url = html.unescape(found.group(1))
        wait_urls[p.student] = url
        t0 = time.process_time()
        resp = client.get(url, headers={"HX-Request": "true"}, secure=True)
        spent = time.process_time() - t0
        if resp.status_code != 200:
            raise RuntimeError(f"wait {url}: HTTP {resp.status_code}")
        return spent

    wait_urls: dict[str, str] = {}
    waits = [c for c in measured("wait", wait, cold) if c == c]  # noqa: PLR0124 (nan)
    ids = list(
        Submission.objects.filter(instance_id__in=[p.instance_id for p in order])
        .order_by("id")
        .values_list("id", flat=True)
    )
    for sid in ids[: len(warm)]:
        submission_grade_record(submission_id=sid)

    def grade_one(sid: int) -> float:
        t0 = time.process_time()
        submission_grade_record(submission_id=sid)
        return time.process_time() - t0

    worker = measured("worker", grade_one, ids[len(warm) :])
    verdict_polls = measured("verdict", poll, cold)

    def wait_graded(p: stack.Planned) -> float:
        """The wait URL once its submission is graded, and the region it makes the browser
        load when it does not answer the region itself (what a graded submission's polls cost
        in all, after the last wait that said "still grading")."""
        client.cookies = cookies[p.student]
        t0 = time.process_time()
        resp = client.get(wait_urls[p.student], headers={"HX-Request": "true"}, secure=True)
        if resp.status_code != 200:
            raise RuntimeError(f"wait {wait_urls[p.student]}: HTTP {resp.status_code}")
        body = resp.content.decode()
        if 'hx-target="#result"' in body and "<section" not in body:
            poll(p)  # the element that loads the region: the browser asks for it at once
        return time.process_time() - t0

    graded_waits = measured("graded-wait", wait_graded, [p for p in cold if p.student in wait_urls])
    kind_of = {p.instance_id: p.kind for p in order}
    rows = Submission.objects.filter(pk__in=ids[len(warm) :]).order_by("id")
    by_kind: dict[str, list[tuple[float, float]]] = {}
    for row, cost in zip(rows.values("instance_id", "verdict"), worker, strict=True):
        elapsed = (row["verdict"] or {}).get("elapsed_ms", float("nan"))  # None: not graded
        by_kind.setdefault(kind_of[row["instance_id"]], []).append((cost * 1000, elapsed))
    for kind, pairs in sorted(by_kind.items()):
        print(
            f"  {kind}: n={len(pairs)} worker {statistics.fmean(c for c, _ in pairs):.1f} ms CPU, "
            f"engine {statistics.fmean(e for _, e in pairs):.1f} ms"
        )
    for name, costs, extra in (
        ("web (per submit)", web, services["web"]),
        ("worker (per stored)", worker, services["worker"]),
        ("poll while grading", polled, 0.0),
        ("wait URL while grading", waits, 0.0),
        ("poll showing the verdict", verdict_polls, 0.0),
        ("wait URL once graded, with the region it loads", graded_waits, 0.0),
    ):
        ms = [c * 1000 for c in costs]
        print(
            f"{name}: n={len(ms)} mean {statistics.fmean(ms):.1f} ms CPU, "
            f"median {statistics.median(ms):.1f}, max {max(ms):.1f}; "
            f"PostgreSQL + Redis {1000 * extra / len(ms):.1f} ms"
        )
    return 0


class _PgStatements:
    """pg_stat_statements of the bench's database, read over a connection of its own."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.url = f"postgresql://postgres@{stack.HOST}:{args.pg_port}/{args.db}"
        self.db = args.db
        try:
            self._run("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self._run("SELECT count(*) FROM pg_stat_statements")
            planning = self._run("SELECT current_setting('pg_stat_statements.track_planning')")
            found = self._run("SELECT oid FROM pg_database WHERE datname = %s", (self.db,))
            self.dbid = found[0][0]
        except Exception as exc:  # noqa: BLE001 (said plainly, then stop)
            why = f"pg_stat_statements is not loaded ({exc}); see --help"
            raise SystemExit(f"--pg-statements: {why}") from None
        if planning[0][0] != "on":
            why = "pg_stat_statements.track_planning is off: planning would read 0; see --help"
            raise SystemExit(f"--pg-statements: {why}")

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def reset(self) -> None:
        # this database's entries only (any user, any query)
        self._run("SELECT pg_stat_statements_reset(0, %s::oid, 0)", (self.dbid,))

    def report(self, name: str, n: int) -> None:
        rows = self._run(
            "SELECT calls, total_exec_time, total_plan_time,"
            " left(regexp_replace(query, '\\s+', ' ', 'g'), 110)"
            " FROM pg_stat_statements s"
            " WHERE s.dbid = %s::oid AND query NOT LIKE '%%pg_stat_statements%%'"
            " ORDER BY total_exec_time + total_plan_time DESC",
            (self.dbid,),
        )
        n = max(1, n)
        calls = sum(r[0] for r in rows) / n
        spent = sum(r[1] + r[2] for r in rows) / n
        planned = sum(r[2] for r in rows) / n
        print(
            f"PostgreSQL, {name}: n={n}, {calls:.1f} statements an item, "
            f"{spent:.2f} ms an item run and planned, of which planning {planned:.2f} ms"
        )
        for c, run, plan, query in rows[:6]:
            print(
                f"  {c / n:4.2f} an item, {(run + plan) / n:6.3f} ms "
                f"(planning {plan / n:.3f}): {query}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
