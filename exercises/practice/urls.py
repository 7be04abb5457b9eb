"""URLs of what a student does (problem sets, problems, submissions)."""

from django.urls import include, path

from exercises.practice import views

app_name = "practice"

# one problem of the student's, under problems/<pk>/
problem = [
    path("", views.problem_detail, name="problem-detail"),
    path("plot.json", views.problem_plot, name="problem-plot"),
    path("preview/", views.problem_preview, name="problem-preview"),
    path("submit/", views.submission_create_view, name="submission-create"),
    path(
        "parts/<int:part>/submit/", views.part_submission_create_view, name="part-submission-create"
    ),
    path("practice/<int:n>/", views.practice_detail, name="practice"),
    path("practice/<int:n>/plot.json", views.practice_plot, name="practice-plot"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sets/<int:pk>/", views.problem_set_detail, name="problem-set-detail"),
    path("items/<int:pk>/", views.item_open, name="item-open"),
    path("problems/<int:pk>/", include(problem)),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/wait/<str:token>/", views.submission_wait, name="submission-wait"),
]
