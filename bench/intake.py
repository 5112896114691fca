"""Intake throughput over HTTP: gunicorn, and concurrent POSTs of realistic cases.

Run:  .venv/bin/python bench/intake.py [--workers 3] [--clients 8] [--seconds 20] [--max 20000]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/citymgmt_bench1m, prepared as
bench/case_list.py does: created, migrated, demo city, topped up to --cases cases) and starts
`gunicorn citymgmt.wsgi -b 127.0.0.1:8123 -w N` on it with REDIS_URL unset and production settings
(DEBUG=false). Client threads, each with one keep-alive connection to 127.0.0.1 only, POST
intake JSON (DOMAIN.md §11) as the demo `operator` with a token until the time or the count runs
out. It prints cases/s, latency p50/p95, errors, and checks that the database holds exactly one
case per 201 response, with unique numbers. Target: at least 200 cases/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

from bench.case_list import DEFAULT_URL, prepare  # noqa: E402
from bench.machine import describe, process_cpu_seconds  # noqa: E402

HOST, PORT = "127.0.0.1", 8123


def intake_bodies(count: int, marker: str, seed: int = 7) -> list[bytes]:
    """Realistic intake requests: hotline (ticket, caller), public, video, leader, media."""
    from cases.demo import CATEGORY_TEXTS, PHONE_PREFIXES, PREFIX, ROADS, SPOTS, SURNAMES
    from org.models import UnitGrid

    rng = random.Random(seed)
    grids = list(UnitGrid.objects.values_list("min_lat", "max_lat", "min_lng", "max_lng"))
    codes = list(CATEGORY_TEXTS)
    weights = [CATEGORY_TEXTS[c][0] for c in codes]
    channels = ["hotline"] * 6 + ["public"] * 2 + ["video", "leader", "media"]
    bodies = []
    for i in range(count):
        source = rng.choice(channels)
        code = rng.choices(codes, weights)[0]
        a, b, c, d = rng.choice(grids)
        spot = f"{rng.choice(ROADS)} {rng.randint(1, 260)} 号{rng.choice(SPOTS)}"
        body = {
            "source": source,
            "category": code,
            "description": f"{PREFIX[source]}{spot}{rng.choice(CATEGORY_TEXTS[code][1])}。（压测 {marker}）",
            "address": spot,
            "lat": rng.uniform(a + 1e-5, b - 1e-5),
            "lng": rng.uniform(c + 1e-5, d - 1e-5),
            "urgency": "urgent" if rng.random() < 0.05 else "normal",
        }
        if source == "hotline":
            body |= {
                "hotline_ticket_no": f"YC{marker}{i:06d}",
                "hotline_type": rng.choice(["complaint", "complaint", "help", "suggestion", "consult"]),
                "caller_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
                "caller_phone": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def start_server(url: str, workers: int, threads: int = 1) -> subprocess.Popen:
    from bench.load import server_env

    env = server_env(url, None)  # production settings, tasks in-process
    command = [str(ROOT / ".venv/bin/gunicorn"), "citymgmt.wsgi", "-b", f"{HOST}:{PORT}", "-w", str(workers)]
    if threads > 1:  # gthread workers, as deploy/systemd/citymgmt-web.service runs them: keep-alive
        command += ["--threads", str(threads)]
    command += ["--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=2)
            connection.request("GET", "/api/v1/categories/")
            if connection.getresponse().status in (200, 401, 403):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # our own process group: gunicorn and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


class Load:
    """Client threads sharing a queue of bodies, stopping at a time or a count."""

    def __init__(self, token: str, bodies: list[bytes], seconds: float):
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.bodies, self.seconds = bodies, seconds
        self.lock = threading.Lock()
        self.next = 0
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.numbers: list[str] = []
        self.errors: Counter[str] = Counter()

    def take(self) -> bytes | None:
        with self.lock:
            if self.next >= len(self.bodies) or time.monotonic() >= self.stop_at:
                return None
            self.next += 1
            return self.bodies[self.next - 1]

    def client(self) -> None:
        connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
        while (body := self.take()) is not None:
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/cases/", body=body, headers=self.headers)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.errors[type(exc).__name__] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[response.status] += 1
                if response.status == 201:
                    self.numbers.append(json.loads(payload)["number"])
                elif len(self.errors) < 5:
                    self.errors[f"{response.status}: {payload[:160]!r}"] += 1
        connection.close()

    def run(self, clients: int) -> float:
        self.stop_at = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self.client) for _ in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers; more: gthread, with keep-alive)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections (8)")
    parser.add_argument("--seconds", type=float, default=20, help="stop after this long (20)")
    parser.add_argument("--max", type=int, default=20_000, help="stop after this many requests (20000)")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases the database should hold first")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the cases this run created")
    args = parser.parse_args()
    prepare(args.database_url, args.cases)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from cases.models import Case

    operator = get_user_model().objects.get(username="operator")
    token = Token.objects.get_or_create(user=operator)[0].key
    marker = time.strftime("%H%M%S")
    bodies = intake_bodies(args.max, marker)
    before = Case.objects.count()
    connection.close()  # gunicorn's workers are the ones writing now

    print(describe(), flush=True)
    server = start_server(args.database_url, args.workers, args.threads)
    try:
        load = Load(token, bodies, args.seconds)
        cpu_before, client_before = process_cpu_seconds(), time.process_time()
        elapsed = load.run(args.clients)
        cpu_after, client_cpu = process_cpu_seconds(), time.process_time() - client_before
    finally:
        stop_server(server)

    created = load.statuses[201]
    latencies = sorted(load.latencies)
    stored = Case.objects.filter(description__endswith=f"（压测 {marker}）").count()
    numbers_stored = Case.objects.filter(number__in=load.numbers).count()
    print(f"database {connection.settings_dict['NAME']}: {before:,} cases before the run")
    print(f"gunicorn -w {args.workers}, {args.clients} client connections, {elapsed:.1f} s, {len(latencies)} requests")
    print(f"created {created} cases: {created / elapsed:.1f} cases/s (target ≥ 200)")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
        print(f"latency p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms")
    if created:
        server_ms = (cpu_after["gunicorn"] - cpu_before["gunicorn"]) * 1000 / created
        database_ms = (cpu_after["postgresql"] - cpu_before["postgresql"]) * 1000 / created
        client_ms = client_cpu * 1000 / created
        room = (os.cpu_count() or 1) * 1000 / (server_ms + database_ms)
        print(
            f"CPU per case: gunicorn {server_ms:.1f} ms, PostgreSQL {database_ms:.1f} ms, load generator "
            f"{client_ms:.1f} ms; without the load generator {os.cpu_count()} cores would carry {room:.0f} cases/s"
        )
    print(f"responses {dict(sorted(load.statuses.items()))}, connection errors {sum(load.errors.values())}")
    for error, times in load.errors.most_common(5):
        print(f"  {times} × {error}")
    unique = len(set(load.numbers)) == len(load.numbers)
    consistent = stored == created == numbers_stored
    print(f"stored cases of this run {stored}, numbers found {numbers_stored}, numbers unique: {unique}")
    print(describe())
    print("CHECK OK" if consistent and unique else "CHECK FAILED: stored cases and 201 responses differ")
    if not args.keep:
        # Otherwise each run leaves thousands of open cases around the same points, and the
        # next run's duplicate suggestions (and figures) are measured on a different database.
        # Case events are append-only (a trigger refuses deleting them, cases migration 0011):
        # on a benchmark database the runs' own cases are removed with the trigger off for
        # this one transaction (ALTER TABLE needs the table's owner; production never does this).
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only")
            removed = Case.objects.filter(description__contains="（压测 ").delete()[1].get("cases.Case", 0)
            # The deferred foreign-key checks of the deletes run now: ALTER TABLE refuses to
            # run with trigger events still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only")
        print(f"removed the {removed:,} cases of benchmark runs (--keep leaves them)")
    if not (consistent and unique):
        sys.exit(1)


if __name__ == "__main__":
    main()
