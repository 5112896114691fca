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
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.catalogue import category_by_id
from cases.models import OPEN_STATUSES, Case, overdue_q
from citymgmt.routers import primary
from reports.models import (
    CHANNEL_GROUP_OF,
    COUNTS,
    CaseChange,
    CategoryMonth,
    Cell,
    Figure,
    GridMonth,
    OpenCases,
    StatsLock,
    StatsMonth,
)

log = logging.getLogger(__name__)

DRAIN_BATCH = 5_000

# --- one case's contribution ---------------------------------------------------------

# What a case's contribution depends on (the post_init snapshot of reports.signals).
FACT_FIELDS = (
    "filed_at", "status", "closed_at", "handled_at", "deadline", "rework_count", "delay_count", "return_count",
    "department_id", "source", "dispatched_at", "responded_in_time", "callback_at", "satisfaction", "resolved",
    "district_id", "street_id", "grid_id", "category_id",
)  # fmt: skip
SATISFIED = ("satisfied", "basically")


def contribution(facts: dict) -> list | None:
    """What one case adds to the stored figures now: ``[month, district, street,
    department (0: none), channel group, category, major, grid, *counts]`` in
    the order of ``COUNTS``, or None when it is not in any cohort (not filed,
    or voided). The SQL of ``_LIVE`` computes the same per case; the property
    test keeps the two equal."""
    filed_at = facts["filed_at"]
    if filed_at is None or facts["status"] == "voided":
        return None
    closed = facts["status"] == "closed"
    handled_at, deadline = facts["handled_at"], facts["deadline"]
    on_time = handled_at is not None and (deadline is None or handled_at <= deadline)
    hotline = facts["source"] == "hotline"
    called = facts["callback_at"] is not None and facts["satisfaction"] != ""
    returns = facts["return_count"]
    counts = [
        1,
        int(closed),
        int(closed and on_time),
        int(handled_at is not None),
        int(on_time),
        facts["rework_count"],
        int(facts["delay_count"] > 0),
        returns + int(facts["department_id"] is not None),
        returns,
        int(hotline and facts["dispatched_at"] is not None),
        int(hotline and facts["responded_in_time"] is True),
        int(called),
        int(called and facts["resolved"] is True),
        int(facts["callback_at"] is not None and facts["satisfaction"] in SATISFIED),
    ]
    category = category_by_id(facts["category_id"])
    keys = [
        case_month(filed_at).isoformat(),
        facts["district_id"],
        facts["street_id"],
        facts["department_id"] or 0,
        CHANNEL_GROUP_OF[facts["source"]].value,
        facts["category_id"],
        category.major_id,
        facts["grid_id"],
    ]
    return keys + counts


# --- the SQL ---------------------------------------------------------------------

# Per filed case: its keys and, as 0/1 (or a counter), each count of COUNTS, live.
_LIVE = """
SELECT {month} AS month, c.district_id, c.street_id, COALESCE(c.department_id, 0) AS department_id,
       CASE c.source WHEN 'hotline' THEN 'citizen' WHEN 'public' THEN 'citizen'
                     WHEN 'patrol' THEN 'patrol' WHEN 'video' THEN 'video' ELSE 'other' END AS channel_group,
       c.category_id, c.grid_id, c.status, c.handled_at, c.deadline, c.rework_count, c.delay_count,
       c.return_count, c.department_id AS dispatched_to, c.source, c.dispatched_at, c.responded_in_time,
       c.callback_at, c.satisfaction, c.resolved
FROM cases_case c
WHERE c.filed_at IS NOT NULL AND c.status <> 'voided' {where}
"""

