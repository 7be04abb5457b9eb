"""Enrolling students: a roster CSV (validated whole, then imported in one transaction) or a
join code that a logged-in user types to enrol as a student."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from exercises.courses.models import Course, Membership, StudentProfile
from exercises.courses.selectors import accounts_roster_protected
from exercises.courses.services.accounts import membership_create
from exercises.courses.spreadsheet import FORMULA_TRIGGERS
from exercises.courses.text import untypable
from grading.engine import Message

MAX_ROSTER_BYTES = 1_000_000
MAX_ROSTER_ROWS = 3000
NAME_MAX = 150
STUDENT_ID_MAX = 40
# The email becomes the account's login (Django's username: 150 characters at most; its email
# field takes 254): a longer one passed the check and failed on PostgreSQL at the import.
EMAIL_MAX = 150


# No 0/O, 1/I/L: a code read aloud in class or copied from a projector is typed right.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
ROSTER_DELIMITERS = (",", ";", "\t")

# Accepted header names (case and spaces ignored), in English and Korean.
HEADERS = {
    "name": {"name", "fullname", "studentname", "이름", "성명"},
    "email": {"email", "e-mail", "emailaddress", "mail", "이메일", "전자우편"},
    "student_id": {"studentid", "studentnumber", "id", "sisid", "학번"},
}


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    email: str
    student_id: str
    status: str  # "new": an account is made; "existing": enrolled; "enrolled": already in
    user: Any = None  # the existing account, when there is one
    # Existing accounts are never changed, but for a student id recorded where it is missing
    # and no other course uses the account; this says whether the import records it.
    record_id: bool = False
    # This course's roster made (or makes) the account: only then can its instructors download
    # a set-password link for it (until the student sets a password).
    made_here: bool = False
    notes: tuple[Message, ...] = ()  # what the instructor should know about the row


@dataclass(frozen=True)
class RosterError:
    line: int  # 0: the file as a whole
    message: Message


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


class RosterInvalid(Exception):
    def __init__(self, check: RosterCheck) -> None:
        super().__init__(f"{len(check.errors)} roster errors")
        self.check = check


def _m(code: str, en: str, ko: str) -> Message:
    return Message(code=code, en=en, ko=ko)


def _formula(code: str, what_en: str, what_ko: str, value: str) -> Message:
    """An id a spreadsheet would run as a formula (CSV injection): it would be written as it is
    into the LMS files, which match on it, so it is refused here."""
    return _m(
        code,
        f"The {what_en} '{value}' starts with {value[0]!r}: a spreadsheet would read it as "
        "a formula. Ids may not start with = + - @.",
        f"스프레드시트가 수식으로 읽는 값입니다 ({what_ko}: '{value}', 첫 글자: {value[0]!r}). "
        "= + - @ 문자로 시작할 수 없습니다.",
    )


def roster_decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark (Excel writes one); anything else is refused."""
    if len(data) > MAX_ROSTER_BYTES:
        raise ValueError("too large")
    return data.decode("utf-8-sig")


def _header_key(cell: str) -> str:
    return "".join(cell.split()).replace("_", "").casefold()


def _columns(header: list[str]) -> tuple[dict[str, int], list[RosterError]]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    missing = [c for c in ("name", "email") if c not in found]
    if missing:
        listed = ", ".join(missing)
        return found, [
            RosterError(
                1,
                _m(
                    "header",
                    f"The first row must name the columns; missing: {listed} "
                    "(expected name, email, student id).",
                    f"첫 줄에 열 이름이 있어야 합니다. 없는 열: {listed} "
                    "(name, email, student id 또는 이름, 이메일, 학번).",
                ),
            )
        ]
    return found, []


