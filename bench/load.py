"""Load under gunicorn: concurrent dispatchers for a while, then a burst of intake (issue 9).

Run:  .venv/bin/python bench/load.py [--cases 1000000] [--users 50] [--seconds 60] [--burst 500]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/citymgmt_bench1m, prepared as
bench/case_list.py does: created, migrated, demo city, topped up to --cases cases), runs
`collectstatic` (production settings serve the pages' static files from the manifest) and starts
`gunicorn citymgmt.wsgi -w 2 --threads 4` on it with DEBUG=false and REDIS_URL unset (tasks
in-process, unless --redis-url is given: then one Celery worker runs beside it).

1. Dispatchers: --users people (users `load-NN`, roles 受理员 + 值班长 + 派遣员, created once)
   each sign in through the login page (a session, for the pages) and the token endpoint (for the
   API), then loop for --seconds, pausing a random --think seconds on average between requests
   (default 3: a person reading the page; 0: no pause, bots rather than people), over a mix of
     queue   GET /work/queue/ with a random filter (district, light, stage, search …)      30 %
     list    GET /api/v1/cases/ with a random filter, ordering by deadline                   25 %
     case    GET /work/cases/<number>/ of a random case                                      30 %
     action  POST file / dispatch / supervise on a case in the right state                   15 %
   (each case taken for an action is used once, so two dispatchers never race for it).
   Prints per kind and overall: requests, requests/s, p50/p95/p99 latency, errors (any answer
   other than 2xx/3xx, or a failed connection). Target: 0 errors, p95 under 300 ms.
2. Burst: --burst intake requests (POST /api/v1/cases/, realistic bodies of bench/intake.py) sent
   at an even pace within --burst-seconds by as many threads as needed; then checks that every
   201 answer's case is stored, that the stored count equals the requests sent (none lost) and
   that the case numbers are unique. The burst's cases stay (case events are append-only: the
   database refuses to delete them); 500 more cases do not change the figures at a million.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

from bench.case_list import DEFAULT_URL, prepare  # noqa: E402
from bench.machine import describe  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "load-bench-2026"
MIX = {"queue": 30, "list": 25, "case": 30, "action": 15}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


# --- the database side (Django, in this process) ------------------------------------------


def make_users(count: int) -> list[str]:
    """load-01 … load-NN with the duty officer's three roles, city-wide; the same password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from org.models import StaffProfile
    from org.roles import Role

    User = get_user_model()
    groups = list(Group.objects.filter(name__in=[Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER]))
    names = [f"load-{n:02d}" for n in range(1, count + 1)]
    password = make_password(PASSWORD)  # one hash for all (each costs PBKDF2's rounds)
    for name in names:
        user, _created = User.objects.update_or_create(
            username=name, defaults={"first_name": f"压测{name[-2:]}", "password": password}
        )
        user.groups.add(*groups)
        StaffProfile.objects.get_or_create(user=user)
    return names


def pools(size: int) -> dict[str, list[str]]:
    """Case numbers to act on, by action, and a sample of cases to open."""
    from cases.models import OPEN_STATUSES, Case, Status

    def numbers(queryset, limit=size):
        return list(queryset.order_by("-id").values_list("number", flat=True)[:limit])

    return {
        "file": numbers(Case.objects.filter(status=Status.REPORTED)),
        "dispatch": numbers(Case.objects.filter(status=Status.FILED)),
        "supervise": numbers(Case.objects.filter(status__in=[s.value for s in OPEN_STATUSES], supervision_level=0)),
        "open": numbers(Case.objects.all(), limit=5000),
    }


def list_filters() -> list[dict[str, str]]:
    from org.models import Region

    districts = list(Region.objects.filter(level="district").values_list("code", flat=True))
    streets = list(Region.objects.filter(level="street").values_list("code", flat=True)[:10])
    return [
        {},
        *({"district": code} for code in districts),
        *({"street": code} for code in streets),
        {"light": "red"},
        {"light": "yellow"},
        {"status": "filed"},
        {"source": "hotline"},
        {"overdue": "true"},
        {"category": "06010"},
        {"q": "井盖"},
    ]


# --- the server ---------------------------------------------------------------------------