_ON_TIME = "b.handled_at <= COALESCE(b.deadline, b.handled_at)"
_CALLED_NOW = "b.callback_at IS NOT NULL AND b.satisfaction <> ''"
LIVE_AGGREGATES = {
    "filed": "COUNT(*)",
    "closed": "COUNT(*) FILTER (WHERE b.status = 'closed')",
    "closed_on_time": f"COUNT(*) FILTER (WHERE b.status = 'closed' AND {_ON_TIME})",
    "handled": "COUNT(b.handled_at)",
    "handled_on_time": f"COUNT(*) FILTER (WHERE {_ON_TIME})",
    "rework": "SUM(b.rework_count)",
    "delayed": "COUNT(*) FILTER (WHERE b.delay_count > 0)",
    "dispatched": "SUM(b.return_count) + COUNT(b.dispatched_to)",
    "returned": "SUM(b.return_count)",
    "hotline_dispatched": "COUNT(*) FILTER (WHERE b.source = 'hotline' AND b.dispatched_at IS NOT NULL)",
    "hotline_responded": "COUNT(*) FILTER (WHERE b.source = 'hotline' AND b.responded_in_time)",
    "callbacks": f"COUNT(*) FILTER (WHERE {_CALLED_NOW})",
    "callbacks_resolved": f"COUNT(*) FILTER (WHERE {_CALLED_NOW} AND b.resolved)",
    "callbacks_satisfied": (
        "COUNT(*) FILTER (WHERE b.callback_at IS NOT NULL AND b.satisfaction IN ('satisfied', 'basically'))"
    ),
}
assert list(LIVE_AGGREGATES) == COUNTS

# The same counts as of a past moment (a frozen month), per case row of _BASE.
_BASE = """
SELECT c.district_id, c.street_id, c.department_id, c.status, c.closed_at, c.handled_at, c.deadline,
       c.rework_count, c.delay_count, c.return_count, c.source, c.dispatched_at, c.first_contact_at,
       c.responded_in_time, c.callback_at, c.satisfaction, c.resolved
FROM cases_case c
WHERE c.filed_at IS NOT NULL AND c.status <> 'voided' AND c.filed_at >= %(start)s AND c.filed_at < %(end)s
"""
_CLOSED = "b.status = 'closed' AND b.closed_at <= %(as_of)s"
_HANDLED = "b.handled_at <= %(as_of)s"
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
    "hotline_responded": (
        "COUNT(*) FILTER (WHERE b.source = 'hotline' AND b.dispatched_at <= %(as_of)s"
        " AND b.first_contact_at <= %(as_of)s AND b.responded_in_time)"
    ),
    "callbacks": f"COUNT(*) FILTER (WHERE {_CALLED})",
    "callbacks_resolved": f"COUNT(*) FILTER (WHERE {_CALLED} AND b.resolved)",
    "callbacks_satisfied": f"COUNT(*) FILTER (WHERE {_CALLED} AND b.satisfaction IN ('satisfied', 'basically'))",
}
assert list(AGGREGATES) == COUNTS

CELL_KEYS = ("month", "district_id", "street_id", "department_id", "channel_group", "category_id")
CATEGORY_KEYS = ("month", "district_id", "street_id", "category_id")
GRID_KEYS = ("month", "district_id", "street_id", "grid_id")
TABLES = {
    "cell": Cell._meta.db_table,
    "category": CategoryMonth._meta.db_table,
    "grid": GridMonth._meta.db_table,
    "figure": Figure._meta.db_table,
}


def _month_expr() -> str:
    """The local calendar month of filed_at, as a date."""
    if connection.vendor == "postgresql":
        return "(date_trunc('month', c.filed_at AT TIME ZONE %(tz)s))::date"
    # SQLite holds UTC text; the zone's offset at the moment (no DST in China since 1991).
    return "date(c.filed_at, %(offset)s, 'start of month')"


def _params(as_of: datetime | None = None, **more) -> dict:
    offset = timezone.localtime(as_of or timezone.now()).utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    return {"as_of": as_of, "tz": settings.TIME_ZONE, "offset": f"{hours:+g} hours", **more}


