"""The result region's instance read (selectors.student_result_instance): the ORM's query for
student_result_instances, compiled once and run with each request's user, id and time. It must
find exactly what that queryset finds, with the same values."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

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


# What the compiled read relies on (selectors, above _ANY_USER), one test each.


@pytest.fixture
def fresh_compile():
    """Each test compiles the read anew on its connection, and leaves none behind."""
    from django.db import connections

    wrapper = connections["default"]
    wrapper.__dict__.pop("_pc_result_read", None)
    yield wrapper
    wrapper.__dict__.pop("_pc_result_read", None)


def test_it_runs_the_querysets_own_sql_with_each_parameter_in_its_place(fresh_compile):
    """Parameter order, the subqueries and the database's kind: with the same time, the SQL
    sent (parameters interpolated) is exactly the queryset's, user and id in every place."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    instance = factories.toy_instance()
    student = instance.student
    StudentException.objects.create(item=instance.item, student=student, max_attempts=4)
    other = factories.student(in_course=instance.item.problem_set.course)
    fixed = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=fixed):
        for user in (student, other):
            with CaptureQueriesContext(connection) as orm:
                list(selectors.student_result_instances(user=user).filter(pk=instance.pk))
            with CaptureQueriesContext(connection) as compiled:
                selectors.student_result_instance(user=user, pk=instance.pk)
            sent = [q["sql"] for q in compiled.captured_queries]
            assert sent == [q["sql"] for q in orm.captured_queries]
            assert str(user.pk) in sent[0] and str(instance.pk) in sent[0]


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_its_own_read_on_its_own_connection(fresh_compile):
    from django.db import connection, connections

    instance = factories.toy_instance()
    main = selectors.student_result_instance(user=instance.student, pk=instance.pk)
    kept = connection._pc_result_read
    seen = {}

    def read():
        try:
            found = selectors.student_result_instance(user=instance.student, pk=instance.pk)
            seen["found"] = found
            seen["kept"] = connections["default"]._pc_result_read
            seen["other"] = connections["default"] is not connection
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["other"] and seen["kept"] is not kept
    _same(main, seen["found"])
    assert connection._pc_result_read is kept


@pytest.mark.django_db(transaction=True)
def test_a_reconnect_keeps_the_compiled_read_and_its_answer(fresh_compile):
    """The wrapper outlives its database connection (CONN_MAX_AGE, a dropped connection)."""
    from django.db import connection

    instance = factories.toy_instance()
    before = selectors.student_result_instance(user=instance.student, pk=instance.pk)
    kept, raw = connection._pc_result_read, connection.connection
    connection.close()  # Django keeps an in-memory SQLite database's connection open
    after = selectors.student_result_instance(user=instance.student, pk=instance.pk)
    assert connection._pc_result_read is kept
    assert connection.connection is not raw or connection.is_in_memory_db()
    _same(before, after)


def test_a_change_in_the_orms_internals_falls_back_to_the_queryset(fresh_compile, caplog):
    """If a Django upgrade changes what the compiled read uses, the request is still served:
    the queryset reads (at its full cost), and the log says so once per connection."""
    from django.db import connection

    instance = factories.toy_instance()
    student = instance.student

    def expected():  # a fresh read each time (_same loads the deferred fields)
        return selectors.student_result_instances(user=student).filter(pk=instance.pk).first()

    with mock.patch.object(selectors, "_instance_of", side_effect=AttributeError("klass_info")):
        _same(expected(), selectors.student_result_instance(user=student, pk=instance.pk))
    assert connection._pc_result_read is False
    _same(expected(), selectors.student_result_instance(user=student, pk=instance.pk))
    fresh_compile.__dict__.pop("_pc_result_read")
    with mock.patch.object(selectors, "_compile_result_read", side_effect=TypeError("as_sql")):
        _same(expected(), selectors.student_result_instance(user=student, pk=instance.pk))
        _same(expected(), selectors.student_result_instance(user=student, pk=instance.pk))
    assert connection._pc_result_read is False
    assert selectors.student_result_instance(user=student, pk=instance.pk + 10_000) is None
    warned = [r for r in caplog.records if "compiled result read" in r.getMessage()]
    assert len(warned) == 2  # once when it failed, once when it could not be made


def test_a_query_with_a_parameter_that_is_no_stand_in_is_not_compiled(fresh_compile):
    """A value baked into the query (not the user, id or time) could not be swapped: refused,
    and the queryset reads."""
    from django.db import connection

    instance = factories.toy_instance()
    real = selectors.student_result_instances

    def with_a_constant(*, user, now=None):
        return real(user=user, now=now).filter(seed__gte=-1)

    with mock.patch.object(selectors, "student_result_instances", with_a_constant):
        found = selectors.student_result_instance(user=instance.student, pk=instance.pk)
    assert connection._pc_result_read is False
    assert found is not None and found.pk == instance.pk
