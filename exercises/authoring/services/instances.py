"""Writes for per-student problem instances (variants)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from exercises.authoring.generators import Params, generate, task_of
from exercises.authoring.generators.parts import part_count, part_params
from exercises.authoring.models import ProblemInstance, ProblemSetItem, ProblemTemplate
from exercises.authoring.selectors import template_at_version
from exercises.authoring.services.degenerate import degenerate_problems, generic_task
from grading.engine import KeyUnavailable, Prepared, key_of, prepare, variant_check
from grading.engine.hints import Worked, worked_of
from grading.engine.parsing import ParseError

MAX_VARIANT_TRIES = 25
logger = logging.getLogger(__name__)


class ProblemUnavailable(RuntimeError):
    """The student cannot get a variant of this item now (the page says so; never a 500)."""


class NotPublished(ProblemUnavailable):
    """The item's template is not published (its check has not passed yet)."""


class NoUsableVariant(ProblemUnavailable):
    """Every seed tried gave a variant that could not be made or that the engine's variant
    check rejected."""


def _seed_for(*, item_id: int, student_id: int, attempt: int) -> int:
    digest = hashlib.sha256(f"{item_id}:{student_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def _usable_variant(item: ProblemSetItem, student_id: int) -> tuple[int, Params]:
    seeds = (
        _seed_for(item_id=item.pk, student_id=student_id, attempt=attempt)
        for attempt in range(MAX_VARIANT_TRIES)
    )
    try:
        return usable_variant(template=item.template, seeds=seeds)
    except NoUsableVariant:
        logger.error("no usable variant of template %s (item %s)", item.template.pk, item.pk)
        raise


def usable_variant(*, template: ProblemTemplate, seeds: Iterable[int]) -> tuple[int, Params]:
    """The first of the seeds whose variant can be made, passes the engine's variant check and
    is not degenerate (exercises.authoring.services.degenerate: a constant function, a key of
    0, a key a typical mistake reaches, parameters that collapse the problem), with its params;
    NoUsableVariant when none does.

    The 50-seed check refuses to publish a custom template with a degenerate seed, but a
    library template (or one published before that check existed) never went through it, and
    the check samples seeds that students do not get: so every variant is checked here, and a
    degenerate seed is passed over for the next one, the same for every request."""
    generic = generic_task(family=template.family, config=template.config)
    for seed in seeds:
        try:
            params = generate(
                family=template.family, config=template.config, version=template.version, seed=seed
            )
            # every part of a multi-part variant must pass (part 0 is the params themselves);
            # the degenerate QA judges the function and the derivative part 0 asks
            tasks = [task_of(part_params(params, k)) for k in range(part_count(params))]
            if any(variant_check(task, seed=seed) for task in tasks):
                continue
            problems = degenerate_problems(task=tasks[0], key=key_of(tasks[0]), generic=generic)
            if not problems:
                return seed, params
            logger.warning(
                "template %s seed %s: degenerate variant passed over: %s",
                template.pk,
                seed,
                problems[0]["en"],
            )
        except (ValueError, KeyError, TypeError, ParseError, KeyUnavailable) as exc:
            logger.warning("template %s seed %s: no variant: %s", template.pk, seed, exc)
    raise NoUsableVariant(f"no usable variant of {template.slug} in the seeds tried")


def instance_get_or_create(*, item: ProblemSetItem, student: Any) -> ProblemInstance:
    """The student's own variant of an item, made (and checked by the engine) on first open;
    ProblemUnavailable when none can be made: the template is not published (a variant of an
    unchecked version could be wrong), or no seed gives a usable variant."""
    existing = ProblemInstance.objects.filter(item=item, student=student).first()
    if existing is not None:
        return existing
    if not item.template.published:
        raise NotPublished(f"{item.template.slug} is not published")
    seed, params = _usable_variant(item, student.pk)
    # the key and the typical mistakes, computed now (variant_check just made them in this
    # process) so that no grading worker has to differentiate with SymPy again. The worked
    # solution and the hints (about 130 ms more of SymPy) are not derived here, in the
    # student's request: a worker derives them once the variant is stored (instance_worked_record,
    # sent by the view), long before they are shown at the earliest (after an answer is graded).
    prepared = prepare(task_of(params)).to_dict()
    if part_count(params) > 1:
        # each part's SymPy work too (grading.services.part_prepared_data reads it)
        prepared["parts"] = [None] + [
            prepare(task_of(part_params(params, k))).to_dict() for k in range(1, part_count(params))
        ]
    try:
        with transaction.atomic():
            return ProblemInstance.objects.create(
                item=item,
                student=student,
                template=item.template,
                template_version=item.template.version,
                seed=seed,
                params=params,
                prepared=prepared,
            )
    except IntegrityError:
        # Two tabs opened the item at once; the other request made it.
        return ProblemInstance.objects.get(item=item, student=student)


def instance_worked_missing(*, instance: ProblemInstance) -> bool:
    """Whether the instance's worked solution and hints are still to be derived (a new variant,
    one made before they were kept, or by another engine version; a multi-part problem's kept
    before each part had its own)."""
    if Worked.load(instance.worked) is None:
        return True
    n = part_count(instance.params)
    listed = instance.worked.get("parts") if n > 1 else [None]
    return not (isinstance(listed, list) and len(listed) == n)


def _worked_data(params: Params, prepared: dict[str, Any] | None) -> dict[str, Any]:
    task = task_of(params)
    made = Prepared.load(prepared) or prepare(task)
    codes = [m.code for m in made.mistakes]
    return worked_of(task, str(params.get("fname", "f")), codes).to_dict()


def instance_worked_record(*, instance_id: int) -> bool:
    """Derive and keep the instance's worked solution and the hints after its typical mistakes
    (grading.engine.hints.worked_of), so that showing a verdict does no SymPy work; False when
    they were kept already (or there is no such instance). Idempotent: the derivation depends
    on the variant alone, so two workers that race write the same thing. A multi-part
    problem's are part 0's, with each other part's in "parts" (as its prepared tasks are)."""
    instance = ProblemInstance.objects.filter(pk=instance_id).first()
    if instance is None or not instance_worked_missing(instance=instance):
        return False
    params = instance.params
    prepared = instance.prepared or {}
    worked = _worked_data(params, prepared)
    n = part_count(params)
    if n > 1:
        listed = prepared.get("parts")
        kept = listed if isinstance(listed, list) and len(listed) == n else [None] * n
        worked["parts"] = [None] + [
            _worked_data(part_params(params, k), kept[k] if isinstance(kept[k], dict) else None)
            for k in range(1, n)
        ]
    ProblemInstance.objects.filter(pk=instance_id).update(worked=worked)
    return True


def instance_regenerate(*, instance: ProblemInstance) -> Params:
    """The params the instance's stored template version and seed produce (they must match);
    ValueError when that version of the template was not kept."""
    template = template_at_version(template=instance.template, version=instance.template_version)
    if template is None:
        raise ValueError(
            f"template {instance.template.slug} v{instance.template_version}, from which the "
            "instance was made, was not kept"
        )
    return generate(
        family=template.family,
        config=template.config,
        version=instance.template_version,
        seed=instance.seed,
    )
