"""PostgreSQL restarted (its connections killed with pg_terminate_backend; the shared
cluster itself is never restarted): the app reconnects by itself, without a restart of
its own. Persistent connections (CONN_MAX_AGE) are health-checked before each request's
first query (CONN_HEALTH_CHECKS, citymgmt/env.py)."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.client import RequestFactory
from rest_framework.authtoken.models import Token

from citymgmt import outbox
from citymgmt.models import OutboxMessage
from citymgmt.tasks import drain_outbox
from tests.factories import make_person
from tests.reliability.conftest import ROOT, _port_free, other_backends, terminate, wait_for, worker_answers

pytestmark = pytest.mark.django_db(transaction=True)  # connections other than the test's read its rows


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def kill_own_connection(pid: int) -> None:
    """Terminate the app's backend from a connection of its own."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(%s)", [pid])


def serve(handler: WSGIHandler, token: str) -> int:
    """One request through Django's WSGI handler, as gunicorn makes it (request_started
    and request_finished included, which the test client leaves out)."""
    environ = RequestFactory()._base_environ(PATH_INFO="/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}")
    status = []
    response = handler(environ, lambda line, headers, exc_info=None: status.append(line))
    response.close()
    return int(status[0].split()[0])


def test_the_next_request_after_the_connection_was_killed_succeeds(settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    token = Token.objects.create(user=make_person("dispatcher", ["dispatcher"])).key
    handler = WSGIHandler()
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.settings_dict["CONN_MAX_AGE"] > 0
    assert serve(handler, token) == 200
    first = backend_pid()
    assert serve(handler, token) == 200 and backend_pid() == first  # the connection persists

    kill_own_connection(first)
    assert serve(handler, token) == 200
    assert backend_pid() != first


def test_without_health_checks_the_same_kill_costs_a_failed_request(settings):
    """The control: what CONN_HEALTH_CHECKS saves."""
    token = Token.objects.create(user=make_person("dispatcher", ["dispatcher"])).key
    handler = WSGIHandler()
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        assert serve(handler, token) == 200
        kill_own_connection(backend_pid())
        assert serve(handler, token) == 500
        assert serve(handler, token) == 200  # dropped after the failure
    finally:
        connection.close()
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True


@pytest.fixture
def gunicorn(tmp_path):
    """citymgmt under gunicorn (one sync worker, as in production) on the test database."""
    port = next(port for port in range(8390, 8400) if _port_free(port))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "600",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "citymgmt.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(lambda: not _port_free(port), timeout=30, what="gunicorn to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_gunicorn_reconnects_after_its_connections_were_killed(gunicorn):
    token = Token.objects.create(user=make_person("dispatcher", ["dispatcher"])).key
    before = set(other_backends())
    assert get(f"{gunicorn}/api/v1/cases/", token) == 200
    served_by = set(other_backends()) - before
    assert served_by  # the worker keeps its connection between requests
    terminate(list(served_by))
    wait_for(lambda: not set(other_backends()) & served_by, timeout=10, what="the backends to end")

    assert get(f"{gunicorn}/api/v1/cases/", token) == 200
    assert get(f"{gunicorn}/health/ready/", token) == 200


def test_a_worker_runs_its_next_task_after_its_connections_were_killed(on_redis, workers):
    workers.start(on_redis.url)
    wait_for(worker_answers, what="the worker to answer")
    outbox.store("citymgmt.tasks.ping")
    assert outbox.send(drain_outbox) == "sent"
    wait_for(lambda: not OutboxMessage.objects.exists(), what="the worker's task to drain the outbox")

    terminate(other_backends())
    outbox.store("citymgmt.tasks.ping")
    assert outbox.send(drain_outbox) == "sent"
    wait_for(lambda: not OutboxMessage.objects.exists(), what="the worker's next task")
    assert workers.processes[0][0].poll() is None  # the same worker, not restarted
