"""Grade CSVs that Canvas, Moodle, Blackboard Learn and Brightspace import without edits.

Pure on purpose: no Django, no database. The view streams a writer's lines; tests read them back.
Each format fact is cited in docs/lms-export.md and beside its test in
tests/exercises/gradebook/test_lms.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from exercises.courses.spreadsheet import FORMULA_TRIGGERS, neutralize

# Keys of ExportStudent.lms_ids / ExportColumn.lms_ids.
CANVAS = "canvas"  # student: Canvas user id ("ID" column); column: assignment id
MOODLE = "moodle"  # column: the grade item's header as Moodle exports it ("Quiz: Week 1 (Real)")
BLACKBOARD = "blackboard"  # student: username if not our username; column: Grade Center column id
BRIGHTSPACE = "brightspace"  # student: OrgDefinedId if not our student_id; column: grade item name

LMS_NAMES = (CANVAS, MOODLE, BLACKBOARD, BRIGHTSPACE)

# OWASP CSV injection / CWE-1236: a text cell starting with one of these is a formula in Excel,
# LibreOffice and Sheets; a leading apostrophe makes it text.

CANVAS_POINTS_POSSIBLE = "    Points Possible"  # Canvas's own exporter writes exactly this
BRIGHTSPACE_EOL = "End-of-Line Indicator"
MAX_LMS_FILE_BYTES = 5_000_000  # an LMS gradebook export uploaded to be filled


def gettext_noop(message: str) -> str:
    """Marks a message for `makemessages`; the web layer translates it (this module stays pure)."""
    return message


class Note(str):
    """A warning: its English text, which is what the string is, plus the msgid and values it was
    made from, so that the web layer can show it in the user's language (views_class.note_text).
    A tuple value is a list of alternatives ("a or b"); a Note value is translated in turn."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, **params: object) -> Note:
        note = super().__new__(cls, msgid % {k: _english(v) for k, v in params.items()})
        note.msgid, note.params = msgid, params
        return note


OR = gettext_noop("%(first)s or %(then)s")


def _english(value: object) -> object:
    if isinstance(value, tuple):
        text = str(value[0]) if value else ""
        for then in value[1:]:
            text = OR % {"first": text, "then": then}
        return text
    return value


_CANVAS_TITLE_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)  # Canvas Assignment.title_and_id
_BLACKBOARD_HEADER = re.compile(r"\A(.*?)\s*(?:\[Total Pts:[^\]]*\])?\s*\|(\d+)\Z", re.S)
_BRIGHTSPACE_POINTS = re.compile(r"\A(.*?)\s+Points Grade(?:\s*<[^>]*>)?\Z", re.S)
_MOODLE_DISPLAY = re.compile(r"\A(.*)\s\((Real|Percentage|Letter|Feedback)\)\Z", re.S)

Scores = Mapping[tuple[str, str], Decimal | int | None]
_Quoting = Literal[0, 1, 2, 3]  # csv.QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE


@dataclass(frozen=True)
class ExportStudent:
    """One enrolled student. `key` is ours (the first half of a scores key); the rest are the
    identifiers the LMSs know the student by."""

    key: str
    name: str
    email: str = ""
    username: str = ""  # the login: Canvas "SIS Login ID", Moodle/Blackboard/Brightspace username
    student_id: str = ""  # institution number: Moodle "ID number", Brightspace OrgDefinedId
    sis_user_id: str = ""  # Canvas "SIS User ID"
    section: str = ""
    first_name: str = ""
    last_name: str = ""
    lms_ids: Mapping[str, str] = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class ExportColumn:
    """One problem set (or any graded column). `key` is ours (second half of a scores key)."""

    key: str
    title: str
    points_possible: Decimal | int | None = None
    lms_ids: Mapping[str, str] = field(default_factory=dict, hash=False, compare=True)
    # other names the column may carry in an LMS file (the set's title in the other language)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilledExport:
    """An LMS gradebook export with our scores filled in, ready to upload back."""

    lms: str
    text: str  # starts with a BOM exactly when the original did
    encoding: str  # the original's: encode `text` with it ("utf-8", "utf-16-le", "utf-16-be")
    filled: int  # cells whose value we wrote
    warnings: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Cells


