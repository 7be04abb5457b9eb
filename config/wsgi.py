"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import the URLconf (the views, the grading engine, SymPy) now rather than in the first
# request, then take what start-up made out of the garbage collector's view (gc.freeze): a
# full collection otherwise walks those objects every time, a pause of about 100 ms in
# whichever request it lands on.
get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
gc.collect()
gc.freeze()
