"""每日一通报 and 每月一汇总 (DOMAIN.md §7, the work rhythm the reports serve).

The daily bulletin runs once a morning, off the request path, so it may read
the case table; each section is one aggregate query over an indexed range
(``reported_at``, ``filed_at``, the close events' ``created_at``, the open-case
index for lights and supervision). Its content is stored as JSON by community,
so that the page can show each reader the part of the city they are scoped to
without another query. It holds no personal data: no caller, phone,
description or address, only case numbers, categories, departments and times.

The monthly bulletin is ``reports.assessment.monthly`` per level, with the
rows outside a leader's region left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import clock
from cases.catalogue import category_by_id
from cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from org.models import Region
from org.roles import Role
from org.selectors import department_by_id, region_by_id, user_roles
from reports import assessment
from reports.access import read_scope
from reports.metrics import percent
from reports.models import DailyBulletin

log = logging.getLogger(__name__)

RED_CASES_PER_GROUP = 20  # case numbers listed per department (and district), oldest first
SUPERVISION_LIMIT = 500  # the supervision list's length; the total is always given
SUPERVISION_ACTIONS = ("supervise", "auto-supervise", "escalate")  # 督办 events (DOMAIN.md §4, §5)
PLACE = ("district", "street", "community")

GENERATORS = {Role.SHIFT_LEADER, Role.ADMIN}

LEVEL_TITLES = {
    "district": gettext_lazy("区县"),
    "street": gettext_lazy("街道"),
    "department": gettext_lazy("部门"),
}
COMPONENT_LABELS = {
    "on_time_closure": gettext_lazy("按期结案率"),
    "closure": gettext_lazy("结案率"),
    "rework": gettext_lazy("返工率"),
    "satisfaction": gettext_lazy("热线满意率"),
    "sanitation": gettext_lazy("环卫考评得分"),
}
RATE_NAMES = (
    "closure_rate",
    "on_time_closure_rate",
    "handling_rate",
    "on_time_handling_rate",
    "rework_rate",
    "delay_rate",
    "dispatch_accuracy",
    "hotline_response_rate",
    "hotline_resolution_rate",
    "hotline_satisfaction_rate",
)


# --- who reads what ----------------------------------------------------------------


def may_generate(user) -> bool:
    return bool(user_roles(user) & GENERATORS)


def _within(place: dict, scope: Region | None) -> bool:
    """A row located by district/street/community codes lies within the scope."""
    return scope is None or place.get(scope.level) == scope.code


# --- days ---------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local (Asia/Shanghai) midnight to midnight."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def yesterday() -> date:
    return timezone.localtime(clock.now()).date() - timedelta(days=1)


def _place(district_id: int, street_id: int, community_id: int) -> dict:
    return {
        level: region_by_id(region_id).code
        for level, region_id in zip(PLACE, (district_id, street_id, community_id), strict=True)
    }


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _department(department_id: int | None) -> dict:
    if department_id is None:
        return {"department": "", "department_name": _("未派遣（指挥中心）")}
    department = department_by_id(department_id)
    return {"department": department.code, "department_name": department.name}


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


# --- 每日一通报 ----------------------------------------------------------------------------


def generate_daily(day: date | None = None) -> DailyBulletin:
    """每日一通报 of ``day`` (default: yesterday, local date): intake, filings
    and closures, red-light open cases by department, the supervision list.
    Idempotent: a rerun rewrites the same day's row."""
    day = day or yesterday()
    now = clock.now()
    content = daily_content(day, now)
    bulletin, _created = DailyBulletin.objects.update_or_create(
        day=day, defaults={"generated_at": now, "content": content}
    )
    log.info("daily bulletin of %s generated", day.isoformat())
    return bulletin


def daily_content(day: date, now: datetime) -> dict:
    flows = _flows(day)
    red = _red_light(now)
    supervision = _supervision(day, now)
    codes = {row[level] for rows in (flows, red["counts"]) for row in rows for level in PLACE}
    totals = {
        "reported": sum(r["reported"] for r in flows),
        "filed": sum(r["filed"] for r in flows),
        "closed": sum(r["closed"] for r in flows),
        "red": sum(r["count"] for r in red["counts"]),
        "supervised": supervision["total"],
    }
    return {
        "day": day.isoformat(),
        "as_of": _iso(now),
        "totals": totals,
        "names": _names(codes),
        "flows": flows,
        "red_counts": red["counts"],
        "red_cases": red["cases"],
        "supervision": supervision,
    }


