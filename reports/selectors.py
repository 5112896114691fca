"""What the leader dashboard reads (issue 7), all from the stored statistics.

Nothing here reads the case table: the figures come from ``Figure``,
``CategoryMonth``, ``GridMonth``, ``OpenCases`` and ``StatsMonth`` (kept by
``reports.stats``), and the rankings from ``reports.assessment.monthly``. So
every read costs the same at 100,000 cases as at 1,000,000; the dashboard
caches the results under ``reports.stats.version()`` on top.

A frozen month (``AssessmentMonth``) is shown as frozen: its headline and
trend point are the ranked counts as of the settle moment, the same numbers
as the ranking and the monthly bulletin. The breakdowns (channel, categories,
grids) and the open cases are the live figures, with their own as_of.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from cases.catalogue import category_by_id
from citymgmt.processcache import ProcessCache
from org.models import Region, UnitGrid
from org.selectors import department_by_id, region_by_id
from reports import assessment, stats
from reports.access import read_scope
from reports.metrics import rates, zero_counts
from reports.models import (
    CHANNEL_GROUP_OF,
    COUNTS,
    AssessmentMonth,
    CategoryMonth,
    ChannelGroup,
    Figure,
    GridMonth,
    OpenCases,
    Ranking,
    StatsMonth,
)

TREND_MONTHS = 12
TOP_CATEGORIES = 10
HOT_GRIDS = 10
MONTHLY_CACHE_SECONDS = 3600  # the version key invalidates sooner when figures change
COORDINATE_DIGITS = 5  # about 1 m: plenty for a city map, and a smaller payload

# The case sources of each channel group (DOMAIN.md §3), for the case-list links.
SOURCES_OF_GROUP: dict[str, list[str]] = defaultdict(list)
for source, group in CHANNEL_GROUP_OF.items():
    SOURCES_OF_GROUP[group.value].append(source)


# --- scope -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The part of the city a leader reads: the whole city, a district or a street."""

    level: str  # "city" | "district" | "street"
    region_id: int | None  # None for the whole city
    code: str
    name: str
    district_id: int | None = None  # a street's district

    @property
    def key(self) -> str:
        return f"{self.level}:{self.region_id or 0}"

    @property
    def figure_unit(self) -> tuple[str, int]:
        """(level, unit_id) of this scope's own row in ``Figure``."""
        return self.level, self.region_id or 0

    @property
    def ranking_level(self) -> str:
        """The units compared on the ranking chart: districts for the city, else streets."""
        return "district" if self.level == "city" else "street"

    def rows(self) -> Q:
        """The rows of a block table (``CategoryMonth``, ``GridMonth``, ``OpenCases``) in scope."""
        if self.level == "district":
            return Q(district_id=self.region_id)
        if self.level == "street":
            return Q(street_id=self.region_id)
        return Q()

    def case_filters(self) -> dict[str, str]:
        """The case-list filters (``cases.filters.CaseFilter``) of this scope."""
        if self.level in ("district", "street"):
            return {self.level: self.code}
        return {}


def city_scope() -> Scope:
    city = Region.objects.filter(level="city").order_by("code").values_list("code", "name").first()
    code, name = city or ("", str(_("全市")))
    return Scope("city", None, code, name)


def scope_of(user) -> Scope:
    """A leader's region (DOMAIN.md §2: city leader all, else their region); a
    community leader reads their street, the finest level the figures have.
    Everyone else who may open the dashboard (admin) reads the whole city.
    Regions come from the process's reference copy: no query."""
    region = read_scope(user)
    if region is None:
        return city_scope()
    if region.level == "community":
        region = region_by_id(region.parent_id)
    if region.level == "district":
        return Scope("district", region.id, region.code, region.name, region.id)
    return Scope("street", region.id, region.code, region.name, region.parent_id)


# --- months ----------------------------------------------------------------------------


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def last_months(month: date, count: int = TREND_MONTHS) -> list[date]:
    """``count`` months ending with ``month``, oldest first."""
    months = [month]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months[::-1]


