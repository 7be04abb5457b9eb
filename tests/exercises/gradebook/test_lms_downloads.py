"""A test per round-trip rule, from files shaped like each LMS's own download, in English and
Korean LMS locales (docs/lms-export.md). Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exercises.gradebook.lms import (
    BLACKBOARD,
    BRIGHTSPACE,
    BRIGHTSPACE_USERNAME,
    CANVAS,
    ExportColumn,
    ExportStudent,
    fill_lms_export,
)

D = Decimal
MINJI = ExportStudent(
    key="s1",
    name="김민지",
    email="minji@example.edu",
    username="minji@example.edu",
    student_id="2024001",
    sis_user_id="2024001",
)
JUN = ExportStudent(key="s2", name="Jun Lee", username="demo2")  # a demo student: no email
WEEK1 = ExportColumn(key="p1", title="Week 1", points_possible=D(10), aliases=("1주차",))
SCORES = {("s1", "p1"): D("6.25"), ("s2", "p1"): D(5)}


def _fill(text: str | bytes, **options):
    return fill_lms_export(text, SCORES, students=[MINJI, JUN], columns=[WEEK1], **options)


@pytest.mark.parametrize("title", ["Week 1", "1주차"])
def test_canvas_points_possible_and_manual_posting_rows_and_the_scale(title):
    original = (
        "Student,ID,SIS User ID,SIS Login ID,Section,"
        f"{title} (9001),Current Score,Final Score\r\n"
        "    Points Possible,,,,,100.00,(read only),(read only)\r\n"
        ",,,,,Manual Posting,,\r\n"
        "김민지,501,2024001,minji@example.edu,A,,,\r\n"
    )
    filled = _fill(original)
    assert filled.text.splitlines()[3] == "김민지,501,2024001,minji@example.edu,A,62.5,,"
    assert filled.text.splitlines()[2] == ",,,,,Manual Posting,,"
    assert "'Week 1': out of 100 in the LMS and 10 here; scores multiplied by 10" in filled.warnings
    assert filled.column_ids == {"p1": "9001"} and filled.column_points == {"p1": D(100)}
    assert filled.student_ids == {"s1": {CANVAS: "501"}}


@pytest.mark.parametrize(
    "identifier, first, last",
    [("Email address", "First name", "Surname"), ("이메일 주소", "이름", "성")],
)
def test_moodle_real_columns_dash_and_a_blank_identifier_row(identifier, first, last):
    original = (
        f"{first},{last},{identifier},Week 1 (Real),Week 1 (Percentage)\n"
        "민지,김,minji@example.edu,-,-\n"
        "Jun,Lee,,-,-\n"
    )
    filled = _fill(original)
    lines = filled.text.splitlines()
    assert lines[1] == "민지,김,minji@example.edu,6.25,-"
    assert len(lines) == 2  # Jun's row would give its grades to Minji in Moodle: taken out
    assert any(w.startswith("row 3 (Jun Lee): no") for w in filled.warnings)


@pytest.mark.parametrize(
    "username, points_header",
    [
        ("Username", "Week 1 [Total Pts: 100 Score] |664617"),
        ("사용자 이름", "Week 1 [총점: 100 점수] |664617"),
    ],
)
def test_blackboard_tab_utf16_total_pts_and_column_id(username, points_header):
    original = (
        f'"Last Name"\t"First Name"\t"{username}"\t"{points_header}"\r\n'
        '"김"\t"민지"\t"minji@example.edu"\t""\r\n'
    ).encode("utf-16")
    filled = _fill(original)
    assert filled.lms == BLACKBOARD and filled.extension == "xls"
    assert filled.encoding == "utf-16-le" and filled.text.startswith("\ufeff")
    assert filled.text.splitlines()[1].split("\t")[3] == '"62.5"'  # quoted, as it came
    assert filled.column_ids == {"p1": "664617"}
    assert filled.student_ids == {"s1": {BLACKBOARD: "minji@example.edu"}}


def test_brightspace_max_points_and_end_of_line_indicator():
    original = (
        "OrgDefinedId,Username,Last Name,First Name,"
        "Week 1 Points Grade <Numeric MaxPoints:10>,End-of-Line Indicator\r\n"
        "#2024001,#mjkim,김,민지,,#\r\n"
    )
    filled = _fill(original)
    assert filled.text.splitlines()[1] == "#2024001,#mjkim,김,민지,6.25,#"
    assert filled.column_ids == {"p1": "Week 1"} and filled.column_points == {"p1": D(10)}
    assert filled.student_ids == {"s1": {BRIGHTSPACE: "2024001", BRIGHTSPACE_USERNAME: "mjkim"}}


def test_a_set_worth_nothing_here_is_not_scaled_into_the_lms():
    zero = ExportColumn(key="p1", title="Week 1", points_possible=D(0))
    original = "OrgDefinedId,Week 1 Points Grade <Numeric MaxPoints:10>,End-of-Line Indicator\n"
    filled = fill_lms_export(original + "#2024001,,#\n", SCORES, students=[MINJI], columns=[zero])
    assert filled.filled == 0
    assert filled.warnings[0].startswith("'Week 1': out of 10 in the LMS but out of 0 here")
