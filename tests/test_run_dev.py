"""Issue #12 item 9: `make run` (scripts/run_dev.py) runs the worker and beat as processes of
their own in one process group, stops the group when any of them exits or it is stopped, takes
its children with it when it is SIGKILLed, and never lets a second beat start while one runs.

The supervisor runs here in a subprocess with stand-in children (Python processes that write
their pid to a file and sleep), so that the test can kill it as a person or a crash would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.budget import HANG_S

ROOT = Path(__file__).resolve().parents[1]
RUN_DEV = ROOT / "scripts" / "run_dev.py"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; the parent-death signal is Linux's"
)

SUPERVISOR = """
import importlib.util, json, os, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("run_dev", sys.argv[1])
run_dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_dev)
children = json.loads(sys.argv[2])
sys.exit(run_dev.supervise(children, env=dict(os.environ), lock_path=Path(sys.argv[3]), grace=5))
"""

# A stand-in child: writes its pid, optionally starts a grandchild (as the worker starts its
# pool), optionally ignores SIGTERM (a scheduler that outlives its supervisor), then sleeps.
CHILD = """
import os, signal, subprocess, sys, time
folder, name = sys.argv[1], sys.argv[2]
grandchild, stubborn = sys.argv[3] == "1", sys.argv[4] == "1"
if stubborn:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if grandchild:
    sub = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(os.path.join(folder, name + "-grandchild.pid"), "w").write(str(sub.pid))
open(os.path.join(folder, name + ".pid"), "w").write(str(os.getpid()))
time.sleep(600)
"""


def _load_run_dev():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("run_dev", RUN_DEV)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _alive(pid: int) -> bool:
    """Running (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_S  # a hang detector, not a speed target
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {HANG_S} s: {what}")
        time.sleep(0.05)


class Stack:
    """A supervisor subprocess with stand-in worker, beat and server in `folder`."""

    def __init__(self, folder: Path, lock: Path, started: list[int]) -> None:
        self.folder, self.lock, self.started = folder, lock, started
        folder.mkdir()

    def start(self, *, grandchild: str = "worker", stubborn: str = "") -> subprocess.Popen[str]:
        children = {
            name: [
                sys.executable,
                "-c",
                CHILD,
                str(self.folder),
                name,
                "1" if name == grandchild else "0",
                "1" if name == stubborn else "0",
            ]
            for name in ("worker", "beat", "server")
        }
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SUPERVISOR, str(RUN_DEV), json.dumps(children), str(self.lock)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(self.proc.pid)
        return self.proc

    def pids(self) -> dict[str, int]:
        found = {}
        for path in self.folder.glob("*.pid"):
            text = path.read_text()
            if text:
                found[path.stem] = int(text)
        return found

    def wait_started(self) -> dict[str, int]:
        _wait_until(lambda: len(self.pids()) == 4, "the children and the grandchild started")
        pids = self.pids()
        self.started.extend(pids.values())
        return pids


@pytest.fixture
def stacks(tmp_path) -> Iterator[Callable[[str], Stack]]:
    started: list[int] = []  # every process this test started, to kill whatever is left

    def make(name: str) -> Stack:
        return Stack(tmp_path / name, tmp_path / "celerybeat.lock", started)

    yield make
    for pid in started:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_worker_and_beat_are_separate_processes():
    commands = _load_run_dev().commands(Path("/schedule"))
    assert "-B" not in commands["worker"] and "--beat" not in commands["worker"]
    assert commands["worker"][commands["worker"].index("config.celery_app") + 1] == "worker"
    assert commands["beat"][commands["beat"].index("config.celery_app") + 1] == "beat"
    assert commands["beat"][-2:] == ["-s", "/schedule"]


def test_children_die_with_a_supervisor_that_is_sigkilled(stacks):
    stack = stacks("a")
    supervisor = stack.start()
    pids = stack.wait_started()
    supervisor.kill()
    supervisor.wait(timeout=HANG_S)
    for name in ("worker", "beat", "server"):
        _wait_until(lambda name=name: not _alive(pids[name]), f"{name} died with its parent")


def test_sigterm_stops_every_child_and_grandchild(stacks):
    stack = stacks("a")
    supervisor = stack.start()
    pids = stack.wait_started()
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=HANG_S) == 0
    assert [name for name, pid in pids.items() if _alive(pid)] == []


def test_a_child_that_dies_stops_the_whole_group(stacks):
    """A SIGKILLed worker: the supervisor stops beat, the server and the worker's pool too, and
    exits, so that the next `make run` starts clean."""
    stack = stacks("a")
    supervisor = stack.start()
    pids = stack.wait_started()
    os.kill(pids["worker"], signal.SIGKILL)
    assert supervisor.wait(timeout=HANG_S) == 1
    assert "worker stopped" in supervisor.stderr.read()
    assert [name for name, pid in pids.items() if _alive(pid)] == []


def test_no_second_beat_while_one_runs_even_an_orphaned_one(stacks):
    """The old failure: a scheduler outlived its `make run`, and the next one started a second.
    Here the stand-in beat ignores SIGTERM, so it outlives its SIGKILLed supervisor, holding the
    beat lock; the next supervisor starts nothing and says which process group to stop."""
    first = stacks("first")
    supervisor = first.start(stubborn="beat")
    pids = first.wait_started()
    supervisor.kill()
    supervisor.wait(timeout=HANG_S)
    _wait_until(lambda: not _alive(pids["worker"]), "the worker died with its parent")
    assert _alive(pids["beat"])  # the orphaned scheduler

    second = stacks("second")
    refused = second.start()
    assert refused.wait(timeout=HANG_S) == 2
    message = refused.stderr.read()
    assert "A Celery beat of another `make run` is still running" in message
    assert f"kill -TERM -{os.getpgid(pids['beat'])}" in message
    assert second.pids() == {}  # nothing started

    os.kill(pids["beat"], signal.SIGKILL)  # what the message tells the developer to do
    _wait_until(lambda: not _alive(pids["beat"]), "the orphaned beat is gone")
    third = stacks("third")
    supervisor = third.start()
    third.wait_started()  # the lock died with its holder
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=HANG_S) == 0


# A stand-in server: listens on the port it is given after a moment (as runserver does once
# its checks are done), or never; then exits after a moment, which ends the supervisor.
SERVER = """
import socket, sys, time
port, listens = int(sys.argv[1]), sys.argv[2] == "1"
time.sleep(0.5)
if listens:
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen()
time.sleep(1.0)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("listens", [True, False], ids=["server-listens", "server-never-listens"])
def test_the_url_is_printed_once_the_server_accepts_connections(listens, tmp_path, capsys):
    run_dev = _load_run_dev()
    port = _free_port()
    child = [sys.executable, "-c", SERVER, str(port), "1" if listens else "0"]
    status = run_dev.supervise(
        {"server": child},
        env=dict(os.environ),
        banner="Partial Credit is running at the URL",
        lock_path=tmp_path / "lock",
        grace=5,
        ready=lambda: run_dev.port_open("127.0.0.1", port),
    )
    out = capsys.readouterr().out
    assert status == 1  # the stand-in exited: the supervisor stopped the group
    assert ("Partial Credit is running at the URL" in out) is listens
