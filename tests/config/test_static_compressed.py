"""make run's WhiteNoise (DEBUG: files found in static/, read again on each request) sends the
Brotli or gzip copy that `make install` put beside a vendor file, to a browser that takes it:
Plotly's 3-D bundle is 1.7 MB, its Brotli copy about a quarter of that."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "vendor" / "plotly" / "plotly-gl3d.min.js"
URL = "/static/vendor/plotly/plotly-gl3d.min.js"


@pytest.fixture
def dev_whitenoise():
    """WhiteNoise as make run's settings make it (DEBUG: it finds files in static/ and reads
    them on each request); what it does not serve falls through to a 404."""
    assert BUNDLE.with_suffix(".js.br").exists(), "run `make install` first"
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        return WhiteNoiseMiddleware(get_response=lambda request: HttpResponse(status=404))


@pytest.mark.django_db  # closing the response sends request_finished, which closes old connections
@pytest.mark.parametrize(
    ("accepts", "encoding", "suffix"),
    [("gzip, deflate, br", "br", ".js.br"), ("gzip", "gzip", ".js.gz"), ("", None, ".js")],
)
def test_the_plotly_bundle_is_sent_compressed_to_a_browser_that_takes_it(
    dev_whitenoise, accepts, encoding, suffix
):
    response = dev_whitenoise(RequestFactory().get(URL, HTTP_ACCEPT_ENCODING=accepts))
    assert response.status_code == 200
    assert response.get("Content-Encoding") == encoding
    assert int(response["Content-Length"]) == BUNDLE.with_suffix(suffix).stat().st_size
    assert "Accept-Encoding" in response["Vary"]
    response.close()
