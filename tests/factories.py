"""Test data, built through the same services the application uses."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from exercises.authoring.models import ProblemInstance, ProblemSet, ProblemSetItem, ProblemTemplate
from exercises.authoring.services.instances import instance_get_or_create
from exercises.authoring.services.problem_sets import problem_set_create, problem_set_item_create
from exercises.authoring.services.templates import custom_template_create, problem_template_upsert
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import course_create, membership_create, user_create
from exercises.management.commands.seed_demo import TOY2_PARTS  # the demo's, as it seeds it
from exercises.practice.services import submission_create
from grading.models import Submission

PASSWORD = "test-password-123"  # noqa: S105
_counter = itertools.count(1)

TOY1 = {"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "wrt": ["x"]}
# the lecture's toy #2: f_x of 7xy/e^(x^2+y^2)
# the gradient of toy #1: <3x^2 + y, x - 1>
TOY1_GRADIENT = {"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "gradient": True}
TOY2 = {
    "variables": ["x", "y"],
    "function": "7x*y/e^(x^2+y^2)",
    "function_latex": "\\frac{7xy}{e^{x^2+y^2}}",
    "wrt": ["x"],
}

# A two-part problem whose first part is a gradient (scored per component by default).
GRADIENT_PARTS = {
    "base": "fixed",
    "function": "x^2*y + y^3",
    "function_latex": "x^2 y + y^3",
    "notation": "subscript",
    "parts": [{"gradient": True, "weight": 2}, {"wrt": ["y"]}],
}


def user(*, username: str | None = None) -> Any:
    return user_create(username=username or f"user{next(_counter)}", password=PASSWORD)


def course(*, code: str | None = None) -> Course:
    n = next(_counter)
    return course_create(code=code or f"course-{n}", title_en=f"Course {n}", title_ko=f"강좌 {n}")


def student(*, in_course: Course, username: str | None = None) -> Any:
    member = user(username=username)
    membership_create(course=in_course, user=member, role=Membership.Role.STUDENT)
    return member


def template(
    *, family: str = "fixed", config: dict[str, Any] | None = None, slug: str | None = None
) -> ProblemTemplate:
    if config is None and family == "fixed":
        config = dict(TOY1)
    return problem_template_upsert(
        slug=slug or f"tpl-{next(_counter)}",
        family=family,
        title_en="Toy #1",
        title_ko="Toy #1",
        config=config or {},
    )


def problem_set(*, in_course: Course, due_at: datetime | None = None) -> ProblemSet:
    return problem_set_create(
        course=in_course,
        title_en="Set",
        title_ko="문제 모음",
        due_at=due_at or timezone.now() + timedelta(days=7),
    )


def item(
    *,
    in_set: ProblemSet,
    tpl: ProblemTemplate | None = None,
    max_attempts: int = 3,
    points: Decimal = Decimal("2"),
    due_at: datetime | None = None,
    late_until: datetime | None = None,
    late_penalty: Decimal = Decimal("0.5"),
    vector_credit: str = "per_component",
) -> ProblemSetItem:
    return problem_set_item_create(
        problem_set=in_set,
        template=tpl or template(),
        points=points,
        max_attempts=max_attempts,
        due_at=due_at,
        late_until=late_until,
        late_penalty=late_penalty,
        vector_credit=vector_credit,
    )


def instance(*, for_item: ProblemSetItem, for_student: Any) -> ProblemInstance:
    return instance_get_or_create(item=for_item, student=for_student)


def item_update(it: ProblemSetItem, **changes: Any) -> ProblemSetItem:
    """problem_set_item_update with the item's own values but `changes` (show_plots=False)."""
    from exercises.authoring.services.problem_sets import problem_set_item_update

    values = {
        "points": it.points,
        "max_attempts": it.max_attempts,
        "late_until": it.late_until,
        "late_penalty": it.late_penalty,
    }
    return problem_set_item_update(item=it, **{**values, **changes})


def toy2_instance(**item_kwargs: Any) -> ProblemInstance:
    """A student enrolled in a course with one toy #2 item, opened."""
    c = course()
    s = student(in_course=c)
    it = item(in_set=problem_set(in_course=c), tpl=template(config=dict(TOY2)), **item_kwargs)
    return instance(for_item=it, for_student=s)


def gradient_instance(**item_kwargs: Any) -> ProblemInstance:
    """A student enrolled in a course with one item asking the gradient of toy #1, opened."""
    c = course()
    s = student(in_course=c)
    tpl = template(config=dict(TOY1_GRADIENT))
    it = item(in_set=problem_set(in_course=c), tpl=tpl, **item_kwargs)
    return instance(for_item=it, for_student=s)


def toy_instance(**item_kwargs: Any) -> ProblemInstance:
    """A student enrolled in a course with one Toy #1 item (f_x of x^3 + xy - y), opened."""
    c = course()
    s = student(in_course=c)
    it = item(in_set=problem_set(in_course=c), **item_kwargs)
    return instance(for_item=it, for_student=s)


def graded(
    instance: ProblemInstance, answer: str, now: datetime | None = None, part: int = 0
) -> Submission:
    """An answer stored through submission_create and graded in this process (no broker)."""
    from unittest import mock

    from grading.services import submission_grade

    with mock.patch("grading.tasks.submission_grade_task.delay"):
        sub = submission_create(instance=instance, answer=answer, now=now, part=part)
    return submission_grade(submission_id=sub.pk)


def course_parts_template(in_course: Course) -> ProblemTemplate:
    """The demo's three-part toy #2 (TOY2_PARTS) as a course's own template, unpublished."""
    return custom_template_create(
        course=in_course,
        slug="toy-2-parts",
        title_en="Toy #2 in parts",
        title_ko="Toy #2 소문항",
        config=copy.deepcopy(TOY2_PARTS),
        family="parts",
    )


def parts_instance(*, config: dict[str, Any] | None = None, **item_kwargs: Any) -> ProblemInstance:
    """A student enrolled in a course with one multi-part item (the three-part toy #2,
    TOY2_PARTS, unless `config` says otherwise), opened."""
    c = course()
    s = student(in_course=c)
    tpl = template(family="parts", config=dict(config or TOY2_PARTS))
    it = item(in_set=problem_set(in_course=c), tpl=tpl, **item_kwargs)
    return instance(for_item=it, for_student=s)
