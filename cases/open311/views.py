"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2, DOMAIN.md §11).

Plain Django views: each path ends in ``.json`` or ``.xml`` and answers in
that format, errors included (a list of {code, description} with the HTTP
status). A single jurisdiction: ``jurisdiction_id`` is accepted and ignored.
GET output is the public reading of ``cases.public``: never a caller's name,
phone or e-mail, never an internal comment. A POST creates the case through
``cases.services.case_report_public`` (channel ``public``), like the public page.
"""

from __future__ import annotations

import logging
import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cases.errors import CaseError
from cases.models import Category, Open311Client, PublicReport, Urgency
from cases.open311.formats import render, render_errors, w3c_datetime
from cases.open311.params import ParamError, parse_request_query, problem
from cases.public import CLOSED_STATUSES, masked_text, open311_status, public_cases, rate_limited, status_note
from cases.services import case_report_public
from citymgmt.security import client_ip
from org.selectors import locate_address

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed (discovery's changeset): bump it with any change clients should notice.
CHANGESET = "2026-11-01T00:00:00+08:00"

# The names the case services give a field, as an Open311 client knows them.
FIELD_PARAMS = {
    "category": "service_code",
    "description": "description",
    "lat": "lat",
    "lng": "long",
    "address": "address_string",
    "caller_phone": "phone",
    "caller_name": "first_name/last_name",
    "urgency": "attribute[urgency]",
    "email": "email",
    "media_url": "media_url",
    "photos": "media",
}


# --- plumbing ------------------------------------------------------------------------


def open311(*methods: str):
    """A view answering in the format of its path (``fmt``), for these methods
    only (405 in that format otherwise)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
                message = _("此路径不支持 %(method)s 方法，可用：%(allowed)s。") % {
                    "method": request.method,
                    "allowed": ", ".join(methods),
                }
                return render_errors(fmt, 405, [message], headers={"Allow": ", ".join(methods)})
            response = view(request, *args, fmt=fmt, **kwargs)
            patch_vary_headers(response, ["Accept-Language"])
            return response

        return csrf_exempt(wrapper)

    return decorate


def _english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def _named(obj) -> str:
    """A catalogue entry's name in the request's language (English when asked and known)."""
    return (obj.name_en or obj.name) if _english() else obj.name


# --- discovery and services ----------------------------------------------------------


