"""Periodic tasks are declared once and reach django-celery-beat's tables."""

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from citymgmt.celery import app
from citymgmt.schedule import BEAT_SCHEDULE


def test_the_celery_app_carries_the_declared_schedule():
    assert app.conf.beat_schedule == BEAT_SCHEDULE
    assert {"sync-work-calendar", "heartbeat"} <= set(BEAT_SCHEDULE)


def test_every_scheduled_task_is_a_registered_task():
    app.loader.import_default_modules()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections itself
def test_beat_copies_the_schedule_into_the_database():
    DatabaseScheduler(app=app).setup_schedule()
    stored = dict(PeriodicTask.objects.values_list("name", "task"))
    for name, entry in BEAT_SCHEDULE.items():
        assert stored[name] == entry["task"]
    calendar = PeriodicTask.objects.get(name="sync-work-calendar")
    assert (calendar.crontab.hour, calendar.crontab.minute) == ("2", "10")


@pytest.mark.django_db
def test_the_heartbeat_task_records_when_it_ran():
    from django.core.cache import cache

    from citymgmt.tasks import heartbeat

    stamp = heartbeat.delay().get()
    assert cache.get("celery:heartbeat") == stamp
