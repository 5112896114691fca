"""Celery queues by kind (settings_deploy.py): every task of the project is routed to one of
the three queues; a worker started without -Q (make run, the single-host unit) consumes all
three; a worker of one kind (`-Q stats`) gets the tasks routed there through Redis."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from citymgmt.celery import app
from tests.ops.conftest import ROOT

QUEUES = {"default", "stats", "bulletins"}
PROJECT_APPS = ("citymgmt.", "org.", "cases.", "patrols.", "sanitation.", "reports.")
EXPECTED = {
    "reports.tasks.refresh_stats": "stats",
    "reports.tasks.refresh_open_cases": "stats",
    "reports.tasks.freeze_assessments": "stats",
    "reports.tasks.daily_bulletin": "bulletins",
    "cases.tasks.supervision_scan": "default",
    "org.tasks.sync_work_calendar": "default",
    "patrols.tasks.mark_missed_tasks": "default",
    "sanitation.tasks.import_ledger": "default",
    "citymgmt.tasks.heartbeat": "default",
    "citymgmt.tasks.ping": "default",
}


def project_tasks() -> list[str]:
    app.loader.import_default_modules()  # autodiscovery: every tasks.py of the installed apps
    return sorted(name for name in app.tasks if name.startswith(PROJECT_APPS))


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_is_routed_to_a_queue_a_default_worker_consumes():
    names = project_tasks()
    assert set(EXPECTED) <= set(names)
    routed = {name: queue_of(name) for name in names}
    assert {name: routed[name] for name in EXPECTED} == EXPECTED
    assert set(routed.values()) <= QUEUES, routed
    # Anything the reports app adds later runs with the statistics, except the bulletin.
    assert all(
        queue == "stats" for name, queue in routed.items() if name.startswith("reports.") and "bulletin" not in name
    )
    # The configured queues (what a worker without -Q consumes); tests that send to a queue of
    # their own (tests/reports/test_worker.py) add it to app.amqp.queues at run time.
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == QUEUES
    # Beat sends only tasks that exist, so each lands in one of the queues.
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(names)


class Worker:
    """A real `celery worker` (optionally with -Q) on the test database and Redis."""

    def __init__(self, *queues: str):
        self.name = f"ops-{uuid.uuid4().hex[:8]}@test"
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": os.environ["REDIS_URL"],
        }
        command = [sys.executable, "-m", "celery", "-A", "citymgmt", "worker", "--pool=solo", "-n", self.name,
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]  # fmt: skip
        if queues:
            command += ["-Q", ",".join(queues)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def queues(self) -> set[str]:
        for _attempt in range(60):
            found = app.control.inspect(destination=[self.name], timeout=1).active_queues()
            if found:
                return {queue["name"] for queue in found[self.name]}
        raise AssertionError("the worker did not answer")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def workers():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "tests/ops need REDIS_URL"
    app.control.purge()  # nothing left over in this Redis database's queues
    started: list[Worker] = []
    app.conf.task_always_eager = False
    try:
        yield lambda *queues: started.append(Worker(*queues)) or started[-1]
    finally:
        app.conf.task_always_eager = True
        for worker in started:
            worker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_worker_without_q_consumes_every_queue(workers):
    from citymgmt.tasks import ping

    worker = workers()
    assert worker.queues() == QUEUES
    for queue in sorted(QUEUES):
        assert ping.apply_async(queue=queue).get(timeout=60) == "pong", queue


@pytest.mark.django_db(transaction=True)
def test_a_stats_worker_gets_the_tasks_routed_to_stats_and_no_others(workers):
    from citymgmt.tasks import ping
    from reports.tasks import refresh_open_cases

    worker = workers("stats")
    assert worker.queues() == {"stats"}
    assert refresh_open_cases.delay().get(timeout=60) == 0  # routed by name, no queue given; no open cases
    waiting = ping.delay()  # routed to default: nobody consumes it here
    with pytest.raises(Exception, match="timed out"):
        waiting.get(timeout=3)
    assert waiting.state == "PENDING"
    app.control.purge()
