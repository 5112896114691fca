"""A task really travels through Redis to a separate worker process and back."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from citymgmt.celery import app
from citymgmt.tasks import ping
from org.models import WorkCalendarDay
from org.tasks import sync_work_calendar

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    """A real `celery worker` on its own queue, using the test database and Redis."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "citymgmt", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_redis_to_a_worker_and_its_result_comes_back(worker):
    assert connection.vendor == "postgresql"
    result = ping.apply_async(queue=worker)
    assert result.get(timeout=60) == "pong"
    assert app.conf.broker_url.startswith("redis://")


@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_to_the_database_the_test_reads(worker):
    result = sync_work_calendar.apply_async(kwargs={"years": [2026]}, queue=worker)
    changed = result.get(timeout=60)
    assert changed > 0
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == changed
    assert WorkCalendarDay.objects.filter(date__year=2026, kind="holiday", name="春节").count() == 9
    assert WorkCalendarDay.objects.get(date="2026-02-14").kind == WorkCalendarDay.Kind.WORKDAY
