"""Reference lists and point location for API clients (DOMAIN.md §11)."""

from cases.models import Category
from tests.cases.conftest import grid_point
from tests.cases.test_api_support import api


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_categories_come_with_codes_names_and_major_code(world):
    response = api(world.handler_a).get("/api/v1/categories/", {"page_size": 100})
    body = response.json()
    assert body["count"] == Category.objects.count()
    first = body["results"][0]
    assert first["code"] == "01001"
    assert first["name"] == "供水井盖"
    assert first["name_en"] == "Water-supply manhole cover"
    assert first["kind"] == "component"
    assert first["major_code"] == "01"


def test_categories_filter_by_kind_and_major(world):
    events = results(api(world.operator).get("/api/v1/categories/", {"kind": "event", "page_size": 100}))
    assert events
    assert {c["kind"] for c in events} == {"event"}
    majors = results(api(world.operator).get("/api/v1/categories/", {"major": "01,04", "page_size": 100}))
    assert {c["major_code"] for c in majors} == {"01", "04"}


def test_regions_filter_by_level_and_parent(world):
    districts = results(api(world.operator).get("/api/v1/regions/", {"level": "district"}))
    assert [(r["code"], r["level"], r["parent"]) for r in districts] == [
        ("339901", "district", "339900"),
        ("339902", "district", "339900"),
    ]
    streets = results(api(world.operator).get("/api/v1/regions/", {"parent": "339902"}))
    assert [(r["code"], r["name"]) for r in streets] == [("339902001", "第2街道")]


def test_an_unknown_region_level_is_a_400_naming_the_parameter(world):
    response = api(world.operator).get("/api/v1/regions/", {"level": "planet"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


def test_departments_show_kind_and_the_street_of_a_street_office(world):
    offices = results(api(world.dispatcher).get("/api/v1/departments/", {"kind": "街道"}))
    assert [(d["code"], d["street"]) for d in offices] == [
        ("jd-339901001", "339901001"),
        ("jd-339902001", "339902001"),
    ]
    by_street = results(api(world.dispatcher).get("/api/v1/departments/", {"street": "339902001"}))
    assert [d["code"] for d in by_street] == ["jd-339902001"]
    municipal = results(api(world.dispatcher).get("/api/v1/departments/", {"kind": "市政"}))
    assert [(d["code"], d["name"], d["street"]) for d in municipal] == [("sz", "市政", None)]


def test_grids_give_codes_of_their_regions_and_the_centroid(world):
    grids = results(api(world.inspector).get("/api/v1/grids/", {"district": "339902"}))
    assert len(grids) == 4
    first = grids[0]
    grid = world.city.grids[4]
    assert first["code"] == grid.code
    assert (first["community"], first["street"], first["district"]) == ("339902001001", "339902001", "339902")
    assert (first["lat"], first["lng"]) == (grid.centroid_lat, grid.centroid_lng)


def test_grids_filter_by_community_and_street(world):
    client = api(world.inspector)
    assert len(results(client.get("/api/v1/grids/", {"community": "339901001001"}))) == 4
    assert len(results(client.get("/api/v1/grids/", {"street": "339901001,339902001"}))) == 8
    assert results(client.get("/api/v1/grids/", {"street": "999999999"})) == []


def test_reference_lists_are_paginated(world):
    body = api(world.operator).get("/api/v1/grids/", {"page_size": 3}).json()
    assert body["count"] == 8
    assert len(body["results"]) == 3
    assert "page=2" in body["next"]
    assert body["previous"] is None


def test_locate_names_the_grid_and_regions_of_a_point(world):
    point = grid_point(world.city, 5)
    response = api(world.operator).get("/api/v1/locate/", point)
    assert response.status_code == 200
    body = response.json()
    assert body["grid"]["code"] == world.city.grids[5].code
    assert body["community"] == {"code": "339902001001", "name": "第2社区"}
    assert body["street"] == {"code": "339902001", "name": "第2街道"}
    assert body["district"] == {"code": "339902", "name": "第2区"}


def test_locate_outside_the_managed_area_is_a_400_with_the_reason(world):
    response = api(world.operator).get("/api/v1/locate/", {"lat": 31.0, "lng": 121.0})
    assert response.status_code == 400
    body = response.json()
    assert "不在本平台管理的网格范围内" in body["detail"]
    assert body["errors"]["lat"] == [body["detail"]]


def test_locate_speaks_english_when_asked(world):
    response = api(world.operator, language="en").get("/api/v1/locate/", {"lat": 31.0, "lng": 121.0})
    assert response.status_code == 400
    assert "outside the grids managed by this platform" in response.json()["detail"]


def test_locate_without_coordinates_names_both_fields(world):
    response = api(world.operator).get("/api/v1/locate/", {"lat": "north"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lat", "lng"}
