"""Deduction-scored inspections (DOMAIN.md §9): scoring, recording, fault → case, pages, API."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import sanitation.admin_inspections  # noqa: F401  (registers the admin until sanitation.admin imports it)
from cases import clock
from cases.errors import CaseError
from cases.models import Case, Source, Status
from sanitation.inspections import fault_to_case, inspection_record, load_starter_templates
from sanitation.models import Inspection, InspectionItem, InspectionTemplate, PublicToilet
from tests.cases.conftest import at, photo
from tests.factories import make_person, road_section

pytestmark = pytest.mark.django_db
INSPECTED_AT = at("2026-11-18 10:00")


@pytest.fixture
def san(world, media_root):
    """The test city with the starter templates, an assessor, two roads and a toilet."""
    load_starter_templates()
    road_t = InspectionTemplate.objects.get(code="road-cleaning")
    toilet_t = InspectionTemplate.objects.get(code="toilet")
    city = world.city
    grid = city.grids[2]
    toilet = PublicToilet.objects.create(
        code="GC-001",
        name="人民公厕",
        toilet_class="1",
        address="人民路 1 号",
        district=city.districts[0],
        street=city.streets[0],
        lat=grid.centroid_lat,
        lng=grid.centroid_lng,
    )
    return SimpleNamespace(
        world=world,
        assessor=make_person("assessor", ["assessor"]),
        road_t=road_t,
        toilet_t=toilet_t,
        items={item.position: item for item in road_t.items.all()},
        toilet_items={item.position: item for item in toilet_t.items.all()},
        road=road_section(city, "LD-001", 0),
        road2=road_section(city, "LD-002", 1),
        toilet=toilet,
    )


def record(san, counts, *, road=None, photos=(), by=None, moment=INSPECTED_AT):
    with clock.acting_at(moment):
        return inspection_record(
            by=by or san.assessor,
            template=san.road_t,
            road=road or san.road,
            counts={san.items[pos].id: n for pos, n in counts.items()},
            photos=photos,
        )


# --- scoring ---------------------------------------------------------------------------------


def test_road_score_takes_each_items_deduction_per_fault(san):
    inspection = record(san, {1: 1, 2: 2, 3: 1, 5: 3})  # 10 + 10 + 2 + 3
    assert inspection.score == Decimal(75)
    faults = {f.item_id: f for f in inspection.faults.all()}
    assert faults[san.items[2].id].count == 2 and faults[san.items[2].id].deduction == Decimal(10)
    assert san.items[4].id not in faults  # no fault, no row


def test_an_items_deduction_stops_at_its_cap(san):
    inspection = record(san, {1: 9})  # 90 taken by count, capped at 40
    assert inspection.score == Decimal(60)
    assert inspection.faults.get().deduction == Decimal(40)


def test_many_faults_floor_the_score_at_zero_not_below(san):
    san.items[1].cap = None
    san.items[1].save()
    inspection = record(san, {1: 15, 2: 10})
    assert inspection.score == Decimal(0)


def test_toilet_items_take_five_a_fault_and_at_most_fifteen(san):
    counts = {san.toilet_items[1].id: 1, san.toilet_items[2].id: 5}
    with clock.acting_at(INSPECTED_AT):
        inspection = inspection_record(by=san.assessor, template=san.toilet_t, toilet=san.toilet, counts=counts)
    assert inspection.score == Decimal(80)  # 100 − 5 − 15
    assert inspection.toilet == san.toilet and inspection.road is None
    assert inspection.district == san.world.city.districts[0]


def test_a_template_edited_in_the_admin_changes_the_next_score_only(san, client):
    first = record(san, {3: 2})
    assert first.score == Decimal(96)
    client.force_login(san.world.admin)
    url = reverse("admin:sanitation_inspectiontemplate_change", args=[san.road_t.pk])
    form = {
        "code": "road-cleaning",
        "name": san.road_t.name,
        "target": "road",
        "full_score": "100",
        "is_active": "on",
        "items-TOTAL_FORMS": "5",
        "items-INITIAL_FORMS": "5",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(san.road_t.items.order_by("position")):
        deduction = "3" if item.position == 3 else str(item.deduction)
        form |= {
            f"items-{index}-id": str(item.id),
            f"items-{index}-template": str(san.road_t.pk),
            f"items-{index}-position": str(item.position),
            f"items-{index}-name": item.name,
            f"items-{index}-deduction": deduction,
            f"items-{index}-cap": "" if item.cap is None else str(item.cap),
        }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert InspectionItem.objects.get(pk=san.items[3].pk).deduction == Decimal(3)

    second = record(san, {3: 2})
    first.refresh_from_db()
    assert second.score == Decimal(94)
    assert first.score == Decimal(96) and first.faults.get().deduction == Decimal(4)


# --- recording -------------------------------------------------------------------------------


def test_an_inspection_stores_its_photos(san):
    inspection = record(san, {1: 1}, photos=[photo("a.png"), photo("b.jpg", fmt="JPEG")])
    stored = list(inspection.photos.order_by("id"))
    assert [p.content_type for p in stored] == ["image/png", "image/jpeg"]
    assert all(p.file.storage.exists(p.file.name) for p in stored)
    assert inspection.inspector == san.assessor and inspection.inspected_at == INSPECTED_AT


def test_it_refuses_bad_input_and_stores_nothing(san):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(CaseError) as refused:
        inspection_record(
            by=san.assessor,
            template=san.road_t,
            toilet=san.toilet,
            counts={san.items[1].id: "-1", 99999: 1},
            photos=[SimpleUploadedFile("x.png", b"not an image")],
        )
    assert refused.value.kind == "input"
    assert set(refused.value.fields) == {"target", "counts", f"count_{san.items[1].id}", "photos"}
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("who", ["leader", "inspector", "dispatcher", "outsider"])
def test_only_assessors_and_admins_record(san, who):
    with pytest.raises(CaseError) as refused:
        record(san, {1: 1}, by=getattr(san.world, who))
    assert refused.value.kind == "permission"
    record(san, {1: 1}, by=san.world.admin)
    assert Inspection.objects.count() == 1


# --- fault → case ----------------------------------------------------------------------------


def test_a_fault_becomes_a_patrol_case_with_the_chosen_category_and_is_linked(san):
    inspection = record(san, {2: 1}, photos=[photo()])
    fault = inspection.faults.get()
    point = san.world.city.grids[1]
    with clock.acting_at(at("2026-11-18 10:30")):
        case = fault_to_case(
            by=san.assessor,
            fault=fault,
            category="06011",
            description="路段 50 米内垃圾遗留",
            lat=point.centroid_lat,
            lng=point.centroid_lng,
        )
    fault.refresh_from_db()
    assert fault.case == case
    case = Case.objects.get(pk=case.pk)
    assert case.source == Source.PATROL and case.status == Status.REPORTED
    assert case.category.code == "06011" and case.reporter == san.assessor
    assert case.attachments.count() == 1  # the inspection's photo, copied

    with pytest.raises(CaseError) as again:
        fault_to_case(by=san.assessor, fault=fault, category="06010", description="x", lat=1, lng=1)
    assert again.value.kind == "state"


def test_a_fault_without_any_photo_cannot_become_a_case(san):
    fault = record(san, {2: 1}).faults.get()
    point = san.world.city.grids[1]
    with pytest.raises(CaseError) as refused:
        fault_to_case(
            by=san.assessor,
            fault=fault,
            category="06010",
            description="x",
            lat=point.centroid_lat,
            lng=point.centroid_lng,
        )
    assert "photos" in refused.value.fields
    fault.refresh_from_db()
    assert fault.case is None and not Case.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def test_the_form_records_with_the_servers_score_and_keeps_input_on_errors(san, client):
    client.force_login(san.assessor)
    url = reverse("sanitation:inspection_new")
    form = {"template": san.road_t.pk, "target": "", "note": "早班抽查", f"count_{san.items[1].id}": "2"}
    response = client.post(url, form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择路段" in page or "请选择一个考评对象" in page
    assert "早班抽查" in page and f'name="count_{san.items[1].id}" value="2"' in page

    form |= {"target": san.road.pk, "photos": [photo()], "score": "100"}
    with clock.acting_at(INSPECTED_AT):
        response = client.post(url, form)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response.url == reverse("sanitation:inspection_detail", args=[inspection.pk])
    assert inspection.score == Decimal(80) and inspection.photos.count() == 1 and inspection.note == "早班抽查"


def test_the_fault_case_button_reports_and_links(san, client):
    inspection = record(san, {2: 1}, photos=[photo()])
    fault = inspection.faults.get()
    client.force_login(san.assessor)
    detail = client.get(reverse("sanitation:inspection_detail", args=[inspection.pk])).content.decode()
    assert "转为案件" in detail
    point = san.world.city.grids[1]
    url = reverse("sanitation:inspection_fault_case", args=[inspection.pk, fault.pk])
    bad = client.post(
        url, {"category": "99999", "description": "", "lat": point.centroid_lat, "lng": point.centroid_lng}
    )
    assert bad.status_code == 400 and "请填写问题描述" in bad.content.decode()
    with clock.acting_at(at("2026-11-18 11:00")):
        good = client.post(
            url, {"category": "06010", "description": "垃圾遗留", "lat": point.centroid_lat, "lng": point.centroid_lng}
        )
    assert good.status_code == 302
    fault.refresh_from_db()
    assert fault.case.category.code == "06010"
    assert fault.case.number in client.get(good.url).content.decode()


def test_roles_and_scoping_of_the_pages(san, client):
    mine = record(san, {1: 1})
    other = record(san, {1: 1}, road=san.road2)
    w = san.world
    for user, status in [
        (w.outsider, 403),
        (w.handler_a, 403),
        (w.inspector, 403),
        (w.leader, 200),
        (w.dispatcher, 200),
    ]:
        client.force_login(user)
        assert client.get(reverse("sanitation:inspection_list")).status_code == status
    client.force_login(w.leader)  # district 339901 only
    page = client.get(reverse("sanitation:inspection_list")).content.decode()
    assert f'data-inspection="{mine.pk}"' in page and f'data-inspection="{other.pk}"' not in page
    assert client.get(reverse("sanitation:inspection_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("sanitation:inspection_new")).status_code == 403
    client.force_login(w.city_leader)
    page = client.get(reverse("sanitation:inspection_list")).content.decode()
    assert f'data-inspection="{other.pk}"' in page


def test_list_filters(san, client):
    low = record(san, {1: 4})  # 60
    high = record(san, {5: 1}, road=san.road2, moment=at("2026-11-20 09:00"))  # 99
    client.force_login(san.assessor)
    url = reverse("sanitation:inspection_list")

    def shown(**params):
        page = client.get(url, params).content.decode()
        return {pk for pk in (low.pk, high.pk) if f'data-inspection="{pk}"' in page}

    assert shown() == {low.pk, high.pk}
    assert shown(below="70") == {low.pk}
    assert shown(district="339902") == {high.pk}
    assert shown(since="2026-11-19") == {high.pk}
    assert shown(until="2026-11-18") == {low.pk}
    assert shown(template=san.toilet_t.pk) == set()
    assert "日期格式" in client.get(url, {"since": "yesterday"}).content.decode()


def test_the_list_runs_a_fixed_number_of_queries(san, client):
    client.force_login(san.assessor)

    def queries_for(rows: int) -> int:
        Inspection.objects.all().delete()
        for _ in range(rows):
            record(san, {1: 1})
        client.get(reverse("sanitation:inspection_list"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("sanitation:inspection_list"))
        assert response.content.decode().count("data-inspection=") == min(rows, 25)
        return len(captured)

    assert queries_for(3) == queries_for(25)


# --- API -------------------------------------------------------------------------------------


def test_api_creates_and_lists_inspections(san, client):
    client.force_login(san.assessor)
    url = "/api/v1/sanitation/inspections/"
    body = {"template": "road-cleaning", "road": "LD-001", "counts": {str(san.items[1].id): 1}, "note": "API"}
    with clock.acting_at(INSPECTED_AT):
        created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["score"] == "90.0" and created.json()["district"] == "339901"
    multipart = client.post(
        url, {"template": "road-cleaning", "road": "LD-002", "counts": "{}", "photos": [photo()]}, format="multipart"
    )
    assert multipart.status_code == 201 and len(multipart.json()["photos"]) == 1
    bad = client.post(url, {"template": "road-cleaning", "toilet": "GC-001"}, content_type="application/json")
    assert bad.status_code == 400 and "target" in bad.json()["errors"]
    listed = client.get(url, {"district": "339901"}).json()
    assert listed["count"] == 1 and listed["results"][0]["faults"][0]["count"] == 1

    client.force_login(san.world.leader)
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert client.get(url).json()["count"] == 1
    client.force_login(san.world.outsider)
    assert client.get(url).status_code == 403


def test_the_command_loads_the_starter_templates_once_and_keeps_admin_edits(db):
    from django.core.management import call_command

    call_command("load_inspection_templates")
    item = InspectionItem.objects.get(template__code="road-cleaning", position=1)
    assert (item.deduction, item.cap) == (Decimal(10), Decimal(40))
    assert [i.deduction for i in InspectionItem.objects.filter(template__code="toilet")] == [Decimal(5)] * 3
    item.deduction = Decimal(8)
    item.save()
    call_command("load_inspection_templates")
    assert InspectionItem.objects.count() == 8
    assert InspectionItem.objects.get(pk=item.pk).deduction == Decimal(8)
