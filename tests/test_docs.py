"""The documents made from the code say what the code does now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_worked_solutions_page_is_what_the_engine_derives():
    spec = importlib.util.spec_from_file_location(
        "worked_solutions_doc", ROOT / "scripts" / "worked_solutions_doc.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "worked-solutions.md").read_text(encoding="utf-8")
    assert page == module.render(), "run .venv/bin/python scripts/worked_solutions_doc.py"
    # the lecture's result for toy #2, factored as the lecture writes it
    assert r"-\frac{7 y \left(2 x^{2} - 1\right)}{e^{x^{2} + y^{2}}}" in page
