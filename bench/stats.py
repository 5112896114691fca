"""How fast the stored statistics of DOMAIN.md §7 are computed at a million cases.

Run:  .venv/bin/python bench/stats.py [--cases 1000000] [--repeat 3] [--changes 1000] [--explain] [--floor]

Uses BENCH_STATS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/citymgmt_bench_stats),
never DATABASE_URL: created, migrated, given the demo city and filled with `generate_cases`
(12 months) on first use, as bench/case_list.py does. Prints figures; asserts nothing.

(a) ``stats.rebuild()`` (every month: cells, categories, grids, roll-ups, open cases) against one
    hand-written SQL aggregate computing the district figures only (GROUP BY month, district
    with the same FILTER aggregates), median of --repeat runs each, and the ratio; with the
    server's max_parallel_workers_per_gather and with 0 (no parallel workers). The hand query
    runs with the session settings the rebuild gives itself (hash aggregation in 256 MB, no
    JIT), the fair comparison, and with the server's defaults, which sort on disk and compile.
    Target: rebuild ≤ 1.5 × the single query.
    --floor: the groupings a rebuild cannot do without, computed but not written, against the
    same hand query: the least any rebuild of these tables could take.
(b) --changes case changes, then ``stats.drain()`` until the queue is empty, timed:
    - "actions": one real service action each on open cases (dispatch, sign, feedback,
      check-request, close), as users do them; the queue fills through the signal;
    - "random": random filed cases across all months each saved with one more rework
      (what a mass correction does).
    Target: the refresh completes in under 1 s.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per service action of (b)

from bench.case_list import prepare
from bench.machine import describe

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/citymgmt_bench_stats"

# The district figures of reports/stats.py AGGREGATES, written out by hand on the case table.
HAND_SQL = """
SELECT (date_trunc('month', c.filed_at AT TIME ZONE %(tz)s))::date AS month, c.district_id,
  COUNT(*) AS filed,
  COUNT(*) FILTER (WHERE c.status = 'closed' AND c.closed_at <= %(as_of)s) AS closed,
  COUNT(*) FILTER (WHERE c.status = 'closed' AND c.closed_at <= %(as_of)s
                   AND c.handled_at <= COALESCE(c.deadline, c.handled_at)) AS closed_on_time,
  COUNT(*) FILTER (WHERE c.handled_at <= %(as_of)s) AS handled,
  COUNT(*) FILTER (WHERE c.handled_at <= %(as_of)s AND c.handled_at <= COALESCE(c.deadline, c.handled_at))
    AS handled_on_time,
  COALESCE(SUM(c.rework_count), 0) AS rework,
  COUNT(*) FILTER (WHERE c.delay_count > 0) AS delayed,
  COALESCE(SUM(c.return_count + CASE WHEN c.department_id IS NULL THEN 0 ELSE 1 END), 0) AS dispatched,
  COALESCE(SUM(c.return_count), 0) AS returned,
  COUNT(*) FILTER (WHERE c.source = 'hotline' AND c.dispatched_at <= %(as_of)s) AS hotline_dispatched,
  COUNT(*) FILTER (WHERE c.source = 'hotline' AND c.responded_in_time) AS hotline_responded,
  COUNT(*) FILTER (WHERE c.callback_at <= %(as_of)s AND c.satisfaction <> '') AS callbacks,
  COUNT(*) FILTER (WHERE c.callback_at <= %(as_of)s AND c.satisfaction <> '' AND c.resolved) AS callbacks_resolved,
  COUNT(*) FILTER (WHERE c.callback_at <= %(as_of)s AND c.satisfaction IN ('satisfied', 'basically'))
    AS callbacks_satisfied
