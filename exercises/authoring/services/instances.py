"""Writes for per-student problem instances (variants)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction

from exercises.authoring.generators import Params, generate, task_of
from exercises.authoring.models import ProblemInstance, ProblemSetItem
from grading.engine import prepare, variant_check

MAX_VARIANT_TRIES = 25


class NoUsableVariant(RuntimeError):
    """Every seed tried gave a variant that the engine's variant check rejected."""


def _seed_for(*, item_id: int, student_id: int, attempt: int) -> int:
    digest = hashlib.sha256(f"{item_id}:{student_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def _usable_variant(item: ProblemSetItem, student_id: int) -> tuple[int, Params]:
    template = item.template
    for attempt in range(MAX_VARIANT_TRIES):
        seed = _seed_for(item_id=item.pk, student_id=student_id, attempt=attempt)
        params = generate(
            family=template.family, config=template.config, version=template.version, seed=seed
        )
        if not variant_check(task_of(params), seed=seed):
            return seed, params
    raise NoUsableVariant(f"no usable variant of {template.slug} after {MAX_VARIANT_TRIES} seeds")


def instance_get_or_create(*, item: ProblemSetItem, student: Any) -> ProblemInstance:
    """The student's own variant of an item, made (and checked by the engine) on first open."""
    existing = ProblemInstance.objects.filter(item=item, student=student).first()
    if existing is not None:
        return existing
    seed, params = _usable_variant(item, student.pk)
    # the key and the typical mistakes, computed now (variant_check just made them in this
    # process) so that no grading worker has to differentiate with SymPy again
    prepared = prepare(task_of(params)).to_dict()
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


def instance_regenerate(*, instance: ProblemInstance) -> Params:
    """The params the instance's stored template version and seed produce (they must match)."""
    template = instance.template
    if template.version != instance.template_version:
        raise ValueError(
            f"template {template.slug} is at version {template.version}, "
            f"the instance was made with version {instance.template_version}"
        )
    return generate(
        family=template.family,
        config=template.config,
        version=instance.template_version,
        seed=instance.seed,
    )