@open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT or _("请联系本市数字城管指挥中心。"),
        "key_service": settings.OPEN311_KEY_SERVICE
        or _("API 密钥由平台管理员在系统管理（Open311 客户端）中为每个客户端系统签发。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


def _service(category: Category) -> dict:
    major = _named(category.major)
    return {
        "service_code": category.code,
        "service_name": _named(category),
        "description": _("%(major)s / %(name)s（%(kind)s）")
        % {"major": major, "name": _named(category), "kind": category.get_kind_display()},
        "metadata": True,  # the urgency attribute
        "type": "realtime",
        "keywords": ", ".join([major, str(category.get_kind_display()), category.code]),
        "group": major,
    }


@open311("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = Category.objects.filter(is_active=True).select_related("major").order_by("code")
    return render(fmt, "services", [_service(category) for category in categories])


def urgency_attribute() -> dict:
    return {
        "variable": True,
        "code": "urgency",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": _("问题是否紧急：normal 一般，urgent 紧急（默认 normal）。"),
        "order": 1,
        "description": _("紧急程度"),
        "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
    }


@open311("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        return render_errors(fmt, 404, [problem("service_code", _("未知或已停用的服务：%(code)s。") % {"code": code})])
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": [urgency_attribute()]})


# --- service requests ----------------------------------------------------------------


def request_data(case) -> dict:
    """One case as a GeoReport v2 request: the public reading only (DOMAIN.md §10)."""
    media_url = ""
    try:
        report = case.public_report
    except ObjectDoesNotExist:
        report = None
    if report is not None:
        media_url = report.media_url
    return {
        "service_request_id": case.number,
        "status": open311_status(case.status),
        "status_notes": status_note(case),
        "service_name": _named(case.category),
        "service_code": case.category.code,
        "description": masked_text(case.description),
        "agency_responsible": case.department.name if case.department_id else "",
        "service_notice": "",
        "requested_datetime": w3c_datetime(case.reported_at),
        "updated_datetime": w3c_datetime(case.updated_at),
        "expected_datetime": w3c_datetime(case.deadline),
        "address": masked_text(case.address),
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url,
    }


def _request_rows():
    return public_cases().select_related("public_report")


@open311("GET", "POST")
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    try:
        query = parse_request_query(request.GET)
    except ParamError as exc:
        return render_errors(fmt, 400, exc.messages)
    rows = _request_rows()
    if query.numbers is not None:
        rows = rows.filter(number__in=query.numbers)
    else:
        rows = rows.filter(reported_at__gte=query.start, reported_at__lte=query.end)
        if query.category_ids is not None:
            rows = rows.filter(category_id__in=query.category_ids)
        if query.statuses and len(query.statuses) == 1:
            closed = list(CLOSED_STATUSES)
            rows = rows.filter(status__in=closed) if query.statuses == ["closed"] else rows.exclude(status__in=closed)
    # Newest first; no count: the page is all a client gets (and all we read).
    rows = rows.order_by("-reported_at", "-id")[query.offset : query.offset + query.page_size]
    return render(fmt, "service_requests", [request_data(case) for case in rows])


@open311("GET")
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    case = _request_rows().filter(number=number).first()
    if case is None:
        message = problem("service_request_id", _("没有编号为 %(number)s 的诉求。") % {"number": number})
        return render_errors(fmt, 404, [message])
    return render(fmt, "service_requests", [request_data(case)])


@open311("GET")
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    report = PublicReport.objects.select_related("case").filter(token=token).first()
    if report is None:
        return render_errors(fmt, 404, [problem("token", _("未知的令牌。"))])
    return render(fmt, "service_requests", [{"service_request_id": report.case.number, "token": report.token}])


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under open311/v2/, a path without .json/.xml included:
    404 in the format its suffix names (JSON without one)."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    message = _("没有这个 Open311 路径：%(path)s。路径须以 .json 或 .xml 结尾。") % {"path": request.path}
    return render_errors(fmt, 404, [message])


# --- POST requests -------------------------------------------------------------------

_RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _period_seconds(rate: str) -> int:
    """The window of a django-ratelimit rate such as "120/m" or "10/5m", in seconds."""
    match = re.fullmatch(r"\s*\d+\s*/\s*(\d*)\s*([smhd])\w*\s*", rate or "")
    if not match:
        return 60
    return int(match.group(1) or 1) * _RATE_PERIODS[match.group(2)]


def _too_many(fmt: str, message: str, rate: str) -> HttpResponse:
    return render_errors(fmt, 429, [message], headers={"Retry-After": str(_period_seconds(rate))})


def _client(key: str) -> tuple[Open311Client | None, str | None]:
    """The client of an api_key, or the reason it may not post."""
    if not key:
        return None, problem("api_key", _("缺少 API 密钥（api_key），提交诉求需要密钥。"))
    client = Open311Client.objects.filter(api_key=key).first()
    if client is None:
        return None, problem("api_key", _("API 密钥无效。"))
    if not client.is_active or client.revoked_at is not None:
        return None, problem("api_key", _("API 密钥已被吊销。"))
    return client, None


def _caller_name(first: str, last: str) -> str:
    """Chinese order (姓 + 名, no space); Latin names as "first last"."""
    first, last = first.strip(), last.strip()
    if first.isascii() and last.isascii():
        return " ".join(part for part in (first, last) if part)
    return last + first


def _location(params, errors: list[str]) -> tuple[str | None, str | None, str]:
    """(lat, long, address): a point given, or the address_string's place in the city."""
    lat, lng = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    if lat and lng:
        return lat, lng, address
    if lat or lng:
        errors.append(problem("lat" if not lat else "long", _("lat 和 long 须同时提供。")))
        return None, None, address
    if not address:
        errors.append(problem("lat", _("请提供位置：lat 和 long，或 address_string。")))
        return None, None, address
    found = locate_address(address)
    if found is None:
        errors.append(
            problem(
                "address_string",
                _("无法在本市找到该地址（须含本市的街道、社区或网格名称），请改为提供 lat 和 long。"),
            )
        )
        return None, None, address
    return str(found[0]), str(found[1]), address


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    # Per address first, so that guessing keys is limited too.
    if rate_limited(request, group="open311-ip", key="ip", rate=settings.OPEN311_RATE_PER_IP):
        message = _("来自此地址的提交过于频繁（上限 %(rate)s），请稍后再试。") % {"rate": settings.OPEN311_RATE_PER_IP}
        return _too_many(fmt, message, settings.OPEN311_RATE_PER_IP)
    client, refusal = _client((params.get("api_key") or "").strip())
    if client is None:
        return render_errors(fmt, 403, [refusal])
    if rate_limited(
        request, group="open311-key", key=lambda group, req: f"client-{client.pk}", rate=settings.OPEN311_RATE_PER_KEY
    ):
        rate = settings.OPEN311_RATE_PER_KEY
        message = _("此 API 密钥的提交过于频繁（上限 %(rate)s），请稍后再试。") % {"rate": rate}
        return _too_many(fmt, message, settings.OPEN311_RATE_PER_KEY)

    errors: list[str] = []
    service_code = (params.get("service_code") or "").strip()
    if not service_code:
        errors.append(problem("service_code", _("请提供服务代码（service_code）。")))
    lat, lng, address = _location(params, errors)
    if errors:
        return render_errors(fmt, 400, errors)
    try:
        case = case_report_public(
            via=PublicReport.Via.OPEN311,
            category=service_code,
            description=params.get("description") or "",
            lat=lat,
            lng=lng,
            address=address,
            urgency=(params.get("attribute[urgency]") or "").strip() or Urgency.NORMAL,
            caller_name=_caller_name(params.get("first_name") or "", params.get("last_name") or ""),
            caller_phone=params.get("phone") or "",
            email=params.get("email") or "",
            media_url=params.get("media_url") or "",
            photos=request.FILES.getlist("media"),
            client=client,
            ip=_recorded_ip(request),
        )
    except CaseError as exc:
        if not exc.fields:
            return render_errors(fmt, 400, [exc.message])
        named = [(FIELD_PARAMS.get(field, field), messages) for field, messages in exc.fields.items()]
        return render_errors(fmt, 400, [problem(param, message) for param, messages in named for message in messages])
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    logger.info("Open311 request %s created by client %s", case.number, client.pk)
    data = [
        {
            "service_request_id": case.number,
            "token": case.public_report.token,
            "service_notice": _("已收到您反映的问题，可凭编号查询处理进度。"),
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", data, status=201)


def _recorded_ip(request) -> str | None:
    """The client's address as the rate limits see it (None when unknown)."""
    ip = client_ip(request)
    return None if ip == "0.0.0.0" else ip