def _cell_select(where: str) -> str:
    live = _LIVE.format(month=_month_expr(), where=where)
    aggregates = ", ".join(f"{sql} AS {name}" for name, sql in LIVE_AGGREGATES.items())
    keys = ", ".join("b." + k for k in CELL_KEYS)
    return f"SELECT {keys}, {aggregates} FROM ({live}) b GROUP BY {keys}"


def _grid_select(where: str) -> str:
    live = _LIVE.format(month=_month_expr(), where=where)
    keys = ", ".join("b." + k for k in GRID_KEYS)
    return (
        f"SELECT {keys}, COUNT(*) AS filed, COUNT(*) FILTER (WHERE b.status = 'closed') AS closed "
        f"FROM ({live}) b GROUP BY {keys}"
    )


def _write_blocks(where: str, params: dict, cell_filter: str, cell_params: list, *, whole: bool = False) -> None:
    """Cells and grids of the cases ``where`` selects, categories from those cells.

    ``whole``: every case, into emptied tables (the rebuild). On PostgreSQL each
    aggregate then goes through a scratch table: ``INSERT … SELECT`` never runs
    in parallel, ``CREATE TABLE … AS`` may, so the scan of the case table is
    shared among parallel workers and only the (few) result rows are copied.
    """
    cell_columns = ", ".join((*CELL_KEYS, "major_id", *COUNTS))
    counts = ", ".join(f"a.{name}" for name in COUNTS)
    cells = (
        f"SELECT {', '.join('a.' + k for k in CELL_KEYS)}, cat.major_id, {counts} "
        f"FROM ({_cell_select(where)}) a JOIN cases_category cat ON cat.id = a.category_id"
    )
    grid_columns = f"{', '.join(GRID_KEYS)}, filed, closed"
    with connection.cursor() as cursor:
        if whole and connection.vendor == "postgresql":
            # The planner's default costs keep a scan feeding a large hash aggregate serial.
            cursor.execute("SET LOCAL parallel_setup_cost = 0")
            cursor.execute("SET LOCAL parallel_tuple_cost = 0")
            for table, columns, select in (
                (TABLES["cell"], cell_columns, cells),
                (TABLES["grid"], grid_columns, _grid_select(where)),
            ):
                cursor.execute("DROP TABLE IF EXISTS reports_scratch")
                cursor.execute(f"CREATE TEMPORARY TABLE reports_scratch ON COMMIT DROP AS {select}", params)
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM reports_scratch")
            cursor.execute("DROP TABLE reports_scratch")
        else:
            cursor.execute(f"INSERT INTO {TABLES['cell']} ({cell_columns}) {cells}", params)
            cursor.execute(f"INSERT INTO {TABLES['grid']} ({grid_columns}) {_grid_select(where)}", params)
        keys = ", ".join(CATEGORY_KEYS)
        cursor.execute(
            f"INSERT INTO {TABLES['category']} ({keys}, filed, closed) "
            f"SELECT {keys}, SUM(filed), SUM(closed) FROM {TABLES['cell']} WHERE {cell_filter} GROUP BY {keys}",
            cell_params,
        )


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


def _rollup_select(source: str, where: str) -> str:
    """The Figure rows (month, level, unit, dimension, key, counts) summed from
    rows shaped as Cell's: the cells themselves, or the differences of a refresh."""
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    parts = []
    for level, unit, dimension, key in ROLLUPS:
        group = ", ".join(["month"] + [c for c in (unit, key) if not c.startswith(("'", "0"))])
        key_sql = key if key.startswith("'") else f"CAST({key} AS varchar(8))"
        condition = where + (" AND department_id <> 0" if level == "department" else "")
        parts.append(
            f"SELECT month, '{level}' AS level, {unit} AS unit_id, '{dimension}' AS dimension, {key_sql} AS key, "
            f"{sums} FROM {source} WHERE {condition} GROUP BY {group}"
        )
    return " UNION ALL ".join(parts)


