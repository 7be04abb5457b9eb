"""URLs of the student site."""

from django.urls import path

from exercises import views
from exercises.urls_authoring import urlpatterns as authoring_urlpatterns
from exercises.urls_class import urlpatterns as class_urlpatterns

app_name = "exercises"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/<int:pk>/gradebook/", views.course_gradebook, name="course-gradebook"),
    path("sets/<int:pk>/", views.problem_set_detail, name="problem-set-detail"),
    path("items/<int:pk>/", views.item_open, name="item-open"),
    path("problems/<int:pk>/", views.problem_detail, name="problem-detail"),
    path("problems/<int:pk>/preview/", views.problem_preview, name="problem-preview"),
    path("problems/<int:pk>/submit/", views.submission_create_view, name="submission-create"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
]

urlpatterns += class_urlpatterns  # instructors' pages (people, wrong answers, exports)
urlpatterns += authoring_urlpatterns  # instructors' editor (templates, sets, YAML)
