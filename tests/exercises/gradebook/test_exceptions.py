"""Per-student extensions, excused problems and score overrides: the services' rules, the
submit enforcing a student's own terms, scores read with overrides everywhere, the staff pages
and who may use them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.errors import Refused
from exercises.authoring.models import (
    ScoreOverride,
    ScoreOverrideEvent,
    StudentException,
    StudentSetException,
)
from exercises.authoring.terms import student_terms
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from exercises.gradebook.selectors import export_scores, gradebook_rows
from exercises.gradebook.services import (
    Grant,
    regrade_job_create,
    score_override_set,
    student_exception_set,
)
from exercises.practice.services import SubmissionRejected, refusal, submission_create
from tests import factories

pytestmark = pytest.mark.django_db

RIGHT = "3x^2 + y"


@pytest.fixture
def klass():
    course = factories.course()
    instructor, ta = factories.user(), factories.user()
    membership_create(course=course, user=instructor, role=Membership.Role.INSTRUCTOR)
    membership_create(course=course, user=ta, role=Membership.Role.TA)
    other = factories.course()
    other_instructor = factories.user()
    membership_create(course=other, user=other_instructor, role=Membership.Role.INSTRUCTOR)
    problem_set = factories.problem_set(in_course=course)
    past_due = timezone.now() - timedelta(hours=1)
    item = factories.item(in_set=problem_set, due_at=past_due, max_attempts=1)
    second = factories.item(in_set=problem_set, points=Decimal("3"))
    return {
        "course": course,
        "set": problem_set,
        "item": item,
        "second": second,
        "instructor": instructor,
        "ta": ta,
        "other_instructor": other_instructor,
        "ann": factories.student(in_course=course, username="ann"),
        "ben": factories.student(in_course=course, username="ben"),
        "outsider": factories.student(in_course=other, username="outsider"),
    }


def _submit(instance, answer):
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        return submission_create(instance=instance, answer=answer)


# -------------------------------------------------------------------- the submit's rule


def test_an_extension_lets_one_student_submit_after_the_due_date_another_cannot(klass):
    later = timezone.now() + timedelta(days=2)
    student_exception_set(
        items=[klass["item"]],
        student=klass["ann"],
        grant=Grant(granted_by=klass["ta"], due_at=later),
    )
    ann = factories.instance(for_item=klass["item"], for_student=klass["ann"])
    ben = factories.instance(for_item=klass["item"], for_student=klass["ben"])
    stored = _submit(ann, "3x^2")
    assert stored.attempt == 1 and stored.late is False  # on time under her own due date
    with pytest.raises(SubmissionRejected) as refused:
        _submit(ben, RIGHT)
    assert refused.value.reason == refusal("closed")
    assert ben.submissions.count() == 0


def test_more_attempts_for_one_student(klass):
    open_item = klass["second"]  # due in a week, 3 attempts
    student_exception_set(
        items=[open_item], student=klass["ann"], grant=Grant(granted_by=klass["ta"], max_attempts=4)
    )
    ann = factories.instance(for_item=open_item, for_student=klass["ann"])
    ben = factories.instance(for_item=open_item, for_student=klass["ben"])
    for _ in range(4):
        factories.graded(ann, "3x^2")
    for _ in range(3):
        factories.graded(ben, "3x^2")
    with pytest.raises(SubmissionRejected) as refused:
        _submit(ben, RIGHT)
    assert refused.value.reason == refusal("no_attempts")
    with pytest.raises(SubmissionRejected):
        _submit(ann, RIGHT)  # her fifth: over her own limit too


def test_the_student_sees_their_terms_on_the_set_and_problem_pages(client, klass):
    later = timezone.now() + timedelta(days=2)
    student_exception_set(
        items=[klass["item"]],
        student=klass["ann"],
        grant=Grant(granted_by=klass["ta"], due_at=later, max_attempts=2),
    )
    student_exception_set(
        items=[klass["second"]],
        student=klass["ann"],
        grant=Grant(granted_by=klass["ta"], excused=True),
    )
    client.force_login(klass["ann"])
    body = client.get(reverse("practice:problem-set-detail", args=[klass["set"].pk])).content
    body = body.decode()
    assert 'data-state="extended"' in body and "2 attempts" in body
    assert 'data-state="excused"' in body
    assert "attempts 0/2" in body
    assert "Score 0.00 / 2.00" in body  # the excused 3 points are out of her total
    instance = factories.instance(for_item=klass["item"], for_student=klass["ann"])
    page = client.get(reverse("practice:problem-detail", args=[instance.pk])).content.decode()
    assert timezone.localtime(later).strftime("%Y-%m-%d %H:%M") in page
    assert 'id="submit-button" >' in page  # open to her, past the item's own due date


# -------------------------------------------------------------------- services refuse


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Give a due date"),
        ({"max_attempts": 0}, "from 1 to 100"),
        ({"max_attempts": -3}, "from 1 to 100"),
        ({"max_attempts": 101}, "from 1 to 100"),
        ({"due_at": 3, "late_until": 1}, "must not end before"),
    ],
)
def test_exceptions_refuse_bad_values_and_change_nothing(klass, values, message):
    now = timezone.now()
    values = {k: now + timedelta(days=v) if k != "max_attempts" else v for k, v in values.items()}
    with pytest.raises(Refused) as refused:
        student_exception_set(
            items=[klass["item"]],
            student=klass["ann"],
            grant=Grant(granted_by=klass["ta"], **values),
        )
    assert message in str(refused.value)
    assert not StudentException.objects.exists()


def test_no_exception_or_override_for_someone_not_a_student_of_the_course(klass):
    for person in (klass["outsider"], klass["ta"]):
        with pytest.raises(Refused, match="not a student of the course"):
            student_exception_set(
                items=[klass["item"]],
                student=person,
                grant=Grant(granted_by=klass["ta"], excused=True),
            )
        with pytest.raises(Refused, match="not a student of the course"):
            score_override_set(
                item=klass["item"], student=person, score=Decimal("1"), reason="x", by=klass["ta"]
            )
    assert not StudentException.objects.exists() and not ScoreOverride.objects.exists()


@pytest.mark.parametrize(
    ("score", "reason", "message"),
    [
        (Decimal("2.01"), "ok", "from 0 to 2, the problem's points."),
        (Decimal("-1"), "ok", "from 0 to 2, the problem's points."),
        (Decimal("1.005"), "ok", "from 0 to 2, the problem's points."),
        (Decimal("NaN"), "ok", "from 0 to 2, the problem's points."),
        (Decimal("1"), "   ", "Give a reason"),
        (Decimal("1"), "x" * 501, "longer than 500"),
        (Decimal("1"), "bad\x00reason", "cannot be typed"),
        (Decimal("1"), "looks \u202eright", "cannot be typed"),  # a bidirectional override
        (None, "nothing to remove", "no override to remove"),
    ],
)
def test_overrides_refuse_bad_values_and_change_nothing(klass, score, reason, message):
    with pytest.raises(Refused) as refused:
        score_override_set(
            item=klass["item"], student=klass["ann"], score=score, reason=reason, by=klass["ta"]
        )
    assert message in str(refused.value)
    assert not ScoreOverride.objects.exists() and not ScoreOverrideEvent.objects.exists()


def test_a_reason_of_several_lines_is_taken_as_a_browser_sends_it(klass):
    """A text box's line breaks arrive as CR LF: a reason of two lines was refused as holding
    "a character that cannot be typed" (CR is a control character)."""
    reason = "Oral exam on 12-03\r\nsee the notes"
    kept = score_override_set(
        item=klass["item"], student=klass["ann"], score=Decimal("1"), reason=reason, by=klass["ta"]
    )
    assert kept.reason == reason


def test_an_override_is_kept_in_the_audit_trail_and_read_everywhere(klass):
    open_item = klass["second"]
    ann = factories.instance(for_item=open_item, for_student=klass["ann"])
    factories.graded(ann, "3x^2")  # wrong: 0.00 of 3
    first = score_override_set(
        item=open_item, student=klass["ann"], score=Decimal("2.5"), reason="oral", by=klass["ta"]
    )
    assert (first.old_score, first.new_score, first.by, first.reason) == (
        Decimal("0.00"),
        Decimal("2.5"),
        klass["ta"],
        "oral",
    )
    book = gradebook_rows(course=klass["course"])
    ann_row = next(r for r in book.rows if r.student == klass["ann"])
    assert ann_row.cells[1].score == Decimal("2.50") and ann_row.cells[1].overridden
    export = export_scores(course=klass["course"])
    assert export.scores[(str(klass["ann"].pk), str(klass["set"].pk))] == Decimal("2.50")
    removed = score_override_set(
        item=open_item, student=klass["ann"], score=None, reason="mistake", by=klass["instructor"]
    )
    assert (removed.old_score, removed.new_score, removed.removed) == (
        Decimal("2.50"),
        Decimal("0.00"),
        True,
    )
    assert not ScoreOverride.objects.exists()
    assert ScoreOverrideEvent.objects.count() == 2


def test_excused_problems_leave_the_totals_and_scale_in_files(klass):
    ann = factories.instance(for_item=klass["second"], for_student=klass["ann"])
    factories.graded(ann, RIGHT)  # 3 of 3
    student_exception_set(
        items=[klass["item"]],
        student=klass["ann"],
        grant=Grant(granted_by=klass["ta"], excused=True),
    )
    row = next(r for r in gradebook_rows(course=klass["course"]).rows if r.student == klass["ann"])
    assert (row.total, row.max_total) == (Decimal("3.00"), Decimal("3"))
    assert row.cells[0].excused
    # the file's column is out of 5: all of her 3 points left is 5.00
    export = export_scores(course=klass["course"])
    assert export.scores[(str(klass["ann"].pk), str(klass["set"].pk))] == Decimal("5.00")


def test_an_override_puts_the_new_score_in_the_lti_outbox_and_sends_it(
    klass, django_capture_on_commit_callbacks
):
    with (
        mock.patch("exercises.gradebook.services.passback_record", return_value=[41]) as record,
        mock.patch("exercises.gradebook.services.passback_enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        score_override_set(
            item=klass["item"], student=klass["ann"], score=Decimal("1"), reason="r", by=klass["ta"]
        )
    record.assert_called_once_with(student_id=klass["ann"].pk, set_id=klass["set"].pk)
    enqueue.assert_called_once_with([41])


# ------------------------------------------------------------------------- the pages


def _urls(klass, student=None, item=None):
    course, student = klass["course"].pk, (student or klass["ann"]).pk
    item = (item or klass["item"]).pk
    return {
        "detail": reverse("gradebook:course-gradebook-student", args=[course, student]),
        "exception": reverse("gradebook:student-exception", args=[course, student, item]),
        "override": reverse("gradebook:student-override", args=[course, student, item]),
        "csv": reverse("gradebook:course-submissions-csv", args=[course]),
        "log": reverse("gradebook:course-overrides", args=[course]),
    }


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("instructor", True), ("ta", True), ("ann", False), ("other_instructor", False)],
)
def test_permissions(client, klass, actor, allowed):
    client.force_login(klass[actor])
    urls = _urls(klass)
    for name in ("detail", "csv", "log"):
        assert client.get(urls[name]).status_code == (200 if allowed else 404), name
    response = client.post(urls["exception"], {"action": "save", "max_attempts": "5"})
    assert response.status_code == (302 if allowed else 404)
    response = client.post(urls["override"], {"action": "save", "score": "1", "reason": "r"})
    assert response.status_code == (302 if allowed else 404)
    assert StudentException.objects.exists() is allowed
    assert ScoreOverride.objects.exists() is allowed


def test_hostile_ids_are_not_found(client, klass):
    client.force_login(klass["instructor"])
    other_item = factories.item(in_set=factories.problem_set(in_course=factories.course()))
    for urls in (
        _urls(klass, student=klass["outsider"]),  # another course's student
        _urls(klass, student=klass["ta"]),  # staff are not students
        _urls(klass, item=other_item),  # another course's item
    ):
        assert (
            client.post(urls["exception"], {"action": "save", "excused": "on"}).status_code == 404
        )
        response = client.post(urls["override"], {"action": "save", "score": "1", "reason": "r"})
        assert response.status_code == 404
    assert client.get(_urls(klass, student=klass["outsider"])["detail"]).status_code == 404
    assert not StudentException.objects.exists() and not ScoreOverride.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "save", "score": "9", "reason": "r"}, "from 0 to 2, the problem&#x27;s"),
        ({"action": "save", "score": "-1", "reason": "r"}, "greater than or equal to 0"),
        ({"action": "save", "score": "1e400", "reason": "r"}, "Ensure that there are no more"),
        ({"action": "save", "score": "abc", "reason": "r"}, "Enter a number"),
        ({"action": "save", "score": "1", "reason": "x" * 5000}, "at most 500 characters"),
        ({"action": "save", "score": "1", "reason": ""}, "This field is required"),
        ({"action": "save", "score": "", "reason": "r"}, "Give the score"),
        ({"action": "remove", "reason": "r"}, "no override to remove"),
        ({"action": "drop tables", "score": "1", "reason": "r"}, "Select a valid choice"),
    ],
)
def test_override_form_errors_are_shown_never_a_500(client, klass, form, message):
    client.force_login(klass["ta"])
    response = client.post(_urls(klass)["override"], form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScoreOverride.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "save", "max_attempts": "-2"}, "greater than or equal to 1"),
        ({"action": "save", "max_attempts": "1000"}, "less than or equal to 100"),
        ({"action": "save", "due_at": "99999-01-01T00:00"}, "Enter a valid date/time"),
        (
            {"action": "save", "due_at": "2030-01-02T00:00", "late_until": "2030-01-01T00:00"},
            "must not end before the due date",
        ),
        ({"action": "save"}, "Give a due date"),
    ],
)
def test_exception_form_errors_are_shown_never_a_500(client, klass, form, message):
    client.force_login(klass["ta"])
    response = client.post(_urls(klass)["exception"], form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StudentException.objects.exists()


def test_whole_set_extension_and_clear(client, klass):
    client.force_login(klass["ta"])
    urls = _urls(klass)
    client.post(urls["exception"], {"action": "save", "excused": "on"})  # the item's own
    response = client.post(
        urls["exception"], {"action": "save", "max_attempts": "7", "whole_set": "on"}
    )
    assert response.status_code == 302
    # one exception for the set, which replaces the item's own
    assert list(
        StudentSetException.objects.values_list("problem_set_id", "student_id", "max_attempts")
    ) == [(klass["set"].pk, klass["ann"].pk, 7)]
    assert not StudentException.objects.exists()
    later = factories.item(in_set=klass["set"])  # added after the extension
    for item in (klass["item"], klass["second"], later):
        assert student_terms(item=item, student_id=klass["ann"].pk).max_attempts == 7
        assert student_terms(item=item, student_id=klass["ben"].pk).max_attempts != 7
    body = client.get(urls["detail"]).content.decode()
    assert 'data-state="set-exception"' in body and "attempts: 7" in body
    client.post(urls["exception"], {"action": "clear", "whole_set": "on"})
    assert not StudentException.objects.exists()
    assert not StudentSetException.objects.exists()


def test_a_whole_set_extension_covers_a_problem_added_later_through_the_submit(client, klass):
    """Ann's whole-set extension moves her due date past the set's; a problem added to the set
    afterwards, already past due for everyone else, takes her answer and refuses Ben's."""
    past = timezone.now() - timedelta(hours=2)
    klass["set"].due_at = past
    klass["set"].save()
    client.force_login(klass["ta"])
    later_due = timezone.now() + timedelta(days=3)
    response = client.post(
        _urls(klass)["exception"],
        {
            "action": "save",
            "due_at": timezone.localtime(later_due).strftime("%Y-%m-%dT%H:%M"),
            "whole_set": "on",
        },
    )
    assert response.status_code == 302
    added = factories.item(in_set=klass["set"])  # due with the set: past
    ann = factories.instance(for_item=added, for_student=klass["ann"])
    ben = factories.instance(for_item=added, for_student=klass["ben"])
    client.force_login(klass["ann"])
    page = client.get(reverse("practice:problem-detail", args=[ann.pk])).content.decode()
    assert 'id="submit-button" >' in page
    assert _submit(ann, RIGHT).attempt == 1
    with pytest.raises(SubmissionRejected) as refused:
        _submit(ben, RIGHT)
    assert refused.value.reason == refusal("closed")


