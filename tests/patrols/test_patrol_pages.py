"""The inspector's phone pages: today's tasks, the patrol, its track and problem reports."""

import json
import uuid

import pytest
from django.urls import reverse

from cases import clock
from cases.models import Case, Source, Status
from org.worktime import get_work_calendar
from patrols.models import Patrol, PatrolFinding, PatrolTask, PatrolVisit, Route, RouteGrid, TrackPoint
from tests.cases.conftest import grid_point, photo
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(world):
    """A route over grids 0, 1 and 2 (the inspector's), in that order."""
    route = Route.objects.create(code="R01", name="中山路沿线")
    for position, grid in enumerate(world.city.grids[:3], start=1):
        RouteGrid.objects.create(route=route, grid=grid, position=position)
    return route


@pytest.fixture
def task(world, route):
    today = clock.now().astimezone(get_work_calendar().tz).date()
    return PatrolTask.objects.create(route=route, inspector=world.inspector, date=today)


@pytest.fixture
def inspector_client(client, world):
    client.force_login(world.inspector)
    return client


def start_patrol(client, task=None) -> Patrol:
    response = client.post(reverse("patrols:start"), {"task": task.pk} if task else {})
    patrol = Patrol.objects.get(status=Patrol.Status.ACTIVE)
    assert response.status_code == 302 and response.url == reverse("patrols:patrol", kwargs={"pk": patrol.pk})
    return patrol


def send_points(client, patrol, points):
    url = reverse("patrols:points", kwargs={"pk": patrol.pk})
    return client.post(url, json.dumps({"points": points}), content_type="application/json")


def point_in(world, index, client_id):
    return {"client_id": client_id, **grid_point(world.city, index), "recorded_at": clock.now().isoformat()}


