"""The Korean reads as written for Korean students (issue 18, docs/glossary-ko.md).

Mechanical rules, checked on every Korean text the site can show: the catalogue, the engine's
messages, the Korean sentences in the code, the generated statements and rendered pages:
- no combined particle ("(이)", "을(를)", "은(는)", "이(가)", "와(과)", "(으)로");
- no particle that depends on the word before it (은/는, 이/가, 을/를, 와/과, (으)로) right after
  a placeholder or a formula, whose reading code cannot know; no space before a particle or a
  counter after one ("%(until)s 까지", "\\) 일 때");
- a rendered Korean page shows no catalogue string left in English and no English sentence.
"""

from __future__ import annotations

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exercises.authoring.generators import FAMILIES, generate, statement_of, variables_hint_of
from exercises.authoring.generators.parts import part_params
from exercises.authoring.generators.statements import intro_of, part_statement_of
from exercises.authoring.models import TemplateCheck
from exercises.authoring.services.checks import template_check_run
from exercises.authoring.services.templates import custom_template_create
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.services import regrade_job_create
from grading.engine import messages as engine_messages
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
MO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.mo"

HANGUL = "\uac00-\ud7a3"
# "(이)", "을(를)", "(으)로", "와(과)", ...
COMBINED = re.compile(r"[을를은는이가와과]?\((?:이|으|을|를|은|는|가|과|와)\)")
# a placeholder (%(name)s, {name}) or the end of a formula (\)), maybe closed by a quote
_SLOT = r"(?:%\(\w+\)[sd]|\{\w*\}|\\\))['\"’”]?"
PARTICLE_AFTER_SLOT = re.compile(
    rf"{_SLOT}(?:\s?(?:은|는|을|를|와|과|으로|로|이라고|라고|이나|이랑|랑)|(?:이|가))(?![{HANGUL}])"
)
# what never changes may follow, but without a space: "%(until)s까지", "\)일 때", "50개"
SPACE_BEFORE_PARTICLE = re.compile(
    rf"(?:{_SLOT}|\d) (?:개|초|명|번째|까지|에서|에|의|처럼|일 때)(?![{HANGUL}])"
)


def korean_faults(text: str) -> list[str]:
    """The rule breaks in one Korean text (empty when it reads right)."""
    return [
        *(f"combined particle {m.group(0)!r}" for m in COMBINED.finditer(text)),
        *(f"particle after a slot {m.group(0)!r}" for m in PARTICLE_AFTER_SLOT.finditer(text)),
        *(f"space before {m.group(0)!r}" for m in SPACE_BEFORE_PARTICLE.finditer(text)),
    ]


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("'1/2x'은(는) 여러 가지로 읽을 수 있습니다.", 1),
        ("'('을(를) ']'(으)로 닫았습니다.", 2),
        ("답에 {label}(이)라고 썼지만", 1),
        ("\\(L_{w_{11}}\\) 를 구하시오.", 1),
        ("\\(y = 3\\)로 고정하고", 1),
        ("변수는 {listed} 로 입력하세요.", 1),
        ("상수 {factor}가 빠졌습니다.", 1),
        ("%(name)s을 쓰세요", 1),
        ("%(total)s 개 중 %(done)s 개", 2),
        ("%(until)s 까지", 1),
        ("\\(f(x, y) = x\\) 일 때", 1),
        # what reads right whatever the word before it
        ("\\(f(x, y) = x\\)일 때, 다음을 구하시오: \\(f_x\\).", 0),
        ("'(' 괄호를 ']' 괄호로 닫았습니다.", 0),
        ("곱해진 상수({factor})를 빠뜨렸습니다.", 0),
        ("답 앞에 쓴 표기는 {label}이지만, 구할 것은 {asked}입니다.", 0),
        ("{v}에 대해 미분했습니다. %(n)s명, %(until)s까지", 0),
        ("%(title)s 문제 모음은 이미 다른 열에 채웠습니다", 0),
    ],
)
def test_the_rules_catch_what_the_review_found(text, faults):
    assert len(korean_faults(text)) == faults, korean_faults(text)


def catalogue() -> dict[object, str]:
    with MO.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)  # type: ignore[attr-defined]


def test_the_korean_catalogue_follows_the_rules():
    found = {
        str(msgid): faults
        for msgid, msgstr in catalogue().items()
        if msgid and (faults := korean_faults(msgstr))
    }
    assert found == {}


def test_the_engine_messages_follow_the_rules():
    texts = {code: ko for code, (_, ko) in engine_messages._TEXTS.items()}
    texts |= {code: ko for code, (_, ko) in engine_messages._MISTAKES.items()}
    found = {code: faults for code, ko in texts.items() if (faults := korean_faults(ko))}
    assert found == {}


