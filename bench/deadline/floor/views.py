from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from bench.deadline.floor.models import FloorRow
from bench.deadline.floor.tasks import floor_task


@login_required
@require_POST
def floor_submit(request: HttpRequest) -> HttpResponse:
    """Store one row, queue its task once stored, answer a small fragment."""
    row = FloorRow.objects.create(user=request.user, answer=request.POST.get("answer", "")[:2000])
    transaction.on_commit(lambda: floor_task.delay(row.pk))
    return render(request, "bench_floor/_floor.html", {"row": row})