def test_a_whole_set_excuse_covers_a_problem_added_later_in_the_totals(klass):
    from exercises.gradebook.services import student_set_exception_set

    student_set_exception_set(
        problem_set=klass["set"],
        student=klass["ann"],
        grant=Grant(granted_by=klass["ta"], excused=True),
    )
    added = factories.item(in_set=klass["set"])
    row = next(r for r in gradebook_rows(course=klass["course"]).rows if r.student == klass["ann"])
    assert all(cell.excused for cell in row.cells)
    assert row.cells[-1].item == added
    assert row.max_total == Decimal("0")
    ann = factories.instance(for_item=added, for_student=klass["ann"])
    with pytest.raises(SubmissionRejected) as refused:
        _submit(ann, RIGHT)
    assert refused.value.reason == refusal("excused")


def test_the_drill_down_shows_each_answer_typed_read_verdict_mistake_score_time(client, klass):
    ann = factories.instance(for_item=klass["second"], for_student=klass["ann"])
    factories.graded(ann, "3x^2")
    factories.graded(ann, "x - 1")
    client.force_login(klass["ta"])
    body = client.get(_urls(klass)["detail"]).content.decode()
    assert "<td>You differentiated with respect to y instead of x.</td>" in body
    assert "<code>3x^2</code>" in body
    assert 'data-latex="3 \\cdot {x}^{2}"' in body  # as the engine read it
    assert 'class="status incorrect"' in body
    assert "<td>0.00</td>" in body and '<time datetime="' in body


