"""The instructor's editor over HTTP: who may reach each URL, and what each page does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exercises.authoring.models import ProblemSet, ProblemTemplate, TemplateCheck
from exercises.authoring.services.templates import custom_template_create, template_publish
from exercises.courses.models import Membership
from exercises.courses.services.accounts import membership_create
from tests import factories
from tests.exercises.authoring.test_authoring_services import TOY

pytestmark = pytest.mark.django_db


def _staff(course, role=Membership.Role.INSTRUCTOR):
    u = factories.user()
    membership_create(course=course, user=u, role=role)
    return u


@pytest.fixture
def world():
    course = factories.course()
    tpl = custom_template_create(
        course=course, slug="toy", title_en="Toy", title_ko="토이", config=TOY
    )
    ps = factories.problem_set(in_course=course)
    item = factories.item(in_set=ps)
    return {
        "course": course,
        "template": tpl,
        "set": ps,
        "item": item,
        "instructor": _staff(course),
        "ta": _staff(course, Membership.Role.TA),
        "student": factories.student(in_course=course),
        "other": _staff(factories.course()),
    }


def _urls(w):
    c, t, s, i = w["course"].pk, w["template"].pk, w["set"].pk, w["item"].pk
    return [
        ("get", reverse("authoring:course-authoring", args=[c])),
        ("get", reverse("authoring:template-create", args=[c])),
        ("post", reverse("authoring:template-create", args=[c])),
        ("get", reverse("authoring:set-create", args=[c])),
        ("post", reverse("authoring:set-create", args=[c])),
        ("get", reverse("authoring:course-export", args=[c])),
        ("get", reverse("authoring:course-import", args=[c])),
        ("post", reverse("authoring:course-import", args=[c])),
        ("get", reverse("authoring:template-edit", args=[t])),
        ("post", reverse("authoring:template-edit", args=[t])),
        ("get", reverse("authoring:template-preview", args=[t])),
        ("get", reverse("authoring:template-check", args=[t])),
        ("post", reverse("authoring:template-check", args=[t])),
        ("post", reverse("authoring:template-publish", args=[t])),
        ("post", reverse("authoring:template-copy", args=[t])),
        ("get", reverse("authoring:set-edit", args=[s])),
        ("post", reverse("authoring:set-edit", args=[s])),
        ("post", reverse("authoring:item-add", args=[s])),
        ("post", reverse("authoring:set-duplicate", args=[s])),
        ("post", reverse("authoring:item-change", args=[i])),
    ]


def test_anonymous_users_are_sent_to_log_in(client, world):
    for method, url in _urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.parametrize("who", ["student", "other"])
def test_students_and_other_instructors_get_404_and_change_nothing(client, world, who):
    client.force_login(world[who])
    for method, url in _urls(world):
        assert getattr(client, method)(url).status_code == 404, (who, url)
    assert ProblemSet.objects.count() == 1
    assert ProblemTemplate.objects.filter(family="custom").count() == 1
    assert TemplateCheck.objects.count() == 0
    assert ProblemTemplate.objects.get(pk=world["template"].pk).published is False


@pytest.mark.parametrize("who", ["instructor", "ta"])
def test_staff_of_the_course_reach_every_page(client, world, who):
    client.force_login(world[who])
    # a YAML import may publish templates and release sets: instructors only (README "Roles")
    instructors_only = {reverse("authoring:course-import", args=[world["course"].pk])}
    for method, url in _urls(world):
        if method == "get":
            expected = 404 if who == "ta" and url in instructors_only else 200
            assert client.get(url).status_code == expected, url


def test_course_page_lists_templates_and_sets_in_constant_queries(
    client, world, django_assert_num_queries
):
    client.force_login(world["instructor"])
    url = reverse("authoring:course-authoring", args=[world["course"].pk])
    client.get(url)
    # session, course, templates, library, sets (the user comes from the cache)
    with django_assert_num_queries(5):
        first = client.get(url)
    for n in range(3):
        custom_template_create(
            course=world["course"], slug=f"more-{n}", title_en="M", title_ko="M", config=TOY
        )
        factories.problem_set(in_course=world["course"])
    with django_assert_num_queries(5):
        second = client.get(url)
    assert first.content.count(b"/teach/sets/") == 1
    assert second.content.count(b"/teach/sets/") == 4
    assert (
        second.content.count(b"/teach/templates/")
        == 4 + ProblemTemplate.objects.filter(course__isnull=True).count()
    )


FORM = {
    "slug": "poly",
    "title_en": "Polynomial",
    "title_ko": "다항식",
    "function": "{a} x^3 + {b} x y - {c} y",
    "variables": "x, y",
    "parameters": "a: 1..9\nb: -5..5 except 0\nc: 1..9",
    "constraints": "a != c\na + c > 2",
    "task": "partial",
    "wrt": "x",
    "at": "",
    "notation": "any",
    "statement_en": "",
    "statement_ko": "",
    "points": "2",
    "tolerance": "0.001",
}


def test_create_template_from_the_form(client, world):
    client.force_login(world["instructor"])
    response = client.post(reverse("authoring:template-create", args=[world["course"].pk]), FORM)
    tpl = ProblemTemplate.objects.get(slug="poly")
    assert response["Location"] == reverse("authoring:template-edit", args=[tpl.pk])
    assert (tpl.course, tpl.family, tpl.published, tpl.version) == (
        world["course"],
        "custom",
        False,
        1,
    )
    assert tpl.config["parameters"][1] == {"name": "b", "min": -5, "max": 5, "exclude": [0]}
    assert tpl.config["constraints"] == ["a != c", "a + c > 2"]


def test_invalid_template_form_shows_the_reason_and_creates_nothing(client, world):
    client.force_login(world["instructor"])
    data = {**FORM, "function": "{a} x^3 + {q} y"}
    response = client.post(reverse("authoring:template-create", args=[world["course"].pk]), data)
    assert response.status_code == 200
    assert "&#x27;{q}&#x27; is not a parameter" in response.content.decode()
    assert not ProblemTemplate.objects.filter(slug="poly").exists()


def test_preview_shows_the_variant_of_the_seed(client, world):
    client.force_login(world["instructor"])
    url = reverse("authoring:template-preview", args=[world["template"].pk])
    response = client.get(url, {"seed": "7"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-seed="7"' in body
    assert "Let \\(f(x, y) =" in body
    assert "data-latex=" in body


def test_check_runs_and_publish_follows(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["instructor"])
    tpl = world["template"]
    publish = reverse("authoring:template-publish", args=[tpl.pk])
    client.post(publish, {"action": "publish"})
    assert ProblemTemplate.objects.get(pk=tpl.pk).published is False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("authoring:template-check", args=[tpl.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    polled = client.get(reverse("authoring:template-check", args=[tpl.pk]))
    assert 'data-status="check-passed"' in polled.content.decode()
    assert TemplateCheck.objects.get().status == "passed"
    client.post(publish, {"action": "publish"})
    assert ProblemTemplate.objects.get(pk=tpl.pk).published is True


def test_library_templates_are_read_only(client, world):
    client.force_login(world["instructor"])
    library = world["item"].template
    assert library.course_id is None
    page = client.get(reverse("authoring:template-edit", args=[library.pk]))
    assert page.status_code == 200
    assert b"cannot be edited here" in page.content
    assert client.post(reverse("authoring:template-edit", args=[library.pk])).status_code == 403
    assert client.post(reverse("authoring:template-check", args=[library.pk])).status_code == 403
    assert client.post(reverse("authoring:template-publish", args=[library.pk])).status_code == 404


def _dt(delta_days):
    return (timezone.now() + timedelta(days=delta_days)).strftime("%Y-%m-%dT%H:%M")


def test_create_set_add_items_and_duplicate(client, world):
    client.force_login(world["instructor"])
    course = world["course"]
    response = client.post(
        reverse("authoring:set-create", args=[course.pk]),
        {
            "course": course.pk,
            "title_en": "Week 2",
            "title_ko": "2주차",
            "position": "1",
            "opens_at": _dt(1),
            "due_at": _dt(8),
        },
    )
    ps = ProblemSet.objects.get(title_en="Week 2")
    assert response["Location"] == reverse("authoring:set-edit", args=[ps.pk])
    add = reverse("authoring:item-add", args=[ps.pk])
    item = {"points": "3", "max_attempts": "4", "late_until": "", "late_penalty": "0.25"}
    refused = client.post(add, {**item, "template": world["template"].pk})
    assert refused.status_code == 400
    assert ps.items.count() == 0
    TemplateCheck.objects.create(
        template=world["template"], version=1, seeds_total=1, status="passed"
    )
    template_publish(template=world["template"])
    client.post(add, {**item, "template": world["template"].pk})
    client.post(add, {**item, "template": world["item"].template_id})
    rows = list(ps.items.order_by("position").values_list("template_id", "points", "max_attempts"))
    assert rows == [(world["template"].pk, 3, 4), (world["item"].template_id, 3, 4)]
    last = ps.items.order_by("position").last()
    client.post(reverse("authoring:item-change", args=[last.pk]), {"action": "up"})
    assert ps.items.order_by("position").first().pk == last.pk
    client.post(reverse("authoring:set-duplicate", args=[ps.pk]), {"course": course.pk})
    copy = ProblemSet.objects.get(title_en="Week 2 (copy)")
    assert list(copy.items.order_by("position").values_list("template_id", flat=True)) == list(
        ps.items.order_by("position").values_list("template_id", flat=True)
    )


def test_set_cannot_be_moved_to_a_course_the_user_does_not_teach(client, world):
    client.force_login(world["instructor"])
    ps = world["set"]
    foreign = factories.course()
    response = client.post(
        reverse("authoring:set-edit", args=[ps.pk]),
        {"course": foreign.pk, "title_en": "X", "title_ko": "X", "position": 0, "due_at": _dt(3)},
    )
    assert response.status_code == 200
    ps.refresh_from_db()
    assert (ps.course_id, ps.title_en) == (world["course"].pk, "Set")


def test_a_running_check_polls_until_it_finishes(client, world):
    client.force_login(world["instructor"])
    tpl = world["template"]
    check = TemplateCheck.objects.create(
        template=tpl, version=1, seeds_total=50, seeds_done=10, status="running"
    )
    url = reverse("authoring:template-check", args=[tpl.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Checking: 10 of 50 seeds…" in body
    assert f'hx-get="{url}" hx-trigger="load delay:1s"' in body
    assert '<progress max="100" value="20">' in body
    check.status, check.seeds_done = "failed", 50
    check.failures = [{"seed": 7, "problems": ["the key is not accepted"]}]
    check.save()
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in body
    assert "1 of 50 seeds fail; the template cannot be published." in body
    # a failure stored before reasons were kept in both languages is still shown
    assert "<td>7</td><td>–</td><td>the key is not accepted</td>" in body


@pytest.mark.parametrize("name", ["polynomial", "gaussian-slope", "rational-mixed", "gradient"])
def test_examples_prefill_the_form_and_make_checkable_templates(client, world, name):
    from exercises.authoring.forms import EXAMPLES, CustomTemplateForm
    from exercises.authoring.services.checks import seed_problems

    client.force_login(world["instructor"])
    url = reverse("authoring:template-create", args=[world["course"].pk])
    page = client.get(url, {"example": name}).content.decode()
    assert f'value="{EXAMPLES[name]["function"]}"' in page
    form = CustomTemplateForm({**FORM, "at": "", "wrt": "", "constraints": "", **EXAMPLES[name]})
    assert form.is_valid(), form.errors
    tpl = ProblemTemplate(family="custom", version=1, config=form.cleaned_data["config"])
    assert [seed_problems(template=tpl, seed=s)[0] for s in (1, 2, 3)] == [[], [], []]


def test_copy_makes_an_unpublished_editable_template(client, world):
    client.force_login(world["ta"])
    response = client.post(reverse("authoring:template-copy", args=[world["template"].pk]))
    copy = ProblemTemplate.objects.get(slug="toy-copy")
    assert response["Location"] == reverse("authoring:template-edit", args=[copy.pk])
    assert (copy.course, copy.config, copy.published, copy.version) == (
        world["course"],
        TOY,
        False,
        1,
    )
    client.post(reverse("authoring:template-copy", args=[world["template"].pk]))
    assert ProblemTemplate.objects.filter(slug="toy-copy-2").exists()


def test_students_see_a_set_only_from_its_release_time(client, world):
    ps, student = world["set"], world["student"]
    ps.opens_at = timezone.now() + timedelta(hours=1)
    ps.save()
    client.force_login(student)
    assert b"/sets/" not in client.get(reverse("practice:dashboard")).content
    assert client.get(reverse("practice:problem-set-detail", args=[ps.pk])).status_code == 404
    assert client.get(reverse("practice:item-open", args=[world["item"].pk])).status_code == 404
    ps.opens_at = timezone.now() - timedelta(minutes=1)
    ps.save()
    assert client.get(reverse("practice:problem-set-detail", args=[ps.pk])).status_code == 200
    assert client.get(reverse("practice:item-open", args=[world["item"].pk])).status_code == 302


def test_set_page_queries_do_not_grow_with_its_items(client, world):
    client.force_login(world["instructor"])
    url = reverse("authoring:set-edit", args=[world["set"].pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        factories.item(in_set=world["set"])
    with CaptureQueriesContext(connection) as five:
        page = client.get(url)
    assert page.content.count(b"data-item=") == 5
    assert len(five) == len(one)


def test_check_failures_show_parameters_and_fold_alike_seeds(client, world):
    from exercises.authoring.models import TemplateCheck

    client.force_login(world["instructor"])
    tpl = world["template"]
    cannot = {"en": "the variant cannot be made: x", "ko": "변형을 만들 수 없습니다: x"}
    accepted = {"code": "mistake-accepted", "en": "A typical mistake ..."}
    accepted["ko"] = "전형적인 실수 ..."
    TemplateCheck.objects.create(
        template=tpl,
        version=tpl.version,
        seeds_total=5,
        seeds_done=5,
        status="failed",
        failures=[
            {"seed": 1, "values": {}, "problems": [cannot]},
            {"seed": 2, "values": {}, "problems": [cannot]},
            {"seed": 3, "values": {}, "problems": [cannot]},
            {"seed": 5, "values": {"a": 3, "b": -2}, "problems": [accepted]},
        ],
    )
    url = reverse("authoring:template-check", args=[tpl.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<td>1–3</td><td>–</td><td>the variant cannot be made: x</td>" in body
    assert "<td>5</td><td>a = 3, b = -2</td><td>A typical mistake ...</td>" in body
    client.cookies["django_language"] = "ko"
    korean = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<td>5</td><td>a = 3, b = -2</td><td>전형적인 실수 ...</td>" in korean


def test_a_late_window_before_the_due_date_is_one_sentence_on_the_set_page(client, world):
    client.force_login(world["instructor"])
    ps, item = world["set"], world["item"]
    values = {"points": "1", "max_attempts": "3", "late_until": _dt(1), "late_penalty": "0.5"}
    response = client.post(
        reverse("authoring:item-add", args=[ps.pk]),
        {**values, "template": item.template_id},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert body.count("The late window ends before the due date.") == 1
    assert "the late window" not in body
    assert ps.items.count() == 1
    page = client.post(
        reverse("authoring:item-change", args=[item.pk]),
        {**values, "action": "update"},
        follow=True,
    ).content.decode()
    assert page.count("The late window ends before the due date.") == 1
    assert "the late window" not in page
    item.refresh_from_db()
    assert item.late_until is None


def test_the_editor_speaks_korean_on_examples_locked_templates_and_copies(client, world):
    client.force_login(world["instructor"])
    client.cookies["django_language"] = "ko"
    new = client.get(reverse("authoring:template-create", args=[world["course"].pk])).content
    assert '<a href="?example=polynomial">계수가 있는 x³ + xy − y</a>' in new.decode()
    assert "with coefficients" not in new.decode()
    factories.item(in_set=world["set"], tpl=world["template"])
    edit = reverse("authoring:template-edit", args=[world["template"].pk])
    refused = client.post(edit, {**FORM, "slug": "toy"}).content.decode()
    assert (
        "이 문제 틀은 문제 모음에 들어 있습니다. 함수나 구할 것을 바꾸려면 복사본을 만드세요"
        in refused
    )
    assert world["template"].config == ProblemTemplate.objects.get(pk=world["template"].pk).config
    ps = world["set"]
    client.post(reverse("authoring:set-duplicate", args=[ps.pk]), {"course": ps.course_id})
    copy = ProblemSet.objects.exclude(pk=ps.pk).get()
    assert (copy.title_en, copy.title_ko) == (f"{ps.title_en} (copy)", f"{ps.title_ko} (사본)")


def test_the_copy_suffixes_do_not_follow_the_ui_language(client, world):
    client.force_login(world["instructor"])
    ps = world["set"]
    client.post(reverse("authoring:set-duplicate", args=[ps.pk]), {"course": ps.course_id})
    copy = ProblemSet.objects.exclude(pk=ps.pk).get()
    assert (copy.title_en, copy.title_ko) == (f"{ps.title_en} (copy)", f"{ps.title_ko} (사본)")


def test_the_set_editor_chooses_credit_for_a_vector_answer_per_item(client, world):
    client.force_login(world["instructor"])
    ps, item = world["set"], world["item"]
    editor = client.get(reverse("authoring:set-edit", args=[ps.pk])).content.decode()
    assert f'<select form="item-{item.pk}" name="vector_credit"' in editor
    assert '<option value="per_component" selected>Per component</option>' in editor
    assert 'name="vector_credit"' in editor.split('id="add-item"')[1]  # the add form too
    values = {"points": "1", "max_attempts": "3", "late_penalty": "0.5", "action": "update"}
    change = reverse("authoring:item-change", args=[item.pk])

    client.post(change, {**values, "vector_credit": "all_or_nothing"})
    item.refresh_from_db()
    assert item.vector_credit == "all_or_nothing"
    # an older page without the field keeps the item's choice
    client.post(change, values)
    item.refresh_from_db()
    assert item.vector_credit == "all_or_nothing"
    # anything else is refused and changes nothing
    page = client.post(change, {**values, "vector_credit": "half", "points": "5"}, follow=True)
    assert "Check the item&#x27;s values." in page.content.decode()
    item.refresh_from_db()
    assert (item.vector_credit, item.points) == ("all_or_nothing", Decimal("1.00"))

    client.post(
        reverse("authoring:item-add", args=[ps.pk]),
        {**values, "template": item.template_id, "vector_credit": "all_or_nothing"},
    )
    assert list(ps.items.order_by("position").values_list("vector_credit", flat=True)) == [
        "all_or_nothing",
        "all_or_nothing",
    ]
    client.cookies["django_language"] = "ko"
    korean = client.get(reverse("authoring:set-edit", args=[ps.pk])).content.decode()
    assert "성분별 부분 점수</option>" in korean and "모든 성분이 맞을 때만 점수" in korean


def test_a_course_without_templates_of_its_own_points_to_the_ready_ones(client):
    """Not "No templates yet." above a closed list of the ready templates a set can use."""
    course = factories.course()
    client.force_login(_staff(course))
    url = reverse("authoring:course-authoring", args=[course.pk])
    for n in range(2):  # the library (seed_demo loads it on a site)
        ProblemTemplate.objects.create(
            slug=f"ready-{n}", family="custom", config=TOY, title_en="R", title_ko="R"
        )
    ready = ProblemTemplate.objects.filter(course__isnull=True).count()
    page = client.get(url).content.decode()
    assert "No templates yet." not in page
    assert "This course has no templates of its own yet" in page
    assert f"{ready} ready templates (read-only)" in page
    page = client.get(url, headers={"Accept-Language": "ko"}).content.decode()
    assert "직접 만든 문제 틀이 없습니다" in page and f"기본 제공 문제 틀 {ready}개" in page


def test_a_template_students_can_open_is_not_unpublished_under_them(client, world):
    """Unpublished under a released set, its problem was "not available yet" to a student who
    had not opened it, and still counted in their total: the instructor retires it first."""
    template, item = world["template"], world["item"]
    item.template = template
    item.save(update_fields=["template"])
    ProblemTemplate.objects.filter(pk=template.pk).update(published=True)
    client.force_login(world["instructor"])
    url = reverse("authoring:template-publish", args=[template.pk])
    page = client.post(url, {"action": "unpublish"}, follow=True).content.decode()
    assert f"Students can open this template&#x27;s problems in {world['set'].title_en}" in page
    template.refresh_from_db()
    assert template.published is True
    korean = client.post(
        url, {"action": "unpublish"}, follow=True, headers={"Accept-Language": "ko"}
    ).content.decode()
    assert "먼저" in korean and world["set"].title_ko in korean
    item.retired = True
    item.save(update_fields=["retired"])
    client.post(url, {"action": "unpublish"})
    template.refresh_from_db()
    assert template.published is False


def test_a_set_is_not_released_with_a_problem_whose_template_is_a_draft(client, world):
    """The other way round (a review of the rule above): unpublished while its set was hidden,
    then the set released: refused until the template is published or its problem removed."""
    from exercises.authoring.services.problem_sets import ItemRefused, problem_set_update

    template, item, problem_set = world["template"], world["item"], world["set"]
    item.template = template
    item.save(update_fields=["template"])
    ProblemSet.objects.filter(pk=problem_set.pk).update(hidden=True)
    problem_set.refresh_from_db()
    ProblemTemplate.objects.filter(pk=template.pk).update(published=False)
    values = {
        "course": problem_set.course,
        "title_en": "W",
        "title_ko": "W",
        "due_at": problem_set.due_at,
    }
    with pytest.raises(ItemRefused) as refused:
        problem_set_update(problem_set=problem_set, hidden=False, **values)
    assert str(refused.value) == (
        f"{template.slug} is not published: publish it, or remove its problem, "
        "before you release the set"
    )
    problem_set.refresh_from_db()
    assert problem_set.hidden is True
    problem_set_update(problem_set=problem_set, hidden=True, **values)  # a hidden set saves
    ProblemTemplate.objects.filter(pk=template.pk).update(published=True)
    problem_set_update(problem_set=problem_set, hidden=False, **values)
    problem_set.refresh_from_db()
    assert problem_set.hidden is False


def test_an_action_the_set_page_has_no_button_for_is_said_there(client, world):
    """It answered a blank 400 page."""
    client.force_login(world["instructor"])
    item = world["item"]
    page = client.post(
        reverse("authoring:item-change", args=[item.pk]), {"action": "bring_back"}, follow=True
    )
    assert page.status_code == 200
    assert "That is not an action on a problem of the set." in page.content.decode()