def month_end(month: date) -> date:
    return stats.next_month(month) - timedelta(days=1)


def months_with_figures() -> list[date]:
    return list(StatsMonth.objects.order_by("-month").values_list("month", flat=True))


def month_state(month: date) -> dict:
    """When the month's figures were computed, and whether its ranking is frozen."""
    frozen = AssessmentMonth.objects.filter(month=month).values("as_of", "frozen_at").first()
    computed = StatsMonth.objects.filter(month=month).values_list("computed_at", flat=True).first()
    return {
        "frozen": frozen is not None,
        "as_of": frozen["as_of"] if frozen else computed,
        "frozen_at": frozen["frozen_at"] if frozen else None,
        "computed_at": computed,
        "settles_at": None if frozen else assessment.settle_moment(month),
    }


# --- counts of the scope -------------------------------------------------------------


def _frozen_counts(scope: Scope, months: list[date]) -> dict[date, dict[str, int]]:
    """The counts of frozen months as ranked (as of each settle moment); the
    city's are the sum of its districts'."""
    if scope.level == "city":
        rows = Ranking.objects.filter(assessment__month__in=months, level="district")
    else:
        rows = Ranking.objects.filter(assessment__month__in=months, level=scope.level, unit_id=scope.region_id)
    found = rows.values("assessment__month").annotate(**{name: Sum(name) for name in COUNTS})
    return {row.pop("assessment__month"): {name: int(row[name] or 0) for name in COUNTS} for row in found}


def counts_by_month(scope: Scope, months: list[date]) -> dict[date, dict[str, int]]:
    """The scope's §7 counts per month: frozen months as frozen, others live."""
    frozen = _frozen_counts(scope, months)
    live_months = [m for m in months if m not in frozen]
    level, unit_id = scope.figure_unit
    live = Figure.objects.filter(month__in=live_months, level=level, unit_id=unit_id, dimension="all")
    found = {row.pop("month"): row for row in live.values("month", *COUNTS)}
    return {month: frozen.get(month) or found.get(month) or zero_counts() for month in months}


def _open_cases_computed_at() -> datetime | None:
    # The table is rewritten whole (``stats.refresh_open_cases``): every row has the same time.
    return OpenCases.objects.order_by("pk").values_list("computed_at", flat=True).first()


def open_now(scope: Scope) -> dict:
    """Open and overdue cases of the scope now (``OpenCases``)."""
    totals = OpenCases.objects.filter(scope.rows()).aggregate(
        open_sum=Sum("open"), overdue_sum=Sum("overdue"), red_sum=Sum("open", filter=Q(light="red"))
    )
    computed = _open_cases_computed_at()
    return {key.removesuffix("_sum"): int(value or 0) for key, value in totals.items()} | {"as_of": computed}


def headline(scope: Scope, month: date) -> dict:
    """The scope's figures of the month, with its rank among its peers when it has one."""
    counts = counts_by_month(scope, [month])[month]
    result = {"counts": counts, "rates": rates(counts), "state": month_state(month), "open": open_now(scope)}
    result["rank"] = None
    if scope.level != "city":
        report = monthly_report(month, scope.level)
        own = next((row for row in report["rows"] if row["unit_id"] == scope.region_id), None)
        ranked = sum(1 for row in report["rows"] if row["rank"])
        if own is not None:
            result["rank"] = {**_rank_fields(own), "of": ranked, "level": scope.level}
    return result


def monthly_report(month: date, level: str) -> dict:
    """``assessment.monthly``, cached under the figures' version: every leader
    of a level reads the same ranking, and it costs a few tens of queries."""
    key = f"reports:monthly:{stats.version()}:{month:%Y-%m}:{level}"
    report = cache.get(key)
    if report is None:
        report = assessment.monthly(month, level)
        cache.set(key, report, MONTHLY_CACHE_SECONDS)
    return report


def _rank_fields(row: dict) -> dict:
    return {
        name: row.get(name) for name in ("rank", "rank_change", "red_flag", "board", "score", "reweighted", "missing")
    }


