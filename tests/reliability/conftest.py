"""Fixtures of the reliability tests: a Redis server of the test's own (killed and
restarted at will, never the shared one), real Celery workers and the lifecycle world."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from django.db import connection

from citymgmt import cache as tolerant_cache
from citymgmt import outbox
from citymgmt.celery import app
from tests import polling
from tests.cases import conftest as lifecycle
from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(6390, 6400)  # this suite's own redis-server processes

# The lifecycle suite's fixtures: people, the test city, the catalogue, street offices.
catalogue, offices, media_root, world = lifecycle.catalogue, lifecycle.offices, lifecycle.media_root, lifecycle.world


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class RedisServer:
    """A redis-server on a port of 6390–6399 without persistence: SIGKILL loses
    everything it held, as a crashed Redis without AOF does."""

    def __init__(self):
        self.port = next((port for port in PORTS if _port_free(port)), None)
        assert self.port is not None, "no free port in 6390-6399 for a test redis-server"
        self.dir = tempfile.mkdtemp(prefix="citymgmt-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: not _port_free(self.port), timeout=10, what=f"redis-server on {self.port}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        wait_for(lambda: _port_free(self.port), timeout=10, what=f"redis-server on {self.port} to go")


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def worker_answers() -> list:
    """The workers' replies to a ping, on a fresh connection to the current broker."""
    with app.connection_for_write() as connection:
        return app.control.ping(timeout=0.5, connection=connection)


def _forget_pools() -> None:
    """kombu's pooled connections point at the broker they were made for, and the app's
    result backend (kept per thread) at the result store it was made for."""
    from kombu import pools

    pools.reset()  # closes and forgets kombu's registry of pools
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


def _forget_breakers() -> None:
    tolerant_cache._down_until.clear()
    tolerant_cache._last_logged.clear()
    outbox._state.update(down_until=0.0, logged_at=-outbox.LOG_EVERY_SECONDS)


@pytest.fixture
def on_redis(settings, redis_server, monkeypatch):
    """This process's cache and Celery broker on the test's own Redis; tasks go to the
    broker (not in-process). Retry windows are short so a restart is seen at once."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "citymgmt.cache.TolerantRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2, "RETRY_SECONDS": 0.3},
        }
    }
    monkeypatch.setattr(outbox, "RETRY_SECONDS", 0.3)
    broker, backend, eager = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager
    app.conf.broker_url = app.conf.result_backend = redis_server.url
    app.conf.task_always_eager = False
    _forget_breakers()
    _forget_pools()
    try:
        yield redis_server
    finally:
        app.conf.task_always_eager = eager
        app.conf.broker_url, app.conf.result_backend = broker, backend
        _forget_breakers()
        _forget_pools()


class Workers:
    """Real `celery worker` processes (solo pool) on the test database; output kept in a
    file per worker for the log tests."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self, redis_url: str, *, queues: str | None = None, env: dict | None = None) -> subprocess.Popen:
        db = connection.settings_dict
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            **(env or {}),
        }
        output = self.tmp_path / f"worker-{len(self.processes)}.log"
        command = [sys.executable, "-m", "celery", "-A", "citymgmt", "worker", "--pool=solo",
                   "-n", f"test-{uuid.uuid4().hex[:8]}@%h",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        if queues:
            command += ["-Q", queues]
        with output.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT)
        self.processes.append((process, output))
        return process

    def output(self, index: int = -1) -> str:
        return self.processes[index][1].read_text(errors="replace")

    def stop(self) -> None:
        for process, _output in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop()


def other_backends() -> list[int]:
    """The pids of the connections to the test database other than this one."""
    return [pid for pid, _state, _wait in polling.other_backends()]


def terminate(pids: list[int]) -> None:
    """What a PostgreSQL restart does to the app's connections, for these backends only
    (the shared cluster is never restarted)."""
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