def _string_constants(tree: ast.AST) -> list[str]:
    """Every string literal, with each f-string's fields written {}."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.Constant) else "{}"
                for v in node.values
                if isinstance(v, ast.Constant | ast.FormattedValue)
            ]
            out.append("".join(str(p) for p in parts))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
    return out


def test_the_korean_sentences_in_the_code_follow_the_rules():
    """The bilingual messages built in code (practice, roster, checks, hints, statements)."""
    found = {}
    for package in ("exercises", "grading", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for text in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
                if re.search(f"[{HANGUL}]", text) and (faults := korean_faults(text)):
                    found.setdefault(str(path.relative_to(ROOT)), []).extend(faults)
    assert found == {}


CONFIGS = [
    *((family, {}) for family in FAMILIES if family not in ("fixed", "custom", "parts")),
    ("parts", dict(factories.TOY2_PARTS)),
    ("slope", {"y0": 3}),
    ("gaussian", {"at_point": True}),
    ("loss", {"indexed": True}),
    ("loss", {"indexed": True, "wrt": ["w_11"], "notation": "partial"}),
    ("second", {"wrt": ["x", "x"], "notation": "partial"}),
    ("fixed", dict(factories.TOY1)),
    ("fixed", {**factories.TOY1, "wrt": [], "gradient": True}),
    ("fixed", {**factories.TOY1, "at": {"x": "2", "y": "1"}, "slope": True}),
    (
        "custom",
        {
            "function": "{a} x^2 y + y^3",
            "parameters": [{"name": "a", "min": 1, "max": 9}],
            "task": "value",
            "wrt": ["x"],
            "at": {"x": "1", "y": "{a}"},
        },
    ),
    (
        "custom",
        {"function": "{a} e^(x y)", "parameters": [{"name": "a", "min": 1, "max": 9}]}
        | {"task": "gradient"},
    ),
]


@pytest.mark.parametrize(("family", "config"), CONFIGS)
def test_statements_put_no_particle_after_a_formula(family, config):
    for seed in range(1, 21):
        params = generate(family=family, config=config, version=1, seed=seed)
        ko = statement_of(params, "ko")
        assert korean_faults(ko) == [], (seed, ko)
        # every formula is closed, and what follows it is the copula 일, a particle that never
        # changes, punctuation, or nothing
        after = re.findall(rf"\\\)([{HANGUL}]?)", ko)
        assert set(after) <= {"", "일", "에", "의"}, (seed, ko)
        hint = variables_hint_of(params)
        assert hint is None or korean_faults(hint["ko"]) == []


def test_the_parts_statements_put_no_particle_after_a_formula():
    params = generate(family="parts", config=dict(factories.TOY2_PARTS), version=1, seed=1)
    texts = [intro_of(params, "ko")] + [
        part_statement_of(part_params(params, k), "ko") for k in range(3)
    ]
    texts.append(part_statement_of({**part_params(params, 0), "gradient": True}, "ko"))
    for ko in texts:
        assert korean_faults(ko) == [], ko
        assert set(re.findall(rf"\\\)([{HANGUL}]?)", ko)) <= {"", "일", "에", "의"}, ko


def test_the_loss_statement_names_the_loss_and_asks_after_a_colon():
    params = generate(family="loss", config={"indexed": True, "wrt": ["w_11"]}, version=1, seed=1)
    ko = statement_of(params, "ko")
    assert ko.startswith("제곱 오차 손실 함수가 \\(L(")
    assert "에 대하여" not in ko  # here that means "with respect to a variable"
    assert "일 때, 다음을 구하시오: \\(" in ko and ko.endswith("\\).")


# ------------------------------------------------------------------------- rendered pages


class _Text(HTMLParser):
    """The text a person sees: text nodes and the labelling attributes, but not scripts, styles,
    or content marked lang="en" (the editor shows a variant's English statement beside the
    Korean one: what the instructor wrote in each language, not the interface)."""

    SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
    VOID = frozenset({"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0  # depth inside a hidden element

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if not self._hidden:
                self.parts.extend(v for k, v in attrs if k in self.SHOWN_ATTRIBUTES and v)
            return
        english = tag != "html" and (dict(attrs).get("lang") or "").startswith("en")
        if self._hidden or english or tag in ("script", "style"):
            self._hidden += 1
        else:
            self.parts.extend(v for k, v in attrs if k in self.SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if self._hidden and tag not in self.VOID:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parts = (" ".join(part.split()) for part in parser.parts)
    return " | ".join(part for part in parts if part)


# The language switcher names each language in its own language, on purpose.
OWN_NAMES = {"English", "Korean"}
# A column of an LMS's own file is named as that file names it ("Moodle: ID number").
LMS_COLUMN = re.compile(r"(?:Canvas|Moodle|Blackboard|Brightspace)[\w /()]*: [A-Za-z][A-Za-z ]*")


def untranslated(text: str) -> list[str]:
    """Catalogue strings shown as-is in English although they have a Korean translation."""
    entries = [
        (str(k), v)
        for k, v in catalogue().items()
        if isinstance(k, str) and k and "\x04" not in k and v != k and k not in OWN_NAMES
    ]
    text = LMS_COLUMN.sub(" ", text)
    # what the Korean itself contains ("Partial Credit 편미분 연습") is not a leftover
    for _, msgstr in sorted(entries, key=lambda e: -len(e[1])):
        if "%(" not in msgstr and "{" not in msgstr:
            text = text.replace(" ".join(msgstr.split()), " ")
    found = []
    for msgid, _ in entries:
        fixed = [p for p in re.split(r"%\(\w+\)[sd]|\{\w+\}", msgid)]
        if sum(len(re.sub(r"[^A-Za-z]", "", p)) for p in fixed) < 4:
            continue  # too short to tell apart from a name or a formula
        pattern = r"[^<>]{1,80}?".join(re.escape(" ".join(p.split())) for p in fixed)
        if re.search(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", text):
            found.append(msgid)
    return found


# three English words in a row: a sentence that never went through a translation
ENGLISH_RUN = re.compile(r"(?<![\w/.-])[a-z]{2,}(?: [a-z]{2,}){2,}(?![\w/.-])")


def assert_reads_korean(html: str, where: str) -> None:
    text = shown_text(html)
    assert re.search(f"[{HANGUL}]", text), f"{where}: not a Korean page"
    assert COMBINED.findall(text) == [], where
    assert untranslated(text) == [], where
    assert ENGLISH_RUN.findall(text) == [], where


def test_the_page_checks_see_english(client):
    """The page checks fail on what they are for (and the login page in English is English)."""
    page = client.get(reverse("login")).content.decode()
    assert "Practise partial derivatives and get your answers graded in a second." in untranslated(
        shown_text(page)
    )
    assert ENGLISH_RUN.findall("여기에 students have opened this problem 문장")
    assert untranslated("6문제 중 0문제 해결 · Late: a penalty applies") == [
        "Late: a penalty applies"
    ]


@pytest.fixture
def korean(client):
    client.cookies["django_language"] = "ko"
    return client


@pytest.mark.django_db
def test_the_student_pages_in_korean(korean):
    from datetime import timedelta

    from django.utils import timezone

    course = factories.course()
    student = factories.student(in_course=course)
    problem_set = factories.problem_set(in_course=course)
    due = timezone.now() + timedelta(days=1)
    item = factories.item(in_set=problem_set, due_at=due, late_until=due + timedelta(days=2))
    instance = factories.instance(for_item=item, for_student=student)
    factories.graded(instance, "x - 1")  # named mistake: differentiated by y
    factories.graded(instance, "3x^2")  # named mistake: dropped the term in y
    korean.force_login(student)
    problem = reverse("practice:problem-detail", args=[instance.pk])
    preview = reverse("practice:problem-preview", args=[instance.pk])
    pages = {
        "login": reverse("login"),
        "dashboard": reverse("practice:dashboard"),
        "set": reverse("practice:problem-set-detail", args=[problem_set.pk]),
        "problem": problem,
    }
    for where, url in pages.items():
        response = korean.get(url)
        assert response.status_code == 200, where
        assert_reads_korean(response.content.decode(), where)
    for answer in ("1/2x", "sin 2x", "3x^2 + t", "f_y = 3x^2 + y", "3x^2 + y", "(x + 1]"):
        fragment = korean.get(preview, {"answer": answer}, HTTP_HX_REQUEST="true")
        assert_reads_korean(fragment.content.decode() + " 미리 보기", f"preview {answer}")
    submit = reverse("practice:submission-create", args=[instance.pk])
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        refused = korean.post(submit, {"answer": "1/2x"}, HTTP_HX_REQUEST="true")
    assert "직전 제출(2번째) 결과:" in refused.content.decode()
    assert_reads_korean(refused.content.decode(), "refused answer")


def _custom(course, slug, config):
    return custom_template_create(
        course=course, slug=slug, title_en=slug, title_ko=f"{slug} 문제", config=config
    )


def _staff(course):
    user = factories.user()
    membership_create(course=course, user=user, role=Membership.Role.INSTRUCTOR)
    return user


@pytest.mark.django_db
def test_the_instructor_pages_in_korean(korean):
    course = factories.course()
    instructor = _staff(course)
    student = factories.student(in_course=course)
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    instance = factories.instance(for_item=item, for_student=student)
    factories.graded(instance, "x - 1")
    a_to_9 = [{"name": "a", "min": 1, "max": 9}]
    # a template whose key is not finite at the point: every seed fails its check
    value_at_0 = {"task": "value", "wrt": ["x"], "at": {"x": "0", "y": "1"}}
    broken = _custom(
        course, "broken", {"function": "{a}/x + y", "parameters": a_to_9, **value_at_0}
    )
    check = TemplateCheck.objects.create(template=broken, version=1, seeds_total=2)
    template_check_run(check_id=check.pk)
    # a template none of whose seeds can be drawn: its preview says why
    never = {"function": "{a} x y", "parameters": a_to_9, "constraints": ["a > 20"], "wrt": ["x"]}
    impossible = _custom(course, "impossible", never)
    korean.force_login(instructor)
    pages = {
        "authoring": reverse("authoring:course-authoring", args=[course.pk]),
        "template editor (check failed)": reverse("authoring:template-edit", args=[broken.pk]),
        "template editor (no variant)": reverse("authoring:template-edit", args=[impossible.pk]),
        "new template": reverse("authoring:template-create", args=[course.pk]),
        "set editor": reverse("authoring:set-edit", args=[problem_set.pk]),
        "gradebook": reverse("gradebook:course-gradebook", args=[course.pk]),
        "wrong answers": reverse("gradebook:item-wrong-answers", args=[item.pk]),
        "export": reverse("gradebook:course-grades-export", args=[course.pk]),
        "people": reverse("courses:course-people", args=[course.pk]),
        # every other instructor page (issue #16)
        "dashboard": reverse("practice:dashboard"),
        "new course": reverse("courses:course-create"),
        "course settings": reverse("courses:course-settings", args=[course.pk]),
        "new set": reverse("authoring:set-create", args=[course.pk]),
        "YAML import": reverse("authoring:course-import", args=[course.pk]),
        "LMS passback": reverse("lti:course-lti", args=[course.pk]),
        "regrade": reverse(
            "gradebook:regrade-detail",
            args=[regrade_job_create(item=item, requested_by=instructor, reason="ko").pk],
        ),
        "join": reverse("courses:course-join"),
    }
    for where, url in pages.items():
        response = korean.get(url)
        assert response.status_code == 200, where
        assert_reads_korean(response.content.decode(), where)
    editor = korean.get(pages["template editor (check failed)"]).content.decode()
    assert "정답을 계산할 수 없습니다: 정답이 유한한 실수가 아닙니다" in editor
    no_variant = korean.get(pages["template editor (no variant)"]).content.decode()
    assert "매개변수 값을 200번 뽑는 동안 제약 조건을 만족하는 값을 찾지 못했습니다" in no_variant

    # a refused config, a refused removal and a refused file, each in Korean
    bad = korean.post(
        pages["new template"],
        {
            "slug": "bad",
            "title_en": "Bad",
            "title_ko": "잘못",
            "function": "{a} x",
            "variables": "x, y",
            "parameters": "a: 5..1",
            "task": "partial",
            "wrt": "x",
            "notation": "any",
            "points": "1",
            "tolerance": "0.001",
        },
    )
    assert "매개변수 a: 최솟값은 최댓값 이하" in bad.content.decode()
    assert_reads_korean(bad.content.decode(), "refused template")
    removed = korean.post(
        reverse("authoring:item-change", args=[item.pk]), {"action": "remove"}, follow=True
    )
    assert "학생이 이미 연 문제라서 삭제할 수 없습니다" in removed.content.decode()
    assert_reads_korean(removed.content.decode(), "refused removal")
    fill = reverse("gradebook:course-grades-fill", args=[course.pk])
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    upload = SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")
    refused = korean.post(fill + query, {"gradebook": upload})
    assert refused.status_code == 400
    assert "성적표의 열 이름이 아닙니다" in refused.content.decode()
    assert_reads_korean(refused.content.decode(), "refused LMS file")


@pytest.mark.django_db
def test_a_refusal_is_worded_when_shown_not_when_raised(korean):
    """A service error raised with English active still reads in Korean on a Korean page."""
    course = factories.course()
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    factories.instance(for_item=item, for_student=factories.student(in_course=course))
    from exercises.authoring.services.problem_sets import ItemRefused, problem_set_item_remove

    with pytest.raises(ItemRefused) as info:
        problem_set_item_remove(item=item)
    assert str(info.value).startswith("Students have opened this problem, so it cannot be removed")
    assert info.value.text("ko").startswith("학생이 이미 연 문제라서 삭제할 수 없습니다")