def _flows(day: date) -> list[dict]:
    """Reported, filed and closed that day by community (the page rolls them up)."""
    start, end = day_bounds(day)
    keys = ("district_id", "street_id", "community_id")
    closes = CaseEvent.objects.filter(action="close", created_at__gte=start, created_at__lt=end).values("case_id")
    queries = {
        "reported": Case.objects.filter(reported_at__gte=start, reported_at__lt=end),
        # 立案数 leaves voided cases out (DOMAIN.md §7).
        "filed": Case.objects.filter(filed_at__gte=start, filed_at__lt=end).exclude(status=Status.VOIDED),
        # Through the close events (indexed by time); the case must still be closed from that day.
        "closed": Case.objects.filter(pk__in=closes, status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end),
    }
    rows: dict[tuple, dict] = {}
    for name, queryset in queries.items():
        for row in queryset.order_by().values(*keys).annotate(n=Count("id")):
            key = tuple(row[k] for k in keys)
            if key not in rows:
                rows[key] = {**_place(*key), "reported": 0, "filed": 0, "closed": 0}
            rows[key][name] = row["n"]
    return sorted(rows.values(), key=lambda r: r["community"])


def _red_light(now: datetime) -> dict:
    """Open cases red now: counts by department × community, and the oldest
    (earliest step deadline) ``RED_CASES_PER_GROUP`` per department × district."""
    red = Case.objects.with_light_of("red", now).order_by()
    counts = [
        {**_department(row["department_id"]), **_place(row["district_id"], row["street_id"], row["community_id"]),
         "count": row["n"]}
        for row in red.values("department_id", "district_id", "street_id", "community_id").annotate(n=Count("id"))
    ]  # fmt: skip
    ranked = red.annotate(
        position=Window(
            RowNumber(),
            partition_by=[F("department_id"), F("district_id")],
            order_by=[F("step_deadline").asc(), F("id").asc()],
        )
    ).filter(position__lte=RED_CASES_PER_GROUP)
    fields = ("number", "status", "step_deadline", "deadline", "category_id", "department_id")
    cases = [
        {
            "number": row["number"],
            **_department(row["department_id"]),
            **_place(row["district_id"], row["street_id"], row["community_id"]),
            "category": category_by_id(row["category_id"]).name,
            "status": str(Status(row["status"]).label),
            "step_deadline": _iso(row["step_deadline"]),
            "deadline": _iso(row["deadline"]),
        }
        for row in ranked.values(*fields, "district_id", "street_id", "community_id")
    ]
    cases.sort(key=lambda c: (c["department"], c["step_deadline"] or "", c["number"]))
    counts.sort(key=lambda c: (c["department"], c["community"]))
    return {"counts": counts, "cases": cases}


def _supervision(day: date, now: datetime) -> dict:
    """督办清单: cases with a 督办 event that day, and open cases under supervision."""
    start, end = day_bounds(day)
    supervised_today = CaseEvent.objects.filter(
        action__in=SUPERVISION_ACTIONS, created_at__gte=start, created_at__lt=end
    ).values("case_id")
    today_ids = set(supervised_today.values_list("case_id", flat=True))
    wanted = Q(pk__in=today_ids) | Q(status__in=OPEN_STATUSES, supervision_level__gt=0)
    cases = Case.objects.filter(wanted).order_by("-supervision_level", F("deadline").asc(nulls_last=True), "number")
    total = cases.count()
    fields = ("id", "number", "status", "category_id", "department_id", "deadline", "supervision_level")
    rows = [
        {
            "number": row["number"],
            "category": category_by_id(row["category_id"]).name,
            **_department(row["department_id"]),
            **_place(row["district_id"], row["street_id"], row["community_id"]),
            "status": str(Status(row["status"]).label),
            "deadline": _iso(row["deadline"]),
            "supervision_level": row["supervision_level"],
            "supervised_that_day": row["id"] in today_ids,
        }
        for row in cases.values(*fields, "district_id", "street_id", "community_id")[:SUPERVISION_LIMIT]
    ]
    return {"total": total, "cases": rows}


# --- reading a daily bulletin --------------------------------------------------------


CHILD_LEVEL = {None: "district", "city": "district", "district": "street", "street": "community"}


@dataclass
class DailyView:
    """One reader's part of a daily bulletin, ready for the page and the .xlsx."""

    day: date
    generated_at: datetime
    as_of: str | None
    scope: Region | None
    row_level: str  # the flows are shown per district, or per street of a district leader …
    flows: list[dict]
    flow_total: dict
    red: list[dict]
    red_total: int
    supervision: list[dict]
    supervision_total: int
    supervision_truncated: bool


