"""The engine over the grading corpus against the naive baseline, measured in the same run.

Both sides get their key ready before the clock starts, as a deployed grader does: a variant's
key is computed (and checked) when the variant is made, not when an answer arrives.
Baseline: parse the answer with the same allow-listed parser, then `simplify(ref - ans) == 0`
(capped at BASELINE_CAP_S per case so that one pathological simplify cannot stall the run; a
capped case counts with the cap as its time, which flatters the baseline).
Engine: `grade()`.
SymPy's own cache (and the engine's memory of recently parsed answers) is cleared, and the
garbage collected, before every engine grade and every baseline call alike.

    .venv/bin/python bench/engine.py [--corpus DIR] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import re
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from grading.engine import Task, grade, key_of  # noqa: E402
from grading.engine.api import parse_answer  # noqa: E402
from grading.engine.parsing import parse  # noqa: E402
from grading.engine.sympy_bridge import make_symbols, to_sympy  # noqa: E402

BASELINE_CAP_S = 10.0
MARK_START = "<!-- bench/engine.py:start -->"
MARK_END = "<!-- bench/engine.py:end -->"


def load_cases(corpus: Path) -> list[tuple[str, Task, str, bool]]:
    cases = []
    for line in (corpus / "equivalence.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        task = Task(variables=tuple(d["vars"]), reference=d["reference"])
        cases.append((d["id"], task, d["answer"], d["equivalent"]))
    for line in (corpus / "textbook-sample.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        cases.append((d["id"], textbook_task(d), d["answer_as_printed"], True))
    return cases


def textbook_task(d: dict) -> Task:
    variables = tuple(d["vars"])
    text = d["task"]
    at: tuple[tuple[str, str], ...] = ()
    m = re.search(r" at \((.*)\)$", text)
    if m:
        at = tuple(zip(variables, [v.strip() for v in m.group(1).split(",")], strict=True))
        text = text[: m.start()]
    text = text.removeprefix("value ")
    if text.startswith("gradient"):
        return Task(variables=variables, function=d["function"], gradient=True, at=at)
    m = re.fullmatch(r"d(\d?)/(.*)", text)
    assert m
    wrt: list[str] = []
    for name, power in re.findall(r"d([a-z]\w*?)(\d?)(?=d|$)", m.group(2)):
        wrt += [name] * int(power or 1)
    return Task(variables=variables, function=d["function"], wrt=tuple(wrt), at=at)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ANN001
    raise _Timeout


def baseline_key(task: Task) -> list:
    """The baseline's key: parse the reference, or differentiate the function with SymPy."""
    symbols = make_symbols(task.variables)
    if task.reference is not None:
        ref = [to_sympy(p, symbols) for p in parse(task.reference, task.variables).parts()]
    else:
        f = to_sympy(parse(task.function, task.variables).node, symbols)
        if task.gradient:
            ref = [sympy.diff(f, symbols[v]) for v in task.variables]
        else:
            ref = [sympy.diff(f, *[symbols[v] for v in task.wrt])]
        if task.at:
            point = {symbols[k]: to_sympy(parse(v, ()).node, {}) for k, v in task.at}
            ref = [r.subs(point) for r in ref]
    return ref


def baseline(task: Task, answer: str, ref: list) -> bool | None:
    """Naive: parse the answer, subtract, simplify, compare with zero (per component)."""
    symbols = make_symbols(task.variables)
    ans = [to_sympy(p, symbols) for p in parse(answer, task.variables).parts()]
    if len(ans) != len(ref):
        return False
    return all(sympy.simplify(r - a) == 0 for r, a in zip(ref, ans, strict=True))


