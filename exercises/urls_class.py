"""URLs of the instructors' pages (people, wrong answers, regrades, exports), in the
exercises namespace."""

from django.urls import path

from exercises import views_class as v

urlpatterns = [
    path("join/", v.course_join_view, name="course-join"),
    path("courses/<int:pk>/people/", v.course_people, name="course-people"),
    path("courses/<int:pk>/roster/", v.course_roster_import, name="course-roster-import"),
    path("courses/<int:pk>/join-code/", v.course_join_code, name="course-join-code"),
    path("courses/<int:pk>/signin-links.csv", v.course_signin_links, name="course-signin-links"),
    path("courses/<int:pk>/export/", v.course_export, name="course-grades-export"),
    path(
        "courses/<int:pk>/export/download/",
        v.course_export_download,
        name="course-grades-download",
    ),
    path("courses/<int:pk>/export/fill/", v.course_export_fill, name="course-grades-fill"),
    path("items/<int:pk>/wrong-answers/", v.item_wrong_answers, name="item-wrong-answers"),
    path("items/<int:pk>/tolerance/", v.item_tolerance_update, name="item-tolerance"),
    path("items/<int:pk>/regrade/", v.item_regrade, name="item-regrade"),
    path("regrades/<int:pk>/", v.regrade_detail, name="regrade-detail"),
]
