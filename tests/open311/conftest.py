"""Open311 fixtures: the case world, a client system with its key, and helpers
to call the interface and check answers against the schemas written from the
GeoReport v2 spec (tests/open311/schemas)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from django.core.cache import cache as django_cache
from django.test import Client

import cases.open311.admin  # noqa: F401  (registers the admin even before cases/admin.py imports it)
from cases.models import Open311Client
from cases.open311.formats import ITEM_NAMES
from tests.cases.conftest import catalogue, frozen, media_root, offices, world  # noqa: F401

SCHEMAS = Path(__file__).resolve().parent / "schemas"
BASE = "/open311/v2"

# The caller of every reported case in these tests: none of it may leave through GET.
CALLER = {"first_name": "小明", "last_name": "欧阳", "phone": "13912345678", "email": "ouyang.xm@example.cn"}
CALLER_NAME = "欧阳小明"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Rate-limit counters live in the cache (this run's Redis db): start each test at zero."""
    django_cache.clear()
    yield
    django_cache.clear()


@pytest.fixture(autouse=True)
def _media(media_root):  # noqa: F811
    return media_root


@pytest.fixture
def app_client(db):
    return Open311Client.objects.create(name="市民随手拍 App", contact="dev@example.cn")


@pytest.fixture
def web():
    return Client()


def get(web, path: str, fmt: str = "json", language: str | None = None, **params):
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return web.get(f"{BASE}/{path}.{fmt}", params, **extra)


def post(web, fmt: str = "json", files: dict | None = None, ip: str = "10.0.0.1", **fields):
    data = {**fields, **(files or {})}
    return web.post(f"{BASE}/requests.{fmt}", data, REMOTE_ADDR=ip)


@cache
def _xml_schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / f"{name}.xsd"))


@cache
def _json_schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def conforms(response, fmt: str, schema: str):
    """The answer checked against the spec schema ``schema``; returns it as Python
    (XML read back into the JSON shape with ``from_xml``)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        data = json.loads(response.content)
        jsonschema.validate(data, _json_schema(schema))
        return data
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    _xml_schema(schema).validate(response.content)
    return from_xml(response.content)


def from_xml(content: bytes):
    """XML in the JSON shape: plural elements (services, endpoints …) become lists,
    the others dicts, leaves their text ("" when empty)."""

    def read(element: ET.Element):
        if element.tag in ITEM_NAMES:
            return [read(child) for child in element]
        if len(element):
            return {child.tag: read(child) for child in element}
        return element.text or ""

    return read(ET.fromstring(content))


def as_text(data):
    """JSON data as XML would show it: every leaf a string, None and "" alike."""
    if isinstance(data, dict):
        return {key: as_text(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_text(value) for value in data]
    if data is None:
        return ""
    if isinstance(data, bool):
        return "true" if data else "false"
    return str(data)


def error_descriptions(response, fmt: str) -> list[str]:
    errors = conforms(response, fmt, "errors")
    assert {str(e["code"]) for e in errors} == {str(response.status_code)}
    return [e["description"] for e in errors]


def where(people, grid: int = 1) -> dict:
    """Open311 lat/long of a grid's centre in the test city (``people`` is the ``world``)."""
    grid = people.city.grids[grid]
    return {"lat": grid.centroid_lat, "long": grid.centroid_lng}
