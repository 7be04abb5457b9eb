"""Reads the result region and the wait URL run as SQL written once (selectors.submission_waiting,
selectors._load_kept): they must answer what the ORM's own query answers."""

from __future__ import annotations

from decimal import Decimal

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


def _row(s: Submission) -> dict[str, object]:
    return {f.attname: getattr(s, f.attname) for f in Submission._meta.concrete_fields}


def test_the_history_reads_what_the_orm_reads(django_assert_num_queries):
    instance = factories.toy_instance()
    other = factories.toy_instance()  # another student's: never in this history
    now = timezone.now()
    made = [
        (0, 2, {"mistake": {"code": "chain"}, "n": [1.5, None]}, Decimal("0.25"), False),
        (0, 1, None, None, None),
        (1, 1, {"k": "v"}, Decimal("1.00"), True),
        (1, 2, {}, Decimal("0"), False),
    ]
    for part, attempt, verdict, score, equivalent in made:
        Submission.objects.create(
            instance=instance,
            part=part,
            attempt=attempt,
            answer=f"{part}-{attempt}",
            queued_at=now,
            verdict=verdict,
            score=score,
            equivalent=equivalent,
            status=Submission.Status.GRADED if score is not None else Submission.Status.QUEUED,
        )
    Submission.objects.create(instance=other, attempt=1, answer="x", queued_at=now)
    cases = [
        (("attempt",), None),
        (("part", "attempt"), None),
        (("attempt",), 0),
        (("attempt",), 1),
    ]
    for order, part in cases:
        orm = instance.submissions.order_by(*order)
        orm = orm if part is None else orm.filter(part=part)
        expected = [_row(s) for s in orm]
        with django_assert_num_queries(1):
            found = selectors.instance_history(instance, order=order, part=part)
            assert all(s.instance is instance for s in found)  # no query for it
        assert [_row(s) for s in found] == expected
        assert all(type(s.score) is type(e["score"]) for s, e in zip(found, expected, strict=True))
        assert all(not s._state.adding and s._state.db == "default" for s in found)  # noqa: SLF001
    assert selectors.instance_history(other, order=("attempt",), part=1) == []


def test_the_rate_count_counts_what_the_orm_counts(django_assert_num_queries):
    from datetime import timedelta

    from exercises.practice import services

    instance = factories.toy_instance()
    second = factories.instance(
        for_item=factories.item(in_set=instance.item.problem_set), for_student=instance.student
    )
    other = factories.toy_instance()  # another student's answers never count
    now = timezone.now()
    for i, (inst, ago) in enumerate([(instance, 5), (second, 30), (instance, 59), (other, 1)]):
        made = Submission.objects.create(instance=inst, attempt=i + 1, answer="x", queued_at=now)
        Submission.objects.filter(pk=made.pk).update(created_at=now - timedelta(seconds=ago))
    for since in (
        now - timedelta(minutes=1),
        now - timedelta(seconds=30),
        now,
        now - timedelta(hours=1),
    ):
        expected = Submission.objects.filter(
            instance__student_id=instance.student_id, created_at__gte=since
        ).count()
        with django_assert_num_queries(1):
            assert services._recent_count(student_id=instance.student_id, since=since) == expected  # noqa: SLF001
    assert (
        services._recent_count(student_id=instance.student_id, since=now - timedelta(minutes=1))
        == 3
    )  # noqa: SLF001, E501


def test_the_submit_lock_is_the_orms_select_for_update():
    from django.db import connection

    from exercises.practice import services

    lock = services._submit_sql(connection.vendor)[1]  # noqa: SLF001
    assert lock.endswith(" FOR UPDATE") is connection.features.has_select_for_update


@pytest.mark.django_db(transaction=True)  # autocommit, as a request outside atomic would be
def test_the_submit_lock_outside_a_transaction_is_refused_as_the_orms_would_be():
    """select_for_update() outside atomic raises; the written lock must too, not lock nothing."""
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    from exercises.practice import services

    inst = factories.toy_instance()
    with pytest.raises(TransactionManagementError):
        services._lock(instance_id=inst.pk)  # noqa: SLF001
    with transaction.atomic():
        services._lock(instance_id=inst.pk)  # noqa: SLF001
