"""The Celery application; its configuration comes from Django settings (CELERY_*)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("partial_credit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["grading", "exercises"])


@worker_process_init.connect
def _freeze_start_up_objects(**kwargs: object) -> None:
    """Take what start-up made (Django, SymPy, the engine) out of the garbage collector's view
    in each worker process: a full collection otherwise walks it all, a pause of about 100 ms
    in whichever grade it lands on (seen as the maximum of bench/submit_cost.py)."""
    gc.collect()
    gc.freeze()
