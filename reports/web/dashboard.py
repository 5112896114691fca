"""The leader dashboard (领导驾驶舱, issue 7) at /reports/.

The page is one request: the headline figures of the leader's region and month
are rendered on the server. Each chart then asks ``data/<part>/`` for its
data, which is built from the stored statistics (``reports.selectors``, never
the case table) and cached as JSON under ``reports.stats.version()``, the
scope and the month: new figures bump the version, so a cached chart is never
older than the figures. Every number links to the triage queue with the
filters of the cases behind it (``cases_url``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import clock
from cases.models import Status
from reports import selectors, stats
from reports.access import may_read
from reports.metrics import percent
from reports.selectors import Scope
from sanitation.access import parse_month

PARTS = ("ranking", "trend", "channels", "categories", "grids", "overdue", "map")
# The version key invalidates a chart as soon as figures change; this only
# bounds how long an unused entry stays in the cache.
CACHE_SECONDS = 3600
SCREEN_REFRESH_SECONDS = 60
MARKERCLUSTER_JS = "vendor/leaflet.markercluster/leaflet.markercluster.js"

# A month's cohort (DOMAIN.md §7): filed in the month, voided excluded. Once
# filed a case is in one of these states.
FILED_STATUSES = [
    s.value for s in Status if s not in (Status.REPORTED, Status.VERIFYING, Status.REJECTED, Status.VOIDED)
]


def _require_dashboard_role(user) -> None:
    if not may_read(user):
        raise PermissionDenied(_("只有领导、值班长、派遣员和管理员可以查看领导驾驶舱。"))


def _bring_up_to_date() -> None:
    """Embedded mode (no broker, tasks run in-process): take the queue of
    changed cases now, so the SQLite demo shows current figures."""
    from citymgmt.celery import app

    if app.conf.task_always_eager and stats.pending():
        from reports.tasks import refresh_stats

        refresh_stats()


def current_month() -> date:
    """This month in Asia/Shanghai, by the clock the services act at."""
    return timezone.localtime(clock.now()).date().replace(day=1)


@lru_cache(maxsize=1)
def _markercluster_available() -> bool:
    # Served only once settings.STATICFILES_DIRS exposes the npm package; until
    # then the map draws its markers unclustered (and the manifest storage of
    # production never sees a {% static %} of a missing file).
    return finders.find(MARKERCLUSTER_JS) is not None


# --- links to the cases behind a number -----------------------------------------------


def cases_url(**filters) -> str:
    """The triage queue with these filters (``cases.filters.CaseFilter``)."""
    query = {name: value for name, value in filters.items() if value not in ("", None)}
    return reverse("work:queue") + ("?" + urlencode(query) if query else "")


def cohort(scope: Scope, month: date, **more) -> dict[str, str]:
    """The filters of a month's cohort: filed in the month (both ends are whole
    days, Asia/Shanghai), closed ones included, voided ones not."""
    return {
        **scope.case_filters(),
        "filed_after": month.isoformat(),
        "filed_before": selectors.month_end(month).isoformat(),
        "state": "all",
        "status": ",".join(FILED_STATUSES),
        **more,
    }


def headline_links(scope: Scope, month: date) -> dict[str, str]:
    closed = cohort(scope, month, status=Status.CLOSED.value)
    open_cohort = {k: v for k, v in cohort(scope, month).items() if k not in ("state", "status")}
    return {
        "filed": cases_url(**cohort(scope, month)),
        "closed": cases_url(**closed),
        "not_closed": cases_url(**open_cohort),
        "open": cases_url(**scope.case_filters()),
        "overdue": cases_url(**scope.case_filters(), stage="overdue"),
        "red": cases_url(**scope.case_filters(), light="red"),
    }


def _unit_filters(level: str, code: str) -> dict[str, str]:
    return {level: code} if level in ("district", "street") else {"department": code}


def _with_links(part: str, scope: Scope, month: date, data: dict) -> dict:
    if part == "ranking":
        for row in data["rows"]:
            unit = _unit_filters(data["level"], row["code"])
            base = {k: v for k, v in cohort(scope, month).items() if k not in scope.case_filters()}
            row["url"] = cases_url(**base, **unit)
    elif part == "trend":
        for point in data["points"]:
            point["url"] = cases_url(**cohort(scope, point["month"]))
            point["closed_url"] = cases_url(**cohort(scope, point["month"], status=Status.CLOSED.value))
    elif part == "channels":
        for group in data["groups"]:
            group["url"] = cases_url(**cohort(scope, month, source=",".join(group["sources"])))
    elif part == "categories":
        for category in data["categories"]:
            category["url"] = cases_url(**cohort(scope, month, category=category["code"]))
    elif part == "grids":
        for grid in data["grids"]:
            grid["url"] = cases_url(**cohort(scope, month, grid=grid["code"]))
    elif part == "overdue":
        for department in data["departments"]:
            if department["code"]:
                department["url"] = cases_url(**scope.case_filters(), department=department["code"], stage="overdue")
            else:  # not dispatched yet
                department["url"] = cases_url(**scope.case_filters(), stage="dispatch")
    elif part == "map":
        # Thousands of grids: one base link per layer, the page adds "&grid=<code>"
        # (and "&light=<light>" for a marker); per-grid links would triple the payload.
        data["links"] = {"open": cases_url(**scope.case_filters()), "heat": cases_url(**cohort(scope, month))}
    return data


def build_part(part: str, scope: Scope, month: date) -> dict:
    readers = {
        "ranking": lambda: selectors.ranking(scope, month),
        "trend": lambda: selectors.trend(scope, month),
        "channels": lambda: selectors.channels(scope, month),
        "categories": lambda: selectors.top_categories(scope, month),
        "grids": lambda: selectors.hot_grids(scope, month),
        "overdue": lambda: selectors.overdue_by_department(scope),
        "map": lambda: selectors.map_layers(scope, month),
    }
    data = _with_links(part, scope, month, readers[part]())
    if part != "map":  # the map's arrays are plain already, and long
        data = selectors.plain(data)
    return {"part": part, "month": month.strftime("%Y-%m"), "scope": scope.key, **data}


def _cache_key(scope: Scope, month: date, part: str) -> str:
    # The language too: names of channel groups and "未派遣" are translated.
    return f"reports:dash:{stats.version()}:{scope.key}:{month:%Y-%m}:{part}:{get_language()}"


def cached_part(scope: Scope, month: date, part: str) -> bytes:
    """The chart's JSON, from the cache when the figures have not changed since."""
    key = _cache_key(scope, month, part)
    body = cache.get(key)
    if body is None:
        body = DjangoJSONEncoder(ensure_ascii=False).encode(build_part(part, scope, month)).encode()
        cache.set(key, body, CACHE_SECONDS)
    return body


