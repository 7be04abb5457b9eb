"""Roster CSV import (checked whole, then one transaction) and join codes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse

from exercises.courses.models import Membership, StudentProfile
from exercises.courses.services.accounts import membership_create
from exercises.courses.services.roster import (
    JoinRefused,
    RosterInvalid,
    course_join,
    course_join_code_regenerate,
    roster_check,
    roster_decode,
    roster_delimiter,
    roster_import,
)
from tests import factories

pytestmark = pytest.mark.django_db

GOOD = "name,email,student id\n김민지,minji@example.edu,2024001\nBen Lee,ben@example.edu,2024002\n"


def _errors(check):
    return [(e.line, e.message.code) for e in check.errors]


def test_valid_roster_creates_accounts_and_enrols_in_one_go():
    c = factories.course()
    check = roster_import(course=c, text=GOOD)
    assert [(r.line, r.status) for r in check.rows] == [(2, "new"), (3, "new")]
    minji = get_user_model().objects.get(username="minji@example.edu")
    assert (minji.first_name, minji.email) == ("김민지", "minji@example.edu")
    assert minji.has_usable_password() is False
    assert StudentProfile.objects.get(user=minji).student_id == "2024001"
    roles = sorted(Membership.objects.filter(course=c).values_list("user__username", "role"))
    assert roles == [("ben@example.edu", "student"), ("minji@example.edu", "student")]


def test_bom_and_korean_headers_are_read():
    c = factories.course()
    text = roster_decode("\ufeff이름,이메일,학번\n김민지,minji@example.edu,2024001\n".encode())
    check = roster_check(course=c, text=text)
    assert check.errors == []
    assert [(r.name, r.email, r.student_id) for r in check.rows] == [
        ("김민지", "minji@example.edu", "2024001")
    ]


def test_every_bad_row_is_reported_and_nothing_is_imported():
    c = factories.course()
    text = (
        "name,email,student id\n"
        "Ann,ann@example.edu,1\n"
        ",nobody@example.edu,2\n"
        "Ben,,3\n"
        "Cat,not-an-email,4\n"
        "Dan,ANN@example.edu,5\n"
        "Eve,eve@example.edu,1\n"
        "\n"
        "Fay,fay@example.edu,has space\n"
    )
    with pytest.raises(RosterInvalid) as raised:
        roster_import(course=c, text=text)
    assert _errors(raised.value.check) == [
        (3, "no_name"),
        (4, "no_email"),
        (5, "bad_email"),
        (6, "dup_email"),
        (7, "dup_id"),
        (9, "bad_id"),
    ]
    assert raised.value.check.errors[3].message.en == "The email ANN@example.edu is also on line 2."
    assert get_user_model().objects.count() == 0
    assert Membership.objects.count() == 0


def test_semicolon_roster_as_excel_writes_it_is_read_with_its_row_errors():
    # Excel's "CSV" in locales whose decimal mark is a comma: semicolons, a BOM, CRLF.
    c = factories.course()
    text = roster_decode(
        "\ufeffname;email;student_id\r\n"
        '"Lee, Ben";ben@example.edu;2024002\r\n'
        "김민지;minji@example.edu;2024001\r\n"
        ";nobody@example.edu;3\r\n"
        "Cat;not-an-email;4\r\n".encode()
    )
    check = roster_check(course=c, text=text)
    assert _errors(check) == [(4, "no_name"), (5, "bad_email")]
    fixed = text.replace(";nobody", "Nobody;nobody").replace("not-an-email", "cat@example.edu")
    check = roster_import(course=c, text=fixed)
    assert [(r.line, r.name, r.email, r.student_id) for r in check.rows] == [
        (2, "Lee, Ben", "ben@example.edu", "2024002"),
        (3, "김민지", "minji@example.edu", "2024001"),
        (4, "Nobody", "nobody@example.edu", "3"),
        (5, "Cat", "cat@example.edu", "4"),
    ]
    assert Membership.objects.filter(course=c, role="student").count() == 4


def test_tab_separated_roster_is_read():
    c = factories.course()
    text = "이름\t이메일\t학번\n김민지\tminji@example.edu\t2024001\nBen, Lee\tben@example.edu\t\n"
    check = roster_check(course=c, text=text)
    assert check.errors == []
    assert [(r.name, r.email, r.student_id) for r in check.rows] == [
        ("김민지", "minji@example.edu", "2024001"),
        ("Ben, Lee", "ben@example.edu", ""),
    ]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("name,email,student id", ","),
        ("name;email;student id", ";"),
        ("name\temail\tstudent id", "\t"),
        ('"Name; full",email,id', ","),  # a semicolon inside quotes does not count
        ("name", ","),
        ("name;email,id", ","),  # a tie: the comma
    ],
)
def test_roster_delimiter_is_read_from_the_header_line(header, delimiter):
    assert roster_delimiter(header) == delimiter


def test_missing_header_is_one_error_on_line_1():
    check = roster_check(course=factories.course(), text="Ann,ann@example.edu\n")
    assert _errors(check) == [(1, "header")]


def test_existing_accounts_are_enrolled_not_duplicated_and_clashes_refused():
    c = factories.course()
    other = factories.course()
    roster_import(course=other, text=GOOD)
    teacher = factories.user(username="teacher")
    teacher.email = "teacher@example.edu"
    teacher.save()
    membership_create(course=c, user=teacher, role=Membership.Role.INSTRUCTOR)
    bad = (
        "name,email,student id\n"
        "김민지,minji@example.edu,2024999\n"
        "Someone,someone@example.edu,2024002\n"
        "Teacher,teacher@example.edu,\n"
    )
    assert _errors(roster_check(course=c, text=bad)) == [
        (2, "id_differs"),
        (3, "id_taken"),
        (4, "is_staff"),
    ]
    check = roster_import(course=c, text=GOOD)
    assert [r.status for r in check.rows] == ["existing", "existing"]
    assert get_user_model().objects.filter(email__endswith="@example.edu").count() == 3
    again = roster_import(course=c, text=GOOD)
    assert [r.status for r in again.rows] == ["enrolled", "enrolled"]


def test_join_code_enrols_a_logged_in_user_and_a_new_code_retires_the_old():
    c = factories.course()
    old = course_join_code_regenerate(course=c)
    assert len(old) == 8
    u = factories.user()
    assert course_join(user=u, code=old.lower()).role == "student"
    new = course_join_code_regenerate(course=c)
    assert new != old
    with pytest.raises(JoinRefused):
        course_join(user=factories.user(), code=old)
    with pytest.raises(JoinRefused):
        course_join(user=factories.user(), code="")


def test_join_keeps_a_staff_role():
    c = factories.course()
    code = course_join_code_regenerate(course=c)
    ta = factories.user()
    membership_create(course=c, user=ta, role=Membership.Role.TA)
    assert course_join(user=ta, code=code).role == "ta"


# ------------------------------------------------------------------------------------ views


@pytest.fixture
def people():
    c = factories.course()
    instructor = factories.user(username="prof")
    membership_create(course=c, user=instructor, role=Membership.Role.INSTRUCTOR)
    ta = factories.user(username="ta")
    membership_create(course=c, user=ta, role=Membership.Role.TA)
    stranger = factories.user(username="other-prof")
    membership_create(course=factories.course(), user=stranger, role=Membership.Role.INSTRUCTOR)
    student = factories.student(in_course=c, username="stud")
    return {
        "course": c,
        "instructor": instructor,
        "ta": ta,
        "stranger": stranger,
        "student": student,
    }


def test_upload_previews_then_imports(client, people):
    c = people["course"]
    client.force_login(people["instructor"])
    url = reverse("courses:course-roster-import", args=[c.pk])
    upload = SimpleUploadedFile("roster.csv", ("\ufeff" + GOOD).encode(), "text/csv")
    body = client.post(url, {"roster": upload}).content.decode()
    assert "2 students are ready to import." in body
    assert "김민지" in body
    assert get_user_model().objects.filter(email="minji@example.edu").count() == 0
    response = client.post(url, {"text": GOOD})
    assert response.status_code == 302
    assert Membership.objects.filter(course=c, user__email="ben@example.edu").exists()
    links = client.get(reverse("courses:course-signin-links", args=[c.pk])).content.decode()
    lines = links.lstrip("\ufeff").splitlines()
    assert lines[0] == "name,email,login (email or student id),set password link"
    assert [line.split(",")[1] for line in lines[1:]] == ["ben@example.edu", "minji@example.edu"]
    reset = lines[1].split(",")[3].replace("http://testserver", "")
    client.logout()
    form = client.get(reset, follow=True)
    assert b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-9981", "new_password2": "a-long-pass-9981"},
    )
    assert done.status_code == 302
    assert client.login(
        request=HttpRequest(), username="ben@example.edu", password="a-long-pass-9981"
    )


def test_counts_on_the_roster_page_use_singular_and_plural(client, people):
    c = people["course"]
    client.force_login(people["instructor"])
    url = reverse("courses:course-roster-import", args=[c.pk])
    one = "name,email\nAnn,ann@example.edu\n"
    upload = SimpleUploadedFile("roster.csv", one.encode(), "text/csv")
    body = client.post(url, {"roster": upload}).content.decode()
    assert "1 student is ready to import." in body
    assert "1 students" not in body
    page = client.post(url, {"text": one}, follow=True).content.decode()
    assert "Imported 1 student: 1 new account, 0 existing." in page
    two = "name,email\nAnn,ann@example.edu\nBen,ben@example.edu\n"
    page = client.post(url, {"text": two}, follow=True).content.decode()
    assert "Imported 2 students: 1 new account, 1 existing." in page


def test_upload_with_errors_shows_lines_and_imports_nothing(client, people):
    client.force_login(people["instructor"])
    url = reverse("courses:course-roster-import", args=[people["course"].pk])
    bad = SimpleUploadedFile("r.csv", b"name,email,student id\nAnn,,1\n", "text/csv")
    response = client.post(url, {"roster": bad})
    assert response.status_code == 400
    assert "The email is missing." in response.content.decode()
    latin1 = SimpleUploadedFile("r.csv", "name,email\nJosé,j@example.edu\n".encode("latin-1"))
    response = client.post(url, {"roster": latin1})
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert get_user_model().objects.filter(username__contains="@").count() == 0


def test_join_code_page_and_join_view(client, people):
    c = people["course"]
    client.force_login(people["instructor"])
    client.post(reverse("courses:course-join-code", args=[c.pk]), {"action": "regenerate"})
    c.refresh_from_db()
    page = client.get(reverse("courses:course-people", args=[c.pk])).content.decode()
    assert c.join_code in page
    newcomer = factories.user(username="newcomer")
    client.force_login(newcomer)
    assert client.post(reverse("courses:course-join"), {"code": "nope"}).status_code == 400
    response = client.post(reverse("courses:course-join"), {"code": c.join_code})
    assert response.status_code == 302
    assert Membership.objects.get(course=c, user=newcomer).role == "student"


@pytest.mark.parametrize(
    "who, method, name, expected",
    [
        (None, "get", "course-people", 302),
        ("student", "get", "course-people", 404),
        ("stranger", "get", "course-people", 404),
        ("ta", "get", "course-people", 200),
        ("instructor", "get", "course-people", 200),
        (None, "post", "course-roster-import", 302),
        ("student", "post", "course-roster-import", 404),
        ("stranger", "post", "course-roster-import", 404),
        ("ta", "post", "course-roster-import", 404),
        (None, "post", "course-join-code", 302),
        ("student", "post", "course-join-code", 404),
        ("stranger", "post", "course-join-code", 404),
        ("ta", "post", "course-join-code", 404),
        (None, "get", "course-signin-links", 302),
        ("student", "get", "course-signin-links", 404),
        ("stranger", "get", "course-signin-links", 404),
        ("ta", "get", "course-signin-links", 404),
        ("instructor", "get", "course-signin-links", 200),
    ],
)
def test_people_urls_by_role(client, people, who, method, name, expected):
    if who:
        client.force_login(people[who])
    url = reverse(f"courses:{name}", args=[people["course"].pk])
    response = getattr(client, method)(url, {"text": GOOD} if method == "post" else None)
    assert response.status_code == expected
    if expected == 302 and who is None:
        assert response["Location"].startswith("/accounts/login/")
    assert Membership.objects.filter(user__email="ben@example.edu").count() == 0


def test_join_page_needs_login(client):
    response = client.get(reverse("courses:course-join"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_records_a_student_id_but_cannot_change_who_made_the_account(client):
    c = factories.course()
    roster_import(course=c, text="name,email\nAnn,ann@example.edu\n")
    profile = StudentProfile.objects.get(user__email="ann@example.edu")
    admin = get_user_model().objects.create_superuser("root", "root@example.edu", "pw-9981-x")
    client.force_login(admin)
    url = reverse("admin:courses_studentprofile_change", args=[profile.pk])
    other = factories.course()
    response = client.post(
        url, {"user": profile.user_id, "student_id": "2024777", "created_by_course": other.pk}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.student_id, profile.created_by_course) == ("2024777", c)


def test_the_row_errors_column_is_named_for_what_is_wrong_in_korean(client, people):
    client.force_login(people["instructor"])
    url = reverse("courses:course-roster-import", args=[people["course"].pk])
    bad = SimpleUploadedFile("r.csv", b"name,email,student id\nAnn,,1\n", "text/csv")
    body = client.post(url, {"roster": bad}, headers={"Accept-Language": "ko"}).content.decode()
    assert '<th scope="col">줄</th><th scope="col">오류</th>' in body


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("A\x00B,nul@example.edu,4004", "The name contains a character that cannot be typed"),
        ("\x1b[31mRed,esc@example.edu,4005", "The name contains a character that cannot be"),
        ("Ann\u202eeno,bidi@example.edu,4006", "The name contains a character that cannot be"),
        (f"Ann,{'a' * 140}@example.edu,4007", "The email is longer than 150 characters."),
        ("Ann,ok@example.edu,40\x0008", "The student id contains a character that cannot be"),
        ("Ann,ok2@example.edu,40\u202e80", "The student id contains a character that cannot be"),
    ],
)
def test_a_row_that_would_not_import_as_shown_is_an_error_of_the_check(people, row, says):
    """NUL, escape codes and bidirectional overrides in a name (shown as another text in the
    people list and the sign-in links, or refused at the import after a clean preview), and
    an email longer than a login (which passed the check and failed on PostgreSQL)."""
    check = roster_check(course=people["course"], text=f"name,email,student id\n{row}\n")
    assert [e.line for e in check.errors] == [2]
    assert says in check.errors[0].message.en
    if "\u202e" in row:  # named as what it is, not as a control character
        assert "or a direction override" in check.errors[0].message.en
        assert "방향 전환 문자" in check.errors[0].message.ko
    with pytest.raises(RosterInvalid):
        roster_import(course=people["course"], text=f"name,email,student id\n{row}\n")


def test_a_confirm_that_is_not_the_checked_text_says_nothing_was_imported(client, people):
    client.force_login(people["instructor"])
    url = reverse("courses:course-roster-import", args=[people["course"].pk])
    page = client.post(url, {"text": "name,email\nA\x00B,a@example.edu\n"}, follow=True)
    assert "Nothing was imported: check the roster again, then import it." in page.content.decode()


@pytest.mark.parametrize(("typed", "says"), [("   ", "This field is required."),
                                            ("x" * 41, "at most 40 characters")])  # fmt: skip
def test_a_join_code_the_form_refuses_says_why(client, people, typed, says):
    """Spaces only (the browser's required check lets them through) or an over-long code: the
    page answered 200 with no word; its box even pointed at an error element it lacked."""
    client.force_login(people["student"])
    response = client.post(reverse("courses:course-join"), {"code": typed})
    body = response.content.decode()
    assert response.status_code == 400 and says in body
    assert 'id="id_code_error"' in body


def test_course_codes_are_unique_ignoring_case_and_zones_are_places(client):
    """CALC next to calc named the same files on a disk that ignores case; "localtime" (the
    server's zone) and "Factory" (a placeholder) were offered as zones."""
    from exercises.courses.forms import CourseForm

    factories.course(code="calc-partials")
    data = {"title_en": "C", "title_ko": "C", "time_zone": "Asia/Seoul"}
    form = CourseForm({**data, "code": "CALC-Partials"})
    assert not form.is_valid() and form.errors["code"] == ["Another course already has this code."]
    zones = [value for value, _ in CourseForm().fields["time_zone"].choices]
    assert "Asia/Seoul" in zones and "localtime" not in zones and "Factory" not in zones
    assert not CourseForm({**data, "code": "new-one", "time_zone": "localtime"}).is_valid()