def server_env(url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_REPLICA_URL")}
    env |= {
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


LOG = ROOT / ".make" / "bench-load.log"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """In a process group of its own; its output goes to .make/bench-load.log."""
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # our own process group
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within 40 s (see {LOG})")


# --- the clients ----------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def add(self, kind: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if error:
                self.errors[kind] += 1
                self.samples.setdefault(f"{kind}: {error[:60]}", error[:300])


class Dispatcher:
    """One person: a session cookie for the pages, a token for the API, one keep-alive connection."""

    def __init__(self, port: int, username: str):
        self.port, self.username = port, username
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.login()
        status, body = self.send("POST", "/api/v1/auth/token/", form={"username": username, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"{username}: token refused ({status}) {body[:200]!r}")
        self.token = json.loads(body)["token"]

    def send(self, method: str, path: str, *, form=None, data=None, api=False) -> tuple[int, bytes]:
        headers = {}
        if api and getattr(self, "token", None):
            headers["Authorization"] = f"Token {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        elif data is not None:
            body, headers["Content-Type"] = json.dumps(data, ensure_ascii=False).encode(), "application/json"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.connection.close()
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
                # gunicorn closes a keep-alive connection left idle (2 s): say it again on a new
                # one, as browsers and requests do. Anything else, or twice, is an error.
                idle_close = isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError))
                if attempt == 2 or not idle_close:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, payload

    def login(self) -> None:
        status, page = self.send("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise SystemExit(f"login page: {status}")
        form = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()}
        status, body = self.send("POST", "/accounts/login/", form=form)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"{self.username}: login refused ({status}) {body[:200]!r}")


