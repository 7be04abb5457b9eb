"""The result region's instance read (selectors.student_result_instance): the ORM's query for
student_result_instances, compiled once and run with each request's user, id and time. It must
find exactly what that queryset finds, with the same values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from exercises.authoring.models import ScoreOverride, StudentException, StudentSetException
from exercises.courses.models import Membership
from exercises.practice import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def _both(user, pk):
    found = selectors.student_result_instances(user=user).filter(pk=pk).first()
    return found, selectors.student_result_instance(user=user, pk=pk)


def _same(a, b):
    assert a is not None and b is not None
    assert a.get_deferred_fields() == b.get_deferred_fields() == {"prepared", "worked"}
    for x, y in ((a, b), (a.item, b.item), (a.item.problem_set, b.item.problem_set)):
        assert model_to_dict(x) == model_to_dict(y)
    names = [n for n in vars(a) if n.startswith("standing_")]
    assert len(names) == 9  # the item's exception (4 fields), the whole set's (4), the override
    assert {n: getattr(a, n) for n in names} == {n: getattr(b, n) for n in names}


def test_it_reads_what_the_queryset_reads_with_the_students_standing(django_assert_num_queries):
    instance = factories.toy_instance(max_attempts=3)
    student, item = instance.student, instance.item
    _same(*_both(student, instance.pk))
    StudentException.objects.create(item=item, student=student, max_attempts=5, excused=True)
    ScoreOverride.objects.create(item=item, student=student, score=Decimal("1.5"), reason="oral")
    a, b = _both(student, instance.pk)
    _same(a, b)
    assert (b.standing_x_max_attempts, b.standing_x_excused) == (5, True)
    StudentSetException.objects.create(
        problem_set=item.problem_set, student=student, max_attempts=7
    )
    a, b = _both(student, instance.pk)
    _same(a, b)
    assert (b.standing_s_max_attempts, b.standing_x_max_attempts) == (7, 5)
    with django_assert_num_queries(1):  # compiled already: one query, nothing else
        selectors.student_result_instance(user=student, pk=instance.pk)


def test_it_finds_nothing_the_queryset_does_not():
    instance = factories.toy_instance()
    student, problem_set = instance.student, instance.item.problem_set
    other = factories.student(in_course=problem_set.course)
    assert _both(other, instance.pk) == (None, None)  # another student's
    assert _both(student, instance.pk + 10_000) == (None, None)  # no such instance
    problem_set.opens_at = timezone.now() + timedelta(hours=1)  # not released yet
    problem_set.save()
    assert _both(student, instance.pk) == (None, None)
    problem_set.opens_at = timezone.now() - timedelta(seconds=1)  # released now
    problem_set.save()
    _same(*_both(student, instance.pk))
    problem_set.hidden = True
    problem_set.save()
    assert _both(student, instance.pk) == (None, None)
    problem_set.hidden = False
    problem_set.save()
    Membership.objects.filter(user=student).delete()  # removed from the course
    assert _both(student, instance.pk) == (None, None)
