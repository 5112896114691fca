"""How fast the leader dashboard answers on a large database: the page and each chart's data.

Run:  .venv/bin/python bench/dashboard.py --cases 100000
      .venv/bin/python bench/dashboard.py --cases 1000000

Uses BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/citymgmt_bench_dash<N> (one
database per size, never DATABASE_URL): created, migrated and given the demo city if needed,
filled with `generate_cases` to --cases cases, and its statistics built with `rebuild_stats`.

For the page (/reports/) and each chart part (/reports/data/<part>/) it asks, through Django's
test client in process, as the demo city leader and as a district leader, for the latest month:
cold (the chart cache cleared before each request; the process's reference copies warm, as in
a running server) and warm (from the cache). Prints the median and p95 server time and the
queries of a cold request. Target (issue 7): median < 50 ms, the same at 100,000 and 1,000,000
cases, since every read goes to the stored statistics and none to the case table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

from bench.machine import describe

PARTS = ("ranking", "trend", "channels", "categories", "grids", "overdue", "map")


def default_url(cases: int) -> str:
    label = f"{cases // 1_000_000}m" if cases >= 1_000_000 and cases % 1_000_000 == 0 else f"{cases // 1000}k"
    return f"postgres://postgres@127.0.0.1:5432/citymgmt_bench_dash{label}"


def prepare(url: str, cases: int) -> None:
    """The case benchmarks' database (bench/case_list.py), then its statistics."""
    from bench.case_list import prepare as prepare_cases

    generated = prepare_cases(url, cases)
    from django.core.management import call_command

    from reports.models import StatsMonth

    if generated or not StatsMonth.objects.filter(computed_at__isnull=False).exists():
        started = time.perf_counter()
        call_command("rebuild_stats", no_progress=True)
        print(f"rebuild_stats: {time.perf_counter() - started:.1f} s", flush=True)


def timed(client, url: str, params: dict, *, cold: bool) -> float:
    from django.core.cache import cache

    from reports import stats

    if cold:
        # Only the dashboard's entries go: a new version makes every cached chart stale.
        cache.set(stats.VERSION_KEY, stats.version() + 1, timeout=None)
    started = time.perf_counter()
    response = client.get(url, params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url} {params} -> {response.status_code}: {response.content[:300]!r}")
    return elapsed


def queries_of(client, url: str, params: dict) -> tuple[int, int]:
    """(queries, of which on cases_case) of a cold request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import stats

    cache.set(stats.VERSION_KEY, stats.version() + 1, timeout=None)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    on_cases = sum(1 for q in captured.captured_queries if '"cases_case"' in q["sql"] or " cases_case " in q["sql"])
    return len(captured.captured_queries), on_cases


def summary(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases the database should hold (100,000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per part and mode (20)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    prepare(args.database_url or default_url(args.cases), args.cases)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cases.models import Case
    from reports.models import StatsMonth

    settings.DEBUG = False  # as in production: no query log
    total = Case.objects.count()
    month = StatsMonth.objects.order_by("-month").values_list("month", flat=True).first()
    params = {"month": month.strftime("%Y-%m")}
    print(describe())
    database = f"{connection.settings_dict['NAME']} ({connection.vendor})"
    print(f"database {database}, {total:,} cases, month {params['month']}")
    print(f"{args.repeat} timed requests per row and mode, after 2 warm-up requests\n")
    header = f"{'user':<15} {'request':<28} {'cold median':>11} {'cold p95':>9} {'warm median':>11} {'warm p95':>9}"
    print(header + f" {'queries':>8} {'on cases':>9}")
    medians = []
    for username in ("leader", "leader-339901"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        requests = [("page", reverse("reports:dashboard"))] + [
            (part, reverse("reports:dashboard_data", args=[part])) for part in PARTS
        ]
        for name, url in requests:
            for _ in range(2):
                timed(client, url, params, cold=True)
            cold = summary([timed(client, url, params, cold=True) for _ in range(args.repeat)])
            warm = summary([timed(client, url, params, cold=False) for _ in range(args.repeat)])
            queries, on_cases = queries_of(client, url, params)
            medians.append(cold[0])
            flag = "  > 50 ms" if cold[0] > 50 else ""
            print(
                f"{username:<15} {name + ' ' + url:<28.28} {cold[0]:>11.1f} {cold[1]:>9.1f} {warm[0]:>11.1f} "
                f"{warm[1]:>9.1f} {queries:>8} {on_cases:>9}{flag}",
                flush=True,
            )
    print(f"\nslowest cold median {max(medians):.1f} ms; median of cold medians {statistics.median(medians):.1f} ms")
    print(describe())


if __name__ == "__main__":
    main()