def test_the_submissions_csv_holds_every_submission_formula_safe(client, klass):
    ann = factories.instance(for_item=klass["second"], for_student=klass["ann"])
    factories.graded(ann, "3x^2")
    klass["ann"].first_name = "=HYPERLINK(1)"
    klass["ann"].save()
    client.force_login(klass["ta"])
    response = client.get(_urls(klass)["csv"])
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    [row] = rows
    assert row["student_name"] == "'=HYPERLINK(1)"
    assert (row["problem"], row["attempt"], row["answer"]) == ("1.2", "1", "3x^2")
    assert (row["verdict"], row["score"], row["points"]) == ("incorrect", "0.00", "3.00")


# ------------------------------------------------------------- an excused problem


def test_an_excused_student_sees_it_and_cannot_submit_through_the_page(client, klass):
    open_item = klass["second"]  # due in a week
    student_exception_set(
        items=[open_item], student=klass["ann"], grant=Grant(granted_by=klass["ta"], excused=True)
    )
    ann = factories.instance(for_item=open_item, for_student=klass["ann"])
    client.force_login(klass["ann"])
    page = client.get(reverse("practice:problem-detail", args=[ann.pk])).content.decode()
    assert 'data-state="excused"' in page
    assert 'id="submit-button" disabled' in page
    assert 'data-can-submit="false"' in page
    url = reverse("practice:submission-create", args=[ann.pk])
    response = client.post(url, {"answer": RIGHT}, headers={"HX-Request": "true"})
    assert response.status_code == 200  # the refusal is shown in the result region
    body = response.content.decode()
    assert "You are excused from this problem" in body
    assert ann.submissions.count() == 0
    with pytest.raises(SubmissionRejected) as refused:
        _submit(ann, RIGHT)
    assert refused.value.reason == refusal("excused")
    assert "면제" in refused.value.reason.ko
    # in Korean too
    client.cookies["django_language"] = "ko"
    response = client.post(
        url, {"answer": RIGHT}, headers={"HX-Request": "true", "Accept-Language": "ko"}
    )
    assert response.status_code == 200 and "면제" in response.content.decode()
    assert ann.submissions.count() == 0
    # ben, not excused, answers the same problem
    ben = factories.instance(for_item=open_item, for_student=klass["ben"])
    assert _submit(ben, RIGHT).attempt == 1


