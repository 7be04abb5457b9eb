"""Grade CSVs that Canvas, Moodle, Blackboard Learn and Brightspace import without edits.

Pure on purpose: no Django, no database. The view streams a writer's lines; tests read them back.
Each format fact is cited in docs/lms-export.md and beside its test in
tests/exercises/gradebook/test_lms.py.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
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
BRIGHTSPACE_USERNAME = "brightspace_username"  # student: Brightspace Username if not ours

LMS_NAMES = (CANVAS, MOODLE, BLACKBOARD, BRIGHTSPACE)

# OWASP CSV injection / CWE-1236: a text cell starting with one of these is a formula in Excel,
# LibreOffice and Sheets; a leading apostrophe makes it text.

CANVAS_POINTS_POSSIBLE = "    Points Possible"  # Canvas's own exporter writes exactly this
BRIGHTSPACE_EOL = "End-of-Line Indicator"
MAX_LMS_FILE_BYTES = 5_000_000  # an LMS gradebook export uploaded to be filled
# Bounds on an uploaded gradebook beyond its size: rows (students, plus the header and Canvas's
# "Points Possible"), cells in a row, characters in a column title (LMSs allow about 255).
MAX_LMS_ROWS = 10_000
MAX_LMS_COLUMNS = 1_000
MAX_LMS_HEADER_CHARS = 1_000
# A cell cannot be longer than the file, so the csv module's cell limit (128 KiB by default) is
# raised to the file's: LMS exports carry long feedback cells. Process-wide, and only ever up.
if csv.field_size_limit() < MAX_LMS_FILE_BYTES:
    csv.field_size_limit(MAX_LMS_FILE_BYTES)


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


class FillError(ValueError):
    """A gradebook file that cannot be filled; `note` says why (a Note the view translates)."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.note = Note(msgid, **params)
        super().__init__(self.note)


def _english(value: object) -> object:
    if isinstance(value, tuple):
        text = str(value[0]) if value else ""
        for then in value[1:]:
            text = OR % {"first": text, "then": then}
        return text
    return value


_CANVAS_TITLE_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.S)  # Canvas Assignment.title_and_id
# Blackboard "Title [Total Pts: 5 Score] |123" and Brightspace "Title Points Grade <...>" are
# read from the end (_blackboard_header, _brightspace_points): a single regex with a lazy title
# and optional whitespace runs backtracks cubically on a title of many spaces.
_BLACKBOARD_ID = re.compile(r"\|(\d+)\Z")
_BLACKBOARD_TOTAL = re.compile(r"\[[^\[\]]*\]\Z")
_BRIGHTSPACE_POINTS = re.compile(r"\sPoints Grade(?:\s*<[^>]*>)?\Z")
_BRIGHTSPACE_MAX = re.compile(r"MaxPoints:\s*(\d+(?:\.\d+)?)")
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
    # points possible of the LMS's item, per LMS, as its own file said (a round trip)
    lms_points: Mapping[str, Decimal] = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class Sheet:
    """What a writer writes: a row per student, a column per set, and a score per (student
    key, column key); None or missing is an empty cell."""

    students: Sequence[ExportStudent]
    columns: Sequence[ExportColumn]
    scores: Scores

    def score_cells(self, student: ExportStudent) -> list[str]:
        """The student's score in each column, as written."""
        return [format_score(self.scores.get((student.key, c.key))) for c in self.columns]

    def total(self, student: ExportStudent) -> str:
        values = [self.scores.get((student.key, c.key)) for c in self.columns]
        present = [Decimal(v) for v in values if v is not None]
        return format_score(sum(present, Decimal(0))) if present else ""


@dataclass(frozen=True)
class FilledExport:
    """An LMS gradebook export with our scores filled in, ready to upload back."""

    lms: str
    text: str  # starts with a BOM exactly when the original did
    encoding: str  # the original's: encode `text` with it ("utf-8", "utf-16-le", "utf-16-be")
    filled: int  # cells whose value we wrote
    warnings: tuple[str, ...]
    extension: str = "csv"  # Blackboard's tab-delimited download is an ".xls", and so is its fill
    # What the file taught us, kept so that later direct exports carry the LMS's own ids:
    column_ids: Mapping[str, str] = field(default_factory=dict)  # our column key: LMS item id
    column_points: Mapping[str, Decimal] = field(default_factory=dict)  # our key: LMS points
    student_ids: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # key: lms_ids


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


# ---------------------------------------------------------------------------------------------
# Identifiers


def canvas_login_id(student: ExportStudent) -> str:
    return student.username


def blackboard_username(student: ExportStudent) -> str:
    return student.lms_ids.get(BLACKBOARD) or student.username


