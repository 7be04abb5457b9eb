"""Our export files read back by each LMS's importer (tests/support/lms_readers.py): every grade
lands on its own student, and nothing is cleared or zeroed that should not be. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exercises.gradebook.lms import (
    BLACKBOARD,
    BRIGHTSPACE,
    CANVAS,
    MOODLE,
    ExportColumn,
    ExportStudent,
    Sheet,
    join_lines,
    plan_export,
    plan_files,
)
from tests.support.lms_readers import (
    LmsState,
    LmsStudent,
    blackboard_import,
    brightspace_import,
    canvas_import,
    moodle_import,
)

D = Decimal


def _student(key: str, name: str, *, ids: bool = True) -> ExportStudent:
    if not ids:  # a demo student: no email, no student id, a login the LMS does not know
        return ExportStudent(key=key, name=name, username=f"demo{key}")
    return ExportStudent(
        key=key,
        name=name,
        email=f"{key}@example.edu",
        username=f"{key}@example.edu",
        student_id=f"2024{key}",
        sis_user_id=f"2024{key}",
        lms_ids={CANVAS: f"70{key}", BLACKBOARD: f"bb_{key}"},
    )


# Ann has both scores, Ben only Week 1's, Cho none, Dee (no ids) both, Eun both (0 on Week 1).
STUDENTS = [
    _student("1", "Ann"),
    _student("2", "Ben"),
    _student("3", "Cho"),
    _student("4", "Dee", ids=False),
    _student("5", "Eun"),
]
SCORES = {
    ("1", "w1"): D("7.5"),
    ("1", "rv"): D("3"),
    ("2", "w1"): D("10"),
    ("4", "w1"): D("6"),
    ("4", "rv"): D("5"),
    ("5", "w1"): D("0"),
    ("5", "rv"): D("4.25"),
}
WEEK1 = ExportColumn(
    key="w1",
    title="Week 1",
    points_possible=D(10),
    lms_ids={CANVAS: "901", BLACKBOARD: "664617", BRIGHTSPACE: "Week 1"},
    lms_points={CANVAS: D(100), BLACKBOARD: D(100), BRIGHTSPACE: D(100)},
)
REVIEW = ExportColumn(
    key="rv",
    title="Review (2)",
    points_possible=D(5),
    lms_ids={CANVAS: "902", BLACKBOARD: "664618", BRIGHTSPACE: "Review (2)"},
)
COLUMNS = [WEEK1, REVIEW]
FACTOR = {"w1": D(10), "rv": D(1)}  # Moodle has no points in its file: no factor there


def lms_students() -> list[LmsStudent]:
    """The LMS knows all five (Dee by her login only: no email, no student id)."""
    return [
        LmsStudent(
            id=f"70{s.key}", name=s.name, email=s.email, username=s.username, idnumber=s.student_id
        )
        for s in STUDENTS
    ]


def _state(items: dict[str, str], item_of: dict[str, str], username_of=None) -> LmsState:
    students = lms_students()
    if username_of:
        for s in students:
            s.username = username_of(s)
    grades: dict[tuple[str, str], Decimal | None] = {
        # grades entered in the LMS by hand: Ben's Review, Cho's both, Dee's Week 1
        ("702", item_of["rv"]): D(0),
        ("703", item_of["w1"]): D(55),
        ("703", item_of["rv"]): D(2),
        ("704", item_of["w1"]): D(40),
    }
    return LmsState(students=students, items=items, grades=grades)


def _check(lms: str, state: LmsState, read, item_of: dict[str, str], key: str = "") -> list[str]:
    before = dict(state.grades)
    plan = plan_export(lms, Sheet(STUDENTS, COLUMNS, SCORES), key=key)
    for _, lines in plan_files(plan, key=key):
        state.grades = read(join_lines(lines), state)
    after = state.grades
    kept = {s.key for s in plan.students}
    factor = FACTOR if lms != MOODLE else {"w1": D(1), "rv": D(1)}
    for (student, column), score in SCORES.items():
        place = (f"70{student}", item_of[column])
        if student in kept:
            assert after[place] == score * factor[column], (lms, place)
        else:
            assert after.get(place) == before.get(place), (lms, place)
    for place, value in before.items():
        ours = next(
            ((s, c) for (s, c) in SCORES if (f"70{s}", item_of[c]) == place and s in kept),
            None,
        )
        if ours is None:
            assert after.get(place) == value, (lms, place, "cleared or changed")
    changed = {p for p in after if after.get(p) != before.get(p)}
    ours_places = {(f"70{s}", item_of[c]) for (s, c) in SCORES if s in kept}
    assert changed <= ours_places, (lms, changed - ours_places)
    assert state.new_items == []
    return [str(n) for n in plan.left_out]


def test_canvas_reads_every_grade_onto_its_student():
    item_of = {"w1": "901", "rv": "902"}
    # Assignment 2 exists: a header "Review (2)" without its id would land on it.
    state = _state({"901": "Week 1", "902": "Review (2)", "2": "Other"}, item_of)
    left_out = _check(CANVAS, state, canvas_import, item_of)
    assert any(n.startswith("Cho: no score yet") for n in left_out)
    assert all(item != "2" for _, item in state.grades)  # nothing landed on assignment 2


def test_moodle_reads_every_grade_onto_its_student_and_dee_is_not_shifted():
    item_of = {"w1": "11", "rv": "12"}
    state = _state({"11": "Week 1 (Real)", "12": "Review (2) (Real)"}, item_of)
    left_out = _check(MOODLE, state, moodle_import, item_of, key="email")
    assert (
        "Dee: no Email address; left out (Moodle would put the grades on the student of the "
        "row above)" in left_out
    )


def test_blackboard_reads_every_grade_onto_its_student():
    item_of = {"w1": "664617", "rv": "664618"}
    state = _state(
        {"664617": "Week 1", "664618": "Review (2)"},
        item_of,
        username_of=lambda s: s.username if s.name == "Dee" else f"bb_{s.id[2:]}",
    )
    left_out = _check(BLACKBOARD, state, blackboard_import, item_of)
    assert any(n.startswith("Cho: no score yet") for n in left_out)


@pytest.mark.parametrize("key", ["both", "org_defined_id", "username"])
def test_brightspace_reads_every_grade_onto_its_student(key):
    item_of = {"w1": "b1", "rv": "b2"}
    state = _state({"b1": "Week 1", "b2": "Review (2)"}, item_of)
    left_out = _check(BRIGHTSPACE, state, brightspace_import, item_of, key=key)
    if key == "org_defined_id":
        assert any(n.startswith("Dee: no OrgDefinedId or Username") for n in left_out)


def test_a_naive_file_would_have_failed_these_readers():
    """The readers can fail: a Moodle file with Dee's blank email row as it was written before
    gives Dee's grades to the student above and clears Cho's."""
    item_of = {"w1": "11", "rv": "12"}
    state = _state({"11": "Week 1 (Real)", "12": "Review (2) (Real)"}, item_of)
    text = "Email address,Week 1 (Real),Review (2) (Real)\r\n3@example.edu,,\r\n,6,5\r\n"
    grades = moodle_import(text, state)
    assert grades[("703", "11")] == D(6)  # Dee's 6 on Cho


@pytest.mark.parametrize("lms", [CANVAS, MOODLE, BLACKBOARD, BRIGHTSPACE])
def test_a_set_scored_only_by_students_left_out_gets_no_header_only_file(lms):
    """Dee (no ids: left out) is the only one with a score in Week 3: the zip held a file of
    that set with a header and no rows, which the importers refuse or read as nothing."""
    week3 = ExportColumn(
        key="w3",
        title="Week 3",
        points_possible=D(10),
        lms_ids={CANVAS: "903", BLACKBOARD: "664619", BRIGHTSPACE: "Week 3", MOODLE: "W3 (Real)"},
        lms_points={lms: D(20)},  # the LMS's item is out of 20: a scale note, if it is kept
    )
    scores = {**SCORES, ("4", "w3"): D("9")}
    plan = plan_export(lms, Sheet(STUDENTS, [*COLUMNS, week3], scores))
    dee_kept = "4" in {s.key for s in plan.students}  # Moodle (by email) leaves Dee out
    assert dee_kept is (lms != MOODLE)
    assert [c.key for c in plan.columns] == (["w1", "rv", "w3"] if dee_kept else ["w1", "rv"])
    said = (
        "'Week 3': none of the students in the file has a score in it; left out, so the LMS "
        "keeps what it has"
    )
    assert (said in [str(n) for n in plan.left_out]) is not dee_kept
    # the scale is said of a set the file holds, not of one it leaves out
    scaled = [str(n) for n in plan.notes if str(n).startswith("'Week 3': out of 20")]
    assert len(scaled) == (1 if dee_kept else 0), plan.notes
    for _, lines in plan_files(plan):
        rows = join_lines(lines).strip().splitlines()
        assert len(rows) > 1 + (1 if lms == CANVAS else 0), rows  # beyond its header rows