def _rollup_grouping_sets(source: str, where: str) -> str:
    """PostgreSQL: the same roll-ups as ``_rollup_select`` in one scan of the cells."""
    bits = {"district_id": 16, "street_id": 8, "department_id": 4, "channel_group": 2, "major_id": 1}
    sets, tags = [], {}
    for level, unit, dimension, key in ROLLUPS:
        columns = [c for c in (unit, key) if c in bits]
        sets.append("(" + ", ".join(["month", *columns]) + ")")
        tags[31 - sum(bits[c] for c in columns)] = (level, unit, dimension, key)
    sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTS)
    grouping = f"GROUPING({', '.join(bits)})"
    inner = (
        f"SELECT month, {grouping} AS tag, {', '.join(bits)}, {sums} FROM {source} WHERE {where} "
        f"GROUP BY GROUPING SETS ({', '.join(sets)})"
    )

    def case(value_of) -> str:
        return "CASE tag " + " ".join(f"WHEN {t} THEN {value_of(*spec)}" for t, spec in tags.items()) + " END"

    level = case(lambda level, unit, dimension, key: f"'{level}'")
    unit = case(lambda level, unit, dimension, key: unit)
    dimension = case(lambda level, unit, dimension, key: f"'{dimension}'")
    key = case(lambda level, unit, dimension, key: key if key.startswith("'") else f"CAST({key} AS varchar(8))")
    departments = [t for t, spec in tags.items() if spec[0] == "department"]
    return (
        f"SELECT month, {level}, {unit}, {dimension}, {key}, {', '.join(COUNTS)} FROM ({inner}) g "
        f"WHERE NOT (tag IN ({', '.join(map(str, departments))}) AND department_id = 0)"
    )


FIGURE_COLUMNS = ", ".join(["month", "level", "unit_id", "dimension", "key", *COUNTS])


def roll_up(months: list[date]) -> None:
    """Figures of these months anew from their cells."""
    if not months:
        return
    placeholders = ", ".join(["%s"] * len(months))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLES['figure']} WHERE month IN ({placeholders})", list(months))
        if connection.vendor == "postgresql":
            select = _rollup_grouping_sets(TABLES["cell"], f"month IN ({placeholders})")
            cursor.execute(f"INSERT INTO {TABLES['figure']} ({FIGURE_COLUMNS}) {select}", list(months))
        else:
            select = _rollup_select(TABLES["cell"], f"month IN ({placeholders})")
            cursor.execute(f"INSERT INTO {TABLES['figure']} ({FIGURE_COLUMNS}) {select}", list(months) * len(ROLLUPS))


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


# --- recomputing from the cases ------------------------------------------------------


def recompute_month(month: date, streets: list[int] | None = None) -> None:
    """Cells, categories and grids of one filing month (only these streets'
    when given) from the cases, then the month's roll-ups. The caller holds
    the lock."""
    start, end = month_range(month)
    where = "AND c.filed_at >= %(start)s AND c.filed_at < %(end)s"
    cell_filter, cell_params = "month = %s", [month]
    if streets is not None:
        listed = ", ".join(str(int(s)) for s in streets)
        where += f" AND c.street_id IN ({listed})"
        cell_filter += f" AND street_id IN ({listed})"
    for model in (Cell, CategoryMonth, GridMonth):
        rows = model.objects.filter(month=month)
        if streets is not None:
            rows = rows.filter(street_id__in=streets)
        rows._raw_delete(rows.db)
    _write_blocks(where, _params(start=start, end=end), cell_filter, cell_params)
    roll_up([month])
    StatsMonth.objects.update_or_create(month=month, defaults={"computed_at": timezone.now()})