def format_score(value: Decimal | int | None) -> str:
    """A score as the LMSs read it: dot decimal, no exponent, at most 2 decimals, no trailing 0s.
    None (no submission) is the empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"scores are Decimal or int, not {type(value).__name__}: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"score is not a finite number: {value!r}")
    text = format(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _row_writer(
    delimiter: str = ",", quoting: _Quoting = csv.QUOTE_MINIMAL, eol: str = "\r\n"
) -> Callable[[Sequence[str]], str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=eol)

    def line(cells: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    return line


def _lines(
    rows: Iterable[Sequence[str]], *, bom: bool, quoting: _Quoting = csv.QUOTE_MINIMAL
) -> Iterator[str]:
    line = _row_writer(quoting=quoting)
    first = True
    for row in rows:
        text = line(row)
        if first and bom:
            text = "\ufeff" + text
        first = False
        yield text


def join_lines(lines: Iterable[str]) -> str:
    """The whole file, for tests and small downloads; views stream the lines instead."""
    return "".join(lines)


def _score(scores: Scores, student: ExportStudent, column: ExportColumn) -> str:
    return format_score(scores.get((student.key, column.key)))


def _total(scores: Scores, student: ExportStudent, columns: Sequence[ExportColumn]) -> str:
    values = [scores.get((student.key, c.key)) for c in columns]
    present = [Decimal(v) for v in values if v is not None]
    return format_score(sum(present, Decimal(0))) if present else ""


# ---------------------------------------------------------------------------------------------
# Identifiers


def canvas_login_id(student: ExportStudent) -> str:
    return student.username


def blackboard_username(student: ExportStudent) -> str:
    return student.lms_ids.get(BLACKBOARD) or student.username


def brightspace_org_defined_id(student: ExportStudent) -> str:
    return student.lms_ids.get(BRIGHTSPACE) or student.student_id


MOODLE_KEYS = {
    "email": gettext_noop("Email address"),
    "username": gettext_noop("Username"),
    "idnumber": gettext_noop("ID number"),
}
BRIGHTSPACE_KEYS = ("org_defined_id", "username", "both")


def _moodle_key(student: ExportStudent, key: str) -> str:
    fields = {"email": student.email, "username": student.username, "idnumber": student.student_id}
    return fields[key]


def canvas_header(column: ExportColumn) -> str:
    assignment_id = column.lms_ids.get(CANVAS)
    title = neutralize(column.title)
    return f"{title} ({assignment_id})" if assignment_id else title


def blackboard_header(column: ExportColumn) -> str:
    column_id = column.lms_ids.get(BLACKBOARD)
    title = neutralize(column.title)
    if not column_id:
        return title  # Blackboard creates a new (text) column for a header without |id
    if column.points_possible is None:
        return f"{title} |{column_id}"
    return f"{title} [Total Pts: {format_score(column.points_possible)} Score] |{column_id}"


def brightspace_header(column: ExportColumn, *, max_points: bool = False) -> str:
    name = neutralize(column.lms_ids.get(BRIGHTSPACE) or column.title)
    if max_points and column.points_possible is not None:
        return f"{name} Points Grade <Numeric MaxPoints:{format_score(column.points_possible)}>"
    return f"{name} Points Grade"


# ---------------------------------------------------------------------------------------------
# Writers: each checks its options at once and returns a generator of CSV lines (each with its
# "\r\n"), for StreamingHttpResponse.


def canvas_csv(
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    scores: Scores,
    *,
    points_possible_row: bool = True,
    bom: bool = False,
) -> Iterator[str]:
    """Canvas Gradebook > Import. Students are matched by ID (Canvas user id), then SIS User ID,
    then SIS Login ID, then name; assignments by the id in "Title (id)", else by title."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]

    def generate() -> Iterator[list[str]]:
        yield header + [canvas_header(c) for c in columns]
        if points_possible_row:
            yield [CANVAS_POINTS_POSSIBLE, "", "", "", ""] + [
                format_score(c.points_possible) for c in columns
            ]
        for s in students:
            yield [
                neutralize(s.name),
                s.lms_ids.get(CANVAS, ""),
                s.sis_user_id,
                canvas_login_id(s),
                neutralize(s.section),
            ] + [_score(scores, s, c) for c in columns]

    return _lines(generate(), bom=bom)


