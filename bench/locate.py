"""How fast a point is located to its unit grid on the demo city (2,000 grids).

Run: .venv/bin/python bench/locate.py   (uses DATABASE_URL; seeds the demo city if empty)
Prints the time to build the in-process grid index, then the median and p95
time of one locate_point call over random points.
Case intake calls the locator once per case, so this bounds intake throughput.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from org import demo  # noqa: E402
from org.models import UnitGrid  # noqa: E402
from org.selectors import OutsideManagedArea, forget_grid_index, locate_point  # noqa: E402


def main(samples: int = 2000) -> None:
    if not UnitGrid.objects.exists():
        call_command("seed_demo", quiet_logins=True, cases=0)
    forget_grid_index()
    started = time.perf_counter()
    locate_point(lat=demo.ORIGIN_LAT + demo.CELL_LAT / 2, lng=demo.ORIGIN_LNG + demo.CELL_LNG / 2)
    build_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(42)
    lat_span, lng_span = demo.ROWS * demo.CELL_LAT, demo.COLS * demo.CELL_LNG
    timings, outside = [], 0
    for _ in range(samples):
        lat = demo.ORIGIN_LAT + rng.uniform(-0.05, 1.05) * lat_span
        lng = demo.ORIGIN_LNG + rng.uniform(-0.05, 1.05) * lng_span
        started = time.perf_counter()
        try:
            locate_point(lat=lat, lng=lng)
        except OutsideManagedArea:
            outside += 1
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"database: {connection.vendor}, grids: {UnitGrid.objects.count()}, points: {samples} ({outside} outside)")
    print(f"grid index built in {build_ms:.0f} ms (once per process, again after a grid changes)")
    print(f"locate_point median {statistics.median(timings):.2f} ms, p95 {timings[int(0.95 * samples)]:.2f} ms")


if __name__ == "__main__":
    main()
