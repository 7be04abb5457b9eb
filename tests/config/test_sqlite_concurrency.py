"""Issue #12 item 8: on SQLite (`make run`, the default database), a class submitting at once is
served, not answered 503 "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.budget import HANG_S

ROOT = Path(__file__).resolve().parents[2]
STUDENTS, ANSWERS = 8, 4


def test_a_class_submitting_at_once_on_sqlite_is_served_and_every_answer_stored(tmp_path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.sqlite_burst",
            str(tmp_path / "class.sqlite3"),
            str(STUDENTS),
            str(ANSWERS),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=HANG_S * 4,  # a hang detector: the burst takes a few seconds
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # every submit and every poll answered 200: no 503 "database is locked", no 500
    assert outcome["statuses"] == {"200": 2 * STUDENTS * ANSWERS}, result.stderr[-3000:]
    assert outcome["stored"] == STUDENTS * ANSWERS
    assert outcome["graded"] == STUDENTS * ANSWERS
    assert outcome["attempts"] == list(range(1, ANSWERS + 1))
    assert outcome["journal_mode"] == "wal"
