"""Every family's variants for 50 seeds have a worked solution whose steps all check; the
template check reports a seed whose solution does not."""

from __future__ import annotations

from unittest import mock

import pytest

from exercises.authoring.generators import FAMILIES, generate, task_of
from exercises.authoring.services.checks import seed_report
from grading.engine.derivation import solution_problems
from tests import factories

CONFIGS = [(f, {}) for f in FAMILIES if f not in ("fixed", "custom", "parts")] + [
    ("gaussian", {"at_point": True}),
    ("loss", {"indexed": True}),
]


@pytest.mark.parametrize(("family", "config"), CONFIGS, ids=[f"{f}{c}" for f, c in CONFIGS])
def test_fifty_seeds_of_each_family_pass_their_step_checks(family, config):
    failing = {}
    for seed in range(50):
        params = generate(family=family, config=config, version=1, seed=seed)
        problems = solution_problems(task_of(params))
        if problems:
            failing[seed] = (params["function"], problems)
    assert failing == {}


@pytest.mark.django_db
def test_the_template_check_reports_a_solution_that_does_not_check():
    template = factories.template()  # toy #1
    assert seed_report(template=template, seed=0).problems == []
    with mock.patch(
        "exercises.authoring.services.checks.solution_problems",
        return_value=["a step does not check: ('sum',)"],
    ):
        problems = seed_report(template=template, seed=0).problems
    assert [p["en"] for p in problems] == [
        "the worked solution is not shown: a step does not check: ('sum',)"
    ]
