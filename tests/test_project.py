"""Project-wide checks: migrations are complete, the Korean catalogue is complete and compiled."""

from __future__ import annotations

import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
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


KO_PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(line: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), line.strip()[1:-1])


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (header included, msgid ""): enough of the format for the
    files msgmerge writes (flags, obsolete #~ entries, msgctxt, plurals, wrapped strings)."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, str] = {}
        current = None
        flags = ""
        obsolete = False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
                if line.startswith("|"):
                    continue  # a previous msgid of an obsolete entry
            elif line.startswith("#,"):
                flags += line
                continue
            elif line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                assert current is not None, block
                fields[current] += _unquote(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = _unquote(value)
        if "msgid" not in fields:
            continue
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgid_plural=fields.get("msgid_plural"),
                msgctxt=fields.get("msgctxt"),
                msgstr=[v for k, v in sorted(fields.items()) if k.startswith("msgstr")],
                fuzzy="fuzzy" in flags,
                obsolete=obsolete,
            )
        )
    return entries


def _messages(path: Path) -> dict[tuple[str | None, str, str | None], Entry]:
    """The catalogue's live entries (not the header, not the obsolete ones) by key."""
    entries = parse_po(path.read_text(encoding="utf-8"))
    return {e.key: e for e in entries if e.msgid and not e.obsolete}


def test_po_parser_reads_what_msgmerge_writes():
    text = r"""msgid ""
msgstr ""
"Language: ko\n"

#, python-format
msgid ""
"Wrapped %(n)s with \"quotes\" "
"and more"
msgstr "감싼 %(n)s"

msgctxt "month"
msgid "May"
msgid_plural "Mays"
msgstr[0] "5월"

#, fuzzy
#| msgid "Old"
msgid "New"
msgstr "옛"

#~ msgid "Gone"
#~ msgstr "사라짐"
"""
    header, wrapped, plural, fuzzy, gone = parse_po(text)
    assert (header.msgid, header.msgstr) == ("", ["Language: ko\n"])
    assert wrapped.msgid == 'Wrapped %(n)s with "quotes" and more'
    assert wrapped.msgstr == ["감싼 %(n)s"]
    assert plural.key == ("month", "May", "Mays") and plural.msgstr == ["5월"]
    assert fuzzy.fuzzy and not wrapped.fuzzy
    assert gone.obsolete and gone.msgstr == ["사라짐"]


def test_korean_catalogue_is_complete_and_compiled():
    """Every entry is translated and none is fuzzy (make messages refuses the same), and the
    committed .mo holds exactly what the .po says: an edit was compiled."""
    entries = _messages(KO_PO)
    assert len(entries) > 300
    todo = [e.msgid for e in entries.values() if e.fuzzy or not all(e.msgstr)]
    assert todo == []
    assert all(len(e.msgstr) == 1 for e in entries.values())  # Korean: nplurals=1
    header = next(e for e in parse_po(KO_PO.read_text(encoding="utf-8")) if not e.msgid)
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]

    with KO_PO.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for e in entries.values():
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[msgid] = e.msgstr[0]
        else:
            expected[(msgid, 0)] = e.msgstr[0]
    compiled.pop("", None)  # the header
    assert compiled == expected, "run make messages (or manage.py compilemessages)"


def _makemessages_args() -> list[str]:
    """The arguments `make messages` gives makemessages, read from the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    args = re.search(r"^MAKEMESSAGES_ARGS := (.*)$", makefile, re.M)
    assert args, "Makefile: MAKEMESSAGES_ARGS"
    return shlex.split(args[1])


def test_catalogue_covers_every_marked_string(tmp_path):
    """Every message marked in Python (gettext, gettext_noop, ngettext...) or in a template
    (translate, blocktranslate; _() in a .jinja one) is in the Korean catalogue: a string
    added without `make messages` would show in English to Korean users.

    makemessages itself extracts them, with the Makefile's arguments, from a copy of the
    project (it writes its catalogue next to the sources; the copy has no locale/ of its own
    and its settings point to the copy, so the real catalogue is never touched)."""
    if shutil.which("xgettext") is None:
        pytest.fail("makemessages needs GNU gettext: apt-get install gettext")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "__pycache__", "node_modules", "vendor", "staticfiles", "locale", "*.sqlite3"
        ),
    )
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": ""}
    before = KO_PO.read_bytes()
    run = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ko", *_makemessages_args()],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert KO_PO.read_bytes() == before
    marked = _messages(copy / "locale" / "ko" / "LC_MESSAGES" / "django.po")
    assert len(marked) > 300
    # settings, gettext_noop, a template, a blocktranslate plural, a Jinja template's _() and
    # its _()|format() (exercises/courses/jinja.py; only there):
    kinds = (
        "Korean",
        "%(first)s or %(then)s",
        "Skip to content",
        "%(n)s student is ready to import.",
        "Your attempts",
        "%(right)s of %(n)s components right",
    )
    for msgid in kinds:
        assert any(key[1] == msgid for key in marked), msgid
    missing = sorted(key[1] for key in marked.keys() - _messages(KO_PO).keys())
    assert missing == [], "run make messages and translate them"


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
