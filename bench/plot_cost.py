"""Server time of a problem page's plot data: GET /problems/<id>/plot.json, in-process.

Through the whole middleware stack (Django's test client, logged in), test settings on a
throwaway SQLite file: the selector (problem_state, the latest graded answer) and the engine's
plotting (NumPy on the grids, JSON). One variant of each family, and toy #2 before an answer,
after a wrong answer, and after the key is revealed. The first request of a task pays for
SymPy's lambdify (kept per function text in the process afterwards): it is shown apart.

Two medians: with the plot cache emptied before each request (the engine computes the data:
what the first student of a variant and answer pays), and with it kept (the data comes from
the cache, keyed by plotting version, task, answer and key revealed: what everyone after pays).
The test settings' cache is Django's in-memory one; production's is Redis (one round trip more).

    .venv/bin/python bench/plot_cost.py --repeat 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    db = Path(tempfile.mkdtemp()) / "plot_cost.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from exercises.authoring.generators import FAMILIES
    from tests import factories

    c = factories.course()
    student = factories.student(in_course=c)
    ps = factories.problem_set(in_course=c)
    client = Client()
    client.force_login(student)

    from django.core.cache import cache

    def measure(instance) -> tuple[float, list[float], list[float]]:
        url = reverse("practice:problem-plot", args=[instance.pk])
        cache.clear()
        t0 = time.perf_counter()
        assert client.get(url).status_code == 200
        cold = (time.perf_counter() - t0) * 1000
        computed, cached = [], []
        for _ in range(args.repeat):
            cache.clear()
            t0 = time.perf_counter()
            response = client.get(url)
            computed.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            t0 = time.perf_counter()
            response = client.get(url)
            cached.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        return cold, computed, cached

    rows = []
    toy2 = {"function": "7x*y/e^(x^2+y^2)", "function_latex": "", "wrt": ["x"]}
    item = factories.item(in_set=ps, tpl=factories.template(config=toy2), max_attempts=2)
    instance = factories.instance(for_item=item, for_student=student)
    rows.append(("toy #2, no answer yet", *measure(instance)))
    factories.graded(instance, "7y/e^(x^2+y^2)")
    rows.append(("toy #2, after a wrong f_x", *measure(instance)))
    factories.graded(instance, "7y/e^(x^2+y^2) + 1")
    rows.append(("toy #2, key revealed", *measure(instance)))
    for family in FAMILIES:
        if family in ("fixed", "custom", "parts"):  # parts: its pages draw no plots yet
            continue
        tpl = factories.template(family=family, config={})
        instance = factories.instance(
            for_item=factories.item(in_set=ps, tpl=tpl), for_student=student
        )
        rows.append((f"{family}, no answer yet", *measure(instance)))
    print(
        "| problem | first request ms | computed: median ms | p95 ms | cached: median ms | p95 ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, cold, computed, cached in rows:
        p95 = sorted(computed)[int(0.95 * (len(computed) - 1))]
        p95c = sorted(cached)[int(0.95 * (len(cached) - 1))]
        print(
            f"| {name} | {cold:.1f} | {statistics.median(computed):.1f} | {p95:.1f} | "
            f"{statistics.median(cached):.1f} | {p95c:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
