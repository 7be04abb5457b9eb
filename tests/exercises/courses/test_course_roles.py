"""Roles that match practice (issue #16 item 4; README "Roles"): courses made and kept on the
site by instructors, TAs who grade but do not change what students are asked once they have
started, sets hidden until released, retiring an opened problem, and dates in the course's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from exercises.authoring.models import ProblemSet
from exercises.authoring.services.problem_sets import ItemRefused, problem_set_item_remove
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import membership_create, user_create
from tests import factories

pytestmark = pytest.mark.django_db

COURSE = {
    "title_en": "Calculus",
    "title_ko": "미적분",
    "code": "calc-2026",
    "time_zone": "Asia/Seoul",
}


def _staff(course: Course, role: str):
    member = factories.user()
    membership_create(course=course, user=member, role=role)
    return member


def test_an_instructor_creates_a_course_and_becomes_its_instructor(client):
    client.force_login(_staff(factories.course(), Membership.Role.INSTRUCTOR))
    response = client.post(reverse("courses:course-create"), COURSE)
    course = Course.objects.get(code="calc-2026")
    assert response.status_code == 302
    assert (course.title_ko, course.time_zone) == ("미적분", "Asia/Seoul")
    assert course.memberships.get().role == "instructor"


def test_a_staff_user_may_create_a_course_a_ta_or_student_may_not(client):
    client.force_login(user_create(username="staffer", password="x" * 12, is_staff=True))
    assert client.get(reverse("courses:course-create")).status_code == 200
    course = factories.course()
    for member in (_staff(course, "ta"), factories.student(in_course=course)):
        client.force_login(member)
        assert client.post(reverse("courses:course-create"), COURSE).status_code == 404
    assert not Course.objects.filter(code="calc-2026").exists()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code": "course-taken"}, "Another course already has this code."),
        ({"code": "no spaces!"}, "Enter a valid"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"title_en": "x" * 500}, "Ensure this value has at most 200 characters"),
        ({"title_ko": ""}, "This field is required."),
    ],
)
def test_a_bad_course_form_is_refused_with_the_reason(client, change, error):
    factories.course(code="course-taken")
    client.force_login(_staff(factories.course(), "instructor"))
    response = client.post(reverse("courses:course-create"), {**COURSE, **change})
    assert response.status_code == 400
    assert error in response.content.decode()


def test_course_settings_change_title_code_and_zone_for_instructors_only(client):
    course = factories.course()
    client.force_login(_staff(course, "ta"))
    url = reverse("courses:course-settings", kwargs={"pk": course.pk})
    assert client.post(url, COURSE).status_code == 404
    client.force_login(_staff(course, "instructor"))
    assert client.post(url, {**COURSE, "time_zone": "Europe/Berlin"}).status_code == 302
    course.refresh_from_db()
    assert (course.code, course.time_zone) == ("calc-2026", "Europe/Berlin")


@pytest.mark.parametrize("page", ["create", "settings"])
@pytest.mark.parametrize("meanwhile", ["before the form's own check", "before the save"])
def test_a_code_taken_by_another_request_meanwhile_is_refused_on_the_form(
    client, monkeypatch, page, meanwhile
):
    """Two requests at once: each found the code free, then both saved. The second is refused
    with the reason on the page (by the form's constraint check, or by the database at the save),
    not a 500 and not a second course with the code."""
    from exercises.courses import views
    from exercises.courses.forms import CourseForm

    course = factories.course()
    client.force_login(_staff(course, "instructor"))

    def other_request(real):
        def run(*args, **kwargs):
            value = real(*args, **kwargs)
            factories.course(code="CALC-2026")  # the other request's course, saved meanwhile
            return value

        return run

    if meanwhile == "before the form's own check":
        monkeypatch.setattr(CourseForm, "clean_code", other_request(CourseForm.clean_code))
    else:
        name = "course_create" if page == "create" else "course_update"
        real = getattr(views, name)

        def save_after_the_other(*args, **kwargs):
            factories.course(code="CALC-2026")
            return real(*args, **kwargs)

        monkeypatch.setattr(views, name, save_after_the_other)
    if page == "create":
        url = reverse("courses:course-create")
    else:
        url = reverse("courses:course-settings", kwargs={"pk": course.pk})
    response = client.post(url, COURSE)
    assert response.status_code == 400
    assert "Another course already has this code." in response.content.decode()
    assert Course.objects.filter(code__iexact="calc-2026").count() == 1


def test_a_course_code_differing_only_in_case_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    factories.course(code="calc")
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(code="CALC", title_en="C", title_ko="C")


def test_a_new_set_is_hidden_and_a_ta_cannot_release_it(client):
    course = factories.course()
    ta = _staff(course, "ta")
    client.force_login(ta)
    data = {"course": course.pk, "title_en": "W1", "title_ko": "1주", "due_at": "2030-03-09T23:59"}
    data["position"] = 0
    client.post(reverse("authoring:set-create", kwargs={"pk": course.pk}), data)
    problem_set = ProblemSet.objects.get(title_en="W1")
    assert problem_set.hidden is True
    # the TA clears the box: ignored (the field is disabled for them); the title still changes
    url = reverse("authoring:set-edit", kwargs={"pk": problem_set.pk})
    client.post(url, {**data, "title_en": "Week 1"})
    problem_set.refresh_from_db()
    assert (problem_set.title_en, problem_set.hidden) == ("Week 1", True)
    client.force_login(_staff(course, "instructor"))
    client.post(url, {**data, "title_en": "Week 1"})
    problem_set.refresh_from_db()
    assert problem_set.hidden is False
    # the due date was typed in the course's zone (Seoul, UTC+9)
    assert problem_set.due_at == datetime(2030, 3, 9, 14, 59, tzinfo=UTC)


def test_a_ta_cannot_move_the_deadline_of_a_started_set_but_can_regrade(client):
    course = factories.course()
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    factories.instance(for_item=item, for_student=factories.student(in_course=course))
    client.force_login(_staff(course, "ta"))
    due = problem_set.due_at
    data = {"course": course.pk, "title_en": "T", "title_ko": "T", "due_at": "2031-01-01T00:00"}
    data["position"] = 0
    response = client.post(reverse("authoring:set-edit", kwargs={"pk": problem_set.pk}), data)
    assert response.status_code == 403
    assert "only an instructor can change it now" in response.content.decode()
    problem_set.refresh_from_db()
    assert problem_set.due_at == due
    response = client.post(reverse("gradebook:item-regrade", kwargs={"pk": item.pk}))
    assert response.status_code == 302
    assert item.regrade_jobs.count() == 1


def test_an_opened_problem_is_retired_instead_of_removed(client):
    course = factories.course()
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    opener, other = (factories.student(in_course=course) for _ in range(2))
    factories.instance(for_item=item, for_student=opener)
    with pytest.raises(ItemRefused) as refused:
        problem_set_item_remove(item=item)
    assert "retire it instead" in str(refused.value)
    assert "사용 중지하세요" in refused.value.text("ko")
    client.force_login(_staff(course, "instructor"))
    page = client.get(reverse("authoring:set-edit", kwargs={"pk": problem_set.pk})).content
    assert b'value="retire"' in page and b'value="remove"' not in page
    client.post(reverse("authoring:item-change", kwargs={"pk": item.pk}), {"action": "retire"})
    item.refresh_from_db()
    assert item.retired is True
    set_url = reverse("practice:problem-set-detail", kwargs={"pk": problem_set.pk})
    open_url = reverse("practice:item-open", kwargs={"pk": item.pk})
    client.force_login(opener)
    assert open_url in client.get(set_url).content.decode()
    client.force_login(other)
    assert open_url not in client.get(set_url).content.decode()
    assert client.get(open_url).status_code == 404


def test_the_instructor_dashboard_lists_courses_not_their_own_progress(client):
    course = factories.course()
    factories.item(in_set=factories.problem_set(in_course=course))
    client.force_login(_staff(course, "instructor"))
    page = client.get(reverse("practice:dashboard")).content.decode()
    assert "Your courses" in page and "Your problem sets" not in page
    assert "solved" not in page
    assert reverse("courses:course-settings", kwargs={"pk": course.pk}) in page


def test_a_student_sees_due_dates_with_the_course_zone(client):
    course = factories.course()
    problem_set = factories.problem_set(in_course=course)
    factories.item(in_set=problem_set)
    client.force_login(factories.student(in_course=course))
    due = problem_set.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul"))
    page = client.get(reverse("practice:dashboard")).content.decode()
    assert f"{due:%Y-%m-%d %H:%M} KST" in page


class _Controls(HTMLParser):
    """The page's form controls, each with whether a disabled fieldset holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth: list[bool] = []  # the open fieldsets: disabled or not
        self.controls: list[tuple[str, str, bool]] = []  # (tag, name or id, disabled)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "fieldset":
            self.depth.append("disabled" in found)
        elif tag in ("input", "select", "textarea", "button") and found.get("type") != "hidden":
            label = found.get("name") or found.get("id") or found.get("value") or ""
            self.controls.append((tag, label, any(self.depth) or "disabled" in found))

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.depth.pop()


def test_a_ta_reads_a_started_set_with_its_controls_disabled(client):
    """The set's fields, each problem's row (save, move, remove) and the add form answer a TA
    403 once students have started the set: the page shows them disabled, not live."""
    course = factories.course()
    problem_set = factories.problem_set(in_course=course)
    item = factories.item(in_set=problem_set)
    factories.instance(for_item=item, for_student=factories.student(in_course=course))
    url = reverse("authoring:set-edit", kwargs={"pk": problem_set.pk})

    client.force_login(_staff(course, "ta"))
    page = client.get(url).content.decode()
    assert 'data-status="ta-read-only"' in page and 'id="add-item"' not in page
    main = page.split('<main id="main"', 1)[1].split('id="dup-heading"', 1)[0]
    parsed = _Controls()
    parsed.feed(main)
    assert len(parsed.controls) > 10  # the set's fields and the row's inputs and buttons
    assert [c for c in parsed.controls if not c[2]] == []

    client.force_login(_staff(course, "instructor"))
    page = client.get(url).content.decode()
    assert 'data-status="ta-read-only"' not in page and 'id="add-item"' in page
    parsed = _Controls()
    parsed.feed(page.split('<main id="main"', 1)[1])
    assert not any(c[2] for c in parsed.controls if c[1] != "hidden")  # "hidden": a TA's only


def test_the_migration_names_codes_that_differ_only_in_case_before_it_adds_the_constraint():
    """Codes saved before the constraint (two requests at once) stop the migration with the
    codes to change, instead of the database's failed index."""
    import importlib
    from types import SimpleNamespace
    from unittest import mock

    migration = importlib.import_module(
        "exercises.courses.migrations.0007_course_code_unique_ignoring_case"
    )
    model = mock.Mock()
    model.objects.using.return_value.values_list.return_value = ["calc", "Stats", "CALC", "x"]
    apps = SimpleNamespace(get_model=lambda *_: model)
    editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
    with pytest.raises(RuntimeError, match="CALC, calc. Change one of each"):
        migration.refuse_codes_equal_ignoring_case(apps, editor)
    model.objects.using.return_value.values_list.return_value = ["calc", "stats"]
    migration.refuse_codes_equal_ignoring_case(apps, editor)  # nothing to say: it goes on


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_clashing_codes_and_runs_once_they_are_renamed():
    """The real migration, on a database whose courses were saved before it: it stops with
    the codes (not the index's error) and runs once one of them is renamed as it says."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("courses", "0006_invitation")]
    migration = [("courses", "0007_course_code_unique_ignoring_case")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        old_course = old.get_model("courses", "Course")
        old_course.objects.create(code="calc", title_en="A", title_ko="A")
        old_course.objects.create(code="CALC", title_en="B", title_ko="B")
        with pytest.raises(RuntimeError, match=r"CALC, calc\. Change one of each"):
            MigrationExecutor(connection).migrate(migration)
        old_course.objects.filter(code="CALC").update(code="calc-2")  # as the message says
        MigrationExecutor(connection).migrate(migration)
        assert sorted(Course.objects.values_list("code", flat=True)) == ["calc", "calc-2"]
    finally:
        MigrationExecutor(connection).migrate(latest)
