"""Redis down: the cache misses instead of raising, rate limits let requests through,
background work waits in the outbox table, and once Redis is back a real worker sends it
and the statistics equal a rebuild (README: reports; DOMAIN.md §7)."""

import logging

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from cases.models import Case
from citymgmt import outbox
from citymgmt.models import OutboxMessage
from citymgmt.tasks import ping
from reports import stats
from reports.models import CaseChange
from tests.cases.conftest import grid_point
from tests.public.conftest import report_form
from tests.reliability.conftest import wait_for
from tests.reports.conftest import stored


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def hotline(world, **extra) -> dict:
    return {
        "source": "hotline",
        "category": "01001",
        "description": "井盖破损，有人差点踩空",
        "address": "示范路 1 号",
        "caller_name": "王五",
        "caller_phone": "13812345678",
        "hotline_ticket_no": "T20261122001",
        "hotline_type": "complaint",
        **grid_point(world.city, 1),
        **extra,
    }


def intake_form(world) -> dict:
    point = grid_point(world.city, 2)
    return {
        "source": "hotline",
        "hotline_ticket_no": "GD20261122002",
        "hotline_type": "complaint",
        "caller_name": "李女士",
        "caller_phone": "13900001111",
        "address": "示范路 2 号门口",
        "lat": f"{point['lat']:.6f}",
        "lng": f"{point['lng']:.6f}",
        "category": "06010 暴露垃圾",
        "description": "小区门口垃圾堆放三天无人清理",
        "urgency": "normal",
    }


def test_the_cache_misses_while_redis_is_down_says_so_once_and_comes_back(on_redis, caplog):
    cache.set("k", 1)
    assert cache.get("k") == 1
    on_redis.kill()
    with caplog.at_level(logging.WARNING, logger="citymgmt.cache"):
        for _ in range(3):
            assert cache.get("k", "missing") == "missing"
            cache.set("k", 2)
            assert cache.add("lock", 1) is True  # as Django's DummyCache: nobody holds it
            with pytest.raises(ValueError):
                cache.incr("k")
            assert cache.get_or_set("v", 7) == 7
            wait_for(lambda: cache.reachable, timeout=5, what="the retry window")  # tried again each round
    assert [r.message for r in caplog.records].count(
        "Redis cache unreachable (ConnectionError): serving without the cache, retrying every 0.3s"
    ) == 1

    on_redis.start()
    wait_for(lambda: cache.reachable, timeout=5, what="the retry window")
    cache.set("k", 3)
    assert cache.get("k") == 3


@pytest.mark.django_db
def test_refresh_requests_made_while_the_broker_is_down_wait_as_one_row(on_redis):
    on_redis.kill()
    assert [outbox.send(ping, dedupe_key="ping") for _ in range(3)] == ["stored"] * 3
    assert outbox.send(ping) == "stored"  # no key: a row of its own
    assert list(OutboxMessage.objects.values_list("task", "dedupe_key")) == [
        ("citymgmt.tasks.ping", "ping"),
        ("citymgmt.tasks.ping", None),
    ]
    assert outbox.drain() == 0  # still down: nothing lost
    assert OutboxMessage.objects.count() == 2

    on_redis.start()
    wait_for(lambda: not outbox.broker_known_down(), timeout=5, what="the retry window")
    assert outbox.send(ping) == "sent"  # …and asks a worker to drain the table
    import redis

    queued = redis.Redis.from_url(on_redis.url)
    assert queued.llen("default") == 2  # ping and drain_outbox, on the broker
    assert outbox.drain() == 2
    assert queued.llen("default") == 4
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_intake_actions_and_pages_answer_with_redis_killed_and_the_statistics_catch_up(
    world, media_root, on_redis, workers, client
):
    on_redis.kill()

    # Intake through the API and a case action.
    response = api(world.operator).post("/api/v1/cases/", hotline(world), format="json")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert api(world.shift_leader).post(f"/api/v1/cases/{number}/file/").status_code == 200
    # Intake through the workspace page and the public page (its rate limit fails open).
    client.force_login(world.operator)
    assert client.post("/work/intake/", intake_form(world)).status_code == 302
    client.logout()
    assert client.post("/report/", report_form(world)).status_code == 303
    # The queue and the dashboard.
    client.force_login(world.dispatcher)
    assert client.get("/work/queue/").status_code == 200
    client.force_login(world.city_leader)
    assert client.get("/reports/").status_code == 200

    assert Case.objects.count() == 3
    assert Case.objects.get(number=number).status == "filed"
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == ["reports.tasks.refresh_stats"]
    assert CaseChange.objects.count() >= 4

    # Redis is back, empty: a worker starts, sends what waited, the refresh drains the queue.
    on_redis.start()
    workers.start(on_redis.url)
    wait_for(lambda: not OutboxMessage.objects.exists(), what="the worker to drain the outbox")
    wait_for(lambda: not CaseChange.objects.exists(), what="the refresh to take the changed cases")
    by_worker = stored()
    assert by_worker["figure"] and by_worker["open"]
    stats.rebuild()
    assert stored() == by_worker
    client.force_login(world.city_leader)
    assert client.get("/reports/").status_code == 200
