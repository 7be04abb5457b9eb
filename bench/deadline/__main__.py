"""Argument parsing and orchestration of the deadline bench: `python -m bench.deadline`."""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import secrets
import sys
import time
from dataclasses import replace
from pathlib import Path

import bench.deadline
from bench.deadline.accounting import (
    STAT_FIELDS,
    comm_snapshot,
    cpu_reading,
    machine_split,
    other_by_name,
    pg_backends,
    pids_cpu,
    redis_pid,
    service_pids,
    services_snapshot,
    services_used,
    speed_probe,
    tree_pids,
    used_since,
)
from bench.deadline.client import (
    Browser,
    Send,
    burst,
    login_all,
    submit_answer,
    wait_floor,
    wait_graded,
)
from bench.deadline.report import (
    Result,
    analyse,
    floor_stats,
    fmt,
    gunicorn_times_fixed,
    pct,
    profile_engine,
    report,
    request_cpu,
    write_section,
)
from bench.deadline.stack import (
    HOST,
    ROOT,
    VENV_BIN,
    Planned,
    Stack,
    bench_command,
    django_env,
    ensure_postgres,
    ensure_redis,
    free_port,
    log,
    manage,
    port_open,
    recreate_database,
    run_in_stack,
    service_versions,
    settle_database,
    setup_data,
    start_workers,
    stop_workers,
    wait_for,
)


def floor_send(browsers: dict[str, Browser]) -> Send:
    def send(browser: Browser, p: Planned) -> tuple[int, str]:
        return browser.floor_submit(next(iter(browser.tokens.values())), p.answer)

    return send


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
    """One burst against a fresh set of workers: `floor-*` posts to the floor
    (bench.deadline.floor), the others submit answers."""
    import redis

    floor = name.startswith("floor")
    send = floor_send(browsers) if floor else submit_answer
    redis.Redis(host=HOST, port=args.redis_port, db=args.redis_db).flushdb()
    settle_database(args)
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
            list(pool.map(lambda p: send(browsers[p.student], p), warm))
        if floor:
            wait_floor(60)
        else:
            wait_graded([p.instance_id for p in warm], 60)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    log(
        f"{name}: {config}; {len(warm)} warm-up submissions done; load average {load}; "
        f"burst of {len(planned)} submissions over {args.burst_seconds:.0f} s"
    )
    web = [stack.procs["gunicorn"].pid]
    workers = [p.pid for n, p in stack.procs.items() if n.startswith(f"worker-{name}-")]
    rpid = [redis_pid(args.redis_port)]
    pg0, redis0 = pids_cpu(pg_backends(args.db)), pids_cpu(rpid)
    services0 = services_snapshot()
    comms0 = comm_snapshot()
    split0 = machine_split()
    cpu0 = cpu_reading(web, workers, lambda: 0.0)
    poll_limit = 0.0 if args.no_poll else args.verdict_timeout
    sends, t0 = burst(
        browsers,
        planned,
        args.burst_seconds,
        args.client_threads,
        args.hard_limit,
        send,
        poll_limit,
    )
    log(f"{name}: burst done in {max(s.answered for s in sends) - t0:.1f} s; waiting for verdicts")
    if floor:
        rows, waited = wait_floor(args.verdict_timeout)
    else:
        rows, waited = wait_graded([p.instance_id for p in planned], args.verdict_timeout)
    cpu1 = cpu_reading(web, workers, lambda: services_used(services0, services_snapshot()))
    pg1, redis1 = pids_cpu(pg_backends(args.db)), pids_cpu(rpid)
    known = tree_pids(web + workers) | set(services0) | set(service_pids()) | {os.getpid()}
    others = other_by_name(comms0, comm_snapshot(), known)
    split1 = machine_split()
    split = {k: split1[k] - split0[k] for k in STAT_FIELDS}
    t1 = time.time()
    wall = t1 - t0
    used = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    cpu = {
        "web": used[0],
        "workers": used[1],
        "client": used[2],
        "services": used[3],
        "other": max(0.0, used[4] - used[0] - used[1] - used[2] - used[3]),
        "wall": wall,
        "postgres": used_since(pg0, pg1),
        "redis": used_since(redis0, redis1),
    }
    stop_workers(stack, name)
    res = Result(
        name, config, sends, rows, t0, waited, load=load, cpu=cpu, others=others, split=split
    )
    res.requests = request_cpu(stack.run_dir / "requests.log", t0 - 0.5, t1)
    res.stats = floor_stats(res) if floor else analyse(res)
    st = res.stats
    log(
        f"{name}: stored {st['stored']}, graded {st['graded']}, lost {len(st['lost'])}; "
        f"p50/p95/p99/max {fmt(pct(st['lat'], 50))}/{fmt(pct(st['lat'], 95))}/"
        f"{fmt(pct(st['lat'], 99))}/{fmt(max(st['lat'], default=float('nan')))} s; "
        f"client p50/p99 {fmt(pct(st['lat_client'], 50))}/{fmt(pct(st['lat_client'], 99))} s; "
        f"web {1000 * cpu['web'] / max(1, st['sent']):.1f} ms/submission, workers "
        f"{1000 * cpu['workers'] / max(1, st['graded']):.1f} ms/graded"
    )
    return res


def main() -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.deadline",
        description=bench.deadline.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "--no-poll",
        action="store_true",
        help="the client does not re-fetch the result region while grading (htmx does)",
    )
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
    command = bench_command("bench-deadline", "bench.deadline", sys.argv[1:])
    return run_in_stack("pc-deadline-", lambda stack, run_dir: _main(args, stack, run_dir, command))


def _main(args: argparse.Namespace, stack: Stack, run_dir: Path, command: str) -> int:
    log(f"run directory {run_dir}")
    probe = speed_probe()  # before anything this run starts uses the cores
    log(probe)
    env_info = [ensure_postgres(stack, args.pg_port), ensure_redis(stack, args.redis_port)]
    for line in env_info:
        log(line)
    secret_key = "bench-" + secrets.token_urlsafe(64)
    denv = django_env(args, secret_key)
    denv["BENCH_REQUEST_CPU_LOG"] = str(run_dir / "requests.log")
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
    # the floor's burst: the same students, answers and moments, posted to the floor instead
    floor_planned = [replace(p, run="floor") for p in planned if p.run == runs[-1]]
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
            "-c",
            str(ROOT / "bench" / "deadline" / "gunicorn_conf.py"),
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

    # The floor's burst runs before ours and again after: this machine's speed moves within
    # minutes (three runs within an hour read the floor at 10.0 to 12.5 ms; its bursts before
    # and after ours have differed by up to 20 %), and ours is compared with the mean of the
    # two, so that a drift during the run does not decide the ratio.
    def floor_burst(name: str) -> Result:
        return run_phase(
            args, stack, env, browsers, floor_planned, name, args.workers, args.concurrency, {}
        )

    floors = [floor_burst("floor-before")]
    results = []
    for run in runs:
        mine = [p for p in planned if p.run == run]
        nodes, concurrency = (1, 1) if run == "baseline" else (args.workers, args.concurrency)
        results.append(run_phase(args, stack, env, browsers, mine, run, nodes, concurrency, {}))
    floors.append(floor_burst("floor-after"))

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
    section = report(
        args, results, env_info, timings, profile, gtimes, command, floors, pyspy_files
    )
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


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything it started is already stopped (main's finally)
        sys.exit(130)
