"""Reading Open311 query parameters: GET requests' filters and paging.

Every problem names its parameter ("start_date: …"), and all are reported at
once, so a client fixes its call in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import clock
from cases.models import Category

MAX_WINDOW = timedelta(days=90)  # GeoReport v2: a search may not span more than 90 days
MAX_PAGE_SIZE = 1000  # GeoReport v2: at most 1,000 requests per answer
DEFAULT_PAGE_SIZE = 1000
MAX_IDS = 1000
STATUS_VALUES = ("open", "closed")

# W3C-DTF as GeoReport v2 uses it: a date, or a date and time with Z or an offset.
_W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)


class ParamError(Exception):
    """Bad parameters: ``messages`` are "parameter: problem" lines."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


def problem(param: str, message: str) -> str:
    return f"{param}: {message}"


def comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_w3c(value: str, *, end_of_day: bool = False) -> datetime:
    """A W3C datetime; a bare date is the start (or end) of that local day and a
    time without offset is local time. ValueError when it is none of these."""
    value = value.strip()
    if not _W3C.match(value):
        raise ValueError(value)
    if "T" not in value:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        moment = datetime.combine(day, time.max if end_of_day else time.min)
        return timezone.make_aware(moment)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass(frozen=True)
class RequestQuery:
    """What GET requests asks for. With ``numbers`` the other filters are off
    (the spec: service_request_id overrides all other arguments)."""

    numbers: list[str] | None
    category_ids: list[int] | None
    start: datetime | None
    end: datetime | None
    statuses: list[str] | None
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _positive_int(params, name: str, default: int, maximum: int | None, errors: list[str]) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        errors.append(problem(name, _("应为正整数。")))
        return default
    value = int(raw)
    if maximum is not None and value > maximum:
        errors.append(problem(name, _("最大为 %(n)d。") % {"n": maximum}))
        return default
    return value


def _dates(params, now: datetime, errors: list[str]) -> tuple[datetime | None, datetime | None]:
    found: dict[str, datetime] = {}
    unreadable = False
    for name in ("start_date", "end_date"):
        raw = params.get(name)
        if raw is None or not raw.strip():
            continue
        try:
            found[name] = parse_w3c(raw, end_of_day=name == "end_date")
        except ValueError:
            unreadable = True
            example = "2026-01-01T00:00:00+08:00, 2026-01-01T00:00:00Z"
            errors.append(problem(name, _("时间格式无效，应为 W3C 格式，例如 %(example)s。") % {"example": example}))
    if unreadable:
        return None, None
    start, end = found.get("start_date"), found.get("end_date")
    # The default window is the most recent 90 days; one end given, the window runs 90 days from it.
    if start is None and end is None:
        end, start = now, now - MAX_WINDOW
    elif start is None:
        start = end - MAX_WINDOW
    elif end is None:
        end = start + MAX_WINDOW
    if end < start:
        errors.append(problem("end_date", _("不能早于 start_date。")))
    elif end - start > MAX_WINDOW:
        errors.append(problem("start_date", _("查询时间跨度不能超过 90 天。")))
    return start, end


def parse_request_query(params, *, now: datetime | None = None) -> RequestQuery:
    """GET requests' parameters; ParamError naming each bad one."""
    now = now or clock.now()
    errors: list[str] = []
    page = _positive_int(params, "page", 1, None, errors)
    page_size = _positive_int(params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errors)

    numbers = comma_list(params.get("service_request_id"))
    if len(numbers) > MAX_IDS:
        errors.append(problem("service_request_id", _("一次最多查询 %(n)d 个编号。") % {"n": MAX_IDS}))
    if numbers:
        if errors:
            raise ParamError(errors)
        return RequestQuery(numbers, None, None, None, None, page, page_size)

    category_ids = None
    codes = comma_list(params.get("service_code"))
    if codes:
        known = dict(Category.objects.filter(code__in=codes).values_list("code", "id"))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors.append(problem("service_code", _("未知的服务代码：%(codes)s。") % {"codes": ", ".join(unknown)}))
        category_ids = sorted(set(known.values()))

    statuses = None
    wanted = comma_list(params.get("status"))
    if wanted:
        bad = [value for value in wanted if value not in STATUS_VALUES]
        if bad:
            errors.append(problem("status", _("应为 open 或 closed（可用逗号分隔）。")))
        statuses = sorted(set(wanted) & set(STATUS_VALUES))

    start, end = _dates(params, now, errors)
    if errors:
        raise ParamError(errors)
    return RequestQuery(None, category_ids, start, end, statuses, page, page_size)
