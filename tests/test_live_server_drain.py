"""The live server is drained before a test's database is flushed (tests/support/live_server.py):
tests/support/race_case.py, run on its own on SQLite, leaves a request in the server when its
first test ends. Without the drain that reproduces the flaky teardown ("database table is
locked", then an error in the next test); with it both tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.budget import HANG_S

ROOT = Path(__file__).resolve().parent.parent


def run_case(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": ""}  # the race is the in-memory SQLite's
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/support/race_case.py",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=10 * HANG_S,
        check=False,
    )


def test_with_the_drain_both_tests_pass():
    result = run_case()
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert summary.startswith("2 passed"), summary
    assert "database table is locked" not in result.stdout


def test_without_the_drain_the_race_reproduces():
    """The case is a real reproduction: without the drain the flush fails under the request
    (and what follows errors, how depends on timing: a UNIQUE error on the rows left, or the
    lock again while the request still holds its cursor)."""
    result = run_case("-p", "no:tests.support.live_server")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "database table is locked: auth_user" in result.stdout
    assert "couldn't be flushed" in result.stdout
