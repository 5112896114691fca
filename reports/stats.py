"""Computing the stored figures of DOMAIN.md §7 from the cases.

One SQL text computes the counts of a set of cases grouped three ways (cells,
categories, grids); the rebuild runs it over every filed case, the incremental
refresh over the filing month × street blocks its changed cases touch. Both
paths therefore write the same rows by construction, and the property test in
tests/reports checks the marking that decides which blocks a change touches.

Cohort (DOMAIN.md §7): cases filed in the month, voided ones excluded, counted
as of ``as_of`` (now for the live figures; month end + settle days for a
frozen month):

- 结案数: closed by as_of; 按期结案数: of those, the last feedback
  (``handled_at``) at or before the handling deadline with extensions. A
  self-handled case (自处理) has no deadline: it is handled on the spot and on time.
- 处置数: at least one feedback by as_of; 按期处置数: the last one by the deadline.
- 返工数: check-fail events (``rework_count``); 延期: at least one approved delay.
- 派遣数: every dispatch, re-dispatches after approved returns included
  (approved returns + the current dispatch); 回退数: approved returns.
- hotline 响应: signed within the sign limit and the caller reached within 24 h
  (judged by the services when it happened); 回访: callbacks recorded by as_of.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import OPEN_STATUSES, Case, overdue_q
from reports.models import COUNTS, Block, CaseChange, CategoryMonth, Cell, Figure, GridMonth, OpenCases, StatsMonth

log = logging.getLogger(__name__)

# A month with more dirty streets than this share is recomputed whole: one
# range scan beats many small ones.
WHOLE_MONTH_SHARE = 0.3
DRAIN_BATCH = 20_000

# --- the SQL ---------------------------------------------------------------------

# Per case: the keys and the facts the counts need (as_of bound as a parameter).
_BASE = """
SELECT {month} AS month, c.district_id, c.street_id, c.grid_id, c.department_id, c.category_id,
       cat.major_id,
       CASE c.source WHEN 'hotline' THEN 'citizen' WHEN 'public' THEN 'citizen'
                     WHEN 'patrol' THEN 'patrol' WHEN 'video' THEN 'video' ELSE 'other' END AS channel_group,
       c.status, c.closed_at, c.handled_at, c.deadline, c.rework_count, c.delay_count, c.return_count,
       c.source, c.dispatched_at, c.responded_in_time, c.callback_at, c.satisfaction, c.resolved
