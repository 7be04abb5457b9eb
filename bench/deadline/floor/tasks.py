from celery import shared_task
from django.utils import timezone

from bench.deadline.floor.models import FloorRow


@shared_task(acks_late=True, reject_on_worker_lost=True)
def floor_task(row_id: int) -> None:
    """Read one row, write one row."""
    row = FloorRow.objects.get(pk=row_id)
    FloorRow.objects.filter(pk=row.pk, done=False).update(done=True, done_at=timezone.now())
