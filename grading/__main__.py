"""Command line for the engine: `check` one answer, `batch` JSON lines, `bench` the corpus.

python -m grading check --vars x,y --reference "3x^2+y" "y + 3x^2"
python -m grading check --vars x,y --function "x^3+xy-y" --wrt x "3x^2+y"
python -m grading check --vars x,y --function "x^3+xy-y" --gradient --at x=1,y=2 "<5, 0>"
python -m grading batch < cases.jsonl
python -m grading bench
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from grading.engine import Task, grade


def _csv(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _point(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in _csv(text):
        if "=" not in part:
            raise argparse.ArgumentTypeError(f"expected name=value, got {part!r}")
        name, value = part.split("=", 1)
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def _check(args: argparse.Namespace) -> int:
    task = Task(
        variables=args.vars,
        reference=args.reference,
        function=args.function,
        wrt=args.wrt or (),
        gradient=args.gradient,
        at=args.at or (),
        tolerance=args.tolerance,
        positive=args.positive,
    )
    if (task.reference is None) == (task.function is None):
        print("error: give exactly one of --reference or --function", file=sys.stderr)
        return 2
    if task.function is not None and not task.wrt and not task.gradient:
        print("error: --function needs --wrt or --gradient", file=sys.stderr)
        return 2
    verdict = grade(task, args.answer, seed=args.seed)
    out = verdict.to_dict()
    out["mistake_code"] = verdict.mistake.code if verdict.mistake else None
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if verdict.equivalent is not None else 1


def _task_from_json(data: dict[str, Any]) -> Task:
    variables = data.get("vars")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise ValueError('"vars" must be a list of names')
    if not isinstance(data.get("answer"), str):
        raise ValueError('"answer" must be a string')
    at = data.get("at") or {}
    if not isinstance(at, dict):
        raise ValueError('"at" must be an object such as {"x": "1"}')
    reference = data.get("reference")
    function = data.get("function")
    if (reference is None) == (function is None):
        raise ValueError('give exactly one of "reference" or "function"')
    for name, value in (("reference", reference), ("function", function)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{name}" must be a string')
    wrt = data.get("wrt") or []
    if not isinstance(wrt, list) or not all(isinstance(v, str) for v in wrt):
        raise ValueError('"wrt" must be a list of names')
    gradient = bool(data.get("gradient", False))
    if function is not None and not wrt and not gradient:
        raise ValueError('"function" needs "wrt" or "gradient": true')
    return Task(
        variables=tuple(variables),
        reference=reference,
        function=function,
        wrt=tuple(wrt),
        gradient=gradient,
        at=tuple((str(k), str(v)) for k, v in at.items()),
        tolerance=float(data.get("tolerance", 1e-3)),
        positive=bool(data.get("positive", False)),
    )


def batch_line(line: str) -> dict[str, Any]:
    """Grade one JSON line; every failure becomes an error line, never an exception."""
    start = time.perf_counter()
    case_id: Any = None
    try:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("each line must be a JSON object")
        case_id = data.get("id")
        task = _task_from_json(data)
        verdict = grade(task, data["answer"], seed=int(data.get("seed", 0)))
    except (ValueError, TypeError, KeyError) as exc:
        message = str(exc) if not isinstance(exc, json.JSONDecodeError) else f"bad JSON: {exc}"
        return {
            "id": case_id,
            "equivalent": None,
            "method": "none",
            "error": message,
            "mistake": None,
            "ms": round((time.perf_counter() - start) * 1000, 3),
        }
    error = None
    if verdict.error is not None:
        error = verdict.error.message.en
    elif verdict.equivalent is None and verdict.reason is not None:
        error = verdict.reason.en
    return {
        "id": case_id,
        "equivalent": verdict.equivalent,
        "method": verdict.method,
        "error": error,
        "mistake": verdict.mistake.code if verdict.mistake else None,
        "ms": round((time.perf_counter() - start) * 1000, 3),
    }


def _batch(stdin: TextIO, stdout: TextIO) -> int:
    for line in stdin:
        if not line.strip():
            out: dict[str, Any] = {
                "id": None,
                "equivalent": None,
                "method": "none",
                "error": "empty line",
                "mistake": None,
                "ms": 0.0,
            }
        else:
            try:
                out = batch_line(line)
            except Exception as exc:  # noqa: BLE001 - one bad line must not stop the batch
                out = {
                    "id": None,
                    "equivalent": None,
                    "method": "none",
                    "error": f"internal error: {type(exc).__name__}",
                    "mistake": None,
                    "ms": 0.0,
                }
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="grade one answer and print the verdict as JSON")
    check.add_argument("--vars", type=_csv, required=True, help="declared variables: x,y")
    check.add_argument("--reference", help="the key as an expression")
    check.add_argument("--function", help="the function whose derivative is the key")
    check.add_argument("--wrt", type=_csv, help="differentiation order: x,y is f_xy")
    check.add_argument("--gradient", action="store_true", help="the key is the gradient")
    check.add_argument("--at", type=_point, help="evaluate at a point: x=1,y=pi/2")
    check.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        help="relative tolerance for decimal answers to a value (default 0.001)",
    )
    check.add_argument("--positive", action="store_true", help="assume positive variables")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("answer")
    sub.add_parser("batch", help="JSON lines in, one JSON line out per input line")
    bench = sub.add_parser("bench", help="time the engine over the corpus against the baseline")
    bench.add_argument("--corpus", default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1 and argv[0] == "check" and argv[-1].startswith("-") and "--" not in argv:
        # an answer such as -7/e^2 is not an option: let the last word be the answer
        known = {s for a in check._actions for s in a.option_strings}
        if argv[-1] not in known and argv[-2] not in known - {"--gradient", "--positive"}:
            argv = [*argv[:-1], "--", argv[-1]]
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args)
    if args.command == "batch":
        return _batch(sys.stdin, sys.stdout)
    from bench.engine import main as bench_main

    return bench_main(["--corpus", args.corpus] if args.corpus else [])


if __name__ == "__main__":
    sys.exit(main())