class Mix:
    def __init__(self, port: int, users: list[str], pools_: dict, filters: list[dict], seconds: float, think: float):
        self.port, self.users, self.pools, self.filters = port, users, pools_, filters
        self.seconds, self.think = seconds, think
        self.results = Results()
        self.pool_lock = threading.Lock()

    def take(self, action: str) -> str | None:
        with self.pool_lock:
            return self.pools[action].pop() if self.pools[action] else None

    def give(self, action: str, number: str) -> None:
        with self.pool_lock:
            self.pools[action].append(number)

    def act(self, person: Dispatcher, rng: random.Random) -> tuple[str, int, bytes] | None:
        for action in rng.sample(["file", "dispatch", "supervise"], 3):
            number = self.take(action)
            if number is None:
                continue
            body = {"supervise": {"note": "请加快处置（压测）"}}.get(action, {})
            status, payload = person.send("POST", f"/api/v1/cases/{number}/{action}/", data=body, api=True)
            if status == 200 and action == "file":
                self.give("dispatch", number)
            return f"action:{action}", status, payload
        return None

    def one(self, person: Dispatcher, rng: random.Random) -> tuple[str, int, bytes] | None:
        kind = rng.choices(list(MIX), list(MIX.values()))[0]
        query = urlencode(rng.choice(self.filters))
        if kind == "queue":
            return kind, *person.send("GET", f"/work/queue/?{query}")
        if kind == "list":
            return kind, *person.send("GET", f"/api/v1/cases/?{query}&ordering=deadline", api=True)
        if kind == "case":
            return kind, *person.send("GET", f"/work/cases/{rng.choice(self.pools['open'])}/")
        return self.act(person, rng)

    def client(self, person: Dispatcher, seed: int, stop_at: float) -> None:
        rng = random.Random(seed)
        if self.think:
            # People do not all click at the same instant: each starts after a pause of the same
            # (memoryless) kind as between clicks, so the run measures the steady state, not 50
            # requests arriving at once at its first moment.
            time.sleep(rng.expovariate(1 / self.think))
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                done = self.one(person, rng)
            except (OSError, http.client.HTTPException) as exc:
                self.results.add("connection", (time.perf_counter() - started) * 1000, type(exc).__name__)
                continue
            if done is None:
                continue
            kind, status, payload = done
            error = None if 200 <= status < 400 else f"{status} {payload[:200]!r}"
            self.results.add(kind, (time.perf_counter() - started) * 1000, error)
            if self.think:
                time.sleep(rng.expovariate(1 / self.think))

    def run(self) -> float:
        with ThreadPoolExecutor(max_workers=8) as pool:  # sign-ins cost a password hash each
            people = list(pool.map(lambda name: Dispatcher(self.port, name), self.users))
        stop_at = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self.client, args=(person, n, stop_at)) for n, person in enumerate(people)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def report(results: Results, elapsed: float) -> bool:
    print(f"{'kind':<18}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    everything = []
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        everything += values
        print(
            f"{kind:<18}{len(values):>9}{len(values) / elapsed:>8.1f}{statistics.median(values):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{percentile(values, 0.99):>9.1f}{results.errors[kind]:>8}"
        )
    errors = sum(results.errors.values())
    p95 = percentile(everything, 0.95)
    print(
        f"{'all':<18}{len(everything):>9}{len(everything) / elapsed:>8.1f}{statistics.median(everything):>9.1f}"
        f"{p95:>9.1f}{percentile(everything, 0.99):>9.1f}{errors:>8}"
    )
    for sample, text in list(results.samples.items())[:8]:
        print(f"  error sample {sample}: {text}")
    ok = errors == 0 and p95 < 300
    print(f"target 0 errors and p95 < 300 ms: {'met' if ok else 'NOT met'}")
    return ok


# --- the burst ----------------------------------------------------------------------------


def burst(port: int, token: str, bodies: list[bytes], seconds: float) -> tuple[list[str], Results, float]:
    """Each request at its own moment i × seconds / n from the start, on its own connection."""
    results = Results()
    numbers: list[str] = []
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    started = time.monotonic()
    spacing = seconds / len(bodies)

    def send(i: int, body: bytes) -> None:
        time.sleep(max(0.0, started + i * spacing - time.monotonic()))
        begun = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=120)
            connection.request("POST", "/api/v1/cases/", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            connection.close()
        except (OSError, http.client.HTTPException) as exc:
            results.add("intake", (time.perf_counter() - begun) * 1000, type(exc).__name__)
            return
        error = None if response.status == 201 else f"{response.status} {payload[:200]!r}"
        results.add("intake", (time.perf_counter() - begun) * 1000, error)
        if response.status == 201:
            with results.lock:
                numbers.append(json.loads(payload)["number"])

    threads = [threading.Thread(target=send, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\nburst: {len(bodies)} intake requests sent one every {spacing * 1000:.0f} ms over {seconds:g} s; "
          f"the last answer came after {time.monotonic() - started:.1f} s")  # fmt: skip
    return numbers, results, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases the database should hold first")
    parser.add_argument("--users", type=int, default=50, help="concurrent dispatchers (50)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the dispatchers work (60)")
    parser.add_argument("--think", type=float, default=3, help="mean pause between a person's requests, s (3; 0: bots)")
    parser.add_argument("--burst", type=int, default=500, help="intake requests of the burst (500; 0: none)")
    parser.add_argument("--burst-seconds", type=float, default=10, help="the burst's duration (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4; 1: sync workers)")
    parser.add_argument("--port", type=int, default=8124)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", help="run with Redis and one Celery worker (default: tasks in-process)")
    args = parser.parse_args()
    prepare(args.database_url, args.cases)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from bench.intake import intake_bodies
    from cases.models import Case

    env = server_env(args.database_url, args.redis_url)
    # With production settings the pages name their static files through the manifest.
    collect = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    users = make_users(args.users)
    work = pools(20_000)
    filters = list_filters()
    marker = time.strftime("%H%M%S")
    bodies = intake_bodies(args.burst, marker) if args.burst else []
    operator_token = Token.objects.get_or_create(user=get_user_model().objects.get(username="operator"))[0].key
    before = Case.objects.count()
    connection.close()  # gunicorn's workers are the ones writing now

    print(describe(), flush=True)
    command = [str(ROOT / ".venv/bin/gunicorn"), "citymgmt.wsgi", "-b", f"{HOST}:{args.port}", "-w", str(args.workers)]
    if args.threads > 1:
        command += ["--threads", str(args.threads)]
    server = start([*command, "--log-level", "warning", "--timeout", "120"], env)
    worker = None
    if args.redis_url:
        worker = start([str(ROOT / ".venv/bin/celery"), "-A", "citymgmt", "worker", "--loglevel=WARNING"], env)
    ok = True
    try:
        wait_for(args.port)
        tasks = "Redis + 1 Celery worker" if worker else "tasks in-process (no Redis)"
        name = args.database_url.rsplit("/", 1)[-1]
        print(f"database {name}: {before:,} cases; gunicorn -w {args.workers} --threads {args.threads}; {tasks}")
        print(f"pools: {', '.join(f'{k} {len(v):,}' for k, v in work.items())}")
        mix = Mix(args.port, users, work, filters, args.seconds, args.think)
        elapsed = mix.run()
        print(f"\n{args.users} dispatchers for {elapsed:.1f} s (think time {args.think} s):")
        ok = report(mix.results, elapsed)
        if bodies:
            numbers, results, took = burst(args.port, operator_token, bodies, args.burst_seconds)
            report(results, took)
            stored = Case.objects.filter(description__endswith=f"（压测 {marker}）").count()
            found = Case.objects.filter(number__in=numbers).count()
            unique = len(set(numbers)) == len(numbers)
            print(f"burst: sent {len(bodies)}, 201 answers {len(numbers)}, stored {stored}, answered numbers found "
                  f"{found}, numbers unique: {unique}")  # fmt: skip
            burst_ok = stored == found == len(numbers) == len(bodies) and unique
            print("burst CHECK OK: all stored, none lost, numbers unique" if burst_ok else "burst CHECK FAILED")
            ok = ok and burst_ok
    finally:
        if worker:
            stop(worker)
        stop(server)
    print(describe())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