def moodle_csv(
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    scores: Scores,
    *,
    key: str = "email",
    bom: bool = False,
) -> Iterator[str]:
    """Moodle Grades > Import > CSV file. The identifier column comes first, so it is the form's
    default "Map from"; choose the matching "Map to" (useremail, username or useridnumber)."""
    if key not in MOODLE_KEYS:
        raise ValueError(f"Moodle key is one of {sorted(MOODLE_KEYS)}, not {key!r}")

    def generate() -> Iterator[list[str]]:
        yield [MOODLE_KEYS[key]] + [neutralize(c.lms_ids.get(MOODLE) or c.title) for c in columns]
        for s in students:
            yield [_moodle_key(s, key)] + [_score(scores, s, c) for c in columns]

    return _lines(generate(), bom=bom)


def blackboard_csv(
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    scores: Scores,
    *,
    bom: bool = False,
) -> Iterator[str]:
    """Blackboard Learn Grade Center > Work Offline > Upload, comma-delimited .csv: every value is
    quoted (Blackboard requires it for comma files); students by Username, columns by |id."""

    def generate() -> Iterator[list[str]]:
        yield ["Last Name", "First Name", "Username"] + [blackboard_header(c) for c in columns]
        for s in students:
            last, first = (
                (s.last_name, s.first_name) if s.last_name or s.first_name else (s.name, "")
            )
            yield [neutralize(last), neutralize(first), blackboard_username(s)] + [
                _score(scores, s, c) for c in columns
            ]

    return _lines(generate(), bom=bom, quoting=csv.QUOTE_ALL)


def brightspace_csv(
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    scores: Scores,
    *,
    key: str = "both",
    max_points: bool = False,
    bom: bool = False,
) -> Iterator[str]:
    """Brightspace Grades > Enter Grades > Import. Ids carry Brightspace's own "#" prefix (it is
    not part of the data; it keeps Excel from eating leading zeros) and every row ends with the
    End-of-Line Indicator "#"."""
    if key not in BRIGHTSPACE_KEYS:
        raise ValueError(f"Brightspace key is one of {BRIGHTSPACE_KEYS}, not {key!r}")
    id_headers = {"org_defined_id": ["OrgDefinedId"], "username": ["Username"]}.get(
        key, ["OrgDefinedId", "Username"]
    )

    def ids(s: ExportStudent) -> list[str]:
        values = {"OrgDefinedId": brightspace_org_defined_id(s), "Username": s.username}
        return ["#" + values[h] if values[h] else "" for h in id_headers]

    def generate() -> Iterator[list[str]]:
        yield (
            id_headers
            + [brightspace_header(c, max_points=max_points) for c in columns]
            + [BRIGHTSPACE_EOL]
        )
        for s in students:
            yield ids(s) + [_score(scores, s, c) for c in columns] + ["#"]

    return _lines(generate(), bom=bom)


def plain_csv(
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    scores: Scores,
    *,
    choices: str = "",
    bom: bool = True,
) -> Iterator[str]:
    """Our own sheet for people: name, email, one column per set, total. With a BOM by default
    so that Excel reads UTF-8 (Korean names) correctly. The only format with room for a note
    on the export's choices (late penalty, best or last attempt): an "Export choices" column."""

    def generate() -> Iterator[list[str]]:
        note = ["Export choices"] if choices else []
        yield ["Student", "Email"] + [neutralize(c.title) for c in columns] + ["Total"] + note
        for s in students:
            yield (
                [neutralize(s.name), neutralize(s.email)]
                + [_score(scores, s, c) for c in columns]
                + [_total(scores, s, columns)]
                + ([neutralize(choices)] if choices else [])
            )

    return _lines(generate(), bom=bom)


WRITERS = {
    CANVAS: canvas_csv,
    MOODLE: moodle_csv,
    BLACKBOARD: blackboard_csv,
    BRIGHTSPACE: brightspace_csv,
    "plain": plain_csv,
}


