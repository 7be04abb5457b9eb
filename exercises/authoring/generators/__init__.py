"""Problem generators: (family, config, version, seed) -> params -> engine Task and statement.

Every generator draws only from its own `random.Random(seed)`, so an instance regenerates
identically from what it stores. Params are plain JSON: the function in the engine's student
syntax, its LaTeX, the declared variables and what is asked.
"""

from __future__ import annotations

import random
from typing import Any

from exercises.authoring.generators.families import FAMILIES, Params
from exercises.authoring.generators.parts import parts
from exercises.authoring.generators.statements import statement_of
from exercises.authoring.tolerance import template_tolerance
from grading.engine import Task

__all__ = [
    "FAMILIES",
    "Params",
    "answer_hint_of",
    "generate",
    "statement_of",
    "task_of",
    "variables_hint_of",
]

FAMILIES["parts"] = parts  # made of another family's function: registered after them


def generate(*, family: str, config: dict[str, Any], version: int, seed: int) -> Params:
    """The params of one variant; the same arguments always give the same params."""
    try:
        generator = FAMILIES[family]
    except KeyError as exc:
        raise ValueError(f"unknown problem family {family!r}") from exc
    rng = random.Random(f"{family}:{version}:{seed}")
    params = generator(rng, dict(config))
    params["family"] = family
    return params


def task_of(params: Params) -> Task:
    return Task(
        variables=tuple(params["variables"]),
        function=params["function"],
        wrt=tuple(params.get("wrt", ())),
        gradient=bool(params.get("gradient", False)),
        at=tuple((str(k), str(v)) for k, v in (params.get("at") or {}).items()),
        tolerance=template_tolerance(params),
    )


def variables_hint_of(params: Params) -> dict[str, str] | None:
    """How to type the variables, when some are more than one letter (w_11, h1): shown under
    the answer box, since the statement writes them with subscripts. None for x, y, ..."""
    names = [str(v) for v in params.get("variables", [])]
    if all(len(name) == 1 for name in names):
        return None
    listed = ", ".join(names)
    return {
        "en": f"Type the variables as {listed}.",
        "ko": f"변수는 다음과 같이 입력하세요: {listed}",
    }


def answer_hint_of(params: Params) -> dict[str, str]:
    """What shape of answer is expected, for the answer box's placeholder."""
    if params.get("gradient"):
        return {"en": "a vector, e.g. (2x, 3y)", "ko": "벡터, 예: (2x, 3y)"}
    if params.get("at"):
        return {"en": "a number, e.g. -7/e^2", "ko": "수, 예: -7/e^2"}
    return {"en": "an expression, e.g. 3x^2 + y", "ko": "식, 예: 3x^2 + y"}
