"""Project-wide checks: migrations are complete, both translation catalogues are complete."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _entries(po: str) -> list[tuple[str, str, bool]]:
    """(msgid, first msgstr, fuzzy) for each entry except the header."""
    entries = []
    for block in po.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        join = lambda s: "".join(re.findall(r'"(.*)"', s))  # noqa: E731
        if join(msgid.group(1)) == "":
            continue
        entries.append((join(msgid.group(1)), join(msgstr.group(1)), "#, fuzzy" in block))
    return entries


def test_korean_catalogue_is_complete_and_compiled():
    po_path = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
    entries = _entries(po_path.read_text(encoding="utf-8"))
    assert len(entries) > 40
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []
    assert (po_path.with_suffix(".mo")).exists()


def test_catalogue_covers_every_template_string():
    po = (ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = {msgid for msgid, _, _ in _entries(po)}
    found = set()
    for template in (ROOT / "templates").rglob("*.html"):
        found.update(re.findall(r'{% translate "([^"]+)" %}', template.read_text(encoding="utf-8")))
    assert sorted(found - ids) == []


def test_catalogue_covers_every_python_string():
    """Messages marked in Python (gettext, gettext_lazy as _, ngettext) are in the Korean
    catalogue: a string added without `make messages` would show in English to Korean users."""
    po = (ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = {msgid for msgid, _, _ in _entries(po)}
    marked = re.compile(
        r'(?<![\w.])(?:_|gettext|gettext_lazy|ngettext|ngettext_lazy)\(\s*"((?:[^"\\]|\\.)+)"'
    )
    found = set()
    for package in ("config", "exercises", "grading"):
        for source in (ROOT / package).rglob("*.py"):
            if "engine" in source.parts or "migrations" in source.parts:
                continue  # the engine has its own bilingual messages
            found.update(m.replace('\\"', '"') for m in marked.findall(source.read_text("utf-8")))
    assert len(found) > 50
    assert sorted(found - ids) == []


def test_english_catalogue_exists():
    assert (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").exists()


def test_domain_layer_does_not_import_the_web_layer():
    """Services, selectors, models and generators never reach for requests or views."""
    web = r"exercises\.\w+\.(views|forms|urls)|django\.http|django\.shortcuts|config\.urls"
    domain = [
        *(ROOT / "exercises").glob("*/services/*.py"),
        *(ROOT / "exercises").glob("*/services.py"),
        *(ROOT / "exercises").glob("*/selectors.py"),
        *(ROOT / "exercises").glob("*/models.py"),
        *(ROOT / "exercises" / "authoring" / "generators").glob("*.py"),
        ROOT / "grading" / "services.py",
        ROOT / "grading" / "regrade.py",
    ]
    assert len(domain) > 12
    offenders = [
        f"{path.relative_to(ROOT)}: {m.group(2)}"
        for path in domain
        for m in re.finditer(rf"^\s*(from|import) ({web})\b", path.read_text(), re.M)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_pages_have_an_icon(client):
    from django.contrib.staticfiles import finders

    body = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in body
    assert finders.find("img/favicon.svg")
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/img/favicon.svg")