# ------------------------------------------------------------- dates in the course's zone


@pytest.mark.parametrize(("zone", "abbreviations"), [("Asia/Seoul", {"KST"}), ("UTC", {"UTC"})])
def test_staff_pages_show_dates_in_the_courses_zone_with_its_name(
    client, klass, zone, abbreviations
):
    course = klass["course"]
    course.time_zone = zone
    course.save()
    due = klass["set"].due_at
    ann = factories.instance(for_item=klass["second"], for_student=klass["ann"])
    submission = factories.graded(ann, RIGHT)
    score_override_set(
        item=klass["second"], student=klass["ann"], score=Decimal("1"), reason="r", by=klass["ta"]
    )
    with mock.patch("exercises.gradebook.services.regrade_job_run_task"):
        job = regrade_job_create(item=klass["second"], requested_by=klass["ta"])
    client.force_login(klass["instructor"])

    def shown(value):
        local = value.astimezone(ZoneInfo(zone))
        assert local.tzname() in abbreviations
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    urls = _urls(klass)
    gradebook = client.get(reverse("gradebook:course-gradebook", args=[course.pk]))
    assert shown(due) in gradebook.content.decode()
    detail = client.get(urls["detail"]).content.decode()
    assert shown(klass["item"].effective_due_at) in detail
    local = submission.created_at.astimezone(ZoneInfo(zone))
    assert f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}" in detail
    event = ScoreOverrideEvent.objects.get()
    assert shown(event.at) in detail
    assert shown(event.at) in client.get(urls["log"]).content.decode()
    regrade = client.get(reverse("gradebook:regrade-detail", args=[job.pk])).content.decode()
    assert f"Asked for at {shown(job.created_at)}" in regrade
    wrong = client.get(reverse("gradebook:item-wrong-answers", args=[klass["second"].pk]))
    assert shown(job.created_at) in wrong.content.decode()