def cached_headline(scope: Scope, month: date) -> dict:
    key = _cache_key(scope, month, "headline")
    found = cache.get(key)
    if found is None:
        found = selectors.headline(scope, month)
        cache.set(key, found, CACHE_SECONDS)
    return found


# --- the page ----------------------------------------------------------------------------


def _figures(head: dict, links: dict[str, str]) -> list[dict]:
    """The headline cards: label, value as shown, link to the cases behind it."""
    counts, unit_rates, now = head["counts"], head["rates"], head["open"]
    return [
        {"key": "filed", "label": _("立案数"), "value": counts["filed"], "url": links["filed"]},
        {"key": "closed", "label": _("结案数"), "value": counts["closed"], "url": links["closed"]},
        {
            "key": "closure_rate",
            "label": _("结案率"),
            "value": percent(unit_rates["closure_rate"]),
            "url": links["closed"],
            "note": _("结案数 / 应结案数"),
        },
        {
            "key": "on_time_closure_rate",
            "label": _("按期结案率"),
            "value": percent(unit_rates["on_time_closure_rate"]),
            "url": links["closed"],
            "note": _("按期结案数 %(n)s / 应结案数") % {"n": counts["closed_on_time"]},
        },
        {
            "key": "handling_rate",
            "label": _("处置率"),
            "value": percent(unit_rates["handling_rate"]),
            "url": links["filed"],
        },
        {
            "key": "rework_rate",
            "label": _("返工率"),
            "value": percent(unit_rates["rework_rate"]),
            "url": links["filed"],
            "note": _("返工 %(n)s 次") % {"n": counts["rework"]},
        },
        {
            "key": "hotline_satisfaction_rate",
            "label": _("热线满意率"),
            "value": percent(unit_rates["hotline_satisfaction_rate"]),
            "url": links["filed"],
            "note": _("回访 %(n)s 件") % {"n": counts["callbacks"]},
        },
        {
            "key": "not_closed",
            "label": _("本月立案未结"),
            "value": counts["filed"] - counts["closed"],
            "url": links["not_closed"],
        },
        {"key": "open", "label": _("当前未结案件"), "value": now["open"], "url": links["open"], "live": True},
        {"key": "overdue", "label": _("当前超期"), "value": now["overdue"], "url": links["overdue"], "live": True},
        {"key": "red", "label": _("当前红灯"), "value": now["red"], "url": links["red"], "live": True},
    ]


