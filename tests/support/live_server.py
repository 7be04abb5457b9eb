"""The live server, drained between tests: a test's database is flushed only once the server is
done with that test's requests.

pytest-django's live server is one thread for the session; a test that uses it is a
TransactionTestCase whose teardown flushes the database. A page can still have a request in the
server when its test ends (plots.js fetches a problem's plot.json after each graded answer).
On an in-memory SQLite the server shares the test's connection, so the flush then meets the
request's open cursor: "database table is locked", the flush fails, and the next test trips over
the rows it left (a UNIQUE error). The gate below counts the requests in the server; at teardown
it closes (a request arriving after the test is answered 503 without touching the database) and
waits, bounded by the hang budget, for the count to reach zero; only then does the flush run.

Loaded by tests/conftest.py (`pytest_plugins`); tests/test_live_server_drain.py shows the race
with and without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from tests.support.budget import HANG_S

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class Gate:
    """WSGI middleware: counts requests from their start to the end of their response (the
    server's close() of the body), and refuses new ones while closed."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self._in_flight = 0
        self._open = True
        self._changed = threading.Condition()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with self._changed:
            if not self._open:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The live server is between tests.\n"]
            self._in_flight += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._leave()
            raise
        return _Counted(body, self._leave)

    def _leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def open(self) -> None:
        with self._changed:
            self._open = True

    def close_and_drain(self, timeout: float) -> int:
        """Refuse new requests, wait up to `timeout` s for those in the server to end; returns
        how many are still in it (0 once drained)."""
        with self._changed:
            self._open = False
            self._changed.wait_for(lambda: self._in_flight == 0, timeout)
            return self._in_flight


class _Counted:
    """A response body that leaves the gate when the server closes it (PEP 3333: close() is
    called once the body is sent, or when sending it failed)."""

    def __init__(self, body: Iterable[bytes], leave: Callable[[], None]) -> None:
        self._body = body
        self._leave: Callable[[], None] | None = leave

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            leave, self._leave = self._leave, None
            if leave is not None:
                leave()


def gate_of(server: Any) -> Gate:
    """The gate in front of pytest-django's live server, put there on first use."""
    httpd = server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, Gate):
        app = Gate(app)
        httpd.set_app(app)
    return app


@pytest.fixture
def live_server(live_server, transactional_db):
    """pytest-django's live server, its gate open for this test and drained before the flush
    (this fixture depends on transactional_db, so it is torn down before the flush runs)."""
    gate = gate_of(live_server)
    gate.open()
    yield live_server
    left = gate.close_and_drain(HANG_S)
    if left:
        pytest.fail(
            f"{left} request(s) still in the live server {HANG_S:.0f} s after the test ended: "
            "a hang, and the database flush that follows may fail under them.",
            pytrace=False,
        )