def test_today_lists_the_inspectors_tasks_with_route_and_shift(inspector_client, task):
    response = inspector_client.get(reverse("patrols:today"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "中山路沿线" in html and "07:30–22:30" in html
    assert "开始巡查" in html and "自由巡查" in html


def test_the_phone_pages_are_for_inspectors_only(client, world):
    client.force_login(world.operator)
    assert client.get(reverse("patrols:today")).status_code == 403
    assert client.get(reverse("patrols:tasks")).status_code == 403
    assert client.post(reverse("patrols:start")).status_code == 403
    assert not Patrol.objects.exists()


def test_an_inspector_starts_and_ends_a_patrol_of_a_task(inspector_client, task):
    patrol = start_patrol(inspector_client, task)
    assert patrol.task == task and patrol.route_id == task.route_id
    task.refresh_from_db()
    assert task.status == PatrolTask.Status.STARTED
    today = inspector_client.get(reverse("patrols:today")).content.decode()
    assert 'id="active-patrol"' in today
    response = inspector_client.post(reverse("patrols:end", kwargs={"pk": patrol.pk}))
    assert response.status_code == 302
    patrol.refresh_from_db()
    task.refresh_from_db()
    assert patrol.status == Patrol.Status.ENDED and patrol.ended_at is not None
    assert task.status == PatrolTask.Status.DONE
    page = inspector_client.get(reverse("patrols:patrol", kwargs={"pk": patrol.pk})).content.decode()
    assert "本次巡查已于" in page and 'id="report-form"' not in page


def test_a_second_start_is_refused_with_a_message(inspector_client, world):
    first = start_patrol(inspector_client)
    response = inspector_client.post(reverse("patrols:start"), follow=True)
    assert "你已有一次巡查正在进行" in response.content.decode()
    assert list(Patrol.objects.values_list("pk", flat=True)) == [first.pk]


def test_points_are_added_and_a_resent_batch_adds_none(inspector_client, world, task):
    patrol = start_patrol(inspector_client, task)
    batch = [point_in(world, 0, "a1"), point_in(world, 1, "a2"), {"client_id": "bad", "lat": "x", "lng": 1}]
    first = send_points(inspector_client, patrol, batch).json()
    assert first["added"] == 2 and first["duplicates"] == 0 and list(first["rejected"]) == ["2"]
    assert first["coverage"] == {"visited": 2, "total": 3}
    assert sorted(first["new_visited"]) == sorted(g.code for g in world.city.grids[:2])
    again = send_points(inspector_client, patrol, batch[:2]).json()
    assert again["added"] == 0 and again["duplicates"] == 2 and again["new_visited"] == []
    assert TrackPoint.objects.filter(patrol=patrol).count() == 2
    assert PatrolVisit.objects.filter(patrol=patrol).count() == 2


def test_the_patrol_page_shows_the_visits_and_the_coverage(inspector_client, world, task):
    patrol = start_patrol(inspector_client, task)
    send_points(inspector_client, patrol, [point_in(world, 0, "p1"), point_in(world, 2, "p2")])
    html = inspector_client.get(reverse("patrols:patrol", kwargs={"pk": patrol.pk})).content.decode()
    assert "已到访 2/3 个网格" in html
    grids = world.city.grids
    assert f'data-code="{grids[0].code}" data-visited="true"' in html
    assert f'data-code="{grids[1].code}" data-visited="false"' in html
    data = json.loads(html.split('id="patrol-map-data" type="application/json">')[1].split("</script>")[0])
    assert [f["properties"]["position"] for f in data["grids"]] == [1, 2, 3]
    assert len(data["track"]) == 2


def test_another_inspector_gets_404_for_the_patrol(client, inspector_client, world):
    patrol = start_patrol(inspector_client)
    other = make_person("inspector2", ["inspector"])
    client.force_login(other)
    assert client.get(reverse("patrols:patrol", kwargs={"pk": patrol.pk})).status_code == 404
    assert send_points(client, patrol, [point_in(world, 0, "x")]).status_code == 404
    assert client.post(reverse("patrols:end", kwargs={"pk": patrol.pk})).status_code == 404
    patrol.refresh_from_db()
    assert patrol.status == Patrol.Status.ACTIVE and patrol.point_count == 0


def report(client, patrol, world, *, client_id=None, json_answer=True, **extra):
    fields = {
        "client_id": client_id or uuid.uuid4().hex,
        "category": "01001",
        "description": "井盖缺失",
        "urgency": "normal",
        "photos": photo(),
        **grid_point(world.city, 1),
        **extra,
    }
    headers = {"Accept": "application/json"} if json_answer else {}
    return client.post(reverse("patrols:report", kwargs={"pk": patrol.pk}), fields, headers=headers)


def test_a_report_makes_a_patrol_case_with_its_photo(inspector_client, world, media_root):
    patrol = start_patrol(inspector_client)
    response = report(inspector_client, patrol, world)
    assert response.status_code == 200
    case = Case.objects.get(number=response.json()["number"])
    assert case.source == Source.PATROL and case.status == Status.REPORTED and case.reporter == world.inspector
    assert case.attachments.count() == 1
    assert PatrolFinding.objects.get(case=case).patrol == patrol


def test_a_retried_report_with_the_same_client_id_makes_one_case(inspector_client, world, media_root):
    patrol = start_patrol(inspector_client)
    first = report(inspector_client, patrol, world, client_id="r-1").json()
    again = report(inspector_client, patrol, world, client_id="r-1").json()
    assert first["number"] == again["number"]
    assert Case.objects.count() == 1 and PatrolFinding.objects.count() == 1


def test_self_handling_without_an_after_photo_is_400_with_the_field_message(inspector_client, world, media_root):
    patrol = start_patrol(inspector_client)
    response = report(inspector_client, patrol, world, self_handled="1")
    assert response.status_code == 400
    assert response.json()["errors"]["after_photos"] == ["自处理需要上传处置后照片。"]
    assert not Case.objects.exists()


def test_self_handling_with_an_after_photo_is_handled_at_once(inspector_client, world, media_root):
    patrol = start_patrol(inspector_client)
    response = report(inspector_client, patrol, world, self_handled="1", after_photos=photo("after.png"))
    assert response.status_code == 200
    case = Case.objects.get(number=response.json()["number"])
    assert case.self_handled and case.status == Status.HANDLED


def test_a_plain_form_post_with_errors_shows_them_next_to_the_fields_and_keeps_the_input(
    inspector_client, world, media_root
):
    patrol = start_patrol(inspector_client)
    response = report(inspector_client, patrol, world, json_answer=False, photos=[], description="路灯不亮")
    html = response.content.decode()
    assert response.status_code == 400
    assert "巡查上报至少需要一张现场照片。" in html and "路灯不亮" in html
    assert not Case.objects.exists()
    done = report(inspector_client, patrol, world, json_answer=False)
    assert done.status_code == 302 and Case.objects.count() == 1


def test_the_patrol_page_opens_a_notice_at_the_current_position(inspector_client, world):
    patrol = start_patrol(inspector_client)
    send_points(inspector_client, patrol, [point_in(world, 0, "p1")])
    html = inspector_client.get(reverse("patrols:patrol", kwargs={"pk": patrol.pk})).content.decode()
    spot = grid_point(world.city, 0)
    expected = f"{reverse('patrols:notice_new')}?patrol={patrol.pk}&amp;lat={spot['lat']:.6f}&amp;lng={spot['lng']:.6f}"
    assert f'href="{expected}"' in html
