"""URLs of a course's people: roster, join code, sign-in links, joining by code."""

from django.urls import include, path

from exercises.courses import views

app_name = "courses"

# one course's people, under courses/<pk>/
course = [
    path("settings/", views.course_settings, name="course-settings"),
    path("people/", views.course_people, name="course-people"),
    path("roster/", views.course_roster_import, name="course-roster-import"),
    path("join-code/", views.course_join_code, name="course-join-code"),
    path("invitations/", views.course_invitations, name="course-invitations"),
    path("signin-links.csv", views.course_signin_links, name="course-signin-links"),
]

urlpatterns = [
    path("join/", views.course_join_view, name="course-join"),
    path("courses/new/", views.course_create_view, name="course-create"),
    path("courses/<int:pk>/", include(course)),
]
