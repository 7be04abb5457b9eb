"""The one wall-clock bound tests may use: a hang detector, not a speed target.

Speed is measured in `bench/` (the engine's p99 is a few milliseconds a call; see BENCHMARKS.md).
A test that must show a call *finishes* (bounded work on hostile input) asserts it finishes within
HANG_S, thousands of times the benchmark's p99, so that a loaded 2-core machine never fails it and
only unbounded work (an exponent tower, a runaway loop) does.
"""

HANG_S = 30.0

# Browser tests wait this long for what they expect to see (a KaTeX preview, a verdict): on a
# loaded 2-core machine that can take seconds, and speed is measured in bench/, not here.
WAIT_MS = int(HANG_S * 1000)
