"""The OpenAPI schema and its interactive page, served without the internet."""

import re

from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from cases.rules import RULES


def test_the_schema_lists_every_path_of_the_contract(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/categories/",
        "/api/v1/regions/",
        "/api/v1/departments/",
        "/api/v1/grids/",
        "/api/v1/locate/",
        "/api/v1/cases/",
        "/api/v1/cases/{number}/",
    ]:
        assert path in paths
    for action in RULES:
        assert "post" in paths[f"/api/v1/cases/{{number}}/{action}/"]
    list_parameters = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {
        "status", "source", "district", "street", "grid", "category", "department", "urgency", "light",
        "overdue", "filed_after", "filed_before", "q", "ordering", "page", "page_size",
    } <= list_parameters  # fmt: skip


def test_the_schema_documents_the_body_of_an_action(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["paths"]["/api/v1/cases/{number}/request-delay/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"reason", "extra_value", "extra_unit"}


def test_the_docs_page_loads_its_scripts_from_our_own_static_files(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in s for s in sources)
    for source in sources:
        assert not source.startswith(("http:", "https:", "//")), source
    assert "cdn" not in html.lower()
    ours = [s.split(settings.STATIC_URL, 1)[1] for s in sources if s.startswith(settings.STATIC_URL)]
    assert ours
    for path in ours:  # each one ships with the project (drf-spectacular-sidecar)
        assert finders.find(path), path
