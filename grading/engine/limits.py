"""Caps on what one input may cost: size, nodes, depth, numbers, and time budgets."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_INPUT_CHARS = 2000
MAX_TOKENS = 600
MAX_NODES = 800
MAX_DEPTH = 60
MAX_INTEGER_DIGITS = 40
# A constant power a^b is refused when |b| * log10|a| exceeds this (10^10^10 and friends).
MAX_POWER_DIGITS = 300
# An exponent on anything that involves a variable must stay this small (no x^(10^100)).
MAX_SYMBOLIC_EXPONENT = 200
MAX_VECTOR_COMPONENTS = 12

# Grading budgets, in seconds.
SYMBOLIC_BUDGET_S = 0.05
# The symbolic step only looks at expressions up to this many AST nodes a side, so that
# whether it finishes does not depend on the machine's speed.
SYMBOLIC_MAX_NODES = 120
# Generating typical mistakes: a safety net, not a pace (usually 5-50 ms); at most this many
# candidates are matched against a wrong answer.
DIAGNOSIS_BUDGET_S = 1.0
DIAGNOSIS_MAX_CANDIDATES = 40

# Numeric sampling.
SAMPLE_TARGET_POINTS = 10
SAMPLE_MIN_POINTS = 6
# Of the agreeing points, at least this many are evaluated with mpmath (at 128 bits and up):
# one in each scale band (numeric.sampling.BANDS), so that a difference far below double
# precision (x^40/10^80 beside e^x, e^(-100/x^2)/10^20) is looked for at every scale, and the first
# 2^n points visit every orthant. The others may be settled in doubles with a rigorous bound
# (numeric/floats.py). The first agreeing one is confirmed at 512 bits.
SAMPLE_FULL_PRECISION_POINTS = 6
SAMPLE_FULL_PRECISION_BANDS = (0, 1, 2, 3, 4, 5)
SAMPLE_MAX_DRAWS = 200
# Values and arguments past these magnitudes make a point unusable rather than slow.
MAX_LOG2_MAGNITUDE = 50_000_000
# below 2^47: a sample point's 52-bit mantissa keeps 2^k x off the integers for usable k
MAX_TRIG_ARGUMENT = 1e13
MAX_EXP_ARGUMENT = 1e7


class BudgetExceeded(BaseException):
    """Raised inside a `time_budget` block when its time is up."""


# After the first alarm the timer fires again every this many seconds until the block ends: an
# exception raised while Python runs a finalizer or a garbage-collector callback is printed and
# dropped ("Exception ignored in ..."), so one alarm that lands there would leave the block
# running unbounded; the next one interrupts it.
BUDGET_REPEAT_S = 0.01


@contextmanager
def time_budget(seconds: float) -> Iterator[bool]:
    """Interrupt the block after `seconds` of wall time (and again every BUDGET_REPEAT_S after,
    should an interrupt be swallowed by a finalizer, until the block ends).

    A hard interrupt needs SIGALRM, which only the main thread may set; elsewhere the block runs
    unguarded and the context yields False, so callers run only bounded work there.
    """
    usable = (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "setitimer")
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    )
    if not usable:
        yield False
        return

    active = [True]

    def _raise(signum: int, frame: object) -> None:
        if active[0]:
            raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-4), BUDGET_REPEAT_S)
    try:
        yield True
    finally:
        # an alarm still due from here on does nothing; should one land before that, the
        # timer and the handler are still put back (the inner finally)
        try:
            active[0] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
