"""Answers undefined where the key is defined (1/0, ln(0), sqrt(-1), ...) are graded and stored
like any wrong answer (issue #12: their verdict held Infinity, which JSON cannot store, so the
submission retried, was requeued and stayed "Grading…" for minutes, then failed)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from grading.engine import Task, grade
from grading.models import Submission
from grading.services import _storable
from tests import factories

pytestmark = pytest.mark.django_db

UNDEFINED = ["1/0", "0/0", "ln(0)", "sqrt(-1)", "1/(x-x)", "x/0", "ln(-x^2-1)", "0^(-1)"]


@pytest.mark.parametrize("answer", UNDEFINED)
def test_the_engine_never_puts_a_non_finite_number_in_a_verdict(answer):
    verdict = grade(Task(variables=("x", "y"), reference="3x^2+y"), answer)
    json.dumps(verdict.to_dict(), allow_nan=False)  # raises on NaN or Infinity


@pytest.mark.parametrize("answer", UNDEFINED)
def test_an_undefined_answer_submitted_on_the_page_is_graded_wrong_and_stored(
    client, answer, django_capture_on_commit_callbacks
):
    instance = factories.toy_instance(max_attempts=3)
    client.force_login(instance.student)
    url = reverse("practice:submission-create", args=[instance.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": answer})
    assert response.status_code < 500
    stored = Submission.objects.filter(instance=instance)
    if not stored.exists():  # refused before storing (a parse error): no attempt used
        assert "No attempt was used" in response.content.decode()
        return
    submission = stored.get()
    assert (submission.status, submission.equivalent) == ("graded", False), submission
    assert submission.score == 0
    json.dumps(submission.verdict, allow_nan=False)


def test_the_backstop_stores_a_non_finite_number_as_null():
    value = {"a": float("inf"), "b": [float("nan"), 1.5], "c": "Infinity"}
    assert _storable(value) == {"a": None, "b": [None, 1.5], "c": "Infinity"}


@pytest.mark.parametrize("answer", UNDEFINED)
def test_after_an_undefined_answer_the_problem_page_and_its_plots_still_load(client, answer):
    """The problem page draws the latest answer on the plots, on every load: 1/0 once made it
    answer 500 from then on (the plots' NumPy printer has no name for SymPy's zoo), so the
    student could not see the problem again nor use the attempts left."""
    instance = factories.toy_instance(max_attempts=3)
    client.force_login(instance.student)
    factories.graded(instance, answer)
    page = client.get(reverse("practice:problem-detail", args=[instance.pk]))
    assert page.status_code == 200
    assert 'id="plots"' in page.content.decode()  # the key's plots are still drawn
    plot = client.get(reverse("practice:problem-plot", args=[instance.pk]))
    assert plot.status_code == 200
    data = json.loads(plot.content)
    assert "answer" not in data and data["surface"]  # nothing of the answer, the rest as it was