@contextmanager
def _writing():
    """One transaction holding the writers' lock, reading one snapshot.

    PostgreSQL: the lock is taken before anything is read (LOCK TABLE takes no
    snapshot), then, when this is the outermost transaction, everything is read
    at repeatable read: the queue rows taken and the cases read are of the same
    moment, so a change committed meanwhile is neither lost nor counted twice;
    it stays queued. SQLite has one writer at a time anyway. With a read
    replica, every read inside reads the primary (``citymgmt.routers.primary``).
    """
    outer = connection.in_atomic_block
    with primary(), transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        lock_figures()
        yield


def lock_figures() -> None:
    """Waits for, then holds until the transaction ends, the writers' lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {StatsLock._meta.db_table} IN EXCLUSIVE MODE")


def rebuild(months: Iterable[date] | None = None, *, progress=None) -> list[date]:
    """Everything from scratch (``manage.py rebuild_stats``): every month, or
    the given ones. Takes the queue of changes it has seen with it."""
    now = timezone.now()
    with _writing():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Aggregates of a million rows: hash in memory; no JIT compile for a one-off.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '256MB'")
        if months is None:
            # Every queued change up to this snapshot is in the cases read below.
            CaseChange.objects.all()._raw_delete(CaseChange.objects.db)
            found = _filed_months()
            _empty(Cell, CategoryMonth, GridMonth, Figure)
            StatsMonth.objects.exclude(month__in=found).delete()
            _write_blocks("", _params(), "1 = 1", [], whole=True)
            if progress:
                progress(len(found) // 2 or 1)
            roll_up(found)
            for month in found:
                StatsMonth.objects.update_or_create(month=month, defaults={"computed_at": now})
        else:
            found = sorted(set(months))
            for month in found:
                recompute_month(month)
                if progress:
                    progress(1)
        refresh_open_cases(now)
    bump_version()
    return found


def _empty(*models) -> None:
    """PostgreSQL: TRUNCATE, so that the rows written next need not step over
    the dead index entries a DELETE leaves (it halves the rebuild's writes).
    Readers of these tables wait for the rebuild's commit, a few seconds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(model._meta.db_table for model in models))
        return
    for model in models:
        model.objects.all()._raw_delete(model.objects.db)


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


# --- the incremental refresh -----------------------------------------------------------


def drain(batch: int = DRAIN_BATCH) -> dict[str, int]:
    """Takes up to ``batch`` changes off the queue and applies them as
    differences: for each changed case, what it counts for now minus what it
    counted for before (recorded with the change), in one transaction. A worker
    killed mid-run leaves the queue as it was and the rerun converges; a second
    worker waits for the first."""
    with _writing():
        first = list(CaseChange.objects.order_by("id").values_list("case_id", flat=True)[:batch])
        if not first:
            return {"changes": 0, "cases": 0, "months": 0}
        # Every queued change of those cases, not only the batch's: the state read
        # below is after all of them, so none may stay behind to be applied again.
        claimed = list(
            CaseChange.objects.filter(case_id__in=set(first))
            .order_by("id")
            .values_list("id", "case_id", "old", "known")
        )
        before: dict[int, tuple] = {}
        for _id, case_id, old, known in claimed:
            before.setdefault(case_id, (old, known))  # the oldest change holds what is counted now
        current = {
            row["id"]: contribution(row) for row in Case.objects.filter(id__in=list(before)).values("id", *FACT_FIELDS)
        }
        deltas = _Deltas()
        unknown: dict[date, set[int]] = {}
        for case_id, (old, known) in before.items():
            new = current.get(case_id)
            if not known:
                if new is not None:
                    unknown.setdefault(date.fromisoformat(new[0]), set()).add(new[2])
                continue
            if old == new:
                continue
            if old is not None:
                deltas.add(old, -1)
            if new is not None:
                deltas.add(new, +1)
        months = deltas.apply()
        for month, streets in unknown.items():
            recompute_month(month, sorted(streets))
        now = timezone.now()
        for month in months | set(unknown):
            StatsMonth.objects.update_or_create(month=month, defaults={"computed_at": now})
        CaseChange.objects.filter(id__in=[row[0] for row in claimed])._raw_delete(CaseChange.objects.db)
    bump_version()
    return {"changes": len(claimed), "cases": len(before), "months": len(months | set(unknown))}


_DELTA = "reports_delta"
_DELTA_COLUMNS = (*CELL_KEYS, "major_id", "grid_id", *COUNTS)


class _Deltas:
    """What changed cases added (+) and took away (−), one row per contribution
    in a temporary table, then summed into each stored table by one upsert."""

    def __init__(self):
        self.rows: list[list] = []

    def add(self, item: list, sign: int) -> None:
        month, district, street, department, group, category, major, grid = item[:8]
        keys = [month, district, street, department, group, category, major, grid]
        self.rows.append(keys + [sign * v for v in item[8:]])

    def apply(self) -> set[date]:
        if not self.rows:
            return set()
        self._load()
        counts = ", ".join(f"SUM({c})" for c in COUNTS)
        cell_keys = ", ".join((*CELL_KEYS, "major_id"))
        category_keys, grid_keys = ", ".join(CATEGORY_KEYS), ", ".join(GRID_KEYS)
        statements = [
            (TABLES["cell"], (*CELL_KEYS, "major_id", *COUNTS), ("month", "street_id", *CELL_KEYS[3:]), COUNTS,
             f"SELECT {cell_keys}, {counts} FROM {_DELTA} GROUP BY {cell_keys}"),
            (TABLES["category"], (*CATEGORY_KEYS, "filed", "closed"), ("month", "street_id", "category_id"),
             ("filed", "closed"),
             f"SELECT {category_keys}, SUM(filed), SUM(closed) FROM {_DELTA} GROUP BY {category_keys}"),
            (TABLES["grid"], (*GRID_KEYS, "filed", "closed"), ("month", "grid_id"), ("filed", "closed"),
             f"SELECT {grid_keys}, SUM(filed), SUM(closed) FROM {_DELTA} GROUP BY {grid_keys}"),
            (TABLES["figure"], FIGURE_COLUMNS.split(", "), ("month", "level", "unit_id", "dimension", "key"), COUNTS,
             _rollup_select(_DELTA, "1 = 1")),
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for table, columns, conflict, summed, select in statements:
                update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in summed)
                # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's ON.
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM ({select}) d WHERE true "
                    f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {update}"
                )
                # A row whose cases all left it (a void, a re-dispatch) goes, as a rebuild would not write it.
                cursor.execute(f"DELETE FROM {table} WHERE filed = 0")
            cursor.execute(f"SELECT DISTINCT month FROM {_DELTA}")
            months = {m if isinstance(m, date) else date.fromisoformat(m) for (m,) in cursor.fetchall()}
            cursor.execute(f"DROP TABLE {_DELTA}")
        return months

    def _load(self) -> None:
        text = {"month", "channel_group"}
        definition = ", ".join(
            f"{c} {'date' if c == 'month' else 'varchar(8)' if c in text else 'bigint'}" for c in _DELTA_COLUMNS
        )
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {_DELTA} ({definition})")
            names = ", ".join(_DELTA_COLUMNS)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {_DELTA} ({names}) FROM STDIN") as copy:  # psycopg 3
                    for row in self.rows:
                        copy.write_row(row)
            else:
                one = "(" + ", ".join(["%s"] * len(_DELTA_COLUMNS)) + ")"
                cursor.executemany(f"INSERT INTO {_DELTA} ({names}) VALUES {one}", self.rows)


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
    aggregates = ", ".join(AGGREGATES[name] for name in COUNTS)
    sql = f"SELECT b.{by}, {aggregates} FROM ({_BASE}) b WHERE b.{by} IS NOT NULL GROUP BY b.{by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(as_of, start=start, end=end))
        return {row[0]: dict(zip(COUNTS, (int(v or 0) for v in row[1:]), strict=True)) for row in cursor.fetchall()}