def roster_delimiter(header_line: str) -> str:
    """The delimiter of a roster file, from its header line: the most frequent of comma,
    semicolon (Excel's CSV where the decimal mark is a comma) and tab (copied from a sheet),
    counted outside quotes; comma when none occurs or on a tie."""
    counts = dict.fromkeys(ROSTER_DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(ROSTER_DELIMITERS, key=lambda d: counts[d])  # first on a tie: the comma


def roster_check(*, course: Course, text: str) -> RosterCheck:
    """Every row checked against the file and the database; nothing is written."""
    check = RosterCheck()
    text = text.lstrip("\ufeff")
    delimiter = roster_delimiter(text.split("\n", 1)[0])
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        check.errors.append(
            RosterError(0, _m("csv", f"Not a CSV file: {exc}", f"CSV 파일이 아닙니다: {exc}"))
        )
        return check
    if not lines:
        check.errors.append(
            RosterError(0, _m("empty", "The file is empty.", "파일이 비어 있습니다."))
        )
        return check
    columns, errors = _columns(lines[0])
    if errors:
        check.errors.extend(errors)
        return check
    if len(lines) - 1 > MAX_ROSTER_ROWS:
        check.errors.append(
            RosterError(
                0,
                _m(
                    "too_many",
                    f"At most {MAX_ROSTER_ROWS} students per file.",
                    f"한 파일에 학생은 최대 {MAX_ROSTER_ROWS}명입니다.",
                ),
            )
        )
        return check

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    parsed: list[tuple[int, str, str, str]] = []
    seen_email: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    for line, row in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name, email, student_id = cell(row, "name"), cell(row, "email"), cell(row, "student_id")
        problems: list[Message] = []
        if not name:
            problems.append(_m("no_name", "The name is missing.", "이름이 없습니다."))
        elif len(name) > NAME_MAX:
            problems.append(
                _m(
                    "long_name",
                    f"The name is longer than {NAME_MAX} characters.",
                    f"이름이 {NAME_MAX}자보다 깁니다.",
                )
            )
        elif untypable(name):
            problems.append(
                _m(
                    "control_name",
                    "The name contains a character that cannot be typed (a control character "
                    "or a direction override).",
                    "이름에 입력할 수 없는 문자(제어 문자나 방향 전환 문자)가 있습니다.",
                )
            )
        if not email:
            problems.append(_m("no_email", "The email is missing.", "이메일이 없습니다."))
        elif email.startswith(FORMULA_TRIGGERS):
            problems.append(_formula("formula_email", "email", "이메일", email))
        elif len(email) > EMAIL_MAX:
            problems.append(
                _m(
                    "long_email",
                    f"The email is longer than {EMAIL_MAX} characters.",
                    f"이메일이 {EMAIL_MAX}자보다 깁니다.",
                )
            )
        else:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    _m(
                        "bad_email",
                        f"'{email}' is not an email address.",
                        f"'{email}' 값은 이메일 주소가 아닙니다.",
                    )
                )
            else:
                first = seen_email.setdefault(email.casefold(), line)
                if first != line:
                    problems.append(
                        _m(
                            "dup_email",
                            f"The email {email} is also on line {first}.",
                            f"{first}번째 줄에도 같은 이메일이 있습니다: {email}",
                        )
                    )
        if student_id:
            if student_id.startswith(FORMULA_TRIGGERS):
                problems.append(_formula("formula_id", "student id", "학번", student_id))
            elif untypable(student_id):  # not echoed: it may reverse the rest of the cell
                problems.append(
                    _m(
                        "control_id",
                        "The student id contains a character that cannot be typed "
                        "(a control character or a direction override).",
                        "학번에 입력할 수 없는 문자(제어 문자나 방향 전환 문자)가 있습니다.",
                    )
                )
            elif len(student_id) > STUDENT_ID_MAX or any(ch.isspace() for ch in student_id):
                problems.append(
                    _m(
                        "bad_id",
                        f"The student id '{student_id}' has spaces or is too long.",
                        f"학번 '{student_id}'에 공백이 있거나 너무 깁니다.",
                    )
                )
            else:
                first = seen_id.setdefault(student_id, line)
                if first != line:
                    problems.append(
                        _m(
                            "dup_id",
                            f"The student id {student_id} is also on line {first}.",
                            f"{first}번째 줄에도 같은 학번이 있습니다: {student_id}",
                        )
                    )
        check.errors.extend(RosterError(line, p) for p in problems)
        if not problems:
            parsed.append((line, name, email, student_id))
    if not parsed and not check.errors:
        check.errors.append(
            RosterError(0, _m("no_rows", "The file has no students.", "파일에 학생이 없습니다."))
        )
    if check.errors:
        return check
    _check_against_database(course, parsed, check)
    return check