def run(corpus: Path) -> dict:
    cases = load_cases(corpus)
    # warm up both (imports, SymPy caches of the first derivative) outside the timings
    grade(Task(variables=("x",), function="sin(x)", wrt=("x",)), "cos(x)")
    warm = Task(variables=("x",), reference="cos(x)")
    baseline(warm, "cos(x)", baseline_key(warm))
    refs = [baseline_key(task) for _cid, task, _a, _e in cases]
    for _cid, task, _a, _e in cases:
        key_of(task)  # the key and its LaTeX, as made with the variant
    engine_ms, base_ms = [], []
    engine_wrong, base_wrong, base_capped = [], [], []
    methods: dict[str, int] = {}
    signal.signal(signal.SIGALRM, _alarm)
    # two passes in the same run, engine first, so that neither runs amid the other's garbage
    for cid, task, answer, expected in cases:
        clear_cache()
        parse_answer.cache_clear()  # the engine's own memory of recent answers, too
        gc.collect()
        t0 = time.perf_counter()
        verdict = grade(task, answer)
        engine_ms.append((time.perf_counter() - t0) * 1000)
        methods[verdict.method] = methods.get(verdict.method, 0) + 1
        if verdict.equivalent is not expected:
            engine_wrong.append(cid)
    for (cid, task, answer, expected), ref in zip(cases, refs, strict=True):
        clear_cache()
        gc.collect()
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, BASELINE_CAP_S)
        try:
            got = baseline(task, answer, ref)
        except _Timeout:
            got = None
            base_capped.append(cid)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        base_ms.append((time.perf_counter() - t0) * 1000)
        if got is not expected:
            base_wrong.append(cid)
    return {
        "cases": len(cases),
        "engine": engine_ms,
        "baseline": base_ms,
        "engine_wrong": engine_wrong,
        "baseline_wrong": base_wrong,
        "baseline_capped": base_capped,
        "methods": methods,
    }


def _p(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def table(result: dict, command: str) -> str:
    e, b = result["engine"], result["baseline"]
    rows = [
        ("median ms / grade", statistics.median(e), statistics.median(b)),
        ("p99 ms / grade", _p(e, 0.99), _p(b, 0.99)),
        ("max ms / grade", max(e), max(b)),
        ("total s", sum(e) / 1000, sum(b) / 1000),
    ]
    lines = [
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"SymPy {sympy.__version__}; {result['cases']} cases "
        "(tests/grading/engine/corpus: equivalence + textbook-sample); keys computed before "
        "timing on both sides; SymPy cache cleared before every timed grade on both sides.",
        "",
        "| measure | engine | naive baseline | baseline / engine |",
        "|---|---:|---:|---:|",
    ]
    for name, ev, bv in rows:
        lines.append(f"| {name} | {ev:.2f} | {bv:.2f} | {bv / ev:.1f}x |")
    lines += [
        f"| wrong verdicts | {len(result['engine_wrong'])} | {len(result['baseline_wrong'])} | |",
        "",
        f"Engine methods: {', '.join(f'{k} {v}' for k, v in sorted(result['methods'].items()))}. "
        f"Baseline cases capped at {BASELINE_CAP_S:.0f} s: {len(result['baseline_capped'])}.",
    ]
    if result["engine_wrong"]:
        lines.append(f"Engine wrong on: {', '.join(result['engine_wrong'])}")
    if result["baseline_wrong"]:
        lines.append(f"Baseline wrong on: {', '.join(result['baseline_wrong'])}")
    return "\n".join(lines)


def write(path: Path, body: str) -> None:
    section = (
        f"{MARK_START}\n## Grading engine vs naive baseline (`make bench`)\n\n{body}\n{MARK_END}"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1] if MARK_END in rest else ""
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    # The repository's copy of the shared grading corpus: a clone has nothing beside it.
    ap.add_argument("--corpus", default=str(ROOT / "tests" / "grading" / "engine" / "corpus"))
    ap.add_argument(
        "--write", default=str(ROOT / "BENCHMARKS.md"), help="file to update (empty to skip)"
    )
    args = ap.parse_args(argv)
    result = run(Path(args.corpus))
    command = "make bench  # = .venv/bin/python bench/engine.py"
    body = table(result, command)
    print(body)
    if args.write:
        write(Path(args.write), body)
        print(f"\nwritten to {args.write}")
    e = result["engine"]
    ok = (
        not result["engine_wrong"]
        and statistics.median(result["baseline"]) >= 10 * statistics.median(e)
        and sum(result["baseline"]) >= 10 * sum(e)
        and _p(e, 0.99) <= 50
        and max(e) <= 1000
    )
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
