"""A class submitting at once on a SQLite file database: run in a process of its own by
tests/config/test_sqlite_concurrency.py, since the test suite's own SQLite database is in memory.

    python -m tests.support.sqlite_burst DB_PATH STUDENTS ANSWERS

Migrates the file database, enrols STUDENTS students in one problem, then starts one thread per
student; the threads wait for each other and then each posts ANSWERS wrong answers through
Django's WSGI handler (the test client), each followed by the result region's poll, as the page
does. Grading runs inline (eager), in the same threads, as a worker would write its verdicts
meanwhile. Prints one JSON line: the status codes answered, the submissions stored and graded,
and the journal mode the connections used.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path


def main(db_path: Path, students: int, answers: int) -> dict[str, object]:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, as under pytest

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse

    from grading.models import Submission
    from tests import factories

    call_command("migrate", verbosity=0)
    course = factories.course()
    item = factories.item(in_set=factories.problem_set(in_course=course), max_attempts=answers)
    pages = []
    for _ in range(students):
        student = factories.student(in_course=course)
        instance = factories.instance(for_item=item, for_student=student)
        client = Client(raise_request_exception=False)
        client.force_login(student)
        pages.append((client, instance.pk))
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    connections.close_all()

    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(students)

    def student_submits(client: Client, instance_id: int) -> None:
        submit = reverse("practice:submission-create", args=[instance_id])
        poll = reverse("practice:problem-detail", args=[instance_id])
        try:
            start.wait(timeout=60)
            for n in range(answers):
                # wrong answers (the key is 3x^2 + y), each different, so none is solved
                posted = client.post(submit, {"answer": f"{n + 4}x^2 + y"}, HTTP_HX_REQUEST="true")
                polled = client.get(poll, HTTP_HX_REQUEST="true")
                with lock:
                    statuses[posted.status_code] += 1
                    statuses[polled.status_code] += 1
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=student_submits, args=page) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "stored": Submission.objects.count(),
        "graded": Submission.objects.filter(status=Submission.Status.GRADED).count(),
        "attempts": sorted(set(Submission.objects.values_list("attempt", flat=True))),
        "journal_mode": journal_mode,
    }


if __name__ == "__main__":
    path, n_students, n_answers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(main(path, n_students, n_answers)))