def export_warnings(
    lms: str,
    students: Iterable[ExportStudent],
    columns: Sequence[ExportColumn],
    *,
    key: str = "",
) -> list[str]:
    """What the instructor should know before uploading a writer's file: students the LMS cannot
    match, headers the LMS will read differently from what we meant."""
    warnings: list[str] = []
    for s in students:
        if lms == CANVAS and not (s.lms_ids.get(CANVAS) or s.sis_user_id or s.username):
            warnings.append(
                Note(
                    gettext_noop(
                        "%(name)s: no Canvas ID, SIS User ID or SIS Login ID; matched by name"
                    ),
                    name=s.name,
                )
            )
        elif lms == MOODLE and not _moodle_key(s, key or "email"):
            what = Note(MOODLE_KEYS[key or "email"])
            warnings.append(
                Note(
                    gettext_noop("%(name)s: no %(key)s; Moodle skips the row"),
                    name=s.name,
                    key=what,
                )
            )
        elif lms == BLACKBOARD and not blackboard_username(s):
            warnings.append(
                Note(
                    gettext_noop("%(name)s: no Blackboard username; the upload rejects the row"),
                    name=s.name,
                )
            )
        elif lms == BRIGHTSPACE:
            have = {
                "org_defined_id": bool(brightspace_org_defined_id(s)),
                "username": bool(s.username),
            }
            need = have.values() if (key or "both") == "both" else [have[key]]
            if not any(need):
                warnings.append(
                    Note(
                        gettext_noop(
                            "%(name)s: no OrgDefinedId or Username; Brightspace rejects the row"
                        ),
                        name=s.name,
                    )
                )
        for value in (s.email, s.username, s.student_id, s.sis_user_id):
            if value.startswith(FORMULA_TRIGGERS):
                warnings.append(
                    Note(
                        gettext_noop(
                            "%(name)s: identifier %(value)s starts like a formula; not altered"
                        ),
                        name=s.name,
                        value=repr(value),
                    )
                )
    for c in columns:
        if c.title.startswith(FORMULA_TRIGGERS):
            warnings.append(
                Note(
                    gettext_noop(
                        "%(title)s: title written with a leading apostrophe (formula guard)"
                    ),
                    title=repr(c.title),
                )
            )
        if lms == CANVAS and not c.lms_ids.get(CANVAS) and _CANVAS_TITLE_ID.match(c.title):
            warnings.append(
                Note(
                    gettext_noop(
                        "%(title)s: Canvas reads the trailing '(number)' as an assignment id"
                    ),
                    title=repr(c.title),
                )
            )
        if lms == BLACKBOARD and not c.lms_ids.get(BLACKBOARD):
            warnings.append(
                Note(
                    gettext_noop(
                        "%(title)s: no Blackboard column id; the upload adds a text column"
                    ),
                    title=repr(c.title),
                )
            )
    return warnings


# ---------------------------------------------------------------------------------------------
# Round trip: fill our columns into the LMS's own gradebook export.

# Which of the LMS's columns identifies the student, per `match_on`, and our value for it.
_MATCH: dict[str, dict[str, tuple[str, Callable[[ExportStudent], str]]]] = {
    CANVAS: {
        "id": ("ID", lambda s: s.lms_ids.get(CANVAS, "")),
        "sis_user_id": ("SIS User ID", lambda s: s.sis_user_id),
        "sis_login_id": ("SIS Login ID", canvas_login_id),
    },
    MOODLE: {
        "email": ("Email address", lambda s: s.email),
        "username": ("Username", lambda s: s.username),
        "idnumber": ("ID number", lambda s: s.student_id),
    },
    BLACKBOARD: {
        "username": ("Username", blackboard_username),
        "student_id": ("Student ID", lambda s: s.student_id),
    },
    BRIGHTSPACE: {
        "org_defined_id": ("OrgDefinedId", brightspace_org_defined_id),
        "username": ("Username", lambda s: s.username),
        "email": ("Email", lambda s: s.email),
    },
}
# Keys tried in order, row by row: the first the row has a value for decides. Brightspace's
# import takes OrgDefinedId or Username (its writer here gives both), and its exports leave
# OrgDefinedId empty for users the institution has not numbered.
_CHAINS: dict[str, dict[str, tuple[str, ...]]] = {
    BRIGHTSPACE: {"org_defined_id_or_username": ("org_defined_id", "username")},
}
DEFAULT_MATCH = {
    CANVAS: "sis_login_id",
    MOODLE: "email",
    BLACKBOARD: "username",
    BRIGHTSPACE: "org_defined_id_or_username",
}
_CASE_BLIND = {"email", "username", "sis_login_id"}
# Header cells (case, spaces and "_" ignored) that name the student in a file's row.
_FULL_NAME_HEADERS = {"student", "studentname", "name", "fullname"}
_FIRST_NAME_HEADERS = {"firstname", "givenname"}
_LAST_NAME_HEADERS = {"lastname", "surname", "familyname"}