FROM cases_case c JOIN cases_category cat ON cat.id = c.category_id
WHERE c.filed_at IS NOT NULL AND c.status <> 'voided' AND c.filed_at <= %(as_of)s {where}
"""

_CLOSED = "b.status = 'closed' AND b.closed_at <= %(as_of)s"
_HANDLED = "b.handled_at <= %(as_of)s"
_ON_TIME = "b.handled_at <= COALESCE(b.deadline, b.handled_at)"
_CALLED = "b.callback_at <= %(as_of)s AND b.satisfaction <> ''"

AGGREGATES = {
    "filed": "COUNT(*)",
    "closed": f"COUNT(*) FILTER (WHERE {_CLOSED})",
    "closed_on_time": f"COUNT(*) FILTER (WHERE {_CLOSED} AND {_ON_TIME})",
    "handled": f"COUNT(*) FILTER (WHERE {_HANDLED})",
    "handled_on_time": f"COUNT(*) FILTER (WHERE {_HANDLED} AND {_ON_TIME})",
    "rework": "COALESCE(SUM(b.rework_count), 0)",
    "delayed": "COUNT(*) FILTER (WHERE b.delay_count > 0)",
    "dispatched": "COALESCE(SUM(b.return_count + CASE WHEN b.department_id IS NULL THEN 0 ELSE 1 END), 0)",
    "returned": "COALESCE(SUM(b.return_count), 0)",
    "hotline_dispatched": "COUNT(*) FILTER (WHERE b.source = 'hotline' AND b.dispatched_at <= %(as_of)s)",
    "hotline_responded": "COUNT(*) FILTER (WHERE b.source = 'hotline' AND b.responded_in_time)",
    "callbacks": f"COUNT(*) FILTER (WHERE {_CALLED})",
    "callbacks_resolved": f"COUNT(*) FILTER (WHERE {_CALLED} AND b.resolved)",
    "callbacks_satisfied": f"COUNT(*) FILTER (WHERE {_CALLED} AND b.satisfaction IN ('satisfied', 'basically'))",
}
assert list(AGGREGATES) == COUNTS


@dataclass(frozen=True)
class Target:
    table: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]


TARGETS = (
    Target(
        Cell._meta.db_table,
        ("month", "district_id", "street_id", "department_id", "channel_group", "major_id"),
        tuple(COUNTS),
    ),
    Target(CategoryMonth._meta.db_table, ("month", "district_id", "street_id", "category_id"), ("filed", "closed")),
    Target(GridMonth._meta.db_table, ("month", "district_id", "street_id", "grid_id"), ("filed", "closed")),
)


def _month_expr() -> str:
    """The local calendar month of filed_at, as a date."""
    if connection.vendor == "postgresql":
        return "(date_trunc('month', c.filed_at AT TIME ZONE %(tz)s))::date"
    # SQLite holds UTC text; the zone's offset at the moment (no DST in China since 1991).
    return "date(c.filed_at, %(offset)s, 'start of month')"


def _params(as_of: datetime, **more) -> dict:
    offset = timezone.localtime(as_of).utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    return {"as_of": as_of, "tz": settings.TIME_ZONE, "offset": f"{hours:+g} hours", **more}


def _insert_sql(where: str) -> list[str]:
    """INSERT statements filling the three targets from the cases ``where`` selects."""
    base = _BASE.format(month=_month_expr(), where=where)

    def select(target: Target, keys_sql: str, extra: str = "") -> str:
        aggregates = ", ".join(AGGREGATES[name] for name in target.counts)
        return f"SELECT {keys_sql}, {aggregates}{extra}"

    def columns(target: Target) -> str:
        return ", ".join(target.keys + target.counts)

    if connection.vendor != "postgresql":
        return [
            f"INSERT INTO {t.table} ({columns(t)}) "
            f"{select(t, ', '.join('b.' + k for k in t.keys))} FROM ({base}) b GROUP BY {', '.join(t.keys)}"
            for t in TARGETS
        ]
    # PostgreSQL: one scan of the cases, grouped three ways at once.
    everything = ", ".join(dict.fromkeys(k for t in TARGETS for k in t.keys))
    sets = ", ".join("(" + ", ".join("b." + k for k in t.keys) + ")" for t in TARGETS)
    aggregates = ", ".join(f"{sql} AS {name}" for name, sql in AGGREGATES.items())
    tag = "GROUPING(b.department_id, b.category_id, b.grid_id)"
    # GROUPING bits are 1 for columns a set leaves out: cells group by department
    # (0b011), categories by category (0b101), grids by grid (0b110).
    tags = {TARGETS[0].table: 3, TARGETS[1].table: 5, TARGETS[2].table: 6}
    statement = (
        f"WITH agg AS MATERIALIZED (SELECT {', '.join('b.' + k for k in everything.split(', '))}, "
        f"{aggregates}, {tag} AS tag FROM ({base}) b GROUP BY GROUPING SETS ({sets}))"
    )
    inserts = [
        f"INSERT INTO {t.table} ({columns(t)}) SELECT {columns(t)} FROM agg WHERE tag = {tags[t.table]}"
        for t in TARGETS
    ]
    body = ", ".join(f"i{n} AS ({sql})" for n, sql in enumerate(inserts[:-1]))
    return [f"{statement}, {body} {inserts[-1]}"]


# --- roll-ups ------------------------------------------------------------------------

# (level, unit column of Cell, dimension, key column of Cell)
ROLLUPS = [
    (level, unit, dimension, key)
    for level, unit in (
        ("city", "0"),
        ("district", "district_id"),
        ("street", "street_id"),
        ("department", "department_id"),
    )
    for dimension, key in (("all", "''"), ("channel", "channel_group"), ("major", "major_id"))
]


def _rollup_sql(months_sql: str) -> str:
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    columns = ", ".join(["month", "level", "unit_id", "dimension", "key", *COUNTS])
    parts = []
    for level, unit, dimension, key in ROLLUPS:
        group = ", ".join(["month"] + [c for c in (unit, key) if not c.startswith(("'", "0"))])
        key_sql = key if key.startswith("'") else f"CAST({key} AS varchar(8))"
        where = f"month IN ({months_sql})" + (" AND department_id IS NOT NULL" if level == "department" else "")
        parts.append(
            f"SELECT month, '{level}', {unit}, '{dimension}', {key_sql}, {sums} "
            f"FROM {Cell._meta.db_table} WHERE {where} GROUP BY {group}"
        )
    return f"INSERT INTO {Figure._meta.db_table} ({columns}) " + " UNION ALL ".join(parts)


def _months_sql(months: list[date]) -> tuple[str, list]:
    return ", ".join(["%s"] * len(months)), list(months)


def roll_up(months: list[date]) -> None:
    """Figures of these months anew from their cells."""
    if not months:
        return
    placeholders, values = _months_sql(months)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Figure._meta.db_table} WHERE month IN ({placeholders})", values)
        cursor.execute(_rollup_sql(placeholders), values * len(ROLLUPS))


# --- month bounds ------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_range(month: date) -> tuple[datetime, datetime]:
    """The local month as aware datetimes [start, end)."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(month, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(next_month(month), datetime.min.time(), tzinfo=zone)


