"""URLs of the instructor's editor: templates, problem sets, YAML in and out (under teach/,
config/urls.py)."""

from django.urls import path

from exercises.authoring import views as v

app_name = "authoring"

urlpatterns = [
    path("courses/<int:pk>/", v.course_authoring, name="course-authoring"),
    path("courses/<int:pk>/templates/new/", v.template_create, name="template-create"),
    path("courses/<int:pk>/sets/new/", v.problem_set_create_view, name="set-create"),
    path("courses/<int:pk>/export.yaml", v.course_yaml_export, name="course-export"),
    path("courses/<int:pk>/import/", v.course_yaml_import, name="course-import"),
    path("templates/<int:pk>/", v.template_edit, name="template-edit"),
    path("templates/<int:pk>/preview/", v.template_preview, name="template-preview"),
    path("templates/<int:pk>/check/", v.template_check, name="template-check"),
    path("templates/<int:pk>/publish/", v.template_publish_view, name="template-publish"),
    path("templates/<int:pk>/copy/", v.template_copy_view, name="template-copy"),
    path("sets/<int:pk>/", v.problem_set_edit, name="set-edit"),
    path("sets/<int:pk>/items/", v.item_add, name="item-add"),
    path("sets/<int:pk>/duplicate/", v.problem_set_duplicate_view, name="set-duplicate"),
    path("items/<int:pk>/", v.item_change, name="item-change"),
]
