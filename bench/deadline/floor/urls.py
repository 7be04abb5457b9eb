"""The site's URLs and the floor's one endpoint (bench.deadline.settings only)."""

from django.urls import path

from bench.deadline.floor.views import floor_submit
from config.urls import urlpatterns as site

urlpatterns = [path("bench-floor/submit/", floor_submit, name="bench-floor-submit"), *site]