def brightspace_username(student: ExportStudent) -> str:
    return student.lms_ids.get(BRIGHTSPACE_USERNAME) or student.username


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


def moodle_header(column: ExportColumn) -> str:
    """The item's header as Moodle's export wrote it, else "Title (Real)": the form Moodle's
    import form maps to an item by itself."""
    return neutralize(column.lms_ids.get(MOODLE) or f"{column.title} (Real)")


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


def _write(
    sheet: Sheet,
    header: Sequence[str],
    cells: Callable[[ExportStudent], Sequence[str]],
    *,
    bom: bool,
    quoting: _Quoting = csv.QUOTE_MINIMAL,
    extra: Sequence[Sequence[str]] = (),
) -> Iterator[str]:
    """The one skeleton of every writer: the header, the rows that describe columns (Canvas's
    Points Possible), then a row per student."""

    def generate() -> Iterator[Sequence[str]]:
        yield header
        yield from extra
        for s in sheet.students:
            yield cells(s)

    return _lines(generate(), bom=bom, quoting=quoting)


def canvas_csv(
    sheet: Sheet, *, points_possible_row: bool = True, bom: bool = False
) -> Iterator[str]:
    """Canvas Gradebook > Import. Students are matched by ID (Canvas user id), then SIS User ID,
    then SIS Login ID, then name; assignments by the id in "Title (id)", else by title."""
    points = [CANVAS_POINTS_POSSIBLE, "", "", "", ""] + [
        format_score(c.points_possible) for c in sheet.columns
    ]
    return _write(
        sheet,
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        + [canvas_header(c) for c in sheet.columns],
        lambda s: (
            [
                neutralize(s.name),
                s.lms_ids.get(CANVAS, ""),
                s.sis_user_id,
                canvas_login_id(s),
                neutralize(s.section),
            ]
            + sheet.score_cells(s)
        ),
        bom=bom,
        extra=[points] if points_possible_row else [],
    )


def moodle_csv(sheet: Sheet, *, key: str = "email", bom: bool = False) -> Iterator[str]:
    """Moodle Grades > Import > CSV file. The identifier column comes first, so it is the form's
    default "Map from"; choose the matching "Map to" (useremail, username or useridnumber).
    Grade columns are headed "Title (Real)", the form Moodle's own export writes, which its
    import form maps to the grade item of that name by itself."""
    if key not in MOODLE_KEYS:
        raise ValueError(f"Moodle key is one of {sorted(MOODLE_KEYS)}, not {key!r}")
    return _write(
        sheet,
        [MOODLE_KEYS[key]] + [moodle_header(c) for c in sheet.columns],
        lambda s: [_moodle_key(s, key)] + sheet.score_cells(s),
        bom=bom,
    )


def blackboard_csv(sheet: Sheet, *, bom: bool = False) -> Iterator[str]:
    """Blackboard Learn Grade Center > Work Offline > Upload, comma-delimited .csv: every value is
    quoted (Blackboard requires it for comma files); students by Username, columns by |id."""

    def cells(s: ExportStudent) -> list[str]:
        last, first = (s.last_name, s.first_name) if s.last_name or s.first_name else (s.name, "")
        return [neutralize(last), neutralize(first), blackboard_username(s)] + sheet.score_cells(s)

    return _write(
        sheet,
        ["Last Name", "First Name", "Username"] + [blackboard_header(c) for c in sheet.columns],
        cells,
        bom=bom,
        quoting=csv.QUOTE_ALL,
    )


def brightspace_csv(
    sheet: Sheet, *, key: str = "both", max_points: bool = False, bom: bool = False
) -> Iterator[str]:
    """Brightspace Grades > Enter Grades > Import. Ids carry Brightspace's own "#" prefix (it is
    not part of the data; it keeps Excel from eating leading zeros) and every row ends with the
    End-of-Line Indicator "#"."""
    if key not in BRIGHTSPACE_KEYS:
        raise ValueError(f"Brightspace key is one of {BRIGHTSPACE_KEYS}, not {key!r}")
    id_headers = {"org_defined_id": ["OrgDefinedId"], "username": ["Username"]}.get(
        key, ["OrgDefinedId", "Username"]
    )

    def cells(s: ExportStudent) -> list[str]:
        values = {
            "OrgDefinedId": brightspace_org_defined_id(s),
            "Username": brightspace_username(s),
        }
        ids = ["#" + values[h] if values[h] else "" for h in id_headers]
        return ids + sheet.score_cells(s) + ["#"]

    return _write(
        sheet,
        id_headers
        + [brightspace_header(c, max_points=max_points) for c in sheet.columns]
        + [BRIGHTSPACE_EOL],
        cells,
        bom=bom,
    )


