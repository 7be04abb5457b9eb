"""URLs of what staff read: gradebook, wrong answers, tolerance and regrades, LMS exports."""

from django.urls import include, path

from exercises.gradebook import views

app_name = "gradebook"

# the staff forms about one student's problem, one view (views.gradebook_student_form)
student_item = [
    path(
        "exception/", views.gradebook_student_form, {"name": "exception"}, name="student-exception"
    ),
    path("override/", views.gradebook_student_form, {"name": "override"}, name="student-override"),
]

# a course's gradebook, under courses/<pk>/gradebook/
gradebook = [
    path("", views.course_gradebook, name="course-gradebook"),
    path("students/<int:student>/", views.gradebook_student, name="course-gradebook-student"),
    path("students/<int:student>/items/<int:item>/", include(student_item)),
    path("submissions.csv", views.course_submissions_csv, name="course-submissions-csv"),
    path("overrides/", views.course_override_log, name="course-overrides"),
]

# a course's scores for an LMS, under courses/<pk>/export/
export = [
    path("", views.course_grades_export, name="course-grades-export"),
    path("download/", views.course_grades_download, name="course-grades-download"),
    path("fill/", views.course_grades_fill, name="course-grades-fill"),
]

urlpatterns = [
    path("courses/<int:pk>/gradebook/", include(gradebook)),
    path("courses/<int:pk>/export/", include(export)),
    path("items/<int:pk>/wrong-answers/", views.item_wrong_answers, name="item-wrong-answers"),
    path("items/<int:pk>/tolerance/", views.item_tolerance_update, name="item-tolerance"),
    path("items/<int:pk>/regrade/", views.item_regrade, name="item-regrade"),
    path("regrades/<int:pk>/", views.regrade_detail, name="regrade-detail"),
]
