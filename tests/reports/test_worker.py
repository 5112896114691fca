"""A real Celery worker over Redis keeps the statistics: it computes a month
end to end from the queue of changed cases and freezes it; and a worker killed
in the middle of a refresh loses nothing (the rerun converges)."""

import os
import signal
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction

from citymgmt.celery import app
from reports import stats, tasks
from reports.models import AssessmentMonth, CaseChange, Figure, Ranking, StatsMonth
from tests.cases.conftest import *  # noqa: F403 (the lifecycle fixtures)
from tests.polling import other_backends, wait_for
from tests.reports.conftest import callback, closed_case, figure, filed, stored

ROOT = Path(__file__).resolve().parents[2]
OCT = date(2026, 10, 1)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root", "refresh_on_hold")]


class Workers:
    """Real `celery worker` processes on a queue of their own, on the test
    database and Redis (as tests/citymgmt/test_celery.py)."""

    def __init__(self):
        self.queue = f"test-reports-{uuid.uuid4().hex[:8]}"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": os.environ["REDIS_URL"],
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "citymgmt", "worker", "--pool=solo", "-Q", self.queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def workers():
    pool = Workers()
    app.conf.task_always_eager = False
    try:
        yield pool
    finally:
        app.conf.task_always_eager = True
        pool.stop()


def october(p):
    """District 1: a hotline case closed on time with a satisfied callback, one
    closed late, one filed and open; district 2: one closed on time."""
    a = closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 10:00")
    callback(p, a, "2026-10-15 10:00")
    closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 17:00")
    filed(p, "2026-10-14 09:05", source="leader")
    closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 10:00", grid=5, source="leader")


def test_a_worker_computes_and_freezes_a_month_from_the_queue(world, workers):
    october(world)
    queued = CaseChange.objects.count()
    assert queued > 0 and not Figure.objects.exists()  # nothing computed in this process
    workers.start()

    done = tasks.refresh_stats.apply_async(queue=workers.queue).get(timeout=90)
    assert done["changes"] == queued and done["months"] == 1
    assert CaseChange.objects.count() == 0
    d1, d2 = world.city.districts
    first = figure(OCT, "district", d1.pk)
    assert (first["filed"], first["closed"], first["closed_on_time"], first["callbacks_satisfied"]) == (3, 2, 1, 1)
    assert figure(OCT, "district", d2.pk)["closed_on_time"] == 1
    assert StatsMonth.objects.get(month=OCT).computed_at is not None
    by_worker = stored()
    stats.rebuild()
    assert stored() == by_worker

    # October settled on 4 November (the real clock is past it): the worker freezes it.
    assert tasks.freeze_assessments.apply_async(queue=workers.queue).get(timeout=90) == ["2026-10"]
    frozen = AssessmentMonth.objects.get(month=OCT)
    ranking = {r.code: r for r in Ranking.objects.filter(assessment=frozen, level="district")}
    assert (ranking[d2.code].rank, ranking[d2.code].red_flag, ranking[d1.code].rank) == (1, True, 2)
    assert str(ranking[d1.code].score) == "58.33"
    # A second run finds nothing left to freeze.
    assert tasks.freeze_assessments.apply_async(queue=workers.queue).get(timeout=90) == []


def test_a_worker_killed_in_the_middle_of_a_refresh_loses_nothing_and_the_rerun_converges(world, workers):
    october(world)
    queued = CaseChange.objects.count()
    first = workers.start()
    with transaction.atomic(), connection.cursor() as cursor:
        # Hold the figures table: the worker reads the queue and the cases, writes
        # the cells, then waits inside drain to write the figures.
        cursor.execute("LOCK TABLE reports_figure IN EXCLUSIVE MODE")
        tasks.refresh_stats.apply_async(queue=workers.queue)
        waiting = wait_for(
            lambda: [b[0] for b in other_backends() if b[2] == "Lock"], what="the worker to wait for the lock"
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    # The killed worker's transaction never commits: its connection ends, the queue is whole.
    wait_for(lambda: not {b[0] for b in other_backends()} & set(waiting), what="the killed worker's connection to end")
    assert CaseChange.objects.count() == queued
    assert not Figure.objects.exists()

    workers.start()
    done = tasks.refresh_stats.apply_async(queue=workers.queue).get(timeout=90)
    assert done["changes"] == queued
    assert CaseChange.objects.count() == 0
    rerun = stored()
    assert rerun["figure"]
    stats.rebuild()
    assert stored() == rerun
