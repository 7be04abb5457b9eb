"""submission_grade: records the engine's verdict once, with the score and the method."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from exercises.practice.services import submission_create
from grading.engine import ENGINE_VERSION, Prepared
from grading.models import Submission
from grading.services import submission_grade
from tests import factories

pytestmark = pytest.mark.django_db


def _queued(answer: str, **item_kwargs) -> Submission:
    inst = factories.toy_instance(**item_kwargs)
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        return submission_create(instance=inst, answer=answer)


def test_correct_answer_gets_full_points():
    sub = submission_grade(submission_id=_queued("3x^2 + y").pk)
    assert (sub.status, sub.equivalent, sub.score) == ("graded", True, Decimal("2.00"))
    assert sub.method in {"structural", "symbolic", "numeric"}
    assert sub.verdict["equivalent"] is True
    assert sub.graded_at is not None


def test_wrong_answer_scores_zero_and_names_the_mistake():
    # x^2 ... treating y as a variable in x^3 + xy - y: d/dx taken as if y were x is not it;
    # the derivative with respect to the wrong variable is x - 1 (that is f_y).
    sub = submission_grade(submission_id=_queued("x - 1").pk)
    assert (sub.status, sub.equivalent, sub.score) == ("graded", False, Decimal("0.00"))
    assert sub.verdict["mistake"] is not None
    assert sub.verdict["mistake"]["en"]
    assert sub.verdict["mistake"]["ko"]


def test_grading_twice_records_one_verdict():
    sub = submission_grade(submission_id=_queued("3x^2 + y").pk)
    first_graded_at, first_verdict = sub.graded_at, sub.verdict
    with mock.patch("grading.services.grade") as engine_grade:
        again = submission_grade(submission_id=sub.pk)
    engine_grade.assert_not_called()
    assert (again.graded_at, again.verdict) == (first_graded_at, first_verdict)
    assert Submission.objects.filter(status="graded").count() == 1


def test_a_submission_left_in_grading_is_graded_again():
    sub = _queued("3x^2 + y")
    Submission.objects.filter(pk=sub.pk).update(status="grading")  # its worker died
    graded = submission_grade(submission_id=sub.pk)
    assert (graded.status, graded.equivalent) == ("graded", True)


def test_an_engine_crash_marks_could_not_grade_and_the_next_answer_is_graded():
    crashing = _queued("3x^2")
    with mock.patch("grading.services.grade", side_effect=RuntimeError("boom")):
        sub = submission_grade(submission_id=crashing.pk)
    assert sub.status == "error"
    assert sub.error_detail == "could not grade: RuntimeError"
    assert sub.score is None
    after = submission_grade(submission_id=_queued("3x^2 + y").pk)
    assert (after.status, after.equivalent) == ("graded", True)


def test_the_same_answer_written_differently_is_graded_once():
    from django.core.cache import cache

    cache.clear()
    first = _queued("3x^2 + y")
    inst = first.instance
    from grading.services import grade as real_grade

    with mock.patch("grading.services.grade", side_effect=real_grade) as engine:
        submission_grade(submission_id=first.pk)
        # the same expression, typed differently, by the same student's next attempt
        Submission.objects.filter(pk=first.pk).update(equivalent=None)
        again = Submission.objects.create(
            instance=inst, attempt=2, answer="3 x²+y", status="queued", queued_at=first.queued_at
        )
        graded = submission_grade(submission_id=again.pk)
    assert engine.call_count == 1
    assert (graded.status, graded.equivalent) == ("graded", True)
    # each verdict says how the cache was used, so that a hit rate can be measured
    assert Submission.objects.get(pk=first.pk).verdict["cache"] == "miss"
    assert graded.verdict["cache"] == "hit"
    cache.clear()


def test_a_verdict_graded_while_the_cache_is_down_says_so():
    sub = _queued("3x^2 + y")
    with mock.patch("grading.services.cache.get", side_effect=ConnectionError("down")):
        graded = submission_grade(submission_id=sub.pk)
    assert (graded.equivalent, graded.verdict["cache"]) == (True, "off")


def test_the_instance_keeps_the_engine_work_and_the_worker_grades_with_it():
    inst = factories.toy_instance()
    assert inst.prepared["key"] == ["3*x^2 + y"]
    assert inst.prepared["engine"] == ENGINE_VERSION
    assert inst.prepared["mistakes"], "the typical mistakes are kept with the variant"
    # the worker reads the kept key rather than differentiating again: with a (deliberately
    # wrong) kept key, that key is what the answer is graded against
    forged = Prepared(key=("5y",), latex="5y").to_dict()
    type(inst).objects.filter(pk=inst.pk).update(prepared=forged)
    inst.refresh_from_db()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="5y")
    assert submission_grade(submission_id=sub.pk).equivalent is True


def test_an_instance_without_kept_work_is_graded_from_its_params():
    inst = factories.toy_instance()
    type(inst).objects.filter(pk=inst.pk).update(prepared={})
    inst.refresh_from_db()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="3x^2 + y")
    assert submission_grade(submission_id=sub.pk).equivalent is True


def test_grading_input_reads_what_the_models_hold():
    from exercises.authoring.models import GradingPolicy
    from grading.services import grading_input

    sub = _queued("3x^2 + y", points=Decimal("2.50"))
    sub.late = True
    sub.save(update_fields=["late"])
    inst = sub.instance
    given = grading_input(submission_id=sub.pk)
    assert given is not None
    assert (given.answer, given.late, given.instance_id, given.seed) == (
        "3x^2 + y",
        True,
        inst.pk,
        inst.seed,
    )
    assert given.params == inst.params
    assert given.prepared == inst.prepared
    assert (given.points, given.late_penalty) == (inst.item.points, inst.item.late_penalty)
    assert given.tolerance is None
    GradingPolicy.objects.create(item=inst.item, tolerance=0.01)
    assert grading_input(submission_id=sub.pk).tolerance == 0.01
    assert grading_input(submission_id=sub.pk + 1000) is None


def test_a_late_right_answer_scores_the_late_share():
    sub = _queued("3x^2 + y", points=Decimal("2.00"), late_penalty=Decimal("0.25"))
    Submission.objects.filter(pk=sub.pk).update(late=True)
    graded = submission_grade(submission_id=sub.pk)
    assert (graded.equivalent, graded.score) == (True, Decimal("1.50"))


def test_an_item_tolerance_is_what_the_answer_is_graded_under():
    from exercises.authoring.models import GradingPolicy
    from grading import services

    sub = _queued("3x^2 + y")
    GradingPolicy.objects.create(item=sub.instance.item, tolerance=0.01)
    seen = []
    real = services.grade

    def spy(task, answer, **kwargs):
        seen.append(task.tolerance)
        return real(task, answer, **kwargs)

    with mock.patch("grading.services.grade", side_effect=spy):
        graded = submission_grade(submission_id=sub.pk)
    assert seen == [0.01]
    assert graded.equivalent is True


def test_a_verdict_recorded_meanwhile_by_another_worker_stays():
    from grading import services

    sub = _queued("3x^2 + y")
    real = services.verdict_for

    def slow_worker(**kwargs):
        verdict = real(**kwargs)
        # meanwhile a second worker (the task was requeued) recorded its own verdict
        Submission.objects.filter(pk=sub.pk).update(
            status="graded", equivalent=False, method="other-worker", verdict={"by": "other"}
        )
        return verdict

    with mock.patch("grading.services.verdict_for", side_effect=slow_worker):
        recorded = services.submission_grade_record(submission_id=sub.pk)
    assert recorded is False
    stored = Submission.objects.get(pk=sub.pk)
    assert (stored.method, stored.verdict) == ("other-worker", {"by": "other"})


def test_grading_a_submission_outside_any_lms_costs_a_fixed_handful_of_queries(
    django_assert_num_queries,
):
    # The worker's hot path: claim, one read (student and set included), and the verdict by
    # one UPDATE that checks itself that no LMS links the set (no transaction, no outbox
    # query: a linked set takes the transaction with the outbox, tests/exercises/lti).
    from grading.tasks import submission_grade_task

    inst = factories.toy_instance()
    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=inst, answer="3x^2 + y")
    with django_assert_num_queries(3):
        submission_grade_task(sub.pk)
    sub.refresh_from_db()
    assert sub.status == "graded"


@pytest.mark.parametrize("status", ["queued", "grading", "error", "graded"])
def test_the_claim_takes_every_submission_but_a_graded_one_as_the_orm_would(status):
    """The claim's UPDATE (its SQL written once per database kind) marks the submission
    "grading", started now, unless it is graded: the rows the ORM's exclude would take."""
    from datetime import timedelta

    from django.utils import timezone

    from grading.services import _claim

    sub = _queued("3x^2 + y")
    other = _queued("3x^2")
    Submission.objects.filter(pk=sub.pk).update(status=status, started_at=None)
    now = timezone.now() - timedelta(seconds=3)
    assert _claim(submission_id=sub.pk, now=now) is (status != "graded")
    sub.refresh_from_db()
    if status == "graded":
        assert (sub.status, sub.started_at) == ("graded", None)
    else:
        assert (sub.status, sub.started_at) == ("grading", now)
    other.refresh_from_db()
    assert (other.status, other.started_at) == ("queued", None)  # only the one asked for
    assert _claim(submission_id=sub.pk + other.pk + 1_000, now=now) is False  # no such one


