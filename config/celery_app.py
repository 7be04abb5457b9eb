"""The Celery application; its configuration comes from Django settings (CELERY_*)."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("partial_credit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # the tasks module of every installed app


GC_GEN0_THRESHOLD = 20_000


@worker_process_init.connect
def _freeze_start_up_objects(**kwargs: object) -> None:
    """Take what start-up made (Django, SymPy, the engine) out of the garbage collector's view
    in each worker process: a full collection otherwise walks it all, a pause of about 100 ms
    in whichever grade it lands on (seen as the maximum of bench/submit_cost.py).

    Then collect the youngest generation every GC_GEN0_THRESHOLD allocations instead of 700:
    a grade allocates tens of thousands of short-lived objects (parse trees, closures,
    fractions), and at 700 it paid for hundreds of collections of objects about to die anyway
    (bench/submit_cost.py, worker per stored answer: mean 3.2 -> 2.8 ms CPU, max 17-25 -> 6-9 ms).
    The older generations keep their default ratios, so cyclic garbage is still collected."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, older, oldest)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task: object = None, **kwargs: object) -> None:
    """Around each task, what Django does around each request: drop a database connection
    that is broken or older than CONN_MAX_AGE, keep the others (settings: CELERY_DB_REUSE_MAX).
    Not for tasks run inline (eager), which share their caller's connection and transaction."""
    request = getattr(task, "request", None)
    if getattr(request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
