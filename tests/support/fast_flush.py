"""On PostgreSQL, the flush that ends each transactional test (live server, Celery worker, race
tests: pytest-django's TransactionTestCase teardown) empties the tables with DELETE instead of
TRUNCATE.

Django's flush is one `TRUNCATE t1, t2, ...` of every table (47 here): PostgreSQL gives each table,
index and TOAST table a new file and takes an ACCESS EXCLUSIVE lock on each, 0.35-1.5 s a flush on
this machine, while a DELETE of the few rows a test leaves takes 0.02-0.04 s. The outcome is the
same: every table empty, sequences left where they are (the flush without reset_sequences does not
restart them either; a flush that asks for that still truncates). Django makes its foreign keys
DEFERRABLE INITIALLY DEFERRED on PostgreSQL and the flush runs in one transaction, so the order of
the DELETEs does not matter; SET CONSTRAINTS ALL DEFERRED says so for any deferrable one.

Nothing writes concurrently at that point: the live server is drained before the flush
(tests/support/live_server.py) and the workers a test started are killed in its teardown, which
comes before the flush. Loaded by tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

from typing import Any


def pytest_configure(config: Any) -> None:
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    if getattr(truncate, "deletes", False):
        return

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if not tables or reset_sequences:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} "
            f"{style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    sql_flush.deletes = True  # type: ignore[attr-defined]
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