@pytest.mark.parametrize("earned", [None, Decimal("1.50")])
def test_the_verdict_update_stores_what_the_orms_update_stores(earned):
    """The verdict's UPDATE (its SQL written once per database kind) writes each column as the
    ORM's update() would, to the one submission asked for, and never over a graded one."""
    from grading.engine import Verdict
    from grading.services import GradedOutcome, _verdict_record

    by_sql, by_orm, other = _queued("3x^2 + y"), _queued("3x^2 + y"), _queued("3x^2")
    verdict = Verdict(equivalent=False, method="numeric", elapsed_ms=1.25)
    outcome = GradedOutcome(
        verdict=verdict,
        cache_use="miss",
        score=Decimal("0.75"),
        earned=earned,
        carried={"part": 0, "n": [1.5, None]},
        credit=Decimal("0.5"),
    )
    assert _verdict_record(submission_id=by_sql.pk, outcome=outcome) == 1
    Submission.objects.filter(pk=by_orm.pk).update(
        verdict=outcome.verdict_data(),
        equivalent=False,
        method="numeric",
        score=outcome.score,
        earned=earned,
        status="graded",
        graded_at=Submission.objects.get(pk=by_sql.pk).graded_at,
        error_detail="",
    )
    stored = {s.pk: s for s in Submission.objects.filter(pk__in=[by_sql.pk, by_orm.pk])}
    columns = ["verdict", "equivalent", "method", "score", "earned", "status", "graded_at"]
    a, b = stored[by_sql.pk], stored[by_orm.pk]
    assert {c: getattr(a, c) for c in columns} == {c: getattr(b, c) for c in columns}
    assert a.verdict["carried"] == {"part": 0, "n": [1.5, None]} and a.verdict["cache"] == "miss"
    other.refresh_from_db()
    assert (other.status, other.verdict) == ("queued", None)
    again = GradedOutcome(verdict=verdict, cache_use="hit", score=Decimal("2.00"))
    assert _verdict_record(submission_id=by_sql.pk, outcome=again) == 0  # graded already
    a.refresh_from_db()
    assert (a.score, a.verdict["cache"]) == (Decimal("0.75"), "miss")
