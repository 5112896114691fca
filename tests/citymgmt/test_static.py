"""Front-end libraries are served from npm's node_modules, never from copies in the repo."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path",
    [
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
    ],
)
def test_each_library_is_found_in_node_modules(path):
    found = finders.find(path)
    assert found is not None, f"{path} not found: run npm ci"
    assert "node_modules" in str(found)


def test_no_library_file_is_copied_into_the_repository():
    ours = ROOT / "static"
    names = {p.name for p in ours.rglob("*")}
    assert not names & {"bootstrap.min.css", "htmx.min.js", "echarts.min.js", "leaflet.js"}


def test_pages_reference_the_libraries_through_static(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    assert "/static/vendor/htmx/htmx.min.js" in page