def case_month(filed_at: datetime) -> date:
    return month_start(timezone.localtime(filed_at).date())


# --- recomputing -----------------------------------------------------------------


def _delete_blocks(month: date, streets: list[int] | None) -> None:
    for model in (Cell, CategoryMonth, GridMonth):
        rows = model.objects.filter(month=month)
        if streets is not None:
            rows = rows.filter(street_id__in=streets)
        rows._raw_delete(rows.db)


def recompute_month(month: date, streets: list[int] | None = None, *, as_of: datetime | None = None) -> None:
    """Cells, categories and grids of one filing month (only these streets'
    when given), then the month's roll-ups. The caller holds the month's lock."""
    as_of = as_of or timezone.now()
    start, end = month_range(month)
    where = "AND c.filed_at >= %(start)s AND c.filed_at < %(end)s"
    params = _params(as_of, start=start, end=end)
    if streets is not None:
        where += " AND c.street_id IN ({})".format(", ".join(str(int(s)) for s in streets))
    _delete_blocks(month, streets)
    with connection.cursor() as cursor:
        for sql in _insert_sql(where):
            cursor.execute(sql, params)
    roll_up([month])
    StatsMonth.objects.update_or_create(month=month, defaults={"computed_at": as_of})


def _lock_month(month: date) -> None:
    """Serialises the writers of one month (two workers, or a worker and a rebuild)."""
    StatsMonth.objects.get_or_create(month=month)
    StatsMonth.objects.select_for_update().get(month=month)


