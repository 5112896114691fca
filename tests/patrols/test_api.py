"""The patrol API (/api/v1/routes, patrols, tasks, notices, subjects): status codes, scoping, idempotency."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from patrols.models import EnforcementNotice, Patrol, PatrolTask, Route, RouteGrid, TrackPoint
from tests.cases.conftest import at, grid_point, photo
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def route(world):
    route = Route.objects.create(code="R1", name="示范线", district=world.city.districts[0])
    for position, index in enumerate([2, 0, 1]):
        RouteGrid.objects.create(route=route, grid=world.city.grids[index], position=position)
    return route


@pytest.fixture
def other(world):
    return make_person("inspector2", ["inspector"])


def test_routes_list_with_ordered_grids_for_any_role(world, route):
    body = api(world.handler_a).get("/api/v1/routes/", {"district": "339901", "active": "true"}).json()
    assert body["count"] == 1
    codes = [g.code for g in world.city.grids]
    assert body["results"][0]["grids"] == [codes[2], codes[0], codes[1]]
    assert api(world.operator).get("/api/v1/routes/", {"district": "339902"}).json()["count"] == 0
    assert api(world.outsider).get("/api/v1/routes/").status_code == 403
    assert api().get("/api/v1/routes/").status_code in (401, 403)
    assert api(world.operator).get(f"/api/v1/routes/{route.pk}/").status_code == 200
    assert api(world.operator).get("/api/v1/routes/9999/").status_code == 404


def test_a_patrol_from_start_to_end(world, frozen, route):
    task = PatrolTask.objects.create(route=route, inspector=world.inspector, date=date(2026, 11, 18))
    client = api(world.inspector)
    with frozen(at("2026-11-18 08:00")):
        started = client.post("/api/v1/patrols/", {"task": task.pk}, format="json")
        assert started.status_code == 201, started.content
        assert client.post("/api/v1/patrols/", {}, format="json").status_code == 409
    pk = started.json()["id"]
    assert started.json()["route_code"] == "R1"
    assert client.post(f"/api/v1/patrols/{pk}/end/").status_code == 200
    assert client.post(f"/api/v1/patrols/{pk}/end/").status_code == 409
    task.refresh_from_db()
    assert task.status == PatrolTask.Status.DONE
    assert api(world.handler_a).post("/api/v1/patrols/", {}, format="json").status_code == 403
    assert api(world.dispatcher).post("/api/v1/patrols/", {}, format="json").status_code == 403
    assert client.post("/api/v1/patrols/", {"task": 9999}, format="json").status_code == 400


def test_batch_upload_is_idempotent_over_http(world, frozen):
    client = api(world.inspector)
    pk = client.post("/api/v1/patrols/", {}, format="json").json()["id"]
    batch = {
        "points": [
            {"client_id": "a", **grid_point(world.city, 0), "recorded_at": "2026-11-18T09:00:00+08:00"},
            {"client_id": "b", **grid_point(world.city, 1), "recorded_at": "2026-11-18T09:01:00", "accuracy_m": 5},
            {"client_id": "c", "lat": 999, "lng": 1},
            {"client_id": "d", **grid_point(world.city, 1), "recorded_at": "yesterday"},
        ]
    }
    first = client.post(f"/api/v1/patrols/{pk}/points/", batch, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["added"] == 2 and set(first.json()["rejected"]) == {"2", "3"}
    again = client.post(f"/api/v1/patrols/{pk}/points/", batch, format="json").json()
    assert (again["added"], again["duplicates"]) == (0, 2)
    assert TrackPoint.objects.filter(patrol_id=pk).count() == 2
    track = client.get(f"/api/v1/patrols/{pk}/points/").json()
    assert [p["client_id"] for p in track["results"]] == ["a", "b"]
    assert track["results"][0]["grid"] == world.city.grids[0].code
    assert client.post(f"/api/v1/patrols/{pk}/points/", {"points": "x"}, format="json").status_code == 400
    # A planner sees the patrol but may not walk it; another inspector does not see it.
    assert api(world.dispatcher).post(f"/api/v1/patrols/{pk}/points/", batch, format="json").status_code == 403
    other = make_person("inspector2", ["inspector"])
    assert api(other).post(f"/api/v1/patrols/{pk}/points/", batch, format="json").status_code == 404
    client.post(f"/api/v1/patrols/{pk}/end/")
    assert client.post(f"/api/v1/patrols/{pk}/points/", batch, format="json").status_code == 409


def test_patrol_and_task_lists_are_scoped(world, frozen, route, other):
    mine = Patrol.objects.create(inspector=world.inspector, started_at=at("2026-11-18 08:00"))
    theirs = Patrol.objects.create(inspector=other, started_at=at("2026-11-18 08:00"))
    PatrolTask.objects.create(route=route, inspector=world.inspector, date=date(2026, 11, 18))
    PatrolTask.objects.create(route=route, inspector=other, date=date(2026, 11, 18))
    listed = api(world.inspector).get("/api/v1/patrols/").json()
    assert [p["id"] for p in listed["results"]] == [mine.pk]
    assert api(world.inspector).get(f"/api/v1/patrols/{theirs.pk}/").status_code == 404
    assert api(world.dispatcher).get("/api/v1/patrols/").json()["count"] == 2
    assert api(world.dispatcher).get("/api/v1/patrols/", {"inspector": "inspector2"}).json()["count"] == 1
    assert api(world.dispatcher).get("/api/v1/patrols/", {"date_from": "2026-11-19"}).json()["count"] == 0
    # The district leader sees the inspector of their grids; inspector2 patrols none.
    assert [p["id"] for p in api(world.leader).get("/api/v1/patrols/").json()["results"]] == [mine.pk]
    tasks = api(world.inspector).get("/api/v1/tasks/", {"date": "2026-11-18"}).json()
    assert [t["inspector"] for t in tasks["results"]] == ["inspector"]
    assert api(world.shift_leader).get("/api/v1/tasks/").json()["count"] == 2
    assert api(world.handler_a).get("/api/v1/tasks/").status_code == 403
    assert api(world.dispatcher).get("/api/v1/patrols/", {"status": "nope"}).status_code == 400


def test_a_report_from_the_patrol_and_its_retry(world, frozen):
    client = api(world.inspector)
    pk = client.post("/api/v1/patrols/", {}, format="json").json()["id"]
    form = {"client_id": "r1", "category": "01001", "description": "井盖缺失", **grid_point(world.city, 1)}
    with frozen(at("2026-11-18 09:00")):
        assert client.post(f"/api/v1/patrols/{pk}/reports/", form, format="multipart").status_code == 400
        made = client.post(f"/api/v1/patrols/{pk}/reports/", {**form, "photos": [photo()]}, format="multipart")
        assert made.status_code == 201, made.content
        assert made.json()["source"] == "patrol" and "possible_duplicates" in made.json()
        again = client.post(f"/api/v1/patrols/{pk}/reports/", {**form, "photos": [photo()]}, format="multipart")
    assert again.status_code == 200 and again.json()["number"] == made.json()["number"]
    assert Case.objects.count() == 1


def test_notices_and_subjects(world, frozen):
    client = api(world.inspector)
    body = {"subject": {"name": "老王小吃", "address": "示范路 3 号"}, "category": "01001", "description": "占道经营"}
    with frozen(at("2026-11-18 09:00")):
        first = client.post("/api/v1/notices/", body, format="json")
        assert first.status_code == 201, first.content
    with frozen(at("2026-11-18 09:05")):
        second = client.post("/api/v1/notices/", body, format="json").json()
    assert (first.json()["colour"], first.json()["sequence"], first.json()["step"]) == ("blue", 1, "")
    assert (second["colour"], second["sequence"]) == ("yellow", 2)
    assert second["subject"]["id"] == first.json()["subject"]["id"]
    subject = first.json()["subject"]["id"]
    assert client.post("/api/v1/notices/", {**body, "description": ""}, format="json").status_code == 400
    assert client.post("/api/v1/notices/", {"category": "01001", "description": "x"}, format="json").status_code == 400
    assert client.post("/api/v1/notices/", {**body, "subject_id": 9999}, format="json").status_code == 400
    assert api(world.handler_a).post("/api/v1/notices/", body, format="json").status_code == 403
    assert api(world.leader).get("/api/v1/notices/", {"colour": "yellow"}).json()["count"] == 1
    assert api(world.leader).get(f"/api/v1/notices/{second['id']}/").status_code == 200
    found = client.get("/api/v1/subjects/", {"q": "老王"}).json()
    assert [s["id"] for s in found["results"]] == [subject]
    history = client.get(f"/api/v1/subjects/{subject}/").json()
    assert [n["colour"] for n in history["notices"]] == ["yellow", "blue"]
    assert client.get("/api/v1/subjects/9999/").status_code == 404
    assert EnforcementNotice.objects.count() == 2


def test_the_schema_lists_the_patrol_paths(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/routes/",
        "/api/v1/patrols/",
        "/api/v1/patrols/{id}/end/",
        "/api/v1/patrols/{id}/points/",
        "/api/v1/patrols/{id}/reports/",
        "/api/v1/tasks/",
        "/api/v1/notices/",
        "/api/v1/subjects/{id}/",
    ]:
        assert path in paths
    assert {"get", "post"} <= set(paths["/api/v1/patrols/{id}/points/"])