# --- the charts ------------------------------------------------------------------------


def ranking(scope: Scope, month: date) -> dict:
    """The ranking chart: the city's districts, or the streets of the scope's
    district (with their rank among all the city's streets)."""
    report = monthly_report(month, scope.ranking_level)
    rows = report["rows"]
    if scope.ranking_level == "street" and scope.district_id:
        rows = [row for row in rows if region_by_id(row["unit_id"]).parent_id == scope.district_id]
    return {
        "level": scope.ranking_level,
        "frozen": report["frozen"],
        "as_of": report["as_of"],
        "rows": [
            {
                "unit_id": row["unit_id"],
                "code": row["code"],
                "name": row["name"],
                "filed": row["filed"],
                "closed": row["closed"],
                "closure_rate": row["closure_rate"],
                "on_time_closure_rate": row["on_time_closure_rate"],
                "sanitation_score": row["sanitation_score"],
                **_rank_fields(row),
                "own": row["unit_id"] == scope.region_id,
            }
            for row in rows
        ],
    }


def trend(scope: Scope, month: date, count: int = TREND_MONTHS) -> dict:
    """结案率 and 按期结案率 of the scope for ``count`` months up to ``month``."""
    months = last_months(month, count)
    by_month = counts_by_month(scope, months)
    points = []
    for each in months:
        counts = by_month[each]
        unit_rates = rates(counts)
        points.append(
            {
                "month": each,
                "filed": counts["filed"],
                "closed": counts["closed"],
                "closed_on_time": counts["closed_on_time"],
                "closure_rate": unit_rates["closure_rate"],
                "on_time_closure_rate": unit_rates["on_time_closure_rate"],
            }
        )
    return {"points": points}


def channels(scope: Scope, month: date) -> dict:
    """Closure per channel group (DOMAIN.md §3), live figures."""
    level, unit_id = scope.figure_unit
    rows = Figure.objects.filter(month=month, level=level, unit_id=unit_id, dimension="channel")
    found = {row.pop("key"): row for row in rows.values("key", *COUNTS)}
    groups = []
    for group in ChannelGroup:
        counts = found.get(group.value) or zero_counts()
        unit_rates = rates(counts)
        groups.append(
            {
                "group": group.value,
                "label": str(group.label),
                "sources": SOURCES_OF_GROUP[group.value],
                "filed": counts["filed"],
                "closed": counts["closed"],
                "closed_on_time": counts["closed_on_time"],
                "closure_rate": unit_rates["closure_rate"],
                "on_time_closure_rate": unit_rates["on_time_closure_rate"],
            }
        )
    return {"groups": groups, "as_of": month_state(month)["computed_at"]}


def top_categories(scope: Scope, month: date, limit: int = TOP_CATEGORIES) -> dict:
    """The categories with the most cases filed in the month, live figures."""
    rows = (
        CategoryMonth.objects.filter(scope.rows(), month=month)
        .values("category_id")
        .annotate(filed_sum=Sum("filed"), closed_sum=Sum("closed"))
        .order_by("-filed_sum", "category_id")[:limit]
    )
    result = []
    for row in rows:
        category = category_by_id(row["category_id"])
        result.append(
            {
                "code": category.code,
                "name": category.name,
                "major": category.major.name if category.major_id else "",
                "filed": row["filed_sum"],
                "closed": row["closed_sum"],
                "closure_rate": rates({**zero_counts(), "filed": row["filed_sum"], "closed": row["closed_sum"]})[
                    "closure_rate"
                ],
            }
        )
    return {"categories": result, "as_of": month_state(month)["computed_at"]}


