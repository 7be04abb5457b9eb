"""URLs of the lti room: what platforms call, an instructor's first choices, the admin's
registrations, a course's passback status."""

from django.urls import path

from exercises.lti import views as v

app_name = "lti"

urlpatterns = [
    path("lti/jwks/", v.jwks, name="jwks"),
    path("lti/login/", v.LoginInitView.as_view(), name="login"),
    path(
        "lti/login/<uuid:registration_uuid>/",
        v.LoginInitView.as_view(),
        name="login-registration",
    ),
    path("lti/launch/", v.LaunchView.as_view(), name="launch"),
    path("lti/launch/continue/", v.launch_continue, name="launch-continue"),
    path("lti/launch/course/", v.context_link, name="context-link"),
    path("lti/launch/set/", v.resource_link, name="resource-link"),
    path("lti/launch/deep-link/", v.deep_link, name="deep-link"),
    path("lti/registrations/", v.registrations, name="registrations"),
    path("lti/registrations/<int:pk>/", v.registration_detail, name="registration-detail"),
    path(
        "lti/registrations/<int:pk>/deployments/",
        v.deployment_create,
        name="deployment-create",
    ),
    path("lti/deployments/<int:pk>/active/", v.deployment_active, name="deployment-active"),
    path("lti/contexts/<int:pk>/course/", v.context_course, name="context-course"),
    path("lti/contexts/<int:pk>/roster-sync/", v.roster_sync_view, name="roster-sync"),
    path("lti/keys/rotate/", v.keys_rotate_view, name="keys-rotate"),
    path("lti/courses/<int:pk>/", v.course_lti, name="course-lti"),
    path("lti/passbacks/<int:pk>/resend/", v.passback_resend_view, name="passback-resend"),
]
