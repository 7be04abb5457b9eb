"""Template filters: pick the active language from bilingual content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from exercises.courses.selectors import course_zone, is_instructor

register = template.Library()


def _lang() -> str:
    return "ko" if (get_language() or "en").startswith("ko") else "en"


@register.filter
def tr(message: Any) -> str:
    """An engine Message (object or its dict) in the active language."""
    if message is None:
        return ""
    if isinstance(message, str):  # stored before it was kept in both languages
        return message
    if isinstance(message, dict):
        return str(message.get(_lang()) or message.get("en") or "")
    return str(getattr(message, _lang(), "") or getattr(message, "en", ""))


@register.filter
def localized(obj: Any, field: str) -> str:
    """obj.<field>_ko or obj.<field>_en by the active language (keys, for a mapping)."""
    if isinstance(obj, Mapping):
        return str(obj.get(f"{field}_{_lang()}", "") or obj.get(f"{field}_en", ""))
    return str(getattr(obj, f"{field}_{_lang()}", "") or getattr(obj, f"{field}_en", ""))


@register.filter
def get(mapping: Mapping[Any, Any], key: Any) -> Any:
    """mapping[key], or None (a template cannot index a dict by a variable)."""
    return mapping.get(key) if isinstance(mapping, Mapping) else None


@register.simple_tag(takes_context=True)
def instructs(context: Any, course: Any) -> bool:
    """Whether the page's user is an instructor of `course` (links only instructors may use)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and is_instructor(user=user, course=course)
    )


@register.filter
def in_zone(value: Any, course: Any) -> str:
    """A date and time in the course's time zone, with the zone's abbreviation (2030-03-09
    23:59 KST): every date a course shows says which zone it is in."""
    if not value:
        return ""
    local = value.astimezone(course_zone(course))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def in_zone_seconds(value: Any, course: Any) -> str:
    """in_zone to the second (2030-03-09 23:59:07 KST), for submissions' times."""
    if not value:
        return ""
    local = value.astimezone(course_zone(course))
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


@register.simple_tag(takes_context=True)
def jinja(context: Any, template_name: str, **values: Any) -> str:
    """A `.jinja` template (exercises/courses/jinja.py) in a DTL page: rendered with the page's
    context and `values`, as `{% include ... with ... %}` would."""
    from django.template import engines

    names = context.flatten()
    names.update(values)
    found = engines["jinja2"].get_template(template_name)
    return mark_safe(found.render(names, request=context.get("request")))  # noqa: S308 (escaped)
