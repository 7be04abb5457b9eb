"""The tolerance for decimal answers: its default and limits, and which one a template sets.

An item's own tolerance (its GradingPolicy, set by the instructor) overrides the template's;
authoring.selectors.item_tolerance says which applies to an item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_TOLERANCE = 1e-3  # the engine's Task default
MAX_TOLERANCE = 0.5


def template_tolerance(config: Mapping[str, Any]) -> float:
    """The relative tolerance a template's config (or a variant's params) sets."""
    return float(config.get("tolerance", DEFAULT_TOLERANCE))
