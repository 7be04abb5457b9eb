"""Each LMS's grade import, rewritten from its importer's rules, to read our files back as the LMS
would. Written from (docs/lms-export.md cites each rule):

- Canvas: app/models/gradebook_importer.rb (instructure/canvas-lms): header checks, student
  columns, NON_ASSIGNMENT_COLUMN_HEADERS, Assignment.title_and_id `/\\A(.*)\\s\\((\\d+)\\)\\z/`
  (id first, then the whole header as a title, else a new assignment under the short title),
  the Points Possible and Muted/Manual Posting rows, students by ID, SIS User ID, SIS Login ID,
  then name; a cell differing from the current grade is a change, a blank one included.
- Moodle: grade/import/csv/classes/load_data.php (moodle/moodle): the user field is looked up
  site-wide and an unknown value stops the whole import; a row with a blank identifier keeps the
  previous row's student; '' or '-' is no grade (update_final_grade(null) empties it); above
  gradepointmax (100) stops the import; columns map to an item by its export header.
- Blackboard and Brightspace: their documentation (Blackboard "Uploading or Downloading Grade
  Center Items", D2L "Importing grades"); an empty cell is read as clearing the grade, the
  cautious reading of what they do not document.

Each reader takes the LMS's state (students, items, grades) and returns the grades after import.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal


class ImportStopped(Exception):
    """The LMS refuses the whole file."""


@dataclass
class LmsStudent:
    id: str  # the LMS's own id (Canvas user id, Moodle user id)
    name: str
    email: str = ""
    username: str = ""
    idnumber: str = ""  # Canvas SIS User ID, Moodle ID number, Brightspace OrgDefinedId


@dataclass
class LmsState:
    students: list[LmsStudent]
    items: dict[str, str]  # item id: title (Blackboard column id, Canvas assignment id, ...)
    grades: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)
    new_items: list[str] = field(default_factory=list)


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))


def _value(cell: str) -> Decimal | None:
    cell = cell.strip()
    return None if cell in ("", "-") else Decimal(cell)


CANVAS_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")
CANVAS_NON_ASSIGNMENT = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
    "Override Score|Override Grade|Override Status"
)


def canvas_import(text: str, state: LmsState) -> dict[tuple[str, str], Decimal | None]:
    rows = _rows(text)
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ImportStopped("Invalid header row")
    student_columns = 3
    sis_user = sis_login = None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        sis_login, student_columns = 2, 4
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        sis_user, sis_login, student_columns = 2, 3, 5
    if "Section" not in header[student_columns - 1]:
        raise ImportStopped("Invalid header row")
    columns: dict[int, str] = {}
    for index, name in enumerate(header[student_columns:], start=student_columns):
        if CANVAS_NON_ASSIGNMENT.search(name):
            continue
        found = CANVAS_TITLE_AND_ID.match(name)
        title, number = (found.group(1), found.group(2)) if found else (name, None)
        item = number if number is not None and number in state.items else None
        item = item or next((i for i, t in state.items.items() if t == name), None)
        if item is None:
            item = f"new:{title}"
            state.new_items.append(title)
        columns[index] = item
    grades = dict(state.grades)
    for row in rows[1:]:
        if row and "Points Possible" in row[0]:
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in row):
            continue
        student = next((s for s in state.students if row[1] and s.id == row[1]), None)
        if student is None and sis_user is not None and row[sis_user]:
            student = next((s for s in state.students if s.idnumber == row[sis_user]), None)
        if student is None and sis_login is not None and row[sis_login]:
            student = next((s for s in state.students if s.username == row[sis_login]), None)
        if student is None:
            student = next((s for s in state.students if s.name == row[0]), None)
        if student is None:
            continue  # a new user: shown in Canvas's preview, never saved
        for index, item in columns.items():
            cell = row[index].strip() if index < len(row) else ""
            current = grades.get((student.id, item))
            if cell == "" and current is None:
                continue
            grades[(student.id, item)] = _value(cell)
    return grades


MOODLE_FIELDS = {"useremail": "email", "username": "username", "useridnumber": "idnumber"}


def moodle_import(
    text: str, state: LmsState, *, map_from: int = 0, map_to: str = "useremail"
) -> dict[tuple[str, str], Decimal | None]:
    """`state.items` maps an item id to its export header ("Week 1 (Real)")."""
    rows = _rows(text)
    header = [h.strip() for h in rows[0]]
    mapping = {
        i: next((item for item, title in state.items.items() if title == h), None)
        for i, h in enumerate(header)
        if i != map_from
    }
    grades = dict(state.grades)
    pending: dict[tuple[str, str], Decimal | None] = {}
    student: LmsStudent | None = None
    attribute = MOODLE_FIELDS[map_to]
    for line in rows[1:]:
        if len(line) <= 1:
            continue
        value = line[map_from].strip()
        if value:  # "Skip invalid row with blank user field": the previous student stays
            student = next((s for s in state.students if getattr(s, attribute) == value), None)
            if student is None:
                raise ImportStopped(f"user not found: {value}")
        if student is None:
            raise ImportStopped("usermappingerrorusernotfound")
        for index, item in mapping.items():
            if item is None:
                continue
            grade = _value(line[index]) if index < len(line) else None
            if grade is not None and grade > 100:
                raise ImportStopped("gradevaluetoobig")
            pending[(student.id, item)] = grade
    grades.update(pending)
    return grades


BLACKBOARD_COLUMN = re.compile(r"\|(\d+)\s*\Z")


def blackboard_import(text: str, state: LmsState) -> dict[tuple[str, str], Decimal | None]:
    delimiter = "\t" if "\t" in text.splitlines()[0] else ","
    rows = _rows(text, delimiter)
    header = rows[0]
    username = header.index("Username")
    columns: dict[int, str] = {}
    for index, name in enumerate(header):
        found = BLACKBOARD_COLUMN.search(name)
        if found and found.group(1) in state.items:
            columns[index] = found.group(1)
        elif index > username and name not in ("Last Name", "First Name", "Student ID"):
            state.new_items.append(name)  # a new text column worth 0 points
    grades = dict(state.grades)
    for row in rows[1:]:
        student = next((s for s in state.students if s.username == row[username]), None)
        if student is None:
            continue  # an unknown username is reported and skipped
        for index, item in columns.items():
            grades[(student.id, item)] = _value(row[index])
    return grades


BRIGHTSPACE_ITEM = re.compile(r"\A(.*?)\s+Points Grade(?:\s*<[^>]*>)?\Z")


def brightspace_import(text: str, state: LmsState) -> dict[tuple[str, str], Decimal | None]:
    """`state.items` maps an item id to its name."""
    rows = _rows(text)
    header = rows[0]
    if header[-1] != "End-of-Line Indicator":
        raise ImportStopped("no End-of-Line Indicator")
    org = header.index("OrgDefinedId") if "OrgDefinedId" in header else None
    user = header.index("Username") if "Username" in header else None
    if org is None and user is None:
        raise ImportStopped("no OrgDefinedId or Username")
    columns: dict[int, str] = {}
    for index, name in enumerate(header):
        found = BRIGHTSPACE_ITEM.match(name)
        if found:
            item = next((i for i, t in state.items.items() if t == found.group(1)), None)
            if item is None:
                raise ImportStopped(f"unknown grade item {found.group(1)}")
            columns[index] = item
    grades = dict(state.grades)
    for row in rows[1:]:
        if row[-1] != "#":
            raise ImportStopped("a row does not end with the End-of-Line Indicator")
        org_id = row[org].removeprefix("#") if org is not None else ""
        name = row[user].removeprefix("#") if user is not None else ""
        student = next((s for s in state.students if org_id and s.idnumber == org_id), None)
        student = student or next((s for s in state.students if name and s.username == name), None)
        if student is None:
            continue
        for index, item in columns.items():
            grades[(student.id, item)] = _value(row[index])
    return grades