def _check_against_database(
    course: Course, parsed: list[tuple[int, str, str, str]], check: RosterCheck
) -> None:
    """Rows that agree with the file may still clash with accounts already here."""
    user_model = get_user_model()
    emails = {email.casefold() for _, _, email, _ in parsed}
    # An account is this row's when its email matches ignoring case, or its login is the email.
    candidates = user_model.objects.annotate(email_folded=Lower("email")).filter(
        Q(email_folded__in=emails) | Q(username__in=emails)
    )
    by_email: dict[str, list[Any]] = {}
    for user in candidates:
        for key in {user.email.casefold(), user.get_username().casefold()} & emails:
            by_email.setdefault(key, []).append(user)
    ids = {sid for _, _, _, sid in parsed if sid}
    profiles = {p.student_id: p.user_id for p in StudentProfile.objects.filter(student_id__in=ids)}
    found = [u.pk for us in by_email.values() for u in us]
    own_ids: dict[int, str | None] = {}
    own_course: dict[int, int | None] = {}
    for user_id, own_id, made_by in StudentProfile.objects.filter(user__in=found).values_list(
        "user_id", "student_id", "created_by_course_id"
    ):
        own_ids[user_id], own_course[user_id] = own_id, made_by
    roles = dict(
        Membership.objects.filter(course=course, user__in=found).values_list("user_id", "role")
    )
    protected = set(accounts_roster_protected().filter(pk__in=found).values_list("pk", flat=True))
    elsewhere = set(
        Membership.objects.filter(user__in=found)
        .exclude(course=course)
        .values_list("user_id", flat=True)
    )
    for line, name, email, student_id in parsed:
        users = by_email.get(email.casefold(), [])
        if len(users) > 1:
            check.errors.append(
                RosterError(
                    line,
                    _m(
                        "ambiguous",
                        f"More than one account has the email {email}; enrol this student by hand.",
                        f"이메일 {email} 주소를 쓰는 계정이 여러 개입니다. 직접 등록하세요.",
                    ),
                )
            )
            continue
        user = users[0] if users else None
        owner = profiles.get(student_id) if student_id else None
        if student_id and owner is not None and (user is None or owner != user.pk):
            check.errors.append(
                RosterError(
                    line,
                    _m(
                        "id_taken",
                        f"The student id {student_id} belongs to another account.",
                        f"다른 계정이 이미 쓰는 학번입니다: {student_id}",
                    ),
                )
            )
            continue
        if user is not None and student_id and own_ids.get(user.pk) not in (None, student_id):
            check.errors.append(
                RosterError(
                    line,
                    _m(
                        "id_differs",
                        f"{email} already has the student id {own_ids[user.pk]}, not {student_id}.",
                        f"{email} 계정의 학번은 {own_ids[user.pk]}입니다 "
                        f"(명단의 학번: {student_id}).",
                    ),
                )
            )
            continue
        if user is None:
            check.rows.append(RosterRow(line, name, email, student_id, "new", made_here=True))
            continue
        role = roles.get(user.pk)
        if role in (Membership.Role.INSTRUCTOR, Membership.Role.TA):
            check.errors.append(
                RosterError(
                    line,
                    _m(
                        "is_staff",
                        f"{email} teaches this course and cannot be enrolled as a student.",
                        f"{email} 계정은 이 강좌의 교수자나 조교라서 학생으로 등록할 수 없습니다.",
                    ),
                )
            )
            continue
        if user.pk in protected:
            check.errors.append(
                RosterError(
                    line,
                    _m(
                        "protected",
                        f"{email} is the account of a teacher or an administrator: a roster "
                        "cannot enrol it. Remove this row; an administrator can enrol it.",
                        f"교수자나 관리자의 계정이라 명단으로 등록할 수 없습니다 ({email}). "
                        "이 줄을 지우세요. 관리자가 등록할 수 있습니다.",
                    ),
                )
            )
            continue
        notes: list[Message] = []
        made_here = own_course.get(user.pk) == course.pk
        if not made_here:
            notes.append(
                _m(
                    "existing_no_link",
                    "Existing account: enrolled as it is, with no set-password link; the "
                    "student signs in with their own password.",
                    "기존 계정: 그대로 등록되며 비밀번호 설정 링크는 없습니다. 학생은 자신의 "
                    "비밀번호로 로그인합니다.",
                )
            )
        record_id = bool(student_id) and own_ids.get(user.pk) is None
        if record_id and user.pk in elsewhere:
            record_id = False
            notes.append(
                _m(
                    "id_not_recorded",
                    f"The student id {student_id} is not recorded: the account is also in "
                    "another course. An administrator can record it.",
                    f"학번을 기록하지 않았습니다 ({student_id}). 이 계정은 다른 강좌에도 "
                    "있습니다. 관리자가 기록할 수 있습니다.",
                )
            )
        status = "enrolled" if role else "existing"
        check.rows.append(
            RosterRow(
                line, name, email, student_id, status, user, record_id, made_here, tuple(notes)
            )
        )


