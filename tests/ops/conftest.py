"""Deployment tests (issue 9): real databases of their own, the app in gunicorn.

The databases are named after the test database (``<name>_src``, ``<name>_primary`` …) and
dropped when the test (or, for the seeded source, the session) ends. The app runs in a
subprocess, as in production: `gunicorn citymgmt.wsgi` with DEBUG=false and the database URLs
of the test, no Redis (tasks run in-process, the embedded mode).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo12345"


def _base() -> tuple[str, str]:
    """(server URL without a database, the test database's name) from DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/citymgmt")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        pytest.fail("tests/ops need DATABASE_URL=postgres://… (PostgreSQL)")
    return f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")


SERVER, BASE_NAME = _base()


def db_url(name: str) -> str:
    return f"{SERVER}/{name}"


def db_name(suffix: str) -> str:
    return f"{BASE_NAME}_{suffix}"


def admin_sql(*statements: str) -> None:
    """Statements run on the server's maintenance database (CREATE/DROP DATABASE …)."""
    with psycopg.connect(db_url("postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def drop_database(name: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_database(source: str, target: str) -> None:
    """A new database as a copy of ``source`` (no one may be connected to it)."""
    drop_database(target)
    admin_sql(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def query(name: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(db_url(name), autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def execute(name: str, sql: str, params: tuple = ()) -> int:
    """A statement without rows (UPDATE …); the number of rows it touched."""
    with psycopg.connect(db_url(name), autocommit=True) as connection:
        return connection.execute(sql, params).rowcount


def app_env(database: str, replica: str | None = None) -> dict[str, str]:
    """The app's environment: production settings on these databases, no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_REPLICA_URL")}
    env |= {
        "DATABASE_URL": db_url(database),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "citymgmt.settings",
    }
    if replica:
        env["DATABASE_REPLICA_URL"] = db_url(replica)
    return env


def manage(database: str, *args: str, replica: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=app_env(database, replica), capture_output=True, text=True
    )
    if result.returncode:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class App:
    """`gunicorn citymgmt.wsgi` (one worker) on a free port; a tiny HTTP client for it."""

    def __init__(self, database: str, replica: str | None = None):
        self.port = free_port()
        self.log = ROOT / "test-artifacts" / f"gunicorn-{database}.log"
        self.log.parent.mkdir(exist_ok=True)
        command = [
            sys.executable, "-m", "gunicorn", "citymgmt.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1",
            "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=app_env(database, replica), stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                self.request("GET", "/api/v1/categories/")
                return
            time.sleep(0.2)
        self.stop()
        pytest.fail("gunicorn did not answer within 40 s")

    def request(self, method: str, path: str, *, token: str | None = None, data: dict | None = None, form=None):
        headers = {"Authorization": f"Token {token}"} if token else {}
        body = None
        if data is not None:
            body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
        elif form is not None:
            body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, *, expect: int = 200, **kwargs):
        status, body = self.request(method, path, **kwargs)
        assert status == expect, f"{method} {path} → {status}: {body[:600]!r}"
        return json.loads(body)

    def token(self, username: str) -> str:
        return self.json("POST", "/api/v1/auth/token/", form={"username": username, "password": DEMO_PASSWORD})["token"]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn and its worker: our own process group
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextlib.contextmanager
def running(database: str, replica: str | None = None) -> Iterator[App]:
    app = App(database, replica)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def seeded() -> Iterator[str]:
    """A committed database: the demo city and its users (seed_demo without case history),
    400 generated cases over three months, the statistics rebuilt. Dropped at the end."""
    name = db_name("src")
    drop_database(name)
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        # One process for the four commands (each start of Django costs seconds).
        commands = (
            "from django.core.management import call_command as c; c('migrate', verbosity=0); "
            "c('seed_demo', quiet_logins=True, cases=0); c('generate_cases', 400, months=3, no_progress=True); "
            "c('rebuild_stats')"
        )
        manage(name, "shell", "-c", commands)
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def databases_made() -> Iterator[list[str]]:
    """Names of the databases a test creates; each is dropped when the test ends."""
    made: list[str] = []
    yield made
    for name in made:
        drop_database(name)
