"""The tolerance for decimal answers: its default and limits, and which one a template sets.

An item's own tolerance (its GradingPolicy, set by the instructor) overrides the template's;
authoring.selectors.item_tolerance says which applies to an item.

The policy (applied by the engine, grading/engine/equivalence.py and numeric/):
- Only value problems (a number at a point) have a tolerance; an expression is compared exactly,
  its decimals taken as the fractions they write.
- On a value problem, an answer with a decimal point, or a whole number when the key is
  irrational (1097 for e^7 = 1096.63...), is right when |answer - key| <= tolerance * |key|.
- Where the key is exactly 0 a relative tolerance says nothing, and an absolute one (0.001)
  ignores the problem's scale. The tolerance is then taken relative to the size of what
  cancelled: the largest term of the derivative, multiplied out, at the point (3x^2 - 3 at
  x = 1 gives terms 3 and -3: |answer| <= tolerance * 3). When every term is 0 there (2xy at
  y = 0), nothing cancelled and only 0 (0, 0.0, -0.000) is right.
- A whole number when the key is rational (5 for 5, 4 for 4.5) and fractions are exact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_TOLERANCE = 1e-3  # the engine's Task default
MAX_TOLERANCE = 0.5


def template_tolerance(config: Mapping[str, Any]) -> float:
    """The relative tolerance a template's config (or a variant's params) sets."""
    return float(config.get("tolerance", DEFAULT_TOLERANCE))