def plain_csv(sheet: Sheet, *, choices: str = "", bom: bool = True) -> Iterator[str]:
    """Our own sheet for people: name, email, one column per set, total. With a BOM by default
    so that Excel reads UTF-8 (Korean names) correctly. The only format with room for a note
    on the export's choices (late penalty, best or last attempt): an "Export choices" column."""
    note = [neutralize(choices)] if choices else []
    return _write(
        sheet,
        ["Student", "Email"]
        + [neutralize(c.title) for c in sheet.columns]
        + ["Total"]
        + (["Export choices"] if choices else []),
        lambda s: (
            [neutralize(s.name), neutralize(s.email)]
            + sheet.score_cells(s)
            + [sheet.total(s)]
            + note
        ),
        bom=bom,
    )


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
    """What the instructor should know about cells written as they are: identifiers that start
    like a formula (kept, or the LMS would not find the student), titles given an apostrophe."""
    warnings: list[str] = []
    for s in students:
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
    if lms == BLACKBOARD:
        guessed = [s.name for s in students if not s.lms_ids.get(BLACKBOARD)]
        if guessed:
            warnings.append(
                Note(
                    gettext_noop(
                        "%(count)s students have no Blackboard username from a Blackboard file "
                        "filled here, so their rows carry our login; Blackboard skips a row "
                        "whose username it does not know"
                    ),
                    count=len(guessed),
                )
            )
    return warnings


# ---------------------------------------------------------------------------------------------
# What goes into a direct export: the rules each importer imposes (docs/lms-export.md).

MOODLE_GRADE_POINT_MAX = Decimal(100)  # $CFG->gradepointmax's default; above it the import stops
# Canvas drops a header containing one of these (GradebookImporter NON_ASSIGNMENT_COLUMN_HEADERS).
CANVAS_NON_ASSIGNMENT = (
    "Current Score",
    "Current Points",
    "Current Grade",
    "Final Score",
    "Final Points",
    "Final Grade",
    "Override Score",
    "Override Grade",
    "Override Status",
)


@dataclass(frozen=True)
class ExportPlan:
    """A direct export after each importer's rules: the rows and columns that import right,
    and who and what was left out, and why (named on the page)."""

    lms: str
    students: list[ExportStudent]
    columns: list[ExportColumn]
    scores: dict[tuple[str, str], Decimal | int | None]
    left_out: list[Note]
    notes: list[Note]

    @property
    def per_set(self) -> bool:
        """One file per set, each with only the students who have a score in it: an importer
        empties a grade under an empty cell, so a student may only appear with a score. True
        when some student has a score in one set and not in another."""
        return any(
            self.scores.get((s.key, c.key)) is None for s in self.students for c in self.columns
        )

    def set_files(self) -> list[tuple[ExportColumn, list[ExportStudent]]]:
        return [
            (c, [s for s in self.students if self.scores.get((s.key, c.key)) is not None])
            for c in self.columns
        ]


def scale_factor(ours: Decimal | int | None, theirs: Decimal | int | None) -> Decimal | None:
    """What our score is multiplied by for an LMS item out of `theirs` points: None when no
    change is needed or possible to know; raises ZeroDivisionError when ours is 0."""
    if ours is None or theirs is None or Decimal(ours) == Decimal(theirs):
        return None
    if Decimal(ours) == 0:
        raise ZeroDivisionError
    return Decimal(theirs) / Decimal(ours)


def format_factor(factor: Decimal) -> str:
    """A scale factor for people: 10, 0.5, 0.3333."""
    return format(factor.normalize(), "f") if factor == factor.to_integral() else f"{factor:.4g}"


def _scale_note(column: ExportColumn, theirs: Decimal | int, factor: Decimal) -> Note:
    return Note(
        gettext_noop(
            "%(title)s: out of %(theirs)s in the LMS and %(ours)s here; scores multiplied by "
            "%(factor)s"
        ),
        title=repr(column.title),
        theirs=format_score(theirs),
        ours=format_score(column.points_possible),
        factor=format_factor(factor),
    )


def _zero_points_note(column: ExportColumn, theirs: Decimal | int) -> Note:
    return Note(
        gettext_noop(
            "%(title)s: out of %(theirs)s in the LMS but out of 0 here; left out (no factor "
            "turns our scores into the LMS's)"
        ),
        title=repr(column.title),
        theirs=format_score(theirs),
    )


def _row_identifier(lms: str, student: ExportStudent, key: str) -> str:
    """The value the importer finds the row's student by ('' when it has none)."""
    if lms == CANVAS:
        return student.lms_ids.get(CANVAS) or student.sis_user_id or canvas_login_id(student)
    if lms == MOODLE:
        return _moodle_key(student, key)
    if lms == BLACKBOARD:
        return blackboard_username(student)
    values = {"org_defined_id": brightspace_org_defined_id(student), "username": student.username}
    if key == "both":
        return values["org_defined_id"] or brightspace_username(student)
    return values[key] if key == "org_defined_id" else brightspace_username(student)


