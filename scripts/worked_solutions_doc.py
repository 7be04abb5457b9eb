"""Writes docs/worked-solutions.md: the engine's generated derivations of the lecture's toy #1 and
toy #2, in English and Korean, as the problem page shows them once the key is shown.

    .venv/bin/python scripts/worked_solutions_doc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grading.engine import Task  # noqa: E402
from grading.engine.derivation import solution  # noqa: E402

TOYS = [
    (
        "Toy #1: f(x, y) = x^3 + xy - y, find f_x",
        Task(variables=("x", "y"), function="x^3 + x*y - y", wrt=("x",)),
    ),
    (
        "Toy #2: f(x, y) = 7xy / e^(x^2 + y^2), find f_x (the lecture's hand derivation)",
        Task(variables=("x", "y"), function="7x*y/e^(x^2+y^2)", wrt=("x",)),
    ),
]


def render() -> str:
    """The page's text, as the engine derives it now."""
    out = [
        "# Worked solutions, generated",
        "",
        "Made by `grading/engine/derivation.py`; `scripts/worked_solutions_doc.py` writes it.",
        "Each step is checked by the engine to equal the derivative before it is shown.",
        "",
    ]
    for title, task in TOYS:
        found = solution(task)
        assert found is not None, title
        out += [f"## {title}", ""]
        for lang in ("en", "ko"):
            out.append(f"### {'English' if lang == 'en' else '한국어'}")
            out.append("")
            for d in found.derivations:
                out.append(getattr(d.intro, lang))
                out.append("")
                out.append(f"$$ {d.start} $$")
                out.append("")
                for i, step in enumerate(d.steps, 1):
                    rules = ", ".join(step.rules)
                    out.append(f"{i}. $= {step.latex}$  ({rules}): {getattr(step.why, lang)}")
                out.append("")
    return "\n".join(out)


def main() -> None:
    (ROOT / "docs" / "worked-solutions.md").write_text(render(), encoding="utf-8")
    print("written docs/worked-solutions.md")


if __name__ == "__main__":
    main()