FROM cases_case c
WHERE c.filed_at IS NOT NULL AND c.status <> 'voided' AND c.filed_at <= %(as_of)s
GROUP BY 1, 2
"""


def median_seconds(function, repeat: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


# The session settings the rebuild runs with (reports/stats.py rebuild and _write_blocks):
# hash aggregates in memory, no JIT compile for a one-off, parallel plans not priced out.
REBUILD_SETTINGS = ("jit = off", "work_mem = '256MB'", "parallel_setup_cost = 0", "parallel_tuple_cost = 0")


def hand_query(as_of, *, tuned: bool = False) -> list[tuple]:
    """The hand-written query; ``tuned``: with the rebuild's own session settings. With the
    server's defaults (work_mem 4 MB, JIT on) PostgreSQL sorts the million rows on disk and
    compiles the expressions, which about doubles its time: a fair comparison gives the
    hand-written query the settings the rebuild gives itself."""
    from django.conf import settings
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if tuned:
            for setting in REBUILD_SETTINGS:
                cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(HAND_SQL, {"as_of": as_of, "tz": settings.TIME_ZONE})
        return cursor.fetchall()


def same_as_stored(rows: list[tuple]) -> bool:
    """The hand query's district figures are the ones the rebuild stored."""
    from reports.models import COUNTS, Figure

    stored = {
        (r[0], r[1]): r[2:]
        for r in Figure.objects.filter(level="district", dimension="all").values_list("month", "unit_id", *COUNTS)
    }
    return stored == {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def set_parallel(value: str | None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if value is None:
            cursor.execute("RESET max_parallel_workers_per_gather")
        else:
            cursor.execute("SET max_parallel_workers_per_gather = %s", [value])
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


def part_a(repeat: int) -> None:
    from django.utils import timezone

    from reports import stats

    print("(a) rebuild of every month vs one hand-written SQL aggregate of the district figures")
    print(f"    median of {repeat} runs each; the hand query with the rebuild's settings (tuned) and the")
    print("    server's defaults (work_mem 4 MB, JIT on)\n")
    print(
        f"    {'parallel workers':<18} {'rebuild s':>10} {'hand tuned s':>13} {'ratio':>7}"
        f" {'hand defaults s':>16} {'ratio':>7}  same figures"
    )
    for setting in (None, "0"):
        shown = set_parallel(setting)
        rebuild_s, months = median_seconds(stats.rebuild, repeat)
        tuned_s, rows = median_seconds(lambda: hand_query(timezone.now(), tuned=True), repeat)
        default_s, _ = median_seconds(lambda: hand_query(timezone.now()), repeat)
        ratio = rebuild_s / tuned_s
        flag = "  > 1.5×" if ratio > 1.5 else ""
        same = "yes" if same_as_stored(hand_query(timezone.now(), tuned=True)) else "NO"
        label = f"{shown}" + (" (default)" if setting is None else "")
        print(
            f"    {label:<18} {rebuild_s:>10.2f} {tuned_s:>13.2f} {ratio:>6.2f}× {default_s:>16.2f}"
            f" {rebuild_s / default_s:>6.2f}×  {same}{flag}",
            flush=True,
        )
    set_parallel(None)
    print(f"    ({len(months)} months, {len(rows)} month × district rows)\n")


def explain(sql: str, params) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print("      " + line)
        transaction.set_rollback(True)  # EXPLAIN ANALYZE of an INSERT inserts


def part_a_explain() -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from reports import stats

    now = timezone.now()
    print("    EXPLAIN ANALYZE, hand-written district query (the rebuild's settings):")
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in REBUILD_SETTINGS:
            cursor.execute(f"SET LOCAL {setting}")
        explain(HAND_SQL, {"as_of": now, "tz": settings.TIME_ZONE})
    print("\n    EXPLAIN ANALYZE, the rebuild's aggregate of cells (the largest of its statements):")
    select = (
        f"SELECT a.*, cat.major_id FROM ({stats._cell_select('')}) a JOIN cases_category cat ON cat.id = a.category_id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in REBUILD_SETTINGS:
            cursor.execute(f"SET LOCAL {setting}")
        explain(f"CREATE TEMPORARY TABLE reports_explained AS {select}", stats._params(now))
        transaction.set_rollback(True)
    print()


def part_a_floor(repeat: int) -> None:
    """How long the least a rebuild must compute takes, against the hand query: the two
    groupings the stored tables need (cells: month × street × department × channel group
    × category, for the department, channel and category breakdowns and the per-street
    refresh; grids: month × grid, for the hot grids and the grid map), each alone, both in
    one pass (GROUPING SETS), and both with a cheaper month expression (a fixed UTC offset
    instead of the zone's name). Each is computed in full and only counted: nothing is written."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from reports import stats

    now = timezone.now()
    params = stats._params(now)
    live = stats._LIVE.format(month=stats._month_expr(), where="")
    aggregates = ", ".join(f"{sql} AS {name}" for name, sql in stats.LIVE_AGGREGATES.items())
    cells = ", ".join("b." + k for k in stats.CELL_KEYS)
    grids = ", ".join("b." + k for k in stats.GRID_KEYS)
    one_pass = f"SELECT {aggregates} FROM ({live}) b GROUP BY GROUPING SETS (({cells}), ({grids}))"
    # The same pass over each half of the table's blocks (TID ranges), the halves in parallel
    # processes (Parallel Append), then their partial groups summed.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('cases_case') / current_setting('block_size')::int")
        middle = cursor.fetchone()[0] // 2
    keys = list(dict.fromkeys([*stats.CELL_KEYS, *stats.GRID_KEYS]))
    halves = " UNION ALL ".join(
        f"SELECT GROUPING(b.grid_id) AS g, {', '.join('b.' + k for k in keys)}, {aggregates} "
        f"FROM ({stats._LIVE.format(month=stats._month_expr(), where=where)}) b "
        f"GROUP BY GROUPING SETS (({cells}), ({grids}))"
        for where in (f"AND c.ctid < '({middle},0)'::tid", f"AND c.ctid >= '({middle},0)'::tid")
    )
    sums = ", ".join(f"SUM({name})" for name in stats.COUNTS)
    split_pass = f"SELECT g, {', '.join(keys)}, {sums} FROM ({halves}) h GROUP BY g, {', '.join(keys)}"
    offset = timezone.localtime(now).utcoffset()
    fixed = f"AT TIME ZONE INTERVAL '{offset.total_seconds() / 3600:+03.0f}:00'"
    statements = [
        ("hand-written district query", HAND_SQL, {"as_of": now, "tz": settings.TIME_ZONE}),
        ("cells alone", stats._cell_select(""), params),
        ("grids alone", stats._grid_select(""), params),
        ("cells and grids in one pass (GROUPING SETS)", one_pass, params),
        ("the one pass over two halves at once, summed", split_pass, params),
        ("cells alone, fixed-offset month", stats._cell_select("").replace("AT TIME ZONE %(tz)s", fixed), params),
        ("grids alone, fixed-offset month", stats._grid_select("").replace("AT TIME ZONE %(tz)s", fixed), params),
        ("one pass, fixed-offset month", one_pass.replace("AT TIME ZONE %(tz)s", fixed), params),
        ("two halves at once, fixed-offset month", split_pass.replace("AT TIME ZONE %(tz)s", fixed), params),
    ]
    print("    the floor: what the rebuild cannot do without, computed and counted, nothing written")
    print(f"    median of {repeat} runs, the rebuild's settings (parallel workers as the server's default)\n")
    hand = None
    for label, sql, values in statements:
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in REBUILD_SETTINGS:
                cursor.execute(f"SET LOCAL {setting}")

            def run(sql=sql, values=values, cursor=cursor):
                cursor.execute(f"SELECT count(*) FROM ({sql}) q", values)
                return cursor.fetchone()[0]

            seconds, groups = median_seconds(run, repeat)
        hand = hand or seconds
        print(f"    {label:<48} {seconds:>6.2f} s {seconds / hand:>6.2f}×  ({groups:,} groups)", flush=True)
    print()


# --- (b) -----------------------------------------------------------------------------------


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("after.png", buffer.getvalue(), content_type="image/png")


def act_on_open_cases(count: int) -> dict[str, int]:
    """One service action on each of ``count`` open cases, newest first."""
    from django.contrib.auth import get_user_model

    from cases import services
    from cases.errors import CaseError
    from cases.models import Case, Status

    users = {u.username: u for u in get_user_model().objects.select_related("profile")}
    inspectors = {}
    for user in users.values():
        if user.username.startswith("inspector"):
            inspectors[user.username] = user
    handler_of = {}
    for user in users.values():
        department = getattr(getattr(user, "profile", None), "department_id", None)
        if department and user.username.startswith("handler-"):
            handler_of.setdefault(department, user)

    def step(case):
        status = case.status
        if status == Status.FILED:
            return services.case_dispatch(case=case, by=users["dispatcher"])
        if status == Status.DISPATCHED:
            return services.case_sign(case=case, by=handler_of[case.department_id])
        if status == Status.IN_PROGRESS:
            return services.case_feedback(
                case=case, by=handler_of[case.department_id], result="已处置", photos=[_photo()]
            )
        if status == Status.HANDLED:
            inspector = case.inspector or next(iter(inspectors.values()))
            return services.case_check_request(case=case, by=users["operator"], inspector=inspector)
        if status == Status.CHECKED:
            return services.case_close(case=case, by=users["shiftleader"])
        raise CaseError("state", "no action chosen")

    statuses = [Status.FILED, Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED, Status.CHECKED]
    done: dict[str, int] = {}
    candidates = Case.objects.filter(status__in=statuses).order_by("-id").select_related("inspector")
    for case in candidates.iterator(chunk_size=500):
        if sum(done.values()) >= count:
            break
        if case.department_id and case.department_id not in handler_of:
            continue
        try:
            step(case)
        except (CaseError, KeyError):
            continue
        done[case.status] = done.get(case.status, 0) + 1
    return done


def change_random_cases(count: int) -> None:
    """A mass correction: ``count`` random filed cases of every month get one more
    rework, saved through the ORM one by one (the signal queues each with what it
    counted for before), in one transaction."""
    from django.db import connection, transaction

    from cases.models import Case

    # A sample of about ten times the pages needed, then the random pick within it.
    share = min(100.0, 1000.0 * count / max(Case.objects.count(), 1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cases_case TABLESAMPLE SYSTEM (%s) WHERE filed_at IS NOT NULL ORDER BY random() LIMIT %s",
            [share, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        for case in Case.objects.filter(id__in=ids).select_for_update():
            case.rework_count += 1
            case.save(update_fields=["rework_count", "updated_at"])


def timed_drain() -> tuple[float, dict[str, int]]:
    from reports import stats

    total = {"changes": 0, "cases": 0, "months": 0, "drains": 0}
    started = time.perf_counter()
    while True:
        done = stats.drain()
        if not done["changes"]:
            break
        total["drains"] += 1
        for key in ("changes", "cases", "months"):
            total[key] += done[key]
    return time.perf_counter() - started, total


def part_b(changes: int) -> None:
    from django.core.cache import cache

    from cases.models import Case
    from org.models import Region
    from reports import stats, tasks
    from reports.models import CaseChange

    # Changes stay on the queue until the timed drain (no refresh after each commit).
    cache.set(tasks._QUEUED_KEY, 1, timeout=None)
    streets = Region.objects.filter(level="street").count()
    print(f"(b) {changes:,} case changes, then stats.drain() until the queue is empty ({streets} streets)")
    if CaseChange.objects.exists():
        stats.drain(10**9)
    started = time.perf_counter()
    done = act_on_open_cases(changes)
    acted = time.perf_counter() - started
    queued = CaseChange.objects.count()
    seconds, total = timed_drain()
    flag = "  > 1 s" if seconds > 1 else ""
    detail = ", ".join(f"{k} {v}" for k, v in sorted(done.items()))
    print(f"    actions   {sum(done.values()):>5} service actions on open cases ({detail}) in {acted:.1f} s")
    print(
        f"              queue {queued:,} → drained in {seconds:.2f} s{flag}"
        f" ({total['drains']} drain(s), {total['cases']} cases, {total['months']} month(s))"
    )
    change_random_cases(changes)
    queued = CaseChange.objects.count()
    seconds, total = timed_drain()
    flag = "  > 1 s" if seconds > 1 else ""
    print(f"    random    {queued:,} random cases of every month changed and queued")
    print(
        f"              drained in {seconds:.2f} s{flag}"
        f" ({total['drains']} drain(s), {total['cases']} cases, {total['months']} month(s))"
    )
    cache.delete(tasks._QUEUED_KEY)
    print(f"    ({Case.objects.count():,} cases)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases the database should hold (1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of (a), median (3)")
    parser.add_argument("--changes", type=int, default=1000, help="case changes of (b) (1,000)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE both statements of (a)")
    parser.add_argument(
        "--floor", action="store_true", help="time the groupings a rebuild cannot do without, against the hand query"
    )
    parser.add_argument("--skip-a", action="store_true", help="only (b)")
    parser.add_argument("--skip-b", action="store_true", help="only (a)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_STATS_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    prepare(args.database_url, args.cases)

    from django.conf import settings
    from django.db import connection

    from cases.models import Case
    from reports import stats
    from reports.models import Figure

    settings.DEBUG = False
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-stats-media-")  # the feedback photos of (b)
    print(describe())
    filed = Case.objects.filter(filed_at__isnull=False).count()
    print(f"database {connection.settings_dict['NAME']}, {Case.objects.count():,} cases ({filed:,} filed)\n")
    if not args.skip_a:
        part_a(args.repeat)
        if args.explain:
            part_a_explain()
        if args.floor:
            part_a_floor(args.repeat)
    elif not Figure.objects.exists():
        stats.rebuild()
    if not args.skip_b:
        part_b(args.changes)
    print(describe())


if __name__ == "__main__":
    main()