_IDENTIFIER_NAMES = {
    CANVAS: gettext_noop("no Canvas ID, SIS User ID or SIS Login ID"),
    BLACKBOARD: gettext_noop("no username"),
    BRIGHTSPACE: gettext_noop("no OrgDefinedId or Username"),
}
_WHY_IDENTIFIER = {
    CANVAS: gettext_noop("Canvas would look for the student by name"),
    MOODLE: gettext_noop("Moodle would put the grades on the student of the row above"),
    BLACKBOARD: gettext_noop("Blackboard cannot match the row"),
    BRIGHTSPACE: gettext_noop("Brightspace cannot match the row"),
}


# Moodle looks every identifier up among the site's users and stops the whole import at the
# first it does not find (grade/import/csv/classes/load_data.php, "usermappingerrorusernotfound").
MOODLE_UNKNOWN_USER = gettext_noop(
    "Moodle stops the whole import if one of these students has no Moodle account with this "
    "identifier. If some may not, fill your Moodle grade export here instead: that file lists "
    "only Moodle's own students"
)


def plan_export(lms: str, sheet: Sheet, *, key: str = "") -> ExportPlan:
    """Apply the importer's rules to a gradebook: convert scores to the LMS item's scale when a
    file from the LMS told us its points; leave out (and name) columns the LMS would misread and
    students it could not match or who have no score at all."""
    students, columns, scores = sheet.students, sheet.columns, sheet.scores
    if lms not in LMS_NAMES:
        raise ValueError(f"lms is one of {LMS_NAMES}, not {lms!r}")
    key = key or {MOODLE: "email", BRIGHTSPACE: "both"}.get(lms, "")
    left_out: list[Note] = []
    notes: list[Note] = list(export_warnings(lms, students, columns, key=key))
    if lms == MOODLE:
        notes.append(Note(MOODLE_UNKNOWN_USER))
    new_scores: dict[tuple[str, str], Decimal | int | None] = dict(scores)
    kept_columns: list[ExportColumn] = []
    scale_notes: dict[str, Note] = {}  # said of the columns the file keeps, below
    for c in columns:
        reason = _column_refused(lms, c, students, scores)
        if reason is None and all(scores.get((s.key, c.key)) is None for s in students):
            reason = Note(
                gettext_noop("%(title)s: no score yet; left out, so the LMS keeps what it has"),
                title=repr(c.title),
            )
        if reason is not None:
            left_out.append(reason)
            continue
        theirs = c.lms_points.get(lms)
        try:
            factor = scale_factor(c.points_possible, theirs)
        except ZeroDivisionError:
            left_out.append(_zero_points_note(c, theirs or 0))
            continue
        if factor is not None and theirs is not None:
            scale_notes[c.key] = _scale_note(c, theirs, factor)
            for s in students:
                value = scores.get((s.key, c.key))
                if value is not None:
                    new_scores[(s.key, c.key)] = Decimal(value) * factor
            c = ExportColumn(
                key=c.key,
                title=c.title,
                points_possible=theirs,
                lms_ids=c.lms_ids,
                aliases=c.aliases,
                lms_points=c.lms_points,
            )
        kept_columns.append(c)

    identifiers: dict[str, list[ExportStudent]] = {}
    for s in students:
        value = _row_identifier(lms, s, key).strip().casefold()
        if value:
            identifiers.setdefault(value, []).append(s)
    kept_students: list[ExportStudent] = []
    for s in students:
        value = _row_identifier(lms, s, key).strip().casefold()
        if not value:
            what = Note(MOODLE_KEYS[key]) if lms == MOODLE else Note(_IDENTIFIER_NAMES[lms])
            left_out.append(
                Note(
                    gettext_noop("%(name)s: %(what)s; left out (%(why)s)"),
                    name=s.name,
                    what=Note(gettext_noop("no %(key)s"), key=what) if lms == MOODLE else what,
                    why=Note(_WHY_IDENTIFIER[lms]),
                )
            )
        elif len(identifiers[value]) > 1:
            left_out.append(
                Note(
                    gettext_noop(
                        "%(name)s: %(value)s is also another student's; left out (the LMS "
                        "would give both rows to one student)"
                    ),
                    name=s.name,
                    value=repr(_row_identifier(lms, s, key)),
                )
            )
        elif kept_columns and all(new_scores.get((s.key, c.key)) is None for c in kept_columns):
            left_out.append(
                Note(
                    gettext_noop("%(name)s: no score yet; left out, so the LMS keeps what it has"),
                    name=s.name,
                )
            )
        else:
            kept_students.append(s)
    # a set scored only by students left out above: its file (one per set) would be a header
    # without rows, which the importers refuse or read as nothing
    filled_columns: list[ExportColumn] = []
    for c in kept_columns:
        if kept_students and all(new_scores.get((s.key, c.key)) is None for s in kept_students):
            left_out.append(
                Note(
                    gettext_noop(
                        "%(title)s: none of the students in the file has a score in it; left "
                        "out, so the LMS keeps what it has"
                    ),
                    title=repr(c.title),
                )
            )
        else:
            filled_columns.append(c)
    notes.extend(scale_notes[c.key] for c in filled_columns if c.key in scale_notes)
    return ExportPlan(
        lms=lms,
        students=kept_students,
        columns=filled_columns,
        scores=new_scores,
        left_out=left_out,
        notes=notes,
    )


