"""PostgreSQL plans a repeated query once a connection (config/settings/base.py): the result
region's read of the instance, run on every submit and poll, is prepared and then run on a
generic plan, not planned afresh (about 1 ms of PostgreSQL's CPU each time, BENCHMARKS.md)."""

from __future__ import annotations

import pytest
from django.db import connection

from exercises.practice import selectors
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_the_result_regions_read_is_prepared_and_planned_once(require_postgres):
    inst = factories.toy_instance()
    for _ in range(20):
        assert selectors.student_result_instance(user=inst.student, pk=inst.pk) == inst
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%standing_x_due_at%"],
        )
        plans = cursor.fetchall()
    assert len(plans) == 1, plans  # prepared once on this connection
    generic, custom = plans[0]
    # psycopg prepares it on its 6th run (prepare_threshold=5 runs before); PostgreSQL plans
    # the first 5 runs of a prepared statement for their values, then keeps one plan for all
    # (pg_prepared_statements counts both from PostgreSQL 14)
    assert generic >= 1 and custom <= 5, plans
