"""/health/ for a load balancer and monitoring: database, Redis, a Celery worker and
beat, each with its status; 200 when all are up, 503 when one is not; "embedded"
without Redis. /health/ready/ is only what serving pages needs."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from citymgmt.health import HEARTBEAT_KEY
from citymgmt.tasks import heartbeat
from tests.reliability.conftest import wait_for, worker_answers


def health(client, url="/health/"):
    response = client.get(url)
    body = response.json()
    return response.status_code, body["status"], {part: check["status"] for part, check in body["checks"].items()}


@pytest.mark.django_db
def test_without_redis_the_background_parts_say_embedded_and_do_not_fail(client, settings):
    settings.REDIS_URL = None
    status, overall, parts = health(client)
    assert (status, overall) == (200, "ok")
    assert parts == {"database": "ok", "redis": "embedded", "celery": "embedded", "beat": "embedded"}


@pytest.mark.django_db
def test_it_reports_each_part_with_a_real_redis_worker_and_heartbeat(client, on_redis, workers):
    workers.start(on_redis.url)
    wait_for(worker_answers, what="the worker to answer")
    # What beat does every minute: the heartbeat task, done by the worker.
    heartbeat.apply_async(ignore_result=True)
    wait_for(lambda: cache.get(HEARTBEAT_KEY), what="the heartbeat stamp")

    assert health(client) == (200, "ok", {"database": "ok", "redis": "ok", "celery": "ok", "beat": "ok"})
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]

    # Beat stopped three minutes ago.
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=4)).isoformat(), timeout=None)
    status, overall, parts = health(client)
    assert (status, overall, parts["beat"], parts["celery"]) == (503, "unavailable", "unavailable", "ok")
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)

    # No worker.
    workers.stop()
    status, overall, parts = health(client)
    assert (status, parts) == (503, {"database": "ok", "redis": "ok", "celery": "unavailable", "beat": "ok"})
    error = client.get("/health/").json()["checks"]["celery"]["error"]
    assert "No Celery worker answered" in error

    # Redis killed: Redis, the broker and the heartbeat are gone; the app still serves.
    on_redis.kill()
    status, overall, parts = health(client)
    assert (status, parts) == (
        503,
        {"database": "ok", "redis": "unavailable", "celery": "unavailable", "beat": "unavailable"},
    )
    assert health(client, "/health/ready/") == (200, "ok", {"database": "ok"})