def _column_refused(
    lms: str, column: ExportColumn, students: Sequence[ExportStudent], scores: Scores
) -> Note | None:
    """Why the LMS would misread this column, or None."""
    if lms == CANVAS and not column.lms_ids.get(CANVAS):
        found = _CANVAS_TITLE_ID.match(column.title)
        if found:
            return Note(
                gettext_noop(
                    "%(title)s: left out; Canvas reads a title ending in '(%(number)s)' as "
                    "assignment id %(number)s. Fill your Canvas gradebook export here once: "
                    "later files carry the assignment's real id"
                ),
                title=repr(column.title),
                number=found.group(2),
            )
    if lms == CANVAS and any(word in column.title for word in CANVAS_NON_ASSIGNMENT):
        return Note(
            gettext_noop(
                "%(title)s: left out; Canvas ignores a column whose title contains a total's "
                "name (Current Score, Final Grade and the like)"
            ),
            title=repr(column.title),
        )
    if lms == BLACKBOARD and not column.lms_ids.get(BLACKBOARD):
        return Note(
            gettext_noop(
                "%(title)s: left out; without its Blackboard column id Blackboard would add "
                "a text column worth 0 points on every upload. Create the column in Blackboard, "
                "then fill its Grade Center download here once: later files carry the id"
            ),
            title=repr(column.title),
        )
    if lms == MOODLE:
        theirs = column.lms_points.get(MOODLE)
        top = max(
            (Decimal(v) for s in students if (v := scores.get((s.key, column.key))) is not None),
            default=Decimal(0),
        )
        if theirs is None and top > MOODLE_GRADE_POINT_MAX:
            return Note(
                gettext_noop(
                    "%(title)s: left out; a score above 100 stops Moodle's whole import "
                    "(gradepointmax)"
                ),
                title=repr(column.title),
            )
    return None


# ---------------------------------------------------------------------------------------------
# Round trip: fill our columns into the LMS's own gradebook export.

