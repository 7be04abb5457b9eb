"""URLs of a course's people: roster, join code, sign-in links, joining by code."""

from django.urls import path

from exercises.courses import views

app_name = "courses"

urlpatterns = [
    path("join/", views.course_join_view, name="course-join"),
    path("courses/new/", views.course_create_view, name="course-create"),
    path("courses/<int:pk>/settings/", views.course_settings, name="course-settings"),
    path("courses/<int:pk>/people/", views.course_people, name="course-people"),
    path("courses/<int:pk>/roster/", views.course_roster_import, name="course-roster-import"),
    path("courses/<int:pk>/join-code/", views.course_join_code, name="course-join-code"),
    path("courses/<int:pk>/invitations/", views.course_invitations, name="course-invitations"),
    path(
        "courses/<int:pk>/signin-links.csv", views.course_signin_links, name="course-signin-links"
    ),
]
