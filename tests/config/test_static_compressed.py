"""make run's WhiteNoise (DEBUG: files found in static/, read again on each request) sends the
Brotli or gzip copy that `make install` put beside a vendor file, to a browser that takes it:
Plotly's 3-D bundle is 1.7 MB, its Brotli copy about a quarter of that."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "vendor" / "plotly" / "plotly-gl3d.min.js"
URL = "/static/vendor/plotly/plotly-gl3d.min.js"


@pytest.fixture
def dev_client():
    assert BUNDLE.with_suffix(".js.br").exists(), "run `make install` first"
    # make run's settings: WhiteNoise finds files in static/ and reads them on each request
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        yield Client()  # a new client: its middleware is made with these settings


@pytest.mark.parametrize(
    ("accepts", "encoding", "suffix"),
    [("gzip, deflate, br", "br", ".js.br"), ("gzip", "gzip", ".js.gz"), ("", None, ".js")],
)
def test_the_plotly_bundle_is_sent_compressed_to_a_browser_that_takes_it(
    dev_client, accepts, encoding, suffix
):
    response = dev_client.get(URL, HTTP_ACCEPT_ENCODING=accepts)
    assert response.status_code == 200
    assert response.get("Content-Encoding") == encoding
    assert int(response["Content-Length"]) == BUNDLE.with_suffix(suffix).stat().st_size
    assert "Accept-Encoding" in response["Vary"]
    response.close()