# Which of the LMS's columns identifies the student, per `match_on`, and our value for it.
_MATCH: dict[str, dict[str, tuple[tuple[str, ...], Callable[[ExportStudent], str]]]] = {
    CANVAS: {
        "id": (("ID",), lambda s: s.lms_ids.get(CANVAS, "")),
        "sis_user_id": (("SIS User ID",), lambda s: s.sis_user_id),
        "sis_login_id": (("SIS Login ID",), canvas_login_id),
    },
    # The first spelling is the English one; the others, Moodle's and Blackboard's Korean.
    MOODLE: {
        "email": (("Email address", "이메일 주소", "이메일"), lambda s: s.email),
        "username": (("Username", "사용자 아이디", "사용자명", "아이디"), lambda s: s.username),
        "idnumber": (("ID number", "ID 번호", "학번"), lambda s: s.student_id),
    },
    BLACKBOARD: {
        "username": (("Username", "사용자 이름", "사용자명", "사용자 ID"), blackboard_username),
        "student_id": (("Student ID", "학생 ID", "학번"), lambda s: s.student_id),
    },
    BRIGHTSPACE: {
        "org_defined_id": (("OrgDefinedId",), brightspace_org_defined_id),
        "username": (("Username",), brightspace_username),
        "email": (("Email",), lambda s: s.email),
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
_FIRST_NAME_HEADERS = {"firstname", "givenname", "이름"}
_LAST_NAME_HEADERS = {"lastname", "surname", "familyname", "성"}


def _utf16_without_bom(original: bytes) -> str | None:
    """UTF-16 without a byte order mark (some Excel "Unicode text" saves): ASCII text has a zero
    byte in every other place. The byte order, or None if it does not look like UTF-16."""
    sample = original[:4096]
    half = len(sample) // 2
    if half == 0 or b"\x00" not in sample:
        return None
    odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
    if odd_zeros > half // 2 and even_zeros == 0:
        return "utf-16-le"
    if even_zeros > half // 2 and odd_zeros == 0:
        return "utf-16-be"
    return None


def _utf16_by_lines(original: bytes, error: UnicodeDecodeError) -> tuple[str, str]:
    """UTF-16 without a BOM and with little ASCII (Korean headers): the byte order in which the
    text has line ends and no NULs; else the file is in no encoding we read."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = original.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and ("\n" in text or "\r" in text):
            return text, encoding
    raise FillError(
        gettext_noop(
            "the gradebook file is not UTF-8 or UTF-16 text (a spreadsheet saved as plain "
            "'CSV' in Korean Windows is in another encoding, CP949); save it as 'CSV UTF-8' "
            "and upload it again"
        )
    ) from error


def _decode(original: str | bytes) -> tuple[str, str]:
    if len(original) > MAX_LMS_FILE_BYTES:
        raise FillError(
            gettext_noop("the gradebook file is larger than %(megabytes)s MB"),
            megabytes=MAX_LMS_FILE_BYTES // 1_000_000,
        )
    if isinstance(original, str):
        text, encoding = original, "utf-8"
    else:
        # Explicit byte order keeps the BOM in the text, so text.encode(encoding) gives it back
        # once; a UTF-8 BOM likewise stays as "\ufeff".
        if original.startswith(b"\xff\xfe"):
            encoding = "utf-16-le"
        elif original.startswith(b"\xfe\xff"):
            encoding = "utf-16-be"
        else:
            encoding = _utf16_without_bom(original) or "utf-8"
        try:
            text = original.decode(encoding)
        except UnicodeDecodeError as error:
            text, encoding = _utf16_by_lines(original, error)
    if "\x00" in text:
        raise FillError(
            gettext_noop(
                "the gradebook file contains null characters, so it is not a CSV file; export it "
                "again as CSV (UTF-8)"
            )
        )
    return text, encoding


_FIRST_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)?")  # Windows, Unix or old Mac (CR) ends


def _cells(line: str, delimiter: str) -> int:
    """How many cells `line` has when split on `delimiter`; 0 when a cell would be too long."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _dialect(first_line: str) -> tuple[str, _Quoting]:
    counts = {d: _cells(first_line, d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    quoting: _Quoting = csv.QUOTE_ALL if first_line.startswith('"') else csv.QUOTE_MINIMAL
    return delimiter, quoting


def _blackboard_header(header: str) -> tuple[str, str, Decimal | None] | None:
    """(title, column id, points) of a stripped Blackboard header "Title [Total Pts: 5 Score]
    |123"; the bracket's words are the LMS's language ("[총점: 5 점수]"), its number the points."""
    found = _BLACKBOARD_ID.search(header)
    if not found:
        return None
    title = header[: found.start()].rstrip()
    total = _BLACKBOARD_TOTAL.search(title)
    if not total:
        return title, found.group(1), None
    number = re.search(r"\d+(?:\.\d+)?", total.group(0))
    points = Decimal(number.group(0)) if number else None
    return title[: total.start()].rstrip(), found.group(1), points


def _brightspace_points(header: str) -> str | None:
    """The grade item's name in a stripped Brightspace header "Title Points Grade <...>"."""
    found = _BRIGHTSPACE_POINTS.search(header)
    return header[: found.start()].rstrip() if found else None


def detect_lms(header: Sequence[str]) -> str:
    """Which LMS exported this header row."""
    cells = [h.strip() for h in header]
    if BRIGHTSPACE_EOL in cells or any(_brightspace_points(h) is not None for h in cells):
        return BRIGHTSPACE
    if len(cells) > 3 and ("Student" in cells[0] or "LastName" in cells[0]) and "Section" in cells:
        return CANVAS
    if any(_blackboard_header(h) for h in cells):  # "|123" column ids are Blackboard's alone
        return BLACKBOARD
    if "Last Name" in cells and "First Name" in cells and "Username" in cells:
        return BLACKBOARD
    moodle_ids = {h for headers, _ in _MATCH[MOODLE].values() for h in headers}
    if moodle_ids & set(cells) or "First name" in cells:
        return MOODLE
    raise FillError(
        gettext_noop("not a Canvas, Moodle, Blackboard or Brightspace gradebook export header")
    )


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _header_facts(lms: str, header: str) -> tuple[str, str, Decimal | None] | None:
    """(title, the LMS's id for the item, its points when the header says) of one header; None
    for a header that holds no points (Moodle's Percentage or Letter, a Brightspace non-points
    column)."""
    header = header.strip()
    if lms == CANVAS:
        found = _CANVAS_TITLE_ID.match(header)
        return (found.group(1), found.group(2), None) if found else (header, "", None)
    if lms == BLACKBOARD:
        return _blackboard_header(header) or (header, "", None)
    if lms == BRIGHTSPACE:
        name = _brightspace_points(header)
        if name is None:
            return None
        most = _BRIGHTSPACE_MAX.search(header)
        return name, name, Decimal(most.group(1)) if most else None
    found = _MOODLE_DISPLAY.match(header)
    if found and found.group(2) != "Real":
        return None  # Percentage, Letter and Feedback columns are not points
    return (found.group(1) if found else header), header, None


def _match_column(lms: str, header: str, columns: Sequence[ExportColumn]) -> ExportColumn | None:
    """Our column for one of the LMS's headers: by the LMS's column id, else by title."""
    facts = _header_facts(lms, header)
    if facts is None:
        return None
    title, lms_id, _ = facts
    if lms == MOODLE:
        by_header = [c for c in columns if c.lms_ids.get(MOODLE) == lms_id]
        return by_header[0] if by_header else _by_title(title, columns, lms)
    if lms_id:
        for c in columns:
            if c.lms_ids.get(lms) == lms_id:
                return c
        # Same title but we know it under another id: a different item that shares the name.
        # Canvas, not finding the id, looks for the whole header as a title ("Review (2)").
        candidate = _by_title(title, columns, lms)
        if candidate is None and lms == CANVAS:
            candidate = _by_title(header.strip(), columns, lms)
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


def _read_rows(body: str, delimiter: str) -> list[list[str]]:
    """The file's rows, within MAX_LMS_ROWS and MAX_LMS_COLUMNS; text the csv module cannot read
    is refused with the row's number."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) == MAX_LMS_ROWS:
                raise FillError(
                    gettext_noop(
                        "the gradebook file has more than %(max)s rows; fill it in parts (by "
                        "section) or export a smaller gradebook"
                    ),
                    max=MAX_LMS_ROWS,
                )
            if len(row) > MAX_LMS_COLUMNS:
                raise FillError(
                    gettext_noop("row %(number)s has more than %(max)s columns"),
                    number=len(rows) + 1,
                    max=MAX_LMS_COLUMNS,
                )
            rows.append(row)
    except csv.Error as error:
        number = len(rows) + 1
        raise FillError(
            gettext_noop("row %(number)s cannot be read as CSV; export the file again"),
            number=number,
        ) from error
    return rows


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
    first = _FIRST_LINE.match(body)
    assert first is not None  # the pattern matches any text
    eol = first.group(2) or "\n"
    delimiter, quoting = _dialect(first.group(1))
    rows = _read_rows(body, delimiter)
    if not any(cell.strip() for row in rows for cell in row):
        raise FillError(gettext_noop("the gradebook file is empty"))
    header = rows[0]
    for number, cell in enumerate(header, start=1):
        if len(cell) > MAX_LMS_HEADER_CHARS:
            raise FillError(
                gettext_noop(
                    "row 1, column %(number)s: the column title is longer than %(max)s "
                    "characters; this is not an LMS gradebook header"
                ),
                number=number,
                max=MAX_LMS_HEADER_CHARS,
            )
    lms = lms or detect_lms(header)
    if lms not in LMS_NAMES:
        raise ValueError(f"lms is one of {LMS_NAMES}, not {lms!r}")
    match_on = match_on or DEFAULT_MATCH[lms]
    chains = _CHAINS.get(lms, {})
    if match_on not in _MATCH[lms] and match_on not in chains:
        raise FillError(
            gettext_noop("%(lms)s rows match on one of %(keys)s, not %(key)s"),
            lms=lms,
            keys=str(sorted([*_MATCH[lms], *chains])),
            key=repr(match_on),
        )
    stripped = [h.strip() for h in header]
    # (key, the file's column, its index, our value) for each key tried, in order; the file's
    # column under any of its spellings (English, Korean).
    keys = [
        (key, spelling, stripped.index(spelling), _MATCH[lms][key][1])
        for key in chains.get(match_on, (match_on,))
        for spelling in [next((h for h in _MATCH[lms][key][0] if h in stripped), None)]
        if spelling is not None
    ]
    if not keys:
        raise FillError(
            gettext_noop("the %(lms)s file has no %(wanted)s column to match students on"),
            lms=lms,
            wanted=tuple(repr(_MATCH[lms][k][0][0]) for k in chains.get(match_on, (match_on,))),
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
    factors, column_ids, column_points = _column_scales(lms, header, rows, targets, warnings)
    for c in columns:
        if c.key not in {t.key for t in targets.values()} and c.key not in column_points:
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
    id_columns = {
        lms_key: stripped.index(spelling)
        for spellings, lms_key in _ROW_IDS.get(lms, ())
        for spelling in [next((h for h in spellings if h in stripped), None)]
        if spelling is not None
    }
    student_ids: dict[str, dict[str, str]] = {}
    dropped: set[int] = set()

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
            re.fullmatch(r"(Muted|Manual Posting.*)?", c.strip(), re.I) for c in row
        ):
            continue
        student, tried = row_student(row)
        if lms == MOODLE and not tried:
            # Moodle keeps the previous row's student for a row without one: out of the file.
            dropped.add(number)
            warnings.append(
                Note(
                    gettext_noop(
                        "row %(number)s (%(who)s): no %(headers)s; left out of the file, or "
                        "Moodle would give its grades to the student of the row above"
                    ),
                    number=number,
                    who=row_name(row),
                    headers=id_headers,
                )
            )
            continue
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
        student_ids[student.key] = {
            lms_key: value
            for lms_key, i in id_columns.items()
            if i < len(row) and (value := _student_cell(row[i], lms))
        }
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
            factor = factors.get(index)
            row[index] = format_score(Decimal(score) * factor if factor is not None else score)
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
    out = "".join(line(row) for number, row in enumerate(rows, start=1) if number not in dropped)
    return FilledExport(
        lms=lms,
        text=("\ufeff" if bom else "") + out,
        encoding=encoding,
        filled=filled,
        warnings=tuple(warnings),
        extension="xls" if lms == BLACKBOARD and delimiter == "\t" else "csv",
        column_ids=column_ids,
        column_points=column_points,
        student_ids=student_ids,
    )


# The columns of an LMS file that carry its own ids for the row's student (ExportStudent.lms_ids).
_ROW_IDS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    CANVAS: ((("ID",), CANVAS),),
    BLACKBOARD: ((_MATCH[BLACKBOARD]["username"][0], BLACKBOARD),),
    BRIGHTSPACE: ((("OrgDefinedId",), BRIGHTSPACE), (("Username",), BRIGHTSPACE_USERNAME)),
}


def _canvas_points_row(rows: Sequence[Sequence[str]]) -> Sequence[str]:
    return next((r for r in rows[1:] if r and "Points Possible" in r[0]), ())


def _number(cell: str) -> Decimal | None:
    try:
        value = Decimal(cell.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value >= 0 else None


def _column_scales(
    lms: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    targets: dict[int, ExportColumn],
    warnings: list[str],
) -> tuple[dict[int, Decimal], dict[str, str], dict[str, Decimal]]:
    """For each filled column: the factor to the LMS item's points (when they differ from ours;
    a column worth 0 here and more there is taken out of `targets`), the LMS's id for the item
    and its points, from the header (Blackboard, Brightspace) or Canvas's Points Possible row."""
    factors: dict[int, Decimal] = {}
    column_ids: dict[str, str] = {}
    column_points: dict[str, Decimal] = {}
    points_row = _canvas_points_row(rows) if lms == CANVAS else ()
    for index, column in list(targets.items()):
        facts = _header_facts(lms, header[index])
        assert facts is not None  # targets hold only headers that matched a column
        _, lms_id, theirs = facts
        if index < len(points_row):
            theirs = _number(points_row[index])
        if lms_id:
            column_ids[column.key] = lms_id
        if theirs is not None:
            column_points[column.key] = theirs
        try:
            factor = scale_factor(column.points_possible, theirs)
        except ZeroDivisionError:
            warnings.append(_zero_points_note(column, theirs or 0))
            del targets[index]
            continue
        if factor is not None and theirs is not None:
            factors[index] = factor
            warnings.append(_scale_note(column, theirs, factor))
    return factors, column_ids, column_points


# ---------------------------------------------------------------------------------------------
# A plan's files: one, or one per set (ExportPlan.per_set), zipped.


def plan_files(
    plan: ExportPlan, *, key: str = "", max_points: bool = False
) -> list[tuple[str, Iterator[str]]]:
    """(a name for the file, its lines) for each file of the plan."""
    options: dict[str, object] = {
        MOODLE: {"key": key or "email"},
        BRIGHTSPACE: {"key": key or "both", "max_points": max_points},
    }.get(plan.lms, {})
    writer = WRITERS[plan.lms]
    if not plan.per_set:
        return [("", writer(Sheet(plan.students, plan.columns, plan.scores), **options))]  # type: ignore[operator]
    return [
        (f"set{c.key}", writer(Sheet(students, [c], plan.scores), **options))  # type: ignore[operator]
        for c, students in plan.set_files()
    ]


def zip_files(files: Sequence[tuple[str, str]]) -> bytes:
    """A zip of (name, text) files, the text in UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
