"""The engine's time budget (limits.time_budget): it interrupts its block, and keeps doing so
when its first interrupt is swallowed by a finalizer."""

from __future__ import annotations

import gc
import signal
import sys
import time

import pytest

from grading.engine import limits


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_budget_interrupts_a_long_block_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(limits.BudgetExceeded), limits.time_budget(0.02) as hard:
        assert hard
        _spin(30)  # far beyond the budget: only the interrupt ends it
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_block_within_budget_ends_normally_and_no_alarm_is_left() -> None:
    with limits.time_budget(5.0) as hard:
        assert hard
        total = sum(range(1000))
    assert total == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    _spin(0.05)  # nothing fires after the block


class _SlowFinalizer:
    """Its finalizer outlasts the budget, so the first alarm lands inside it, where Python
    prints the exception and drops it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.self_ref = self  # a cycle: only the garbage collector finalizes it

    def __del__(self) -> None:
        _spin(self.seconds)


def test_an_interrupt_swallowed_by_a_finalizer_is_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What Python does with the exception a finalizer raised: here, note its type. (pytest's
    # own hook runs Python code long enough for the repeated alarm to land in it, which pytest
    # reports as a failure of its hook; Python's default hook is C, which no alarm interrupts.)
    dropped: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))
    gc.collect()
    interrupted = False
    try:
        with limits.time_budget(0.02) as hard:
            assert hard
            _SlowFinalizer(0.2)  # unreachable at once; finalized by the collect below
            gc.collect()  # the first alarm fires inside __del__ and is swallowed there
            _spin(5)  # a block the swallowed alarm would have let run to its end
    except limits.BudgetExceeded:
        interrupted = True
    assert limits.BudgetExceeded in dropped  # the first alarm did land in the finalizer
    assert interrupted
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
