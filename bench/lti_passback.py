"""LTI grade passback in real time: `python -m bench.lti_passback` (`make bench-lti`).

The issue's bar: "the student's verdict reaches the platform's AGS endpoint within 5 s; with
the platform down for a minute, the score arrives after it comes back, exactly once, and the
newest score wins". The tests check the order of events with simulated time; this measures it
with a real clock.

What runs: the fake LMS of the tests (tests/support/fake_lms.py, a real HTTP server on
127.0.0.1), a real Celery worker (prefork) and beat on Redis, PostgreSQL, production settings
(a bench SECRET_KEY), in a dedicated database dropped and migrated each run. The platform is
registered with `registration_create`; an instructor's LTI launch links the LMS course to a
new course and its link to a set made with the authoring services; students arrive by LTI
launches. The web layer (launches, submits) runs in this process through Django's test client
(every middleware and view, no socket), with `SECURE_SSL_REDIRECT=false`: the client speaks
plain http.

(a) Latency: N students each submit one right answer, one after the other; for each, the time
    from the submit request to the LMS's receipt of the score (and its two parts: submit to
    verdict recorded, verdict to receipt).
(b) Outage: the LMS goes down (503 on every service call, or `--outage refuse`: its port
    closed) for `--outage-seconds`; meanwhile each of K students answers twice, a lower score
    (one item of two) then a higher one (both). Then it comes back: when does each score
    arrive, does each student's newest score arrive exactly once (the older one, superseded
    before it could be sent, never), is the LMS's last and newest-timestamped score the
    newest, and does nothing more come after a settling time of two sweeps.

Exit status 1 when a correctness check fails (or a score never arrives); the timing targets
are reported, not enforced (a shared machine can be slow).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import secrets
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.deadline.report import write_section
from bench.deadline.stack import (
    HOST,
    VENV_BIN,
    Stack,
    bench_command,
    django_env,
    ensure_postgres,
    ensure_redis,
    log,
    manage,
    recreate_database,
    run_in_stack,
    wait_for,
)

MARK_START = "<!-- bench/lti_passback.py:start -->"
MARK_END = "<!-- bench/lti_passback.py:end -->"
TARGET_S = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.lti_passback", description=__doc__)
    ap.add_argument("--submissions", type=int, default=20, help="(a): students, one answer each")
    ap.add_argument("--outage-students", type=int, default=5, help="(b): two answers each")
    ap.add_argument("--outage-seconds", type=float, default=60.0)
    ap.add_argument("--outage", choices=["503", "refuse"], default="503")
    ap.add_argument("--score-timeout", type=float, default=60.0, help="(a): then it is lost")
    ap.add_argument("--recovery-timeout", type=float, default=600.0, help="(b): after it is up")
    ap.add_argument("--settle", type=float, default=30.0, help="(b): then look for duplicates")
    ap.add_argument("--concurrency", type=int, default=2, help="docker-compose.yml: 2")
    ap.add_argument("--db", default="pc_bench_lti")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument("--write", type=Path, help="write the report into this file (BENCHMARKS.md)")
    args = ap.parse_args(argv)
    args.conn_max_age = 60  # (django_env)
    return args


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"median {statistics.median(values):.2f} s, p95 {pct(values, 0.95):.2f} s, "
        f"max {max(values):.2f} s (n={len(values)})"
    )


@dataclass
class Student:
    sub: str
    client: Any
    user: Any
    instances: list[Any]
    submitted: list[float] = field(default_factory=list)  # wall-clock times of the submits


class Class:
    """The LMS, its linked course and set, and the students launched into it."""

    def __init__(self, lms: Any) -> None:
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone
        from lti_tool.models import Key

        from exercises.authoring.services.problem_sets import (
            problem_set_create,
            problem_set_item_create,
        )
        from exercises.authoring.services.templates import problem_template_upsert
        from exercises.lti.models import CourseLink
        from exercises.lti.platform import signing_key
        from tests.support.fake_lms import INSTRUCTOR
        from tests.support.lti import register

        self.lms = lms
        signing_key()
        register(lms, base_url="http://testserver", jwks=Key.objects.as_jwks())
        teacher = Client()
        steps = [
            lms.launch(teacher, sub="teacher-1", roles=INSTRUCTOR, name="Ada Teacher"),
            teacher.post(reverse("lti:context-link"), {"choice": "new"}),
            teacher.get(reverse("lti:launch-continue")),
        ]
        course = CourseLink.objects.get().course
        self.problem_set = problem_set_create(
            course=course,
            title_en="LTI bench",
            title_ko="LTI 벤치",
            due_at=timezone.now() + timedelta(days=7),
        )
        template = problem_template_upsert(
            slug="bench-lti-polynomial", family="polynomial", title_en="f_x", title_ko="f_x"
        )
        self.items = [
            problem_set_item_create(
                problem_set=self.problem_set,
                template=template,
                position=k,
                points=Decimal("2"),
                max_attempts=5,
            )
            for k in range(2)
        ]
        steps.append(teacher.post(reverse("lti:resource-link"), {"choice": self.problem_set.pk}))
        steps.append(teacher.get(reverse("lti:launch-continue")))
        landed = steps[-1].headers.get("Location", "")
        if landed != reverse("authoring:set-edit", args=[self.problem_set.pk]):
            codes = [(r.status_code, r.headers.get("Location")) for r in steps]
            raise RuntimeError(f"the instructor's launch did not link the set: {codes}")

    def launch_student(self, n: int) -> Student:
        from django.test import Client
        from django.urls import reverse

        from exercises.authoring.services.instances import instance_get_or_create
        from exercises.lti.models import LtiIdentity
        from tests.support.fake_lms import LEARNER

        client = Client()
        sub = f"student-{n}"
        response = self.lms.launch(client, sub=sub, roles=LEARNER, name=f"Student {n}")
        wanted = reverse("practice:problem-set-detail", args=[self.problem_set.pk])
        if response.headers.get("Location") != wanted:
            raise RuntimeError(f"student launch landed on {response.headers.get('Location')}")
        user = LtiIdentity.objects.get(sub=sub).user
        instances = [instance_get_or_create(item=item, student=user) for item in self.items]
        return Student(sub=sub, client=client, user=user, instances=instances)

    def submit(self, student: Student, index: int) -> None:
        """The right answer to item `index`, posted as the problem page's htmx form does."""
        from django.urls import reverse

        from exercises.authoring.generators import task_of
        from grading.engine import key_of

        instance = student.instances[index]
        answer = key_of(task_of(instance.params)).text
        url = reverse("practice:submission-create", args=[instance.pk])
        student.submitted.append(time.time())
        response = student.client.post(url, {"answer": answer}, headers={"HX-Request": "true"})
        if response.status_code != 200:
            raise RuntimeError(f"submit answered {response.status_code}")

    def scores(self, student: Student) -> list[dict[str, Any]]:
        return self.lms.scores_for(student.sub)

    def wait_score(self, student: Student, given: float, timeout: float) -> float | None:
        """When the LMS received `given` for the student (wall clock), or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for score in self.scores(student):
                if score["body"]["scoreGiven"] == given:
                    return float(score["at"])
            time.sleep(0.02)
        return None


def graded_at(student: Student, index: int) -> float | None:
    from grading.models import Submission

    sub = Submission.objects.filter(instance=student.instances[index]).order_by("-pk").first()
    return sub.graded_at.timestamp() if sub is not None and sub.graded_at else None


def sweep_seconds() -> float:
    from django.conf import settings

    return float(settings.LTI_PASSBACK_SWEEP_SECONDS)


def phase_latency(klass: Class, students: list[Student], timeout: float) -> dict[str, Any]:
    totals, to_verdict, to_lms, failures = [], [], [], []
    for student in students:
        klass.submit(student, 0)
        arrived = klass.wait_score(student, 2.0, timeout)
        if arrived is None:
            failures.append(f"{student.sub}: no score within {timeout:.0f} s")
            continue
        sent = student.submitted[0]
        totals.append(arrived - sent)
        verdict = graded_at(student, 0)
        if verdict is not None:
            to_verdict.append(verdict - sent)
            to_lms.append(arrived - verdict)
    return {"totals": totals, "to_verdict": to_verdict, "to_lms": to_lms, "failures": failures}


def phase_outage(klass: Class, students: list[Student], args: argparse.Namespace) -> dict[str, Any]:
    from exercises.lti.models import ScorePassback

    lms = klass.lms
    refused_before = lms.received.refused_down
    down_at = time.time()
    if args.outage == "refuse":
        lms.stop_listening()
    else:
        lms.down = True
    log(f"(b) LMS down ({args.outage}) for {args.outage_seconds:.0f} s")
    # Each student's higher score comes 3 s after their lower one; the pairs are spread over
    # the outage, so that the newest score of the first waits it all out (the longest backoff
    # when it ends), that of the last is recorded just before it ends.
    span = args.outage_seconds - 10
    newer = [5 + span * i / max(len(students) - 1, 1) for i in range(len(students))]
    plan = sorted(
        [(t - 3, s, 0) for t, s in zip(newer, students, strict=True)]
        + [(t, s, 1) for t, s in zip(newer, students, strict=True)],
        key=lambda p: p[0],
    )
    for offset, student, index in plan:
        time.sleep(max(0.0, down_at + offset - time.time()))
        klass.submit(student, index)
    time.sleep(max(0.0, down_at + args.outage_seconds - time.time()))
    rows = ScorePassback.objects.filter(student__in=[s.user for s in students])
    before_up = {r.student_id: (r.version, r.attempts, r.status, r.last_error) for r in rows}
    up_at = time.time()
    if args.outage == "refuse":
        lms.listen_again()
    else:
        lms.down = False
    log("(b) LMS back")
    recorded = {s.sub: s.submitted[-1] - down_at for s in students}
    arrivals: dict[str, float | None] = {}
    for student in students:
        left = up_at + args.recovery_timeout - time.time()
        arrivals[student.sub] = klass.wait_score(student, 4.0, max(left, 0.0))
    settle = max(args.settle, 2 * sweep_seconds() + 5)
    log(f"(b) settling {settle:.0f} s: does anything else arrive?")
    time.sleep(settle)
    return {
        "down_at": down_at,
        "up_at": up_at,
        "arrivals": arrivals,
        "recorded": recorded,
        "students": [s.user.pk for s in students],
        "before_up": before_up,
        "refused_down": lms.received.refused_down - refused_before,
        "settle": settle,
    }


def check(klass: Class, a: list[Student], b: list[Student], outage: dict[str, Any]) -> list[str]:
    """Every correctness check; the failures, described."""
    from exercises.lti.models import ScorePassback

    problems = []
    for student in a:
        got = [s["body"]["scoreGiven"] for s in klass.scores(student)]
        if got != [2.0]:
            problems.append(f"(a) {student.sub}: the LMS received {got}, expected [2.0] once")
    for student in b:
        received = klass.scores(student)
        got = [s["body"]["scoreGiven"] for s in received]
        if got != [4.0]:
            problems.append(
                f"(b) {student.sub}: the LMS received {got}; expected the newest score (4.0) "
                "exactly once, and the older one (2.0, superseded while the LMS was down) never"
            )
        early = [s for s in received if s["at"] < outage["up_at"]]
        if early:
            problems.append(f"(b) {student.sub}: {len(early)} score(s) accepted while down")
        newest = klass.lms.result_for(student.sub)
        if received and (newest is None or newest["scoreGiven"] != 4.0):
            problems.append(f"(b) {student.sub}: the LMS's newest-timestamp score is {newest}")
        if received and received[-1]["body"]["scoreGiven"] != 4.0:
            problems.append(f"(b) {student.sub}: the last score to arrive is not the newest")
        row = ScorePassback.objects.get(student=student.user, problem_set=klass.problem_set)
        if (row.status, row.version, row.sent_version) != ("sent", 2, 2):
            problems.append(
                f"(b) {student.sub}: outbox row {row.status} version {row.version} "
                f"sent_version {row.sent_version}, expected sent 2/2"
            )
    return problems


def report(
    args: argparse.Namespace,
    latency: dict[str, Any],
    cold: float | None,
    outage: dict[str, Any],
    problems: list[str],
    command: str,
) -> str:
    from django.conf import settings

    from exercises.lti.services.passback import backoff

    up = outage["up_at"]
    lags = [t - up for t in outage["arrivals"].values() if t is not None]
    lost = [sub for sub, t in outage["arrivals"].items() if t is None]
    schedule = ", ".join(f"{backoff(n, jitter=0).total_seconds():.0f}" for n in range(1, 8))
    attempts = [outage["before_up"][pk][1] for pk in outage["students"]]
    met = latency["totals"] and max(latency["totals"]) <= TARGET_S
    L = [
        MARK_START,
        "## LTI grade passback in real time (`bench/lti_passback.py`)",
        "",
        f"Command: `{command}`. Run at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.node()} ({os.cpu_count()} cores), Python {platform.python_version()}. "
        "The machine is shared: other sessions were running test suites at the same time, so "
        "these are figures under load, not on an idle machine (load average over 1 min at the "
        f"start and the end of the run: {args.load[0]:.1f}, {os.getloadavg()[0]:.1f}).",
        "",
        f"Stack: fake LMS (tests/support/fake_lms.py) on 127.0.0.1; one Celery worker, prefork "
        f"concurrency {args.concurrency}, and beat; PostgreSQL and Redis; production settings. "
        f"Passback sweep every {sweep_seconds():.0f} s; backoff after the n-th failure "
        f"(n = 1..7, before jitter where there is any): {schedule} s, at most "
        f"{settings.LTI_PASSBACK_MAX_BACKOFF_SECONDS} s.",
        "",
        f"**(a) Submit to the LMS's AGS score receipt**, {args.submissions} students one after "
        f"the other, one right answer each (target ≤ {TARGET_S:.0f} s: "
        f"{'met' if met else 'NOT met'}):",
        "",
        f"- submit → score received by the LMS: {spread(latency['totals'])}",
        f"- of which submit → verdict recorded: {spread(latency['to_verdict'])}",
        f"- and verdict recorded → score received: {spread(latency['to_lms'])}",
        "- the first answer after the worker started (warm-up, not counted): "
        + (f"{cold:.2f} s" if cold is not None else "lost"),
        "",
        f"**(b) LMS down {args.outage_seconds:.0f} s** "
        f"({'503 on every service call' if args.outage == '503' else 'its port closed'}), "
        f"{args.outage_students} students each answering twice while it is down (a lower score, "
        "one item of two; 3 s later a higher one, both items; the pairs spread over the outage):",
        "",
        f"- newest score received after the LMS is back: {spread(lags)}"
        + (f"; never arrived: {', '.join(lost)}" if lost else ""),
        "- per student, newest score answered at (s into the outage) → received (s after it "
        "ended): "
        + ", ".join(
            f"{outage['recorded'][sub]:.0f} → " + (f"{t - up:.1f}" if t is not None else "never")
            for sub, t in outage["arrivals"].items()
        ),
        f"- calls the LMS refused while down: {outage['refused_down']}"
        if args.outage == "503"
        else "- calls refused while down: not counted (port closed)",
        f"- failed tries of the newest score when the LMS came back, same order: {attempts}",
        f"- nothing else arrived in the {outage['settle']:.0f} s after",
        "",
        "Checks (exit status 1 if any fails): each (a) score arrived exactly once; in (b) the "
        "LMS received each student's newest score exactly once, the older one never, nothing "
        "while down, its last and its newest-timestamp score are the newest; the outbox rows "
        "are sent at their last version. "
        + ("**All passed.**" if not problems else "**FAILED:** " + "; ".join(problems)),
        MARK_END,
    ]
    return "\n".join(L) + "\n"


def start_celery(stack: Stack, env: dict[str, str], run_dir: Path, concurrency: int) -> None:
    celery = [str(VENV_BIN / "celery"), "-A", "config.celery_app"]
    stack.spawn(
        "worker",
        [*celery, "worker", "-P", "prefork", "-c", str(concurrency), "-Q", "grading",
         "-n", "lti-bench@%h", "-l", "INFO", "--without-gossip", "--without-mingle"],
        env,
    )  # fmt: skip
    wait_for(lambda: b" ready." in (run_dir / "worker.log").read_bytes(), "Celery worker", 120)
    stack.spawn("beat", [*celery, "beat", "-l", "INFO", "-s", str(run_dir / "beat-schedule")], env)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = bench_command(
        "bench-lti", "bench.lti_passback", sys.argv[1:] if argv is None else argv
    )
    return run_in_stack(
        "pc-lti-bench-", lambda stack, run_dir: _main(args, stack, run_dir, command)
    )


def _main(args: argparse.Namespace, stack: Stack, run_dir: Path, command: str) -> int:
    import redis

    log(f"run directory {run_dir}")
    args.load = os.getloadavg()
    log(ensure_postgres(stack, args.pg_port))
    log(ensure_redis(stack, args.redis_port))
    denv = django_env(args, "bench-" + secrets.token_urlsafe(64))
    denv.update(ALLOWED_HOSTS=f"{HOST},testserver", SECURE_SSL_REDIRECT="false")
    env = {**os.environ, **denv}
    os.environ.update(denv)
    recreate_database(args)
    manage(env, "migrate", "--no-input")
    redis.Redis(host=HOST, port=args.redis_port, db=args.redis_db).flushdb()
    log(f"database {args.db} created and migrated; Redis db {args.redis_db} emptied")

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic
    django.setup()
    from tests.support.fake_lms import FakeLMS

    with FakeLMS() as lms:
        klass = Class(lms)
        warm = klass.launch_student(0)
        a = [klass.launch_student(n) for n in range(1, args.submissions + 1)]
        first_b = args.submissions + 1
        b = [klass.launch_student(n) for n in range(first_b, first_b + args.outage_students)]
        log(f"linked set {klass.problem_set.pk}; {1 + len(a) + len(b)} students launched in")
        start_celery(stack, env, run_dir, args.concurrency)
        log("worker and beat started")
        klass.submit(warm, 0)
        arrived = klass.wait_score(warm, 2.0, 120)
        cold = arrived - warm.submitted[0] if arrived is not None else None
        latency = phase_latency(klass, a, args.score_timeout)
        log(f"(a) {spread(latency['totals'])}")
        outage = phase_outage(klass, b, args)
        problems = latency["failures"] + check(klass, a, b, outage)
    section = report(args, latency, cold, outage, problems, command)
    print()
    print(section)
    if args.write:
        write_section(args.write, section, MARK_START, MARK_END)
        log(f"wrote the report into {args.write}")
    for problem in problems:
        log(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
