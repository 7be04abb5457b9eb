"""CPU and memory accounting from /proc: process trees, services, the machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


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


def _stat_ticks() -> list[int]:
    """The machine's CPU time so far in clock ticks, one number per STAT_FIELDS (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    return [int(v) for v in fields]


def machine_split() -> dict[str, float]:
    """CPU seconds the whole machine has spent so far, by kind (/proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    return {name: v / tick for name, v in zip(STAT_FIELDS, _stat_ticks(), strict=True)}


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used (from /proc/stat)."""
    values = _stat_ticks()
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_reading(web: list[int], workers: list[int], services: Callable[[], float]) -> list[float]:
    """CPU seconds so far of gunicorn's tree, the workers' trees, this process, `services()`,
    and all of the machine's busy time, read in that order."""
    return [cpu_of_trees(web), cpu_of_trees(workers), own_cpu(), services(), machine_busy()]


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


def pids_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of these processes (those still alive)."""
    table = _proc_table()
    return {pid: table[pid][1] for pid in pids if pid in table}


def pg_backends(db: str) -> list[int]:
    """The PostgreSQL backends connected to the bench's database, but for this process's own
    (it counts the verdicts): the database CPU spent for the stack, not for anyone else on the
    machine. A backend that ends within a window is missed (its last reading is gone): the web
    and the workers keep theirs (CONN_MAX_AGE, CELERY_DB_REUSE_MAX), so that is rare."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [db],
        )
        return [int(row[0]) for row in cur.fetchall()]


def redis_pid(port: int) -> int:
    """The Redis server's process (it serves every Redis db number on its port: start the bench
    with a --redis-port of its own to count only the bench)."""
    import redis

    return int(redis.Redis(host="127.0.0.1", port=port).info("server")["process_id"])


def used_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two pids_cpu readings; a process new in between counts from zero."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())
