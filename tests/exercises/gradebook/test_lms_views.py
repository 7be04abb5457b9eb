"""LMS export views: streamed CSVs per course or set, the choices shown, constant queries,
and the round trip through an LMS's own export."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.courses.services.roster import roster_import
from exercises.gradebook.lms import (
    ExportColumn,
    ExportStudent,
    Sheet,
    fill_lms_export,
    plan_export,
)
from exercises.gradebook.selectors import export_scores
from exercises.gradebook.views import note_text
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_scores():
    """Minji: right late (half points) on set 1 item 1 after a wrong try; Ben: wrong, then right
    on item 2. Set 2 untouched."""
    c = factories.course(code="calc")
    prof = factories.user(username="prof")
    membership_create(course=c, user=prof, role=Membership.Role.INSTRUCTOR)
    roster_import(
        course=c,
        text=(
            "name,email,student id\n"
            "김민지,minji@example.edu,2024001\n"
            "Ben Lee,ben@example.edu,2024002\n"
        ),
    )
    minji = Membership.objects.get(user__email="minji@example.edu").user
    ben = Membership.objects.get(user__email="ben@example.edu").user
    now = timezone.now()
    week1 = factories.problem_set(in_course=c, due_at=now + timedelta(days=1))
    week1.title_en = "Week 1"
    week1.save()
    week2 = factories.problem_set(in_course=c, due_at=now + timedelta(days=8))
    week2.title_en = "Week 2"
    week2.save()
    first = factories.item(in_set=week1, late_until=now + timedelta(days=3))
    second = factories.item(in_set=week1, points=Decimal("3"))
    factories.item(in_set=week2)
    later = now + timedelta(days=2)
    minji_first = factories.instance(for_item=first, for_student=minji)
    factories.graded(minji_first, "x", now=later)
    factories.graded(minji_first, "3x^2 + y", now=later)
    ben_second = factories.instance(for_item=second, for_student=ben)
    factories.graded(ben_second, "3x^2 + y")
    factories.graded(factories.instance(for_item=first, for_student=ben), "3x^2 + y")
    return {"course": c, "prof": prof, "week1": week1, "week2": week2, "minji": minji, "ben": ben}


def _scores(data):
    return {(k, v) for k, v in data.scores.items()}


def test_scores_best_with_and_without_late_penalty(course_scores):
    c, minji, ben = course_scores["course"], course_scores["minji"], course_scores["ben"]
    w1, w2 = str(course_scores["week1"].pk), str(course_scores["week2"].pk)
    data = export_scores(course=c)
    assert [s.email for s in data.students] == ["ben@example.edu", "minji@example.edu"]
    assert [(s.name, s.student_id, s.username) for s in data.students][1] == (
        "김민지",
        "2024001",
        "minji@example.edu",
    )
    assert [(col.title, col.points_possible) for col in data.columns] == [
        ("Week 1", Decimal("5")),
        ("Week 2", Decimal("2")),
    ]
    assert data.scores == {
        (str(minji.pk), w1): Decimal("1.00"),
        (str(ben.pk), w1): Decimal("5.00"),
    }
    assert (str(minji.pk), w2) not in data.scores
    no_penalty = export_scores(course=c, late_penalty=False)
    assert no_penalty.scores[(str(minji.pk), w1)] == Decimal("2.00")


def test_a_set_score_sums_its_items(course_scores):
    c, minji = course_scores["course"], course_scores["minji"]
    item = course_scores["week1"].items.order_by("id")[1]
    factories.graded(factories.instance(for_item=item, for_student=minji), "3x^2 + y")
    w1 = str(course_scores["week1"].pk)
    assert export_scores(course=c).scores[(str(minji.pk), w1)] == Decimal("4.00")  # 1 late + 3


def test_last_attempt_counts_a_later_wrong_answer():
    c = factories.course()
    s = factories.student(in_course=c)
    ps = factories.problem_set(in_course=c)
    it = factories.item(in_set=ps, points=Decimal("2"))
    inst = factories.instance(for_item=it, for_student=s)
    factories.graded(inst, "3x^2 + y")
    # A solved problem takes no further attempts; fake a later wrong attempt via the ORM.
    later = inst.submissions.get()
    later.pk, later.attempt, later.score, later.equivalent = None, 2, Decimal("0.00"), False
    later.save()
    assert export_scores(course=c, attempt="best").scores[(str(s.pk), str(ps.pk))] == Decimal(
        "2.00"
    )
    assert export_scores(course=c, attempt="last").scores[(str(s.pk), str(ps.pk))] == Decimal(
        "0.00"
    )


def _download(client, course, **params):
    url = reverse("gradebook:course-grades-download", args=[course.pk])
    query = {
        "attempt": "best",
        "late_penalty": "yes",
        "problem_set": "",
        "moodle_key": "email",
        **params,
    }
    response = client.get(url, query)
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def test_canvas_and_moodle_downloads(client, course_scores):
    c = course_scores["course"]
    client.force_login(course_scores["prof"])
    response, canvas = _download(client, c, lms="canvas")
    assert canvas.splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 1",
        "    Points Possible,,,,,5",
        "Ben Lee,,2024002,ben@example.edu,,5",
        "김민지,,2024001,minji@example.edu,,1",
    ]
    assert re.fullmatch(
        r'attachment; filename="calc-all-canvas-best-late-penalty-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    _, moodle = _download(client, c, lms="moodle", late_penalty="no")
    assert moodle.splitlines() == [
        "Email address,Week 1 (Real)",
        "ben@example.edu,5",
        "minji@example.edu,2",
    ]
    _, by_set = _download(
        client, c, lms="moodle", moodle_key="idnumber", problem_set=course_scores["week1"].pk
    )
    assert by_set.splitlines() == ["ID number,Week 1 (Real)", "2024002,5", "2024001,1"]


def test_other_formats_download(client, course_scores):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    url = reverse("gradebook:course-grades-download", args=[c.pk])
    # Without Blackboard column ids nothing would import right: back to the page, which says why.
    response = client.get(url, {"lms": "blackboard", "attempt": "best", "late_penalty": "yes"})
    assert response.status_code == 302
    _, brightspace = _download(client, c, lms="brightspace")
    assert brightspace.splitlines()[:2] == [
        "OrgDefinedId,Username,Week 1 Points Grade,End-of-Line Indicator",
        "#2024002,#ben@example.edu,5,#",
    ]
    _, by_username = _download(
        client, c, lms="brightspace", brightspace_key="username", brightspace_max_points="on"
    )
    assert by_username.splitlines()[:2] == [
        "Username,Week 1 Points Grade <Numeric MaxPoints:5>,End-of-Line Indicator",
        "#ben@example.edu,5,#",
    ]
    _, plain = _download(client, c, lms="plain", attempt="last")
    assert plain.splitlines()[:2] == [
        "\ufeffStudent,Email,Week 1,Week 2,Total,Export choices",
        "Ben Lee,ben@example.edu,5,,5,last attempt; late penalty applied",
    ]


def test_export_page_shows_choices_and_warnings(client, course_scores):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    url = reverse("gradebook:course-grades-export", args=[c.pk])
    assert client.get(url).status_code == 200
    body = client.get(
        url, {"lms": "blackboard", "attempt": "last", "late_penalty": "no", "problem_set": ""}
    ).content.decode()
    assert '<strong class="export-choices">last attempt; late penalty not applied</strong>' in body
    assert "&#x27;Week 1&#x27;: left out; without its Blackboard column id Blackboard" in body
    assert "&#x27;Week 2&#x27;: left out; without its Blackboard column id" in body
    assert 'id="export-nothing"' in body
    assert "0 columns." in body
    one_set = {"lms": "canvas", "attempt": "best", "late_penalty": "yes"}
    body = client.get(url, {**one_set, "problem_set": course_scores["week1"].pk}).content
    assert "2 students, 1 column." in body.decode()


def test_download_queries_do_not_grow_with_students(client, course_scores):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    with CaptureQueriesContext(connection) as few:
        _download(client, c, lms="canvas")
    item = course_scores["week1"].items.order_by("id")[0]
    for _ in range(3):
        factories.graded(
            factories.instance(for_item=item, for_student=factories.student(in_course=c)),
            "3x^2 + y",
        )
    with CaptureQueriesContext(connection) as more:
        _, text = _download(client, c, lms="canvas")
    assert len(text.splitlines()) == 7
    assert len(more) == len(few)


# A Canvas gradebook export: one of our students (Ben), one stranger, a column of theirs.
CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (9001),Notes\r\n"
    "    Points Possible,,,,,5,\r\n"
    "Ben Lee,77,2024002,BEN@example.edu,A,,keep\r\n"
    "Stranger,78,x,x@example.edu,A,3,\r\n"
)


def test_round_trip_fills_the_lms_file(client, course_scores):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    original = CANVAS_EXPORT
    upload = SimpleUploadedFile("canvas.csv", original.encode(), "text/csv")
    url = reverse("gradebook:course-grades-fill", args=[c.pk])
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    body = client.post(url + query, {"gradebook": upload}).content.decode()
    assert "canvas file: 1 cell filled." in body
    assert "row 4 (Stranger): no student here with SIS Login ID &#x27;x@example.edu&#x27;" in body
    href = re.search(r'href="data:text/csv;base64,([^"]+)"', body).group(1)
    assert base64.b64decode(href).decode() == original.replace(
        "Ben Lee,77,2024002,BEN@example.edu,A,,keep", "Ben Lee,77,2024002,BEN@example.edu,A,5,keep"
    )
    bad = SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")
    response = client.post(url + query, {"gradebook": bad})
    assert response.status_code == 400
    assert (
        "not a Canvas, Moodle, Blackboard or Brightspace gradebook export header"
        in response.content.decode()
    )


@pytest.mark.parametrize(
    "who, expected", [(None, 302), ("student", 404), ("stranger", 404), ("ta", 200)]
)
@pytest.mark.parametrize(
    "name", ["course-grades-export", "course-grades-download", "course-grades-fill"]
)
def test_export_urls_by_role(client, course_scores, who, expected, name):
    c = course_scores["course"]
    users = {"student": course_scores["ben"], "stranger": factories.user(), "ta": factories.user()}
    membership_create(
        course=factories.course(), user=users["stranger"], role=Membership.Role.INSTRUCTOR
    )
    membership_create(course=c, user=users["ta"], role=Membership.Role.TA)
    if who:
        client.force_login(users[who])
    url = reverse(f"gradebook:{name}", args=[c.pk])
    query = {"lms": "canvas", "attempt": "best", "late_penalty": "yes", "problem_set": ""}
    if name == "course-grades-fill":
        upload = SimpleUploadedFile(
            "c.csv", b"Student,ID,SIS Login ID,Section,Week 1\n", "text/csv"
        )
        response = client.post(
            url + "?lms=canvas&attempt=best&late_penalty=yes", {"gradebook": upload}
        )
    else:
        response = client.get(url, query)
    assert response.status_code == expected


def test_round_trip_can_match_on_another_column(client, course_scores):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    original = (
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 1\r\nBen,77,2024002,elsewhere,A,\r\n"
    )
    url = reverse("gradebook:course-grades-fill", args=[c.pk])
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    upload = SimpleUploadedFile("canvas.csv", original.encode(), "text/csv")
    body = client.post(
        url + query, {"gradebook": upload, "match_on": "sis_user_id"}
    ).content.decode()
    assert "canvas file: 1 cell filled." in body
    upload = SimpleUploadedFile("canvas.csv", original.encode(), "text/csv")
    response = client.post(url + query, {"gradebook": upload, "match_on": "idnumber"})
    assert response.status_code == 400
    assert "canvas rows match on one of" in response.content.decode()


def test_brightspace_round_trip_matches_a_row_without_org_defined_id_on_its_username(
    client, course_scores
):
    client.force_login(course_scores["prof"])
    c = course_scores["course"]
    original = (
        "OrgDefinedId,Username,Last Name,First Name,Week 1 Points Grade,End-of-Line Indicator\r\n"
        ",#ben@example.edu,Lee,Ben,,#\r\n"
        ",,Park,Hana,,#\r\n"
    )
    url = reverse("gradebook:course-grades-fill", args=[c.pk])
    query = "?lms=brightspace&attempt=best&late_penalty=yes&problem_set="
    for match_on in ("", "org_defined_id_or_username"):
        upload = SimpleUploadedFile("grades.csv", original.encode(), "text/csv")
        body = client.post(url + query, {"gradebook": upload, "match_on": match_on}).content
        body = body.decode()
        assert "brightspace file: 1 cell filled." in body
        assert "row 3 (Park, Hana): no OrgDefinedId or Username in this row" in body
        href = re.search(r'href="data:text/csv;base64,([^"]+)"', body).group(1)
        assert base64.b64decode(href).decode() == original.replace(
            ",#ben@example.edu,Lee,Ben,,#", ",#ben@example.edu,Lee,Ben,5,#"
        )


# ---------------------------------------------------------------------------------------------
# The warnings in the Korean UI: lms.py stays pure and gives English Notes; the view translates.


def test_lms_warnings_read_in_korean_with_their_values_kept():
    nobody = ExportStudent(key="s5", name="No Ids")
    ana = ExportStudent(key="s4", name="Ana", username="ana", email="=cmd")
    quiz = ExportColumn(key="p5", title="Quiz (3)")
    week1 = ExportColumn(key="p1", title="Week 1")
    moodle = plan_export("moodle", Sheet([nobody, ana], [quiz], {("s5", "p5"): 1}), key="idnumber")
    english = [
        *moodle.left_out,
        *moodle.notes,
        *plan_export("canvas", Sheet([], [quiz], {})).left_out,
    ]
    assert english == [
        "No Ids: no ID number; left out (Moodle would put the grades on the student of the row "
        "above)",
        "Ana: no ID number; left out (Moodle would put the grades on the student of the row above)",
        "Ana: identifier '=cmd' starts like a formula; not altered",
        "Moodle stops the whole import if one of these students has no Moodle account with this "
        "identifier. If some may not, fill your Moodle grade export here instead: that file lists "
        "only Moodle's own students",
        "'Quiz (3)': left out; Canvas reads a title ending in '(3)' as assignment id 3. Fill "
        "your Canvas gradebook export here once: later files carry the assignment's real id",
    ]
    brightspace = (
        "OrgDefinedId,Username,Last Name,First Name,Week 1 Points Grade,End-of-Line Indicator\r\n"
        "#7777,#ghost,User,Ghost,,#\r\n"
        ",,Park,Hana,,#\r\n"
    )
    filled = fill_lms_export(brightspace, {}, students=[ana], columns=[week1, quiz])
    assert filled.warnings == (
        "column 'Quiz (3)': not in the brightspace file; create it there first",
        "row 2 (User, Ghost): no student here with OrgDefinedId '7777' or Username 'ghost'",
        "row 3 (Park, Hana): no OrgDefinedId or Username in this row",
        "student 'Ana': not in the brightspace file",
    )
    assert [note_text(w) for w in [*english, *filled.warnings]] == [*english, *filled.warnings]
    with translation.override("ko"):
        assert [note_text(w) for w in [*english, *filled.warnings]] == [
            "No Ids: ID 번호 값이 없어 파일에서 뺐습니다(Moodle이 위 행의 학생에게 성적을 "
            "넣게 됩니다)",
            "Ana: ID 번호 값이 없어 파일에서 뺐습니다(Moodle이 위 행의 학생에게 성적을 "
            "넣게 됩니다)",
            "Ana: 식별자 '=cmd' 값이 수식처럼 시작하지만 바꾸지 않았습니다",
            "이 학생 가운데 한 명이라도 이 식별자로 된 Moodle 계정이 없으면 Moodle은 가져오기 "
            "전체를 멈춥니다. 그럴 수 있다면 Moodle에서 내보낸 성적표를 여기서 채우세요. 그 "
            "파일에는 Moodle에 있는 학생만 들어 있습니다",
            "'Quiz (3)': 뺐습니다. Canvas는 제목 끝의 '(3)' 부분을 과제 ID 3번으로 "
            "읽습니다. Canvas에서 내보낸 성적표를 여기서 한 번 채우면 이후 파일에는 과제의 "
            "실제 ID가 들어갑니다",
            "열 'Quiz (3)': brightspace 파일에 없습니다. 먼저 brightspace에서 만드세요",
            "2행 (User, Ghost): OrgDefinedId '7777' 또는 Username 'ghost'에 해당하는 학생이 "
            "이 사이트에 없습니다",
            "3행 (Park, Hana): 이 행에 OrgDefinedId 또는 Username 값이 없습니다",
            "학생 'Ana': brightspace 파일에 없습니다",
        ]


def test_export_page_shows_the_warnings_in_korean(client, course_scores):
    client.force_login(course_scores["prof"])
    client.cookies["django_language"] = "ko"
    url = reverse("gradebook:course-grades-export", args=[course_scores["course"].pk])
    body = client.get(
        url, {"lms": "blackboard", "attempt": "last", "late_penalty": "no", "problem_set": ""}
    ).content.decode()
    assert "<h3>파일에서 뺀 것</h3>" in body
    assert (
        "<li>&#x27;Week 1&#x27;: 뺐습니다. Blackboard 열 ID가 없으면 Blackboard가 올릴 때마다 "
        "0점짜리 텍스트 열을 새로 추가합니다." in body
    )
    assert "Blackboard column id" not in body


def test_round_trip_shows_the_warnings_in_korean(client, course_scores):
    client.force_login(course_scores["prof"])
    client.cookies["django_language"] = "ko"
    original = CANVAS_EXPORT
    upload = SimpleUploadedFile("canvas.csv", original.encode(), "text/csv")
    url = reverse("gradebook:course-grades-fill", args=[course_scores["course"].pk])
    query = "?lms=canvas&attempt=best&late_penalty=yes&problem_set="
    body = client.post(url + query, {"gradebook": upload}).content.decode()
    assert (
        "<li>4행 (Stranger): SIS Login ID &#x27;x@example.edu&#x27;에 해당하는 학생이 "
        "이 사이트에 없습니다</li>" in body
    )
    assert (
        "<li>열 &#x27;Week 2&#x27;: canvas 파일에 없습니다. 먼저 canvas에서 만드세요</li>" in body
    )
    assert "no student here" not in body
