"""Open311 answers in JSON and XML, with the element names of GeoReport v2.

One Python structure per answer, written out in either format, so the two
carry the same data: a list of dicts becomes a root element holding one
element per dict (``<service_requests><request>…``), a nested list the plural
element holding singular ones (``<endpoints><endpoint>``), True/False
``true``/``false``, None and "" an empty element.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The singular element of each plural one (GeoReport v2).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def w3c_datetime(moment: datetime | None) -> str | None:
    """W3C / ISO 8601 with the local offset, whole seconds: 2026-11-18T09:00:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """``data`` under the element ``root``, UTF-8 with the XML declaration."""
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """The answer ``data`` in ``fmt``; ``root`` names the XML root element."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def render_errors(fmt: str, status: int, descriptions: list[str], *, headers: dict | None = None) -> HttpResponse:
    """GeoReport v2 errors: a list of {code, description}, code = the HTTP status."""
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    response = render(fmt, "errors", errors, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