def hot_grids(scope: Scope, month: date, limit: int = HOT_GRIDS) -> dict:
    """The grids with the most cases filed in the month (one GridMonth row per grid)."""
    rows = list(
        GridMonth.objects.filter(scope.rows(), month=month, filed__gt=0)
        .order_by("-filed", "grid_id")
        .values("grid_id", "street_id", "filed", "closed")[:limit]
    )
    grids = {
        g["id"]: g for g in UnitGrid.objects.filter(id__in=[r["grid_id"] for r in rows]).values("id", "code", "name")
    }
    result = []
    for row in rows:
        grid = grids.get(row["grid_id"], {"code": "", "name": ""})
        result.append(
            {
                "code": grid["code"],
                "name": grid["name"] or grid["code"],
                "street": region_by_id(row["street_id"]).name,
                "filed": row["filed"],
                "closed": row["closed"],
            }
        )
    return {"grids": result, "as_of": month_state(month)["computed_at"]}


def overdue_by_department(scope: Scope) -> dict:
    """Open cases now per department: overdue, red light and all (``OpenCases``).
    Cases not yet dispatched have no department and no handling deadline."""
    rows = (
        OpenCases.objects.filter(scope.rows())
        .values("department_id")
        .annotate(open_sum=Sum("open"), overdue_sum=Sum("overdue"), red_sum=Sum("open", filter=Q(light="red")))
        .order_by("-overdue_sum", "-red_sum", "department_id")
    )
    result = []
    for row in rows:
        department = department_by_id(row["department_id"]) if row["department_id"] else None
        result.append(
            {
                "code": department.code if department else "",
                "name": department.name if department else str(_("未派遣")),
                "open": row["open_sum"] or 0,
                "overdue": row["overdue_sum"] or 0,
                "red": row["red_sum"] or 0,
            }
        )
    computed = _open_cases_computed_at()
    return {"departments": result, "as_of": computed}


def _grid_places() -> dict[int, tuple]:
    """Every grid's (code, centroid lat, lng, south, west, north, east), rounded."""
    fields = ("id", "code", "centroid_lat", "centroid_lng", "min_lat", "min_lng", "max_lat", "max_lng")
    return {
        row[0]: (row[1], *(round(value, COORDINATE_DIGITS) for value in row[2:]))
        for row in UnitGrid.objects.values_list(*fields).iterator(chunk_size=5000)
    }


# Grids change a few times a year: each process keeps their places, rebuilt
# when the grid index is (``org.selectors.forget_grid_index`` bumps this version).
_GRID_PLACES: ProcessCache[dict[int, tuple]] = ProcessCache("org:grid-index-version", _grid_places)


MAP_LIGHTS = ("red", "yellow", "green", "")  # "": not timed (e.g. suspended)


def map_layers(scope: Scope, month: date) -> dict:
    """Open cases now per grid, by light, at the grid centroid (the cluster
    layer: one marker per grid, at most one row per grid whatever the number
    of cases), and the month's filed cases per grid (the heat layer, as grid
    rectangles). Thousands of grids: rows are arrays, not objects.
    Reference rows only: no case is read."""
    by_light = {f"light_{light or 'none'}": Sum("open", filter=Q(light=light)) for light in MAP_LIGHTS}
    open_rows = (
        OpenCases.objects.filter(scope.rows())
        .values("grid_id")
        .annotate(total=Sum("open"), **by_light)
        .filter(total__gt=0)
        .order_by("grid_id")
        .values_list("grid_id", *by_light)
    )
    heat_rows = GridMonth.objects.filter(scope.rows(), month=month, filed__gt=0).values_list("grid_id", "filed")
    places = _GRID_PLACES.get()
    points = [
        [*places[grid_id][:3], *(count or 0 for count in counts)] for grid_id, *counts in open_rows if grid_id in places
    ]
    heat = [[places[grid_id][0], *places[grid_id][3:], filed] for grid_id, filed in heat_rows if grid_id in places]
    return {
        "point_fields": ["grid", "lat", "lng", "red", "yellow", "green", "none"],
        "points": points,
        "heat_fields": ["grid", "south", "west", "north", "east", "filed"],
        "heat": heat,
        "max_filed": max((row[-1] for row in heat), default=0),
    }


def plain(value):
    """JSON-ready: Decimal rates as floats, dates and moments as ISO text."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