def _decode(original: str | bytes) -> tuple[str, str]:
    if isinstance(original, str):
        return original, "utf-8"
    # Explicit byte order keeps the BOM in the text, so text.encode(encoding) gives it back once;
    # a UTF-8 BOM likewise stays as "\ufeff".
    if original.startswith(b"\xff\xfe"):
        encoding = "utf-16-le"
    elif original.startswith(b"\xfe\xff"):
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return original.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise ValueError(
            Note(
                gettext_noop("the gradebook file is not UTF-8 or UTF-16; export it again as UTF-8")
            )
        ) from error


def _dialect(first_line: str) -> tuple[str, _Quoting]:
    counts = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    quoting: _Quoting = csv.QUOTE_ALL if first_line.startswith('"') else csv.QUOTE_MINIMAL
    return delimiter, quoting


def detect_lms(header: Sequence[str]) -> str:
    """Which LMS exported this header row."""
    cells = [h.strip() for h in header]
    if BRIGHTSPACE_EOL in cells or any(_BRIGHTSPACE_POINTS.match(h) for h in cells):
        return BRIGHTSPACE
    if len(cells) > 3 and ("Student" in cells[0] or "LastName" in cells[0]) and "Section" in cells:
        return CANVAS
    if "Username" in cells and any(_BLACKBOARD_HEADER.match(h) for h in cells):
        return BLACKBOARD
    if "Last Name" in cells and "First Name" in cells and "Username" in cells:
        return BLACKBOARD
    if "Email address" in cells or "ID number" in cells or "First name" in cells:
        return MOODLE
    raise ValueError(
        Note(
            gettext_noop("not a Canvas, Moodle, Blackboard or Brightspace gradebook export header")
        )
    )


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _match_column(lms: str, header: str, columns: Sequence[ExportColumn]) -> ExportColumn | None:
    """Our column for one of the LMS's headers: by the LMS's column id, else by title."""
    header = header.strip()
    lms_id, title = "", header
    if lms == CANVAS:
        found = _CANVAS_TITLE_ID.match(header)
        if found:
            title, lms_id = found.group(1), found.group(2)
    elif lms == BLACKBOARD:
        found = _BLACKBOARD_HEADER.match(header)
        if found:
            title, lms_id = found.group(1), found.group(2)
    elif lms == BRIGHTSPACE:
        found = _BRIGHTSPACE_POINTS.match(header)
        if not found:
            return None
        title = lms_id = found.group(1)
    elif lms == MOODLE:
        found = _MOODLE_DISPLAY.match(header)
        if found and found.group(2) != "Real":
            return None  # Percentage, Letter and Feedback columns are not points
        by_header = [c for c in columns if c.lms_ids.get(MOODLE) == header]
        if by_header:
            return by_header[0]
        title = found.group(1) if found else header
    if lms_id:
        for c in columns:
            if c.lms_ids.get(lms) == lms_id:
                return c
        # Same title but we know it under another id: a different item that shares the name.
        candidate = _by_title(title, columns, lms)
        return candidate if candidate is not None and not candidate.lms_ids.get(lms) else None
    return _by_title(title, columns, lms)


def _by_title(title: str, columns: Sequence[ExportColumn], lms: str) -> ExportColumn | None:
    wanted = _norm(title)
    for c in columns:
        if wanted in {_norm(name) for name in (c.title, *c.aliases)}:
            return c
    if lms == MOODLE:  # Moodle prefixes activity items with their module name: "Quiz: Week 1"
        for c in columns:
            if any(wanted.endswith(": " + _norm(name)) for name in (c.title, *c.aliases)):
                return c
    return None


