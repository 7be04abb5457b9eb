"""CPU of a real Celery worker per graded answer, against the floor task in the same worker.

`bench/submit_cost.py` times the grading service in-process, without the Celery machinery
around it (the prefork pool's IPC, acks, message decoding, the task's signals); the deadline
bench sees all of it but takes a quarter of an hour. This starts one `celery worker` (prefork,
as docker-compose.yml runs it, production settings), stores the students' answers through the
submit view, then in rounds sends them all to the worker and reads the worker's CPU (its
process tree, from /proc) until they are graded; between rounds the submissions are put back
to "queued" and the verdict cache emptied, so each round grades the same answers the same way.
Each grading round is paired with a round of the floor task (bench/deadline/floor: read one
row, write one row) on as many rows, in the same worker, so the ratio is read back to back.

    .venv/bin/python bench/worker_cost.py --students 120 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.deadline import accounting, stack  # noqa: E402

HELD = "held"  # the queue the submit view publishes to here: no worker reads it


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--students", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=2, help="prefork processes")
    stack.add_stack_arguments(ap, db="pc_worker_cost")
    ap.add_argument("--timeout", type=float, default=120.0, help="per round (s)")
    ap.add_argument("--app", default="config.celery_app", help="the worker's -A (a profiling one)")
    ap.add_argument("--no-floor", action="store_true", help="grading rounds only")
    args = ap.parse_args()

    denv = stack.django_env(args, "cost-" + secrets.token_urlsafe(64))
    os.environ.update(denv)
    # this process's publishes (the submit view's) go to a queue no worker reads; the rounds
    # send to the worker's queue by name
    os.environ["CELERY_QUEUE"] = HELD
    stack.recreate_database(args)
    stack.manage({**os.environ}, "migrate", "--no-input")

    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from bench.deadline.floor.models import FloorRow
    from bench.deadline.floor.tasks import floor_task
    from grading.models import Submission
    from grading.tasks import submission_grade_task

    broker = redis.Redis.from_url(denv["REDIS_URL"])
    broker.flushdb()
    planned, took = stack.setup_data(args, ["cost"])
    print(f"setup: {args.students} students, {len(planned)} instances in {took:.0f} s")
    users = {u.username: u for u in get_user_model().objects.all()}
    client = Client(
        HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="en", SERVER_NAME="127.0.0.1"
    )
    for p in planned:
        client.cookies = type(client.cookies)()
        client.force_login(users[p.student])
        resp = client.post(
            f"/problems/{p.instance_id}/submit/",
            {"answer": p.answer},
            headers={"HX-Request": "true", "HX-Target": "result"},
            secure=True,
        )
        if resp.status_code != 200:
            raise RuntimeError(f"submit {p.instance_id}: HTTP {resp.status_code}")
    broker.delete(HELD)
    warm_ids = set(
        Submission.objects.filter(instance_id__in=[p.instance_id for p in planned if p.warm])
        .order_by("id")
        .values_list("id", flat=True)
    )
    ids = list(
        Submission.objects.filter(instance_id__in=[p.instance_id for p in planned if not p.warm])
        .order_by("id")
        .values_list("id", flat=True)
    )
    someone = next(iter(users.values()))
    floor_ids = [
        FloorRow.objects.create(user=someone, answer=f"x + {i}").pk for i in range(len(ids))
    ]
    print(
        f"{len(ids)} stored answers (and {len(warm_ids)} to warm up), {len(floor_ids)} floor rows"
    )

    wenv = {**os.environ}
    wenv.pop("CELERY_QUEUE")
    log_path = ROOT / ".run" / f"worker-cost-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603
            stack.celery_worker_argv(f"worker-cost-{os.getpid()}", args.concurrency, args.app),
            cwd=ROOT,
            env=wenv,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        stack.wait_for(lambda: b" ready." in log_path.read_bytes(), "the Celery worker", 90)

        def until(done: object, what: str) -> None:
            deadline = time.monotonic() + args.timeout
            while not done():  # type: ignore[operator]
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError(f"{what}: not done (see {log_path})")
                time.sleep(0.05)

        def cpu() -> tuple[float, float]:
            """The worker's CPU so far: its main process's, its pool processes'."""
            main = accounting.pids_cpu([worker.pid]).get(worker.pid, 0.0)
            return main, accounting.cpu_of_trees([worker.pid]) - main

        def measured(send: object, sids: list[int], pending: object) -> tuple[float, ...]:
            """Send each id, wait until none is pending: per id, the worker's CPU (main
            process, pool processes) and PostgreSQL's and Redis's."""
            m0, p0 = cpu()
            s0 = accounting.services_snapshot()
            for sid in sids:
                send(sid)  # type: ignore[operator]
            until(lambda: not pending.exists(), "the round")  # type: ignore[attr-defined]
            m1, p1 = cpu()
            used = accounting.services_used(s0, accounting.services_snapshot())
            n = len(sids)
            return (m1 - m0) / n, (p1 - p0) / n, used / n

        def grade_round(sids: list[int]) -> tuple[float, ...]:
            Submission.objects.filter(pk__in=sids).update(
                status=Submission.Status.QUEUED, verdict=None, equivalent=None, method=""
            )
            cache.delete_pattern("*verdict:*")  # type: ignore[attr-defined]
            return measured(
                lambda sid: submission_grade_task.apply_async((sid,), queue="grading"),
                sids,
                Submission.objects.filter(pk__in=sids).exclude(status=Submission.Status.GRADED),
            )

        def floor_round(rids: list[int]) -> tuple[float, ...]:
            FloorRow.objects.filter(pk__in=rids).update(done=False, done_at=None)
            return measured(
                lambda rid: floor_task.apply_async((rid,), queue="grading"),
                rids,
                FloorRow.objects.filter(pk__in=rids, done=False),
            )

        def ms(x: float) -> str:
            return f"{x * 1000:.2f}"

        grade_round(sorted(warm_ids))
        floor_round(floor_ids[: len(warm_ids)])
        graded, floors = [], []
        for r in range(args.rounds):
            gm, gp, gs = grade_round(ids)
            graded.append(gm + gp)
            line = (
                f"round {r + 1}: worker {ms(gm + gp)} ms CPU per graded answer (main {ms(gm)}, "
                f"pool {ms(gp)}; PostgreSQL + Redis {ms(gs)})"
            )
            if not args.no_floor:
                fm, fp, fs = floor_round(floor_ids)
                floors.append(fm + fp)
                line += (
                    f", floor task {ms(fm + fp)} ms (main {ms(fm)}, pool {ms(fp)}; "
                    f"PostgreSQL + Redis {ms(fs)}), ratio {(gm + gp) / (fm + fp):.2f}"
                )
            print(line, flush=True)
        g = statistics.median(graded)
        line = f"median of {args.rounds}: worker {ms(g)} ms CPU per graded answer"
        if floors:
            f = statistics.median(floors)
            line += f", floor task {ms(f)} ms, ratio {g / f:.2f}"
        print(f"{line}; {accounting.machine()}")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
