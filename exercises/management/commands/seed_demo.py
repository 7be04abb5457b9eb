"""Demo data modeled on the lecture: a course, an instructor, students, problem sets. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from exercises.authoring.models import ProblemSet
from exercises.authoring.services.problem_sets import problem_set_create, problem_set_item_create
from exercises.authoring.services.templates import problem_template_upsert
from exercises.courses.models import Course, Membership
from exercises.courses.services.accounts import (
    course_create,
    membership_create,
    user_create,
    user_site_admin_set,
)

DEMO_PASSWORD = "partial-credit-demo"  # noqa: S105 (printed on purpose: demo logins)
USERS = [("instructor", Membership.Role.INSTRUCTOR), ("ta", Membership.Role.TA)] + [
    (f"student{i}", Membership.Role.STUDENT) for i in (1, 2, 3)
]
# With --admin (make run): a site admin for /admin/, in no course. Never on a public site: the
# demo password is printed and in the README.
ADMIN_USERNAME = "admin"

# toy #2 in three parts: (a) f_x, (b) f_x(1, 2) and (c) the slope of the slice y = 1 at x = -1,
# (b) and (c) carrying forward a wrong (a) for half their points (the tests' TOY2_PARTS too)
TOY2_PARTS: dict[str, Any] = {
    "base": "fixed",
    "function": "7x*y/e^(x^2+y^2)",
    "function_latex": "\\frac{7xy}{e^{x^2+y^2}}",
    "notation": "subscript",
    "parts": [
        {"wrt": ["x"]},
        {"wrt": ["x"], "at": {"x": "1", "y": "2"}, "carry_from": 0, "carry_share": "0.5"},
        {
            "wrt": ["x"],
            "at": {"x": "-1", "y": "1"},
            "slope": True,
            "carry_from": 0,
            "carry_share": "0.5",
        },
    ],
}

TEMPLATES: list[dict[str, Any]] = [
    {
        "slug": "toy-1-polynomial",
        "family": "fixed",
        "title_en": "Toy #1: x³ + xy − y",
        "title_ko": "Toy #1: x³ + xy − y",
        "config": {"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "wrt": ["x"]},
    },
    {
        "slug": "toy-1-polynomial-y",
        "family": "fixed",
        "title_en": "Toy #1 in y",
        "title_ko": "Toy #1: y에 대하여 편미분",
        "config": {"function": "x^3 + x*y - y", "function_latex": "x^3 + xy - y", "wrt": ["y"]},
    },
    {
        "slug": "toy-2-gaussian",
        "family": "fixed",
        "title_en": "Toy #2: 7xy / e^(x²+y²)",
        "title_ko": "Toy #2: 7xy / e^(x²+y²)",
        "config": {
            "function": "7x*y/e^(x^2+y^2)",
            "function_latex": "\\frac{7xy}{e^{x^2+y^2}}",
            "wrt": ["x"],
        },
    },
    {
        "slug": "lecture-rational",
        "family": "fixed",
        "title_en": "A rational function: 3y / (x² + y² + 1)",
        "title_ko": "유리함수: 3y / (x² + y² + 1)",
        "config": {
            "function": "3y/(x^2+y^2+1)",
            "function_latex": "\\frac{3y}{x^2 + y^2 + 1}",
            "wrt": ["y"],
        },
    },
    {
        "slug": "toy-2-slope",
        "family": "fixed",
        "title_en": "Hold y = 1, differentiate in x",
        "title_ko": "y = 1에 고정하고 x에 대하여 미분",
        "config": {
            "function": "7x*y/e^(x^2+y^2)",
            "function_latex": "\\frac{7xy}{e^{x^2+y^2}}",
            "wrt": ["x"],
            "at": {"x": "2", "y": "1"},
            "slope": True,
        },
    },
    {
        # a multi-part problem on toy #2: f_x, then its value and the slope of the slice
        # y = 1, both graded carrying forward the student's own f_x
        "slug": "toy-2-parts",
        "family": "parts",
        "title_en": "Toy #2 in three parts: f_x, its value, the slope of a slice",
        "title_ko": "Toy #2 세 부분: f_x, 그 값, 단면의 기울기",
        "config": TOY2_PARTS,
    },
    {
        "slug": "loss-w11",
        "family": "loss",
        "title_en": "Squared-error loss: ∂L/∂w₁₁",
        "title_ko": "제곱 오차 손실: ∂L/∂w₁₁",
        "config": {"indexed": True, "wrt": ["w_11"]},
    },
    {"slug": "polynomial", "family": "polynomial", "title_en": "Polynomial", "title_ko": "다항식"},
    {
        "slug": "gaussian",
        "family": "gaussian",
        "title_en": "Gaussian product",
        "title_ko": "가우시안 곱",
    },
    {
        "slug": "rational",
        "family": "rational",
        "title_en": "Rational function",
        "title_ko": "유리함수",
    },
    {"slug": "chain", "family": "chain", "title_en": "Chain rule", "title_ko": "연쇄법칙"},
    {
        "slug": "slope",
        "family": "slope",
        "title_en": "Slope of a slice",
        "title_ko": "단면의 기울기",
    },
    {
        "slug": "loss",
        "family": "loss",
        "title_en": "Squared-error loss",
        "title_ko": "제곱 오차 손실",
    },
    {"slug": "gradient", "family": "gradient", "title_en": "Gradient", "title_ko": "기울기 벡터"},
    {
        "slug": "second",
        "family": "second",
        "title_en": "Second and mixed partials",
        "title_ko": "2계·혼합 편도함수",
    },
]

POINTS = {"loss-w11": Decimal("2"), "loss": Decimal("2"), "toy-2-parts": Decimal("3")}

SETS = [
    (
        "Lecture 04 toy examples",
        "04강 Toy 예제",
        7,
        [
            "toy-1-polynomial",
            "toy-1-polynomial-y",
            "toy-2-gaussian",
            "lecture-rational",
            "toy-2-slope",
            "toy-2-parts",
            "loss-w11",
        ],
    ),
    (
        "Practice: your own variants",
        "연습: 나만의 변형 문제",
        14,
        ["polynomial", "gaussian", "rational", "chain", "slope", "loss", "gradient", "second"],
    ),
]


class Command(BaseCommand):
    help = "Create (or update) the demo course, users and problem sets, and print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--admin",
            action="store_true",
            help=f"also a site admin '{ADMIN_USERNAME}' for /admin/ (local demo only)",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {}
        user_model = get_user_model()
        for username, _role in USERS:
            user = user_model.objects.filter(username=username).first()
            user = user or user_create(username=username, password=DEMO_PASSWORD)
            # Course roles only: an older demo database made the instructor a superuser.
            users[username] = user_site_admin_set(user=user, site_admin=False)
        if options["admin"]:
            site_admin = user_model.objects.filter(username=ADMIN_USERNAME).first()
            site_admin = site_admin or user_create(username=ADMIN_USERNAME, password=DEMO_PASSWORD)
            user_site_admin_set(user=site_admin, site_admin=True)
        course = Course.objects.filter(code="calc-partials").first() or course_create(
            code="calc-partials",
            title_en="Partial differentiation",
            title_ko="편미분",
            time_zone="Asia/Seoul",  # its dates are shown (and typed) in Seoul time
        )
        for username, role in USERS:
            membership_create(course=course, user=users[username], role=role)
        templates = {spec["slug"]: problem_template_upsert(**spec) for spec in TEMPLATES}
        now = timezone.now()
        for position, (title_en, title_ko, days, slugs) in enumerate(SETS):
            if ProblemSet.objects.filter(course=course, title_en=title_en).exists():
                continue
            local = timezone.localtime(now + timedelta(days=days))
            due = local.replace(hour=23, minute=59, second=0, microsecond=0)
            problem_set = problem_set_create(
                course=course, title_en=title_en, title_ko=title_ko, due_at=due, position=position
            )
            for index, slug in enumerate(slugs):
                problem_set_item_create(
                    problem_set=problem_set,
                    template=templates[slug],
                    position=index,
                    points=POINTS.get(slug, Decimal("1")),
                    max_attempts=3,
                    late_until=due + timedelta(days=2),
                    late_penalty=Decimal("0.5"),
                )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in USERS:
            self.stdout.write(f"  {username:<12} {role}")
        if options["admin"]:
            self.stdout.write(f"  {ADMIN_USERNAME:<12} site admin (/admin/), in no course")
