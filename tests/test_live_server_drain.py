"""The live server is drained before a test's database is flushed (tests/support/live_server.py):
tests/support/race_case.py, run on its own on SQLite, leaves a request in the server when its
first test ends. Without the drain that reproduces the flaky teardown ("database table is
locked", then a UNIQUE error in the next test); with it both tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("args", "outcome"),
    [
        ((), "2 passed"),
        (("-p", "no:tests.support.live_server"), "1 passed, 2 errors"),
    ],
    ids=["drained", "not-drained"],
)
def test_a_request_in_flight_at_teardown(args, outcome):
    result = run_case(*args)
    summary = result.stdout.strip().splitlines()[-1]
    assert outcome in summary, result.stdout[-3000:] + result.stderr[-2000:]
    if args:
        assert "database table is locked: auth_user" in result.stdout
        assert "UNIQUE constraint failed: auth_user.username" in result.stdout
