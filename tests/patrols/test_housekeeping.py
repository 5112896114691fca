"""Planned patrol tasks whose shift is over without a patrol become 未巡查."""

from datetime import date, time

from cases import clock
from patrols.housekeeping import mark_missed_tasks
from patrols.models import PatrolTask, Route
from patrols.services import patrol_start
from patrols.tasks import mark_missed_tasks as mark_task
from tests.cases.conftest import at


def test_tasks_whose_shift_ended_without_a_patrol_are_marked_missed_once(world):
    route = Route.objects.create(code="R1", name="一号线")
    inspector = world.inspector

    def task(day: date, end: time = time(22, 30)) -> PatrolTask:
        return PatrolTask.objects.create(route=route, inspector=inspector, date=day, shift_end=end)

    yesterday = task(date(2026, 11, 17))
    walked = task(date(2026, 11, 16))
    with clock.acting_at(at("2026-11-16 08:00")):
        patrol_start(by=inspector, task=walked)
    ended_today = task(date(2026, 11, 18), end=time(12, 0))
    later_today = PatrolTask.objects.create(
        route=route, inspector=inspector, date=date(2026, 11, 18), shift_start=time(13, 0), shift_end=time(18, 0)
    )
    tomorrow = task(date(2026, 11, 19))
    assert mark_missed_tasks(at("2026-11-18 12:30")) == 2
    assert mark_missed_tasks(at("2026-11-18 12:30")) == 0  # idempotent
    status = {t.pk: t.status for t in PatrolTask.objects.all()}
    assert status[yesterday.pk] == status[ended_today.pk] == "missed"
    assert status[walked.pk] == "started"
    assert status[later_today.pk] == status[tomorrow.pk] == "planned"


def test_the_beat_task_runs_the_same_job(world):
    route = Route.objects.create(code="R1", name="一号线")
    PatrolTask.objects.create(route=route, inspector=world.inspector, date=date(2020, 1, 6))
    assert mark_task.delay().get() == 1
