"""POST /api/v1/cases/: intake from every channel, JSON or multipart (DOMAIN.md §3, §6, §11)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, CaseEvent
from tests.cases.conftest import at, grid_point, photo
from tests.cases.test_api_support import PHONE, api, report

URL = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def hotline_case(world, **overrides) -> dict:
    return {
        "source": "hotline",
        "category": "01001",
        "description": "井盖破损，有人差点踩空",
        "address": "示范路 1 号",
        "urgency": "urgent",
        "caller_name": "王五",
        "caller_phone": PHONE,
        "hotline_ticket_no": "T20261118001",
        "hotline_type": "complaint",
        **grid_point(world.city, 1),
        **overrides,
    }


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count()


def test_it_registers_a_hotline_case_from_json(world, frozen):
    with frozen(at("2026-11-18 09:00")):
        response = api(world.operator).post(URL, hotline_case(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.status == "reported"
    assert case.reporter == world.operator
    assert (case.category.code, case.urgency, case.grid, case.hotline_type) == (
        "01001",
        "urgent",
        world.city.grids[1],
        "complaint",
    )
    assert case.caller_phone == PHONE
    assert list(case.events.values_list("action", flat=True)) == ["report"]
    assert body["status"] == "reported"
    assert body["category"] == "01001"
    assert (body["district"], body["street"], body["community"], body["grid"]) == (
        "339901",
        "339901001",
        "339901001001",
        world.city.grids[1].code,
    )
    assert body["department"] is None
    assert body["reported_at"] == "2026-11-18T09:00:00+08:00"
    assert body["caller_phone"] == PHONE  # an operator sees it in full
    assert [e["action"] for e in body["events"]] == ["report"]
    assert body["possible_duplicates"] == []


def test_it_registers_a_public_report_with_photos_from_multipart(world, frozen):
    data = {
        "source": "public",
        "category": "06010",
        "description": "路边暴露垃圾",
        "photos": [photo("a.png"), photo("b.jpg", fmt="JPEG")],
        **grid_point(world.city, 2),
    }
    with frozen(at("2026-11-18 09:00")):
        response = api(world.operator).post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    stored = list(case.attachments.order_by("id"))
    assert [(a.stage, a.content_type) for a in stored] == [("report", "image/png"), ("report", "image/jpeg")]
    assert all(a.file.storage.exists(a.file.name) for a in stored)
    assert stored[0].event.action == "report"
    assert [p["stage"] for p in response.json()["attachments"]] == ["report", "report"]
    assert response.json()["attachments"][0]["url"] == f"http://testserver/api/v1/photos/{stored[0].pk}/"


def test_a_photo_is_served_only_to_whoever_may_see_its_case(world, frozen):
    from rest_framework.test import APIClient

    data = {"source": "public", "category": "06010", "description": "路边暴露垃圾", "photos": [photo("a.png")]}
    with frozen(at("2026-11-18 09:00")):
        created = api(world.operator).post(URL, data | grid_point(world.city, 2), format="multipart").json()
    url = created["attachments"][0]["url"].removeprefix("http://testserver")
    shown = api(world.dispatcher).get(url)
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/png")
    stored = Case.objects.get(number=created["number"]).attachments.get()
    assert b"".join(shown.streaming_content) == stored.file.open("rb").read()
    assert api(world.handler_a).get(url).status_code == 404  # not their department's case
    assert APIClient().get(url).status_code in (401, 403)  # nobody signed in
    assert api(world.dispatcher).get("/api/v1/photos/999999/").status_code == 404


def self_handled(world, before: int = 1) -> dict:
    """A multipart self-handled patrol report with ``before`` report photos and one after-photo."""
    return {
        "source": "patrol",
        "category": "06010",
        "description": "随手清理的垃圾",
        "self_handled": "true",
        "photos": [photo(f"before{i}.png") for i in range(before)],
        "after_photos": [photo("after.png")],
        **grid_point(world.city, 0),
    }


def test_an_inspector_self_handles_a_minor_problem_with_an_after_photo(world, frozen):
    data = self_handled(world)
    with frozen(at("2026-11-18 09:00")):
        response = api(world.inspector).post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.status == "handled"
    assert case.self_handled
    assert sorted(case.attachments.values_list("stage", flat=True)) == ["after", "report"]
    assert response.json()["status"] == "handled"


def test_the_intake_answer_shows_the_timeline_and_photos_as_the_detail_reads_them(world, frozen):
    """The answer is built from what the service wrote, not read back: it must say what a read says."""
    data = self_handled(world, before=2)
    with frozen(at("2026-11-18 09:00")):
        created = api(world.inspector).post(URL, data, format="multipart").json()
        detail = api(world.inspector).get(f"{URL}{created['number']}/").json()
    assert [e["action"] for e in created["events"]] == ["report", "self-handle"]
    assert [len(e["photos"]) for e in created["events"]] == [2, 1]
    assert len(created["attachments"]) == 3
    created.pop("possible_duplicates")
    assert created == detail


def test_a_category_taken_out_of_use_is_refused_at_once(world, frozen):
    from cases.models import Category

    category = Category.objects.get(code="01001")
    assert api(world.operator).post(URL, hotline_case(world), format="json").status_code == 201
    category.is_active = False
    category.save()
    refused = api(world.operator).post(URL, hotline_case(world), format="json")
    assert refused.status_code == 400
    assert "category" in refused.json()["errors"]
    category.is_active = True
    category.name = "井盖（新名称）"
    category.save()
    again = api(world.operator).post(URL, hotline_case(world), format="json")
    assert (again.status_code, again.json()["category_name"]) == (201, "井盖（新名称）")


def test_it_lists_possible_duplicates_but_not_the_new_case_itself(world, frozen):
    original = report(world, frozen, when="2026-11-17 09:00", grid=1)
    with frozen(at("2026-11-18 09:00")):
        response = api(world.operator).post(URL, hotline_case(world, caller_phone="13900000000"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert [d["number"] for d in body["possible_duplicates"]] == [original.number]
    duplicate = body["possible_duplicates"][0]
    assert duplicate["status"] == "reported"
    assert duplicate["distance_m"] == 0.0
    assert duplicate["reasons"]
    assert body["number"] != original.number


def test_it_lists_a_case_of_the_same_caller_as_a_possible_duplicate(world, frozen):
    earlier = report(world, frozen, when="2026-11-17 09:00", grid=6, category="06010")
    with frozen(at("2026-11-18 09:00")):
        response = api(world.operator).post(URL, hotline_case(world), format="json")
    duplicates = response.json()["possible_duplicates"]
    assert [(d["number"], d["distance_m"]) for d in duplicates] == [(earlier.number, None)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "99999"}, "category"),
        ({"lat": 31.5, "lng": 121.5}, "lat"),
        ({"description": "长" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"hotline_ticket_no": ""}, "hotline_ticket_no"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"hotline_type": "gossip"}, "hotline_type"),
        ({"urgency": "whenever"}, "urgency"),
        ({"lat": "north"}, "lat"),
    ],
)
def test_bad_intake_input_is_a_400_naming_the_field_and_writes_nothing(world, overrides, field):
    before = counts()
    response = api(world.operator).post(URL, hotline_case(world, **overrides), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"]
    assert body["detail"]
    assert counts() == before


def test_it_reports_every_bad_field_at_once(world):
    response = api(world.operator).post(
        URL, hotline_case(world, category="99999", description="长" * 4001), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "category" in errors
    assert errors["description"] == ["问题描述最多 4000 字，当前 4001 字。"]


def test_a_location_outside_the_managed_area_is_explained_in_english_when_asked(world):
    before = counts()
    response = api(world.operator, language="en").post(URL, hotline_case(world, lat=31.5, lng=121.5), format="json")
    assert response.status_code == 400
    assert "outside the grids managed by this platform" in response.json()["errors"]["lat"][0]
    assert counts() == before


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(world):
    before = counts()
    fake = SimpleUploadedFile("photo.jpg", b"this is not a picture", content_type="image/jpeg")
    response = api(world.operator).post(URL, hotline_case(world, photos=[photo(), fake]), format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]
    assert "photo.jpg" in response.json()["errors"]["photos"][0]
    assert counts() == before


def test_a_photo_over_10_mb_is_refused_and_nothing_is_written(world):
    before = counts()
    big = SimpleUploadedFile("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), content_type="image/png")
    response = api(world.operator).post(URL, hotline_case(world, photos=[big]), format="multipart")
    assert response.status_code == 400
    assert "10 MB" in response.json()["errors"]["photos"][0]
    assert counts() == before


def test_a_self_handled_report_without_an_after_photo_is_refused(world):
    before = counts()
    data = {
        "source": "patrol",
        "category": "06010",
        "description": "随手清理的垃圾",
        "self_handled": "true",
        "photos": [photo()],
        **grid_point(world.city, 0),
    }
    response = api(world.inspector).post(URL, data, format="multipart")
    assert response.status_code == 400
    assert "after_photos" in response.json()["errors"]
    assert counts() == before


def test_a_missing_required_field_is_named(world):
    data = hotline_case(world)
    del data["category"], data["lat"]
    response = api(world.operator).post(URL, data, format="json")
    assert response.status_code == 400
    assert {"category", "lat"} <= set(response.json()["errors"])


@pytest.mark.parametrize("who", ["handler_a", "leader", "outsider"])
def test_people_who_do_not_register_cases_get_403_and_nothing_is_written(world, who):
    before = counts()
    response = api(getattr(world, who)).post(URL, hotline_case(world), format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert counts() == before


def test_an_inspector_may_only_report_as_patrol(world):
    before = counts()
    response = api(world.inspector).post(URL, hotline_case(world), format="json")
    assert response.status_code == 403
    assert counts() == before
