"""Server time of the workspace pages at a million cases: the triage queue and the case page.

Run:  .venv/bin/python bench/pages.py [--cases 1000000] [--repeat 15]

Uses the benchmark database of bench/case_list.py (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/citymgmt_bench1m; prepared the same way). Through Django's test
client in process (server time, no network), as the demo `dispatcher`:

- GET /work/queue/?<filter> for each filter of DOMAIN.md §11 and the queue's own (stage tabs,
  supervision), 2 warm-up requests then --repeat timed ones: median, p95, SQL time and queries.
  Target: median under 150 ms.
- GET /work/cases/<number>/ for cases in every state (the newest of each): the same figures.
  Target: median under 100 ms.

The query counts must not depend on the page's size; tests/web prove that with query counting.
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

from bench.case_list import DEFAULT_URL, filters, prepare
from bench.machine import describe


def timed(client, url: str, repeat: int) -> tuple[list[float], int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} -> {response.status_code}: {response.content[:300]!r}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return sorted(timings), len(queries), sum(float(q["time"]) for q in queries.captured_queries) * 1000


def row(label: str, timings: list[float], queries: int, sql_ms: float, target: float) -> str:
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    flag = f"  > {target:.0f} ms" if median > target else ""
    return f"{label:<34} {median:>9.1f} {p95:>8.1f} {sql_ms:>7.0f} {queries:>8}{flag}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases the database should hold (1,000,000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (15)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    prepare(args.database_url, args.cases)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cases.models import Case, Status

    settings.DEBUG = False
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="dispatcher"))
    print(describe())
    print(f"{Case.objects.count():,} cases; as the demo dispatcher; {args.repeat} timed requests each\n")
    header = f"{'page':<34} {'median ms':>9} {'p95 ms':>8} {'sql ms':>7} {'queries':>8}"

    print(header)
    stages = [("stage", "dispatch"), ("stage", "requests"), ("stage", "overdue"), ("supervision", "1")]
    queue_filters = [*filters(), *stages]
    for name, value in queue_filters:
        query = f"{name}={value}" if value else ""
        timings, queries, sql_ms = timed(client, f"/work/queue/?{query}", args.repeat)
        print(row(f"queue {query or '(no filter)'}"[:34], timings, queries, sql_ms, 150), flush=True)

    for path in ("/work/approvals/", "/work/callbacks/", "/work/callbacks/?tab=dissatisfied"):
        timings, queries, sql_ms = timed(client, path, args.repeat)
        print(row(path, timings, queries, sql_ms, 150), flush=True)

    print(f"\n{header}")
    for status in Status.values:
        number = Case.objects.filter(status=status).order_by("-id").values_list("number", flat=True).first()
        if number is None:
            continue
        timings, queries, sql_ms = timed(client, f"/work/cases/{number}/", args.repeat)
        print(row(f"case page ({status})", timings, queries, sql_ms, 100), flush=True)
    print(describe())


if __name__ == "__main__":
    main()
