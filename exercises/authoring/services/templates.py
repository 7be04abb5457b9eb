"""Writes for templates: library upserts, custom templates (create, edit, copy), checks
started, publish and unpublish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import get_language, gettext_noop

from exercises.authoring.generators import FAMILIES, generate, statement_of, task_of
from exercises.authoring.generators.custom import TemplateError, validate
from exercises.authoring.generators.parts import part_count, part_params, parts_validate
from exercises.authoring.generators.statements import asked_latex, intro_of, part_statement_of
from exercises.authoring.models import (
    ProblemSet,
    ProblemTemplate,
    TemplateCheck,
    TemplateVersion,
)
from exercises.authoring.services.checks import CHECK_SEEDS
from exercises.authoring.services.checks import PublishRefused as PublishRefused
from exercises.authoring.services.checks import template_publish as template_publish
from exercises.authoring.tasks import template_check_run_task
from exercises.courses.models import Course
from grading.engine import Key, KeyUnavailable, key_of


@transaction.atomic
def problem_template_upsert(
    *, slug: str, family: str, title_en: str, title_ko: str, config: dict[str, Any] | None = None
) -> ProblemTemplate:
    """Create a template, or update it and bump its version when family or config change."""
    if family not in FAMILIES:
        raise ValueError(f"unknown problem family {family!r}")
    config = dict(config or {})
    content = {"family": family, "config": config, "title_en": title_en, "title_ko": title_ko}
    template = (
        ProblemTemplate.objects.select_for_update().filter(slug=slug, course__isnull=True).first()
    )
    if template is None:
        # The code families are ready templates, published from the start; a custom template
        # is published only by authoring.services.checks.template_publish after a passing check.
        return ProblemTemplate.objects.create(slug=slug, published=family != "custom", **content)
    if template.family != family or template.config != config:
        _new_version(template, family, config)
        template.published = family != "custom"
    for field, value in content.items():
        setattr(template, field, value)
    template.save()
    return template


def _new_version(template: ProblemTemplate, family: str, config: dict[str, Any]) -> None:
    """The template's next version, with this family and config (saved by the caller); the
    version it replaces is kept (TemplateVersion): the instances made from it, and their
    practice variants, are made again from that version, never from the new one."""
    TemplateVersion.objects.get_or_create(
        template=template,
        version=template.version,
        defaults={"family": template.family, "config": template.config},
    )
    template.version += 1
    template.family, template.config = family, config


@dataclass(frozen=True)
class Variant:
    seed: int
    params: dict[str, Any]
    statement_en: str
    statement_ko: str
    asked_latex: str
    key: Key | None
    error: str = ""
    # a multi-part template's parts, each as the student's page asks it, with its key
    parts: tuple[VariantPart, ...] = ()


@dataclass(frozen=True)
class VariantPart:
    letter: str
    statement_en: str
    statement_ko: str
    asked_latex: str
    key: Key | None
    weight: int
    carry_from: str  # the letter of the part it carries forward ("": none)
    carry_share: str


def _validate_config(family: str, config: dict[str, Any]) -> None:
    if family not in FAMILIES:
        raise TemplateError(f"unknown problem family {family!r}")
    if family == "custom":
        validate(config)
    if family == "parts":
        parts_validate(config)


def custom_template_create(
    *,
    course: Course,
    slug: str,
    title_en: str,
    title_ko: str,
    config: dict[str, Any],
    family: str = "custom",
) -> ProblemTemplate:
    """A new, unpublished template of the course: custom or parts (the editor), or a code family
    (a YAML import). Raises TemplateError for a bad config; published only after a passing check."""
    _validate_config(family, config)
    content = {"family": family, "config": config, "title_en": title_en, "title_ko": title_ko}
    return ProblemTemplate.objects.create(course=course, slug=slug, published=False, **content)


@transaction.atomic
def custom_template_update(
    *,
    template: ProblemTemplate,
    title_en: str,
    title_ko: str,
    config: dict[str, Any],
    family: str | None = None,
) -> ProblemTemplate:
    """Edit a course's template (the editor's custom and parts ones; any family from a YAML
    import, `family` None: unchanged); a changed family or config is a new version, unpublished
    until checked."""
    if template.course_id is None or (family is None and template.family != "custom"):
        raise ValueError("only a course's templates can be edited, and in the editor custom ones")
    family = template.family if family is None else family
    _validate_config(family, config)
    template = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
    if (template.family, template.config) != (family, config):
        # A new version would reach students of live sets unchecked, and their stored
        # instances would no longer regenerate: change a copy instead.
        if template.items.exists():
            raise TemplateError(
                gettext_noop(
                    "this template is in a problem set; make a copy to change its function or task"
                )
            )
        _new_version(template, family, config)
        template.published = False
    template.title_en, template.title_ko = title_en, title_ko
    template.save()
    return template


def template_copy(*, template: ProblemTemplate, course: Course) -> ProblemTemplate:
    """An unpublished copy of a course's template in `course`, under a free slug."""
    if template.family not in ("custom", "parts"):
        raise ValueError("only custom templates are copied; ready templates are used as they are")
    base = f"{template.slug}-copy"[:74]
    taken = set(
        ProblemTemplate.objects.filter(course=course, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug = next(s for s in [base, *(f"{base}-{n}" for n in range(2, 10**4))] if s not in taken)
    return ProblemTemplate.objects.create(
        course=course,
        slug=slug,
        family=template.family,
        config=template.config,
        title_en=template.title_en,
        title_ko=template.title_ko,
        published=False,
    )


def template_variant(*, template: ProblemTemplate, seed: int) -> Variant:
    """One variant as a student would get it, with its key (a read: nothing is stored)."""
    try:
        params = generate(
            family=template.family, config=template.config, version=template.version, seed=seed
        )
    except TemplateError as exc:
        return Variant(seed, {}, "", "", "", None, error=str(exc))
    try:
        key: Key | None = key_of(task_of(params))
        error = ""
    except KeyUnavailable as exc:
        key, error = None, exc.msg.text(get_language() or "en")
    if part_count(params) > 1:
        return Variant(
            seed=seed,
            params=params,
            statement_en=intro_of(params, "en"),
            statement_ko=intro_of(params, "ko"),
            asked_latex="",
            key=None,
            error=error,
            parts=tuple(_variant_part(params, k) for k in range(part_count(params))),
        )
    return Variant(
        seed=seed,
        params=params,
        statement_en=statement_of(params, "en"),
        statement_ko=statement_of(params, "ko"),
        asked_latex=asked_latex(params),
        key=key,
        error=error,
    )


def _variant_part(params: dict[str, Any], k: int) -> VariantPart:
    own = part_params(params, k)
    try:
        key: Key | None = key_of(task_of(own))
    except KeyUnavailable:
        key = None
    spec = params["parts"][k]
    source = spec.get("carry_from")
    return VariantPart(
        letter="abcdefghij"[k],
        statement_en=part_statement_of(own, "en"),
        statement_ko=part_statement_of(own, "ko"),
        asked_latex=asked_latex(own),
        key=key,
        weight=int(spec.get("weight", 1)),
        carry_from="" if source is None else "abcdefghij"[int(source)],
        carry_share=str(spec.get("carry_share") or ""),
    )


def template_check_start(
    *, template: ProblemTemplate, seeds: int = CHECK_SEEDS, publish_on_pass: bool = False
) -> TemplateCheck:
    """A check of seeds 1..`seeds` of the template's current version, run after commit;
    `publish_on_pass`: the template is published when it passes."""
    check = TemplateCheck.objects.create(
        template=template,
        version=template.version,
        seeds_total=seeds,
        publish_on_pass=publish_on_pass,
    )
    transaction.on_commit(lambda: template_check_run_task.delay(check.pk))
    return check


class UnpublishRefused(Exception):
    """Students can open the template's problems: `sets` are the released sets that hold it."""

    def __init__(self, sets: list[Any]) -> None:
        super().__init__(", ".join(str(s) for s in sets))
        self.sets = sets


def template_unpublish(*, template: ProblemTemplate) -> ProblemTemplate:
    """Take a template back to a draft, unless a released set holds it as a problem (not
    retired): its students who had not opened it would find it unavailable while it still
    counted in their totals. Such a problem is retired in its set first. Raises
    UnpublishRefused."""
    released = list(
        ProblemSet.objects.filter(
            items__template=template, items__retired=False, hidden=False
        ).distinct()
    )
    if released:
        raise UnpublishRefused(released)
    template.published = False
    template.save(update_fields=["published", "updated_at"])
    return template