def rebuild(months: Iterable[date] | None = None, *, progress=None) -> list[date]:
    """Everything from scratch (``manage.py rebuild_stats``): every month, or
    the given ones. The change queue up to now is settled by it."""
    now = timezone.now()
    with transaction.atomic():
        high_water = CaseChange.objects.order_by("-id").values_list("id", flat=True).first()
        if months is None:
            found = _filed_months()
            for month in found:
                _lock_month(month)
            for model in (Cell, CategoryMonth, GridMonth, Figure):
                model.objects.all()._raw_delete(model.objects.db)
            StatsMonth.objects.exclude(month__in=found).delete()
            with connection.cursor() as cursor:
                for sql in _insert_sql(""):
                    cursor.execute(sql, _params(now))
            if progress:
                progress(len(found) // 2 or 1)
            roll_up(found)
            StatsMonth.objects.filter(month__in=found).update(computed_at=now)
            if high_water is not None:
                CaseChange.objects.filter(id__lte=high_water).delete()
        else:
            found = sorted(set(months))
            for month in found:
                _lock_month(month)
                recompute_month(month, as_of=now)
                if progress:
                    progress(1)
        refresh_open_cases(now)
    bump_version()
    return found


def _filed_months() -> list[date]:
    first = Case.objects.filter(filed_at__isnull=False).order_by("filed_at").values_list("filed_at", flat=True)[:1]
    last = Case.objects.filter(filed_at__isnull=False).order_by("-filed_at").values_list("filed_at", flat=True)[:1]
    if not first:
        return []
    month, end = case_month(first[0]), case_month(last[0])
    months = []
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def blocks_of(case_ids: list[int]) -> dict[date, set[int]]:
    """The filing month × street blocks these cases count in."""
    touched: dict[date, set[int]] = {}
    rows = Case.objects.filter(id__in=case_ids, filed_at__isnull=False).values_list("filed_at", "street_id")
    for filed_at, street_id in rows.iterator(chunk_size=5000):
        touched.setdefault(case_month(filed_at), set()).add(street_id)
    return touched


def drain(batch: int = DRAIN_BATCH) -> dict[str, int]:
    """Takes up to ``batch`` changed cases off the queue and recomputes the
    blocks they touch, in one transaction: a worker killed mid-run leaves the
    queue as it was, and the rerun converges. Two workers take disjoint queue
    rows (SKIP LOCKED) and wait for each other on a month they share."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            CaseChange.objects.select_for_update(skip_locked=True).order_by("id").values_list("id", "case_id")[:batch]
        )
        if not claimed:
            return {"changes": 0, "blocks": 0, "months": 0}
        touched = blocks_of(sorted({case_id for _id, case_id in claimed}))
        blocks = 0
        streets_total = _street_count()
        for month in sorted(touched):
            _lock_month(month)
            streets = sorted(touched[month])
            whole = len(streets) > WHOLE_MONTH_SHARE * streets_total
            _mark_blocks(month, streets, now)
            recompute_month(month, None if whole else streets, as_of=now)
            blocks += len(streets)
        refresh_open_cases(now)
        CaseChange.objects.filter(id__in=[row_id for row_id, _case in claimed])._raw_delete(CaseChange.objects.db)
    bump_version()
    return {"changes": len(claimed), "blocks": blocks, "months": len(touched)}


def _mark_blocks(month: date, streets: list[int], now: datetime) -> None:
    existing = set(Block.objects.filter(month=month, street_id__in=streets).values_list("street_id", flat=True))
    Block.objects.bulk_create(
        [Block(month=month, street_id=s, computed_at=now) for s in streets if s not in existing],
        ignore_conflicts=True,
    )
    Block.objects.filter(month=month, street_id__in=existing).update(computed_at=now)


def _street_count() -> int:
    from org.models import Region

    return Region.objects.filter(level="street").count() or 1


def pending() -> int:
    return CaseChange.objects.count()


# --- open cases now ---------------------------------------------------------------


def refresh_open_cases(now: datetime | None = None) -> int:
    """Open cases by grid × department × light, anew (the overdue chart and map)."""
    now = now or timezone.now()
    rows = (
        Case.objects.filter(status__in=[s.value for s in OPEN_STATUSES])
        .with_light(now)
        .order_by()
        .values("district_id", "street_id", "grid_id", "department_id", "light")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue_q(now)))
    )
    sql, params = rows.query.sql_with_params()
    table = OpenCases._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # One writer at a time; the table is small and rewritten whole.
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (district_id, street_id, grid_id, department_id, light, open, overdue, computed_at) "
            f"SELECT district_id, street_id, grid_id, department_id, COALESCE(light, ''), open, overdue, %s "
            f"FROM ({sql}) q",
            (now, *params),
        )
        return cursor.rowcount


# --- what readers cache ---------------------------------------------------------------

VERSION_KEY = "reports:version"


def bump_version() -> None:
    """Readers cache chart data under the version; new figures make a new one."""
    from django.core.cache import cache

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, timeout=None)

    transaction.on_commit(bump)


def version() -> int:
    from django.core.cache import cache

    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def figures_filter(month: date, level: str, dimension: str = "all") -> Q:
    return Q(month=month, level=level, dimension=dimension)


def cohort_counts(month: date, as_of: datetime, by: str) -> dict[int, dict[str, int]]:
    """The month's counts per district (``by="district_id"``) or department,
    straight from the cases as of a past moment: what a frozen month stores."""
    start, end = month_range(month)
    base = _BASE.format(month=_month_expr(), where="AND c.filed_at >= %(start)s AND c.filed_at < %(end)s")
    aggregates = ", ".join(AGGREGATES[name] for name in COUNTS)
    sql = f"SELECT b.{by}, {aggregates} FROM ({base}) b WHERE b.{by} IS NOT NULL GROUP BY b.{by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(as_of, start=start, end=end))
        return {row[0]: dict(zip(COUNTS, (int(v or 0) for v in row[1:]), strict=True)) for row in cursor.fetchall()}
