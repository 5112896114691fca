"""How fast the case list API answers on a large database, filter by filter.

Run:  .venv/bin/python bench/case_list.py [--cases 1000000] [--repeat 15] [--explain 6]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/citymgmt_bench1m), never
DATABASE_URL, so it cannot fill your working database: the database is created, migrated and
given the demo city if needed, and topped up with `generate_cases` to --cases cases.

For each filter of DOMAIN.md §11 it asks GET /api/v1/cases/?<filter>&ordering=deadline (page 1,
20 rows) as the demo dispatcher through Django's test client, in process, and prints the median
and p95 server time, then EXPLAIN ANALYZE of the SQL behind the slowest filters.
Target: median < 100 ms per filter at 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

from bench.machine import describe

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/citymgmt_bench1m"


def prepare(url: str, cases: int) -> bool:
    """Point Django at the benchmark database and fill it; call before anything imports models.
    True when cases were generated."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from cases.models import Case
    from org.models import UnitGrid

    call_command("ensure_database")
    call_command("migrate", verbosity=0)
    if not UnitGrid.objects.exists():
        call_command("seed_demo", quiet_logins=True, cases=0)
    have = Case.objects.count()
    if have < cases:
        print(f"{have:,} cases in the database; generating {cases - have:,} (generate_cases) ...", flush=True)
        call_command("generate_cases", cases - have)
    return have < cases


def filters() -> list[tuple[str, str]]:
    """One realistic value per filter (DOMAIN.md §11), plus a few harder variants."""
    from django.utils import timezone

    from cases.models import Case
    from org.models import Department, Region, UnitGrid

    today = timezone.localdate()
    district = Region.objects.filter(level="district").order_by("code").first()
    street = Region.objects.filter(level="street").order_by("code").first()
    grid = UnitGrid.objects.order_by("code")[37]
    phone = Case.objects.exclude(caller_phone="").order_by("-id").values_list("caller_phone", flat=True).first()
    number = Case.objects.order_by("-id").values_list("number", flat=True).first()
    office = Department.objects.filter(kind=Department.Kind.STREET_OFFICE).order_by("code").first()
    return [
        ("(none)", ""),
        ("status", "in_progress"),
        ("status", "closed"),
        ("source", "hotline"),
        ("district", district.code),
        ("street", street.code),
        ("grid", grid.code),
        ("category", "06010"),
        ("department", "hw"),
        ("department", office.code),
        ("urgency", "urgent"),
        ("light", "red"),
        ("light", "yellow"),
        ("overdue", "true"),
        ("filed_after", (today - timedelta(days=30)).isoformat()),
        ("filed_before", (today - timedelta(days=330)).isoformat()),
        ("q", "建设路"),
        ("q", "井盖"),
        ("q", number[:10]),
        ("q", phone or "13800000000"),
    ]


def measure(client, query: str, repeat: int) -> tuple[list[float], int, int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/cases/?{query}&ordering=deadline" if query else "/api/v1/cases/?ordering=deadline"
    for _ in range(2):  # warm caches (ours and PostgreSQL's)
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} -> {response.status_code}: {response.content[:300]!r}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return sorted(timings), response.json()["count"], len(queries), sql_ms


def explain(client, query: str) -> None:
    """EXPLAIN ANALYZE every query on cases_case that the page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(f"/api/v1/cases/?{query}&ordering=deadline")
    for sql in [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"]]:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
        print(f"\n  -- {sql[:160]} … {sql[-200:]}" if len(sql) > 400 else f"\n  -- {sql}")
        plan = [line for line in plan if not line.lstrip().startswith(("Buffers", "Cache ", "Hits:", "Planning:"))]
        timing = [line for line in plan if line.startswith(("Planning Time", "Execution Time"))]
        body = [line for line in plan if line not in timing]
        for line in body[:22]:
            print(f"     {line}")
        if len(body) > 22:
            print(f"     … ({len(body) - 22} more lines)")
        for line in timing:
            print(f"     {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases the database should hold (1,000,000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per filter (15)")
    parser.add_argument("--explain", type=int, default=6, help="EXPLAIN ANALYZE the N slowest filters (6)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    prepare(args.database_url, args.cases)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from cases.models import Case

    settings.DEBUG = False  # as in production: no query log
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="dispatcher"))
    total = Case.objects.count()
    print(describe())
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}), {total:,} cases, user dispatcher")
    print(f"GET /api/v1/cases/?<filter>&ordering=deadline, {args.repeat} timed requests each (after 2 warm-up)\n")
    print(f"{'filter':<13} {'value':<16} {'matches':>10} {'median ms':>10} {'p95 ms':>8} {'sql ms':>7} {'queries':>8}")
    results = []
    for name, value in filters():
        query = f"{name}={value}" if value else ""
        timings, count, queries, sql_ms = measure(client, query, args.repeat)
        median = statistics.median(timings)
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        results.append((median, name, value, query))
        flag = "  > 100 ms" if median > 100 else ""
        row = f"{name:<13} {value[:16]:<16} {count:>10,} {median:>10.1f} {p95:>8.1f} {sql_ms:>7.0f} {queries:>8}"
        print(row + flag, flush=True)
    slow, seen = [], set()
    for result in sorted(results, reverse=True):  # the slowest value of each filter
        if result[0] > 100 and result[1] not in seen and len(slow) < args.explain:
            slow.append(result)
            seen.add(result[1])
    print(describe())
    print(f"\nEXPLAIN ANALYZE of the {len(slow)} slowest filters over 100 ms:")
    for median, name, value, query in slow:
        print(f"\n== {name}={value}  (median {median:.1f} ms)")
        explain(client, query)


if __name__ == "__main__":
    main()
