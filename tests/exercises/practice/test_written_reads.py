"""Reads the result region and the wait URL run as SQL written once (selectors.submission_waiting,
selectors._load_kept): they must answer what the ORM's own query answers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exercises.authoring.models import ProblemInstance
from exercises.practice import selectors
from grading.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [s.value for s in Submission.Status])
def test_waiting_is_true_only_while_queued_or_grading(status, django_assert_num_queries):
    instance = factories.toy_instance()
    sub = Submission.objects.create(
        instance=instance, attempt=1, answer="3*x**2 + y", queued_at=timezone.now()
    )
    Submission.objects.filter(pk=sub.pk).update(status=status)
    with django_assert_num_queries(1):
        waiting = selectors.submission_waiting(submission_id=sub.pk)
    assert waiting is (status in {Submission.Status.QUEUED, Submission.Status.GRADING})
    assert (
        waiting
        is Submission.objects.filter(
            pk=sub.pk, status__in=[Submission.Status.QUEUED, Submission.Status.GRADING]
        ).exists()
    )
    assert selectors.submission_waiting(submission_id=sub.pk + 1000) is False


@pytest.mark.parametrize("kept", [("prepared", "worked"), ("prepared",), ("worked",), ()])
def test_the_kept_fields_read_as_the_orm_reads_them(kept, django_assert_num_queries):
    instance = factories.toy_instance()
    ProblemInstance.objects.filter(pk=instance.pk).update(
        prepared={"v": 1, "key": ["a", 2.5, None]}, worked={"hints": {"x": "y"}, "n": [1]}
    )
    full = ProblemInstance.objects.get(pk=instance.pk)
    read = ProblemInstance.objects.defer(*kept).get(pk=instance.pk)
    with django_assert_num_queries(1 if kept else 0):
        selectors._load_kept(read)  # noqa: SLF001
    assert read.get_deferred_fields() == set()
    assert (read.prepared, read.worked) == (full.prepared, full.worked)
    assert isinstance(read.prepared, dict) and isinstance(read.worked, dict)


def test_a_kept_read_of_an_instance_gone_fails_as_refresh_from_db_does():
    instance = factories.toy_instance()
    read = ProblemInstance.objects.defer("prepared", "worked").get(pk=instance.pk)
    ProblemInstance.objects.filter(pk=instance.pk).delete()
    with pytest.raises(ProblemInstance.DoesNotExist):
        selectors._load_kept(read)  # noqa: SLF001
