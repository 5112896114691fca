"""The week plan: planning, refusing a taken shift, removing, navigating, query counts."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.errors import CaseError
from patrols.models import PatrolTask
from patrols.planning import route_save, task_cancel, task_plan
from patrols.services import patrol_start
from tests.factories import make_person

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)
PLAN = reverse("patrols:plan")


@pytest.fixture
def route(world):
    codes = [g.code for g in world.city.grids[:3]]
    return route_save(by=world.dispatcher, code="R-01", name="东线", district=world.city.districts[0], grid_codes=codes)


def add(client, world, route, day, headers=None, **extra):
    data = {"action": "add", "inspector": world.inspector.pk, "date": f"{day:%Y-%m-%d}", "route": route.pk}
    return client.post(PLAN, data | {"week": f"{MONDAY:%Y-%m-%d}"} | extra, headers=headers)


def test_a_dispatcher_plans_a_task_with_the_default_shift(client, world, route):
    client.force_login(world.dispatcher)
    answer = add(client, world, route, MONDAY + timedelta(days=2), shift_start="", shift_end="")
    assert answer.status_code == 302 and "week=2026-11-16" in answer.url
    task = PatrolTask.objects.get()
    assert (task.inspector, task.route, task.date) == (world.inspector, route, date(2026, 11, 18))
    assert (task.shift_start, task.shift_end, task.planned_by) == (time(7, 30), time(22, 30), world.dispatcher)
    html = client.get(PLAN, {"week": "2026-11-18"}).content.decode()
    cell = html.split('data-cell="inspector/2026-11-18"')[1].split("</td>")[0]
    assert "东线" in cell and "07:30–22:30" in cell and "待巡查" in cell


def test_a_second_task_in_a_taken_shift_is_refused_with_a_message(client, world, route):
    client.force_login(world.dispatcher)
    add(client, world, route, MONDAY)
    answer = add(client, world, route, MONDAY, shift_start="12:00", shift_end="14:00", headers={"HX-Request": "true"})
    html = answer.content.decode()
    assert "已有巡查任务" in html and "cell-error" in html.split('data-cell="inspector/2026-11-16"')[1]
    assert PatrolTask.objects.count() == 1
    # A shift that does not overlap is fine.
    task_plan(
        by=world.dispatcher, route=route, inspector=world.inspector, date=MONDAY + timedelta(days=1),
        shift_start=time(7, 30), shift_end=time(12, 0),
    )  # fmt: skip
    assert PatrolTask.objects.count() == 2


def test_a_task_for_someone_without_the_inspector_role_is_refused(world, route):
    with pytest.raises(CaseError) as refusal:
        task_plan(by=world.dispatcher, route=route, inspector=world.operator, date=MONDAY)
    assert refusal.value.kind == "input" and "inspector" in refusal.value.fields
    with pytest.raises(CaseError) as refusal:
        task_plan(by=world.inspector, route=route, inspector=world.inspector, date=MONDAY)
    assert refusal.value.kind == "permission"


def test_a_planned_task_is_removed_and_a_started_one_stays(client, world, route):
    planned = task_plan(by=world.dispatcher, route=route, inspector=world.inspector, date=MONDAY)
    client.force_login(world.shift_leader)
    client.post(PLAN, {"action": "remove", "task": planned.pk, "week": "2026-11-16"})
    assert not PatrolTask.objects.filter(pk=planned.pk).exists()
    started = task_plan(by=world.dispatcher, route=route, inspector=world.inspector, date=MONDAY)
    patrol_start(by=world.inspector, task=started)
    answer = client.post(PLAN, {"action": "remove", "task": started.pk, "week": "2026-11-16"}, follow=True)
    assert "巡查已开始或结束的任务不能删除" in answer.content.decode()
    assert PatrolTask.objects.filter(pk=started.pk, status="started").exists()
    with pytest.raises(CaseError):
        task_cancel(by=world.dispatcher, task=started)


def test_the_week_starts_on_monday_and_links_to_its_neighbours(client, world):
    client.force_login(world.dispatcher)
    html = client.get(PLAN, {"week": "2026-11-19"}).content.decode()
    assert "2026-11-16 – 2026-11-22" in html
    assert "?week=2026-11-09" in html.split('id="plan-prev"')[1].split(">")[0]
    assert "?week=2026-11-23" in html.split('id="plan-next"')[1].split(">")[0]
    html = client.get(PLAN, {"week": "2026-11-23"}).content.decode()
    assert "2026-11-23 – 2026-11-29" in html


def test_copy_last_week_copies_the_tasks_seven_days_on(client, world, route):
    task_plan(by=world.dispatcher, route=route, inspector=world.inspector, date=MONDAY - timedelta(days=5))
    client.force_login(world.dispatcher)
    client.post(PLAN, {"action": "copy", "week": "2026-11-16"})
    assert PatrolTask.objects.filter(date=MONDAY + timedelta(days=2), inspector=world.inspector).exists()


def plan_queries(client, count):
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(PLAN, {"week": "2026-11-16"})
    assert answer.status_code == 200
    assert answer.content.decode().count('class="d-flex align-items-start gap-1 mb-1 plan-task"') == count
    return len(captured)


def test_the_plan_costs_the_same_queries_for_3_and_15_tasks(client, world, route):
    inspectors = [world.inspector] + [make_person(f"inspector{i}", ["inspector"]) for i in range(2)]
    client.force_login(world.dispatcher)
    for person in inspectors:
        task_plan(by=world.dispatcher, route=route, inspector=person, date=MONDAY)
    few = plan_queries(client, 3)
    for person in inspectors:
        for day in range(1, 5):
            task_plan(by=world.dispatcher, route=route, inspector=person, date=MONDAY + timedelta(days=day))
    assert plan_queries(client, 15) == few
