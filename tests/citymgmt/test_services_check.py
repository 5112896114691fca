"""`make test` refuses to run, clearly, when a service it needs is missing."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def run(module_or_manage: list[str], **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | env
    return subprocess.run(
        [sys.executable, *module_or_manage], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_a_missing_postgresql_fails_with_the_command_that_starts_it():
    result = run(["-m", "tests.services"], DATABASE_URL="postgres://postgres@127.0.0.1:1/citymgmt")
    assert result.returncode == 1
    assert "PostgreSQL is not reachable" in result.stderr
    assert "pg_ctlcluster" in result.stderr


def test_a_missing_redis_fails_with_the_command_that_starts_it():
    result = run(["-m", "tests.services"], REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert "Redis is not reachable" in result.stderr
    assert "redis-server --daemonize yes" in result.stderr


def test_with_every_service_up_the_check_passes():
    result = run(["-m", "tests.services"])
    assert result.returncode == 0, result.stderr
    assert "Services OK" in result.stdout


def test_ensure_database_creates_a_missing_postgresql_database_and_every_migration_applies():
    name = f"citymgmt_ensure_{uuid.uuid4().hex[:8]}"
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    try:
        first = run(["manage.py", "ensure_database"], DATABASE_URL=f"{url}/{name}")
        assert first.returncode == 0, first.stderr
        assert f"Created PostgreSQL database {name}" in first.stdout
        again = run(["manage.py", "ensure_database"], DATABASE_URL=f"{url}/{name}")
        assert again.returncode == 0 and again.stdout == ""
        # The suite itself runs without migrations; here they all run on PostgreSQL,
        # including the PostgreSQL-only search indexes.
        migrated = run(["manage.py", "migrate", "--no-input"], DATABASE_URL=f"{url}/{name}")
        assert migrated.returncode == 0, migrated.stderr
        with psycopg.connect(f"{url}/{name}") as conn:
            indexes = {
                row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_case'")
            }
        assert {"case_address_trgm", "case_description_trgm"} <= indexes
        # A number prefix is served by the unique number's own LIKE index (0006 dropped ours).
        assert "case_number_prefix" not in indexes
        assert any(name.startswith("cases_case_number_") and name.endswith("_like") for name in indexes)
    finally:
        with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