def _js_labels() -> dict[str, str]:
    return {
        "closure_rate": _("结案率"),
        "on_time_closure_rate": _("按期结案率"),
        "filed": _("立案数"),
        "closed": _("结案数"),
        "score": _("综合得分"),
        "rank": _("排名"),
        "red_flag": _("流动红旗"),
        "red_board": _("红榜"),
        "black_board": _("黑榜"),
        "open": _("未结案件"),
        "overdue": _("超期"),
        "red": _("红灯"),
        "no_value": "—",
        "no_data": _("本月暂无数据"),
        "cases": _("件"),
        "reweighted": _("缺项已按其余权重折算"),
        "heat": _("本月立案密度"),
        "open_cases": _("未结案件（按计时灯）"),
        "light_green": _("绿灯"),
        "light_yellow": _("黄灯"),
        "light_red": _("红灯"),
        "light_none": _("未计时"),
        "view_cases": _("查看案件"),
        "load_failed": _("数据加载失败，请稍后刷新。"),
        "frozen_as_of": _("已冻结，统计截止"),
    }


def _month_param(request) -> date | None:
    text = request.GET.get("month")
    return current_month() if not text else parse_month(text)


@login_required
@require_GET
def dashboard(request):
    user = request.user
    _require_dashboard_role(user)
    month = _month_param(request) or current_month()
    _bring_up_to_date()
    scope = selectors.scope_of(user)
    head = cached_headline(scope, month)
    links = headline_links(scope, month)
    screen = request.GET.get("screen") == "1"
    context = {
        "scope": scope,
        "month": month,
        "month_text": month.strftime("%Y-%m"),
        "previous_month": selectors.previous_month(month).strftime("%Y-%m"),
        "next_month": stats.next_month(month).strftime("%Y-%m"),
        "is_current_month": month == current_month(),
        "head": head,
        "state": head["state"],
        "figures": _figures(head, links),
        "screen": screen,
        "refresh_seconds": SCREEN_REFRESH_SECONDS,
        "markercluster": _markercluster_available(),
        "ranking_label": _("区县排名") if scope.ranking_level == "district" else _("街道排名"),
        "config": {
            "month": month.strftime("%Y-%m"),
            "parts": {part: reverse("reports:dashboard_data", args=[part]) for part in PARTS},
            "screen": screen,
            "refreshSeconds": SCREEN_REFRESH_SECONDS,
            "tiles": getattr(settings, "MAP_TILE_URL", "") or "",
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
            "labels": _js_labels(),
        },
    }
    if request.GET.get("partial") == "headline":
        return render(request, "reports/_dash_headline.html", context)
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def dashboard_data(request, part: str):
    """One chart's data as JSON (cached; see ``cached_part``)."""
    _require_dashboard_role(request.user)
    if part not in PARTS:
        raise Http404
    month = _month_param(request)
    if month is None:
        return HttpResponseBadRequest(_("月份应为 YYYY-MM。"))
    _bring_up_to_date()
    scope = selectors.scope_of(request.user)
    response = HttpResponse(cached_part(scope, month, part), content_type="application/json")
    response["Cache-Control"] = "private, no-cache"
    return response