def roster_import(*, course: Course, text: str) -> RosterCheck:
    """Check the file, then create the accounts and enrolments in one transaction: all rows or
    none. New accounts have no password yet; they get a one-time set-password link
    (`roster_signin_links`), which an account made elsewhere never gets. Raises RosterInvalid
    with the per-row errors."""
    check = roster_check(course=course, text=text)
    if not check.ok:
        raise RosterInvalid(check)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            for row in check.rows:
                if row.status == "new":
                    user = user_model(
                        username=row.email.casefold(), email=row.email, first_name=row.name
                    )
                    user.set_unusable_password()
                    user.save()
                    StudentProfile.objects.create(
                        user=user, student_id=row.student_id or None, created_by_course=course
                    )
                else:
                    user = row.user
                    if row.record_id:
                        StudentProfile.objects.update_or_create(
                            user=user, defaults={"student_id": row.student_id}
                        )
                if row.status != "enrolled":
                    membership_create(course=course, user=user, role=Membership.Role.STUDENT)
    except IntegrityError as exc:
        # A concurrent import took a login or student id between the check and now.
        check.errors.append(
            RosterError(
                0,
                _m(
                    "conflict",
                    f"Another change got there first ({exc}); nothing was imported. Try again.",
                    f"다른 변경과 겹쳐 아무것도 가져오지 않았습니다 ({exc}). 다시 시도하세요.",
                ),
            )
        )
        raise RosterInvalid(check) from exc
    return check


def join_code_new() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def course_join_code_regenerate(*, course: Course) -> str:
    """A fresh join code; the old one stops working at once."""
    for _ in range(10):
        code = join_code_new()
        try:
            with transaction.atomic():
                Course.objects.filter(pk=course.pk).update(join_code=code)
        except IntegrityError:
            continue
        course.join_code = code
        return code
    raise RuntimeError("could not find an unused join code")


def course_join_code_disable(*, course: Course) -> None:
    Course.objects.filter(pk=course.pk).update(join_code=None)
    course.join_code = None


class JoinRefused(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


def normalize_join_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def course_join(*, user: Any, code: str) -> Membership:
    """Enrol the user as a student of the course whose join code this is. Staff of the course
    keep their role; a student already enrolled stays enrolled."""
    code = normalize_join_code(code)
    course = Course.objects.filter(join_code=code).first() if code else None
    if course is None:
        raise JoinRefused(
            _m(
                "join_unknown",
                "No course has this join code.",
                "이 참여 코드를 쓰는 강좌가 없습니다.",
            )
        )
    existing = Membership.objects.filter(course=course, user=user).first()
    if existing is not None:
        return existing
    return membership_create(course=course, user=user, role=Membership.Role.STUDENT)
