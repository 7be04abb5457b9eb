"""URLs of the lti room: what platforms call, an instructor's first choices, the admin's
registrations, a course's passback status (under lti/, config/urls.py)."""

from django.urls import path

from exercises.lti import views as v

app_name = "lti"

urlpatterns = [
    path("jwks/", v.jwks, name="jwks"),
    path("login/", v.LoginInitView.as_view(), name="login"),
    path("login/<uuid:registration_uuid>/", v.LoginInitView.as_view(), name="login-registration"),
    path("launch/", v.LaunchView.as_view(), name="launch"),
    path("launch/continue/", v.launch_continue, name="launch-continue"),
    path("launch/course/", v.context_link, name="context-link"),
    path("launch/set/", v.resource_link, name="resource-link"),
    path("launch/deep-link/", v.deep_link, name="deep-link"),
    path("registrations/", v.registrations, name="registrations"),
    path("registrations/<int:pk>/", v.registration_detail, name="registration-detail"),
    path("registrations/<int:pk>/deployments/", v.deployment_create, name="deployment-create"),
    path("deployments/<int:pk>/active/", v.deployment_active, name="deployment-active"),
    path("contexts/<int:pk>/course/", v.context_course, name="context-course"),
    path("contexts/<int:pk>/roster-sync/", v.roster_sync_view, name="roster-sync"),
    path("keys/rotate/", v.keys_rotate_view, name="keys-rotate"),
    path("courses/<int:pk>/", v.course_lti, name="course-lti"),
    path("passbacks/<int:pk>/resend/", v.passback_resend_view, name="passback-resend"),
]
