"""URLs of what a student does (problem sets, problems, submissions)."""

from django.urls import path

from exercises.practice import views

app_name = "practice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sets/<int:pk>/", views.problem_set_detail, name="problem-set-detail"),
    path("items/<int:pk>/", views.item_open, name="item-open"),
    path("problems/<int:pk>/", views.problem_detail, name="problem-detail"),
    path("problems/<int:pk>/plot.json", views.problem_plot, name="problem-plot"),
    path("problems/<int:pk>/preview/", views.problem_preview, name="problem-preview"),
    path("problems/<int:pk>/submit/", views.submission_create_view, name="submission-create"),
    path(
        "problems/<int:pk>/parts/<int:part>/submit/",
        views.part_submission_create_view,
        name="part-submission-create",
    ),
    path("problems/<int:pk>/practice/<int:n>/", views.practice_detail, name="practice"),
    path(
        "problems/<int:pk>/practice/<int:n>/plot.json",
        views.practice_plot,
        name="practice-plot",
    ),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/wait/<str:token>/", views.submission_wait, name="submission-wait"),
]
