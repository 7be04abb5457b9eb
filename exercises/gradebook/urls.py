"""URLs of what staff read: gradebook, wrong answers, tolerance and regrades, LMS exports."""

from django.urls import include, path

from exercises.gradebook import views

app_name = "gradebook"

# the staff forms about one student's problem, one view (views.gradebook_student_form)
student_item_forms = [
    path(
        "exception/", views.gradebook_student_form, {"name": "exception"}, name="student-exception"
    ),
    path("override/", views.gradebook_student_form, {"name": "override"}, name="student-override"),
]

urlpatterns = [
    path("courses/<int:pk>/gradebook/", views.course_gradebook, name="course-gradebook"),
    path(
        "courses/<int:pk>/gradebook/students/<int:student>/",
        views.gradebook_student,
        name="course-gradebook-student",
    ),
    path(
        "courses/<int:pk>/gradebook/students/<int:student>/items/<int:item>/",
        include(student_item_forms),
    ),
    path(
        "courses/<int:pk>/gradebook/submissions.csv",
        views.course_submissions_csv,
        name="course-submissions-csv",
    ),
    path(
        "courses/<int:pk>/gradebook/overrides/", views.course_override_log, name="course-overrides"
    ),
    path("courses/<int:pk>/export/", views.course_grades_export, name="course-grades-export"),
    path(
        "courses/<int:pk>/export/download/",
        views.course_grades_download,
        name="course-grades-download",
    ),
    path("courses/<int:pk>/export/fill/", views.course_grades_fill, name="course-grades-fill"),
    path("items/<int:pk>/wrong-answers/", views.item_wrong_answers, name="item-wrong-answers"),
    path("items/<int:pk>/tolerance/", views.item_tolerance_update, name="item-tolerance"),
    path("items/<int:pk>/regrade/", views.item_regrade, name="item-regrade"),
    path("regrades/<int:pk>/", views.regrade_detail, name="regrade-detail"),
]