def _row_name(header: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """How to name a row's student from the file's own name columns: the full name column,
    else first and last name ("Last, First" when the file puts the last name first); else the
    row's first cell."""
    keys = ["".join(h.split()).replace("_", "").casefold() for h in header]

    def index(names: set[str]) -> int | None:
        return next((i for i, k in enumerate(keys) if k in names), None)

    full, first, last = (
        index(_FULL_NAME_HEADERS),
        index(_FIRST_NAME_HEADERS),
        index(_LAST_NAME_HEADERS),
    )

    def cell(row: Sequence[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    def name(row: Sequence[str]) -> str:
        if cell(row, full):
            return cell(row, full)
        given, family = cell(row, first), cell(row, last)
        if given and family:
            last_first = last is not None and first is not None and last < first
            return f"{family}, {given}" if last_first else f"{given} {family}"
        return given or family or cell(row, 0)

    return name


def _student_cell(value: str, lms: str) -> str:
    value = value.strip()
    if lms == BRIGHTSPACE and value.startswith("#"):
        value = value[1:]  # Brightspace's "#" prefix is not part of the id
    return value


def fill_lms_export(
    original_csv_text: str | bytes,
    scores: Scores,
    *,
    students: Sequence[ExportStudent],
    columns: Sequence[ExportColumn],
    match_on: str | None = None,
    lms: str | None = None,
) -> FilledExport:
    """Write our scores into the LMS's own gradebook export. Students are matched on `match_on`
    (default: Canvas SIS Login ID, Moodle email, Blackboard username, Brightspace OrgDefinedId
    when the row has one, else Username),
    columns by the LMS's column id, else by title. Everything else (ids, names, other columns,
    row order, delimiter, BOM) is kept. A None score leaves the LMS's cell as it was. Students or
    columns on either side that do not match are reported in `warnings`, never dropped."""
    text, encoding = _decode(original_csv_text)
    bom = text.startswith("\ufeff")
    body = text[1:] if bom else text
    first_line = body.split("\n", 1)[0]
    eol = "\r\n" if first_line.endswith("\r") else "\n"
    first_line = first_line.rstrip("\r")
    delimiter, quoting = _dialect(first_line)
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
    if not rows:
        raise ValueError(Note(gettext_noop("the gradebook file is empty")))
    header = rows[0]
    lms = lms or detect_lms(header)
    if lms not in LMS_NAMES:
        raise ValueError(f"lms is one of {LMS_NAMES}, not {lms!r}")
    match_on = match_on or DEFAULT_MATCH[lms]
    chains = _CHAINS.get(lms, {})
    if match_on not in _MATCH[lms] and match_on not in chains:
        raise ValueError(
            f"{lms} rows match on one of {sorted([*_MATCH[lms], *chains])}, not {match_on!r}"
        )
    stripped = [h.strip() for h in header]
    # (key, the file's column, its index, our value) for each key tried, in order.
    keys = [
        (key, _MATCH[lms][key][0], stripped.index(_MATCH[lms][key][0]), _MATCH[lms][key][1])
        for key in chains.get(match_on, (match_on,))
        if _MATCH[lms][key][0] in stripped
    ]
    if not keys:
        wanted = tuple(repr(_MATCH[lms][k][0]) for k in chains.get(match_on, (match_on,)))
        raise ValueError(
            Note(
                gettext_noop("the %(lms)s file has no %(wanted)s column to match students on"),
                lms=lms,
                wanted=wanted,
            )
        )
    id_indices = {index for _, _, index, _ in keys}
    id_headers = tuple(id_header for _, id_header, _, _ in keys)

    warnings: list[str] = []
    # Columns: ours for each of theirs; report both sides' leftovers.
    targets: dict[int, ExportColumn] = {}
    for index, cell in enumerate(header):
        if index in id_indices:
            continue
        column = _match_column(lms, cell, columns)
        if column is None:
            continue
        if column.key in {c.key for c in targets.values()}:
            warnings.append(
                Note(
                    gettext_noop("column %(column)s: %(title)s is already filled elsewhere"),
                    column=repr(cell.strip()),
                    title=repr(column.title),
                )
            )
            continue
        targets[index] = column
    for c in columns:
        if c.key not in {t.key for t in targets.values()}:
            warnings.append(
                Note(
                    gettext_noop(
                        "column %(title)s: not in the %(lms)s file; create it there first"
                    ),
                    title=repr(c.title),
                    lms=lms,
                )
            )

    # Students.
    def folded(key: str, value: str) -> str:
        value = value.strip()
        return value.casefold() if key in _CASE_BLIND else value

    by_id: dict[str, dict[str, ExportStudent]] = {key: {} for key, _, _, _ in keys}
    for s in students:
        if not any(our_id(s).strip() for _, _, _, our_id in keys):
            warnings.append(
                Note(
                    gettext_noop("student %(name)s: no %(headers)s here; cannot match"),
                    name=repr(s.name),
                    headers=id_headers,
                )
            )
        for key, id_header, _, our_id in keys:
            value = folded(key, our_id(s))
            if not value:
                continue
            if value in by_id[key]:
                warnings.append(
                    Note(
                        gettext_noop("student %(name)s: %(header)s %(value)s is not unique here"),
                        name=repr(s.name),
                        header=id_header,
                        value=repr(our_id(s)),
                    )
                )
            else:
                by_id[key][value] = s

    def row_student(row: Sequence[str]) -> tuple[ExportStudent | None, list[str]]:
        """The row's student by the first key that finds one, unless the row's value for an
        earlier key contradicts ours; and the row's values that were tried."""
        tried: list[str] = []
        earlier: list[tuple[str, Callable[[ExportStudent], str]]] = []
        for key, id_header, index, our_id in keys:
            raw = _student_cell(row[index], lms) if index < len(row) else ""
            if raw:
                tried.append(f"{id_header} {raw!r}")
                student = by_id[key].get(folded(key, raw))
                if student is not None and not any(ours(student).strip() for _, ours in earlier):
                    return student, tried
                earlier.append((raw, our_id))
        return None, tried

    row_name = _row_name(header)

    read_only: set[int] = set()
    seen: set[str] = set()
    filled = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        first = row[0].strip() if row else ""
        if lms == CANVAS and "Points Possible" in first:
            read_only = {i for i in targets if i < len(row) and re.search(r"read\s+only", row[i])}
            for i in sorted(read_only):
                warnings.append(
                    Note(
                        gettext_noop("column %(column)s: read only in Canvas; not filled"),
                        column=repr(header[i].strip()),
                    )
                )
            continue
        if lms == CANVAS and all(
            re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row
        ):
            continue
        student, tried = row_student(row)
        if student is None:
            who = row_name(row)
            if tried and who:
                msgid = gettext_noop("row %(number)s (%(who)s): no student here with %(tried)s")
            elif tried:
                msgid = gettext_noop("row %(number)s: no student here with %(tried)s")
            elif who:
                msgid = gettext_noop("row %(number)s (%(who)s): no %(headers)s in this row")
            else:
                msgid = gettext_noop("row %(number)s: no %(headers)s in this row")
            values = {"number": number, "who": who, "tried": tuple(tried), "headers": id_headers}
            warnings.append(Note(msgid, **{k: v for k, v in values.items() if f"%({k})s" in msgid}))
            continue
        if student.key in seen:
            warnings.append(
                Note(
                    gettext_noop("row %(number)s: %(name)s appears twice; filled both"),
                    number=number,
                    name=repr(student.name),
                )
            )
        seen.add(student.key)
        for index, column in targets.items():
            if index in read_only:
                continue
            score = scores.get((student.key, column.key))
            if score is None:
                continue
            while len(row) <= index:
                row.append("")
            if lms == CANVAS and row[index].strip() == "N/A":
                warnings.append(
                    Note(
                        gettext_noop(
                            "row %(number)s (%(name)s): %(title)s is not assigned in Canvas"
                        ),
                        number=number,
                        name=student.name,
                        title=repr(column.title),
                    )
                )
                continue
            row[index] = format_score(score)
            filled += 1
    matchable = {s.key for ids in by_id.values() for s in ids.values()}
    for s in students:
        if s.key in matchable and s.key not in seen:
            warnings.append(
                Note(
                    gettext_noop("student %(name)s: not in the %(lms)s file"),
                    name=repr(s.name),
                    lms=lms,
                )
            )
            seen.add(s.key)

    line = _row_writer(delimiter, quoting, eol)
    out = "".join(line(row) for row in rows)
    return FilledExport(
        lms=lms,
        text=("\ufeff" if bom else "") + out,
        encoding=encoding,
        filled=filled,
        warnings=tuple(warnings),
    )