def test_the_override_log_names_its_problem_column_problem_in_korean(client, klass):
    """ "Problem" is a column of two tables: the problem a score was set on (문제) and, on the
    roster page, what is wrong with a line (오류): one msgid translated one way had the
    override log head its problems' column "error"."""
    score_override_set(
        item=klass["item"], student=klass["ann"], score=Decimal("1"), reason="r", by=klass["ta"]
    )
    client.force_login(klass["instructor"])
    body = client.get(_urls(klass)["log"], headers={"Accept-Language": "ko"}).content.decode()
    assert '<th scope="col">문제</th>' in body
    assert '<th scope="col">오류</th>' not in body


def test_a_score_above_a_one_point_problem_is_refused_in_words_that_fit_one(klass):
    """Not "the problem's 1 points": the number stands alone (points may be 1.5 as well)."""
    one = factories.item(in_set=klass["set"], points=Decimal("1"))
    with pytest.raises(Refused) as refused:
        score_override_set(
            item=one, student=klass["ann"], score=Decimal("5"), reason="r", by=klass["ta"]
        )
    words = "The score must be a number from 0 to 1, the problem's points."
    assert refused.value.text("en") == words
    assert refused.value.text("ko") == "점수는 0부터 이 문제의 배점 1점까지의 수여야 합니다."
