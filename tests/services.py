"""Checks, before the test suite, that what it needs is there.

`make test` runs this first so a missing service is one clear failure instead
of hundreds of errors; in CI (CI=true) as everywhere else, missing means fail.
"""

import os
import shutil
import sys

import psycopg
import redis

PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(f"DATABASE_URL={database_url!r}: the test suite runs on PostgreSQL (postgres://…).")
    else:
        try:
            dsn = database_url.rsplit("/", 1)[0] + "/postgres"
            psycopg.connect(dsn, connect_timeout=5).close()
        except psycopg.OperationalError as exc:
            problems.append(f"PostgreSQL is not reachable at {database_url}: {exc}".strip())
            problems.append(f"  start it with: {PG_START}")
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        problems.append(f"Redis is not reachable at {redis_url!r}: {exc}")
        problems.append(f"  start it with: {REDIS_START}")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"Chromium for the browser tests is missing at {CHROMIUM}: apt-get install chromium")
    if not shutil.which("node"):
        problems.append("Node.js is missing (npm installs the front-end libraries): apt-get install nodejs npm")
    if problems:
        print("The test suite cannot run:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print("Services OK: PostgreSQL, Redis, Chromium.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