def _moments(case: dict) -> dict:
    """A stored case entry with its ISO times as datetimes, for display."""
    return {
        **case,
        **{name: parse_datetime(case[name]) if case.get(name) else None for name in ("step_deadline", "deadline")},
    }


def daily_view(bulletin: DailyBulletin, user) -> DailyView:
    content = bulletin.content
    scope = read_scope(user)
    names = content.get("names", {})
    row_level = CHILD_LEVEL.get(scope.level if scope else None, "community")

    flows: dict[str, dict] = {}
    total = {"reported": 0, "filed": 0, "closed": 0}
    for row in content.get("flows", []):
        if not _within(row, scope):
            continue
        code = row[row_level]
        unit = flows.setdefault(code, {"code": code, "name": names.get(code, code), **dict.fromkeys(total, 0)})
        for name in total:
            unit[name] += row[name]
            total[name] += row[name]

    red: dict[str, dict] = {}
    for row in content.get("red_counts", []):
        if _within(row, scope):
            unit = red.setdefault(
                row["department"],
                {"code": row["department"], "name": row["department_name"], "count": 0, "cases": []},
            )
            unit["count"] += row["count"]
    for case in content.get("red_cases", []):
        if _within(case, scope) and case["department"] in red:
            red[case["department"]]["cases"].append(case)
    for unit in red.values():
        unit["cases"].sort(key=lambda c: (c["step_deadline"] or "", c["number"]))
        unit["cases"] = [_moments(c) for c in unit["cases"][:RED_CASES_PER_GROUP]]

    supervision = content.get("supervision", {})
    listed = [_moments(c) for c in supervision.get("cases", []) if _within(c, scope)]
    stored_total = supervision.get("total", 0)
    truncated = stored_total > len(supervision.get("cases", []))
    return DailyView(
        day=bulletin.day,
        generated_at=bulletin.generated_at,
        as_of=content.get("as_of"),
        scope=scope,
        row_level=row_level,
        flows=sorted(flows.values(), key=lambda u: u["code"]),
        flow_total=total,
        red=sorted(red.values(), key=lambda u: (-u["count"], u["code"])),
        red_total=sum(u["count"] for u in red.values()),
        supervision=listed,
        # A scoped reader's total is what they see of the stored list.
        supervision_total=stored_total if scope is None else len(listed),
        supervision_truncated=truncated,
    )


# --- 每月一汇总 ----------------------------------------------------------------------------


def last_month() -> date:
    first = timezone.localtime(clock.now()).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _row_place(level: str, unit_id: int) -> dict:
    """district/street codes of a ranked unit (a department: its street office's street)."""
    if level == "department":
        street_id = department_by_id(unit_id).street_id
        if street_id is None:
            return {}
        level, unit_id = "street", street_id
    region = region_by_id(unit_id)
    if level == "district":
        return {"district": region.code}
    return {"district": region_by_id(region.parent_id).code, "street": region.code}


def _display(row: dict) -> dict:
    missing = row["missing"] if row["score"] is not None else []
    change = row.get("rank_change")
    return {
        **row,
        "percents": {name: percent(row.get(name)) for name in RATE_NAMES},
        "missing_labels": [str(COMPONENT_LABELS[name]) for name in missing],
        "change_arrow": "" if change is None else ("↑" if change > 0 else "↓" if change < 0 else "→"),
        "change_size": abs(change) if change else 0,
    }


def monthly_levels(month: date, user, levels=assessment.LEVELS) -> list[dict]:
    """The month's ranking per level, each row with its display values, rows
    outside the reader's region left out (ranks stay the city's)."""
    scope = read_scope(user)
    result = []
    for level in levels:
        report = assessment.monthly(month, level)
        rows = [
            _display(row)
            for row in report["rows"]
            if scope is None or _within(_row_place(level, row["unit_id"]), scope)
        ]
        result.append(
            {
                "level": level,
                "title": str(LEVEL_TITLES[level]),
                "as_of": report["as_of"],
                "frozen": report["frozen"],
                "rows": rows,
                "reweighted": any(r["missing_labels"] for r in rows),
            }
        )
    return result


def chart_data(level: dict) -> dict:
    """Ranked units and scores for an ECharts bar (best first), the flag holder marked."""
    ranked = [r for r in level["rows"] if r["score"] is not None]
    return {
        "names": [r["name"] for r in ranked],
        "scores": [float(r["score"]) for r in ranked],
        "flags": [bool(r["red_flag"]) for r in ranked],
        "boards": [r["board"] or "" for r in ranked],
    }
