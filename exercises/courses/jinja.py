"""The Jinja2 environment of the few templates rendered on every submission (`*.jinja`).

A deadline's requests are mostly submits and the polls that bring back their verdicts, and each
of them renders a result region (templates/practice/_result.jinja and the fragments it includes).
In Django's template language that render was the largest single cost of those requests (about
1.2 ms of CPU of a region with one attempt, in `bench/submit_cost.py`); Jinja2 compiles a
template to Python and renders the same region several times faster. Every other template stays
in Django's language: these are the hot ones, and DTL pages include them with the `jinja` tag
(templatetags/pc.py).

What the `.jinja` templates may use, beyond Jinja's own:
- `_()` for a translated string (Django's gettext: `make messages` extracts `_("...")` from them,
  as from a DTL template, since the Makefile adds the extension), with `|format(name=value)` for
  its placeholders: the msgids are the ones `{% blocktranslate %}` makes ("score %(score)s",
  "%%" for a percent sign), the values are escaped and the translation is not, as there.
  Keep `_("...")` alone before its first `|`: makemessages reads only that form;
- the filters `tr` (an engine message in the active language), `floatformat` and `date` (Django's,
  in the active time zone as DTL's), `default_if_none`;
- `url(name, *args)` (Django's reverse).
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from django.http import HttpRequest
from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone, translation
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, TemplateNotFound, Undefined
from markupsafe import Markup

from exercises.courses.templatetags.pc import tr

SUFFIX = ".jinja"


class JinjaOnlyLoader(FileSystemLoader):
    """Django's template dirs, but only their `.jinja` files: a DTL template asked of this
    engine (after Django's own missed it) is "not found", not compiled as Jinja."""

    def get_source(self, environment: Environment, template: str) -> Any:
        if not template.endswith(SUFFIX):
            raise TemplateNotFound(template)
        return super().get_source(environment, template)


def _date(value: Any, arg: str | None = None) -> str:
    """DTL's `date` filter, in the active time zone as DTL's is (expects_localtime)."""
    if isinstance(value, Undefined):
        return ""
    return defaultfilters.date(timezone.template_localtime(value), arg)


def _floatformat(value: Any, arg: Any = -1) -> str:
    """DTL's `floatformat`; a missing value shows nothing, as in DTL (not an error)."""
    if isinstance(value, Undefined):
        return ""
    return defaultfilters.floatformat(value, arg)


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _gettext(message: str) -> Markup:
    """A translation as markup, as `{% blocktranslate %}` takes it: its `|format` values are
    escaped, its own text (ours, from the catalogue) is not."""
    return Markup(translation.gettext(message))  # noqa: S704 (the catalogue's text)


@lru_cache(maxsize=4096)
def _translated(language: str | None, message: str) -> Markup:
    with translation.override(language):
        return _gettext(message)


def translations(request: HttpRequest | None = None) -> dict[str, Any]:
    """The backend's context processor: `_` of the request's language, memoised. Django's
    gettext finds the active language anew on each call (a context-local read), and a region
    asks for about fifteen strings."""
    gettext = partial(_translated, translation.get_language())
    return {"_": gettext, "gettext": gettext}


def _ngettext(singular: str, plural: str, number: int) -> Markup:
    return Markup(translation.ngettext(singular, plural, number))  # noqa: S704


def environment(**options: Any) -> Environment:
    """The environment django.template.backends.jinja2 makes (settings.TEMPLATES)."""
    dirs = options.pop("loader").searchpath  # the backend's FileSystemLoader of DIRS
    # As DTL: a missing variable or attribute renders empty, in production and under DEBUG
    options["undefined"] = ChainableUndefined
    env = Environment(  # noqa: S701 (the backend passes autoescape=True)
        loader=JinjaOnlyLoader(dirs), extensions=["jinja2.ext.i18n"], **options
    )
    # old-style: _("...") takes no values of its own; they go through |format(name=value)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters.update(
        tr=tr,
        floatformat=_floatformat,
        date=_date,
        default_if_none=defaultfilters.default_if_none,
    )
    env.globals.update(url=_url)
    return env
