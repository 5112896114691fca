"""Ledger pages: forms that check where a row lies, filters, scoping, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanitation.models import Bin, CollectionPoint, FrontageCheck, FrontageLetter, RoadSection
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessor(world):
    return make_person("assessor", ["assessor"])


def road(world, code, d=0, **extra):
    city = world.city
    values = {
        "code": code,
        "name": f"路段{code}",
        "grade": "main",
        "control_level": "strict",
        "length_m": Decimal("120.5"),
        "area_m2": Decimal("900"),
        "district": city.districts[d],
        "street": city.streets[d],
        "community": city.communities[d],
    }
    values.update(extra)
    return RoadSection.objects.create(**values)


def road_form(world, **extra):
    data = {
        "code": "R-NEW",
        "name": "新建测试路",
        "grade": "main",
        "control_level": "strict",
        "length_m": "300",
        "area_m2": "2400",
        "cleaning_company": "城洁公司",
        "district": world.city.districts[0].code,
        "street": world.city.streets[0].code,
        "community": "",
        "grid": "",
    }
    data.update(extra)
    return data


def test_create_refuses_a_street_outside_the_district_and_keeps_what_was_typed(client, world, assessor):
    client.force_login(assessor)
    url = reverse("sanitation:ledger_create", kwargs={"ledger": "roads"})
    response = client.post(url, road_form(world, street=world.city.streets[1].code))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="street"' in html
    assert "不在所选区/县内" in html
    assert 'value="新建测试路"' in html and 'value="城洁公司"' in html
    assert not RoadSection.objects.exists()


def test_create_needs_a_district_unless_a_grid_gives_it(client, world, assessor):
    client.force_login(assessor)
    url = reverse("sanitation:ledger_create", kwargs={"ledger": "roads"})
    response = client.post(url, road_form(world, district="", street=""))
    assert response.status_code == 400
    assert 'data-error-for="district"' in response.content.decode()

    grid = world.city.grids[5]  # in district 2
    response = client.post(url, road_form(world, district="", street="", grid=grid.code))
    assert response.status_code == 302
    saved = RoadSection.objects.get(code="R-NEW")
    assert (saved.district_id, saved.street_id, saved.community_id, saved.grid_id) == (
        grid.district_id,
        grid.street_id,
        grid.community_id,
        grid.id,
    )


def test_edit_with_a_grid_elsewhere_is_refused_and_a_good_edit_saves(client, world, assessor):
    client.force_login(assessor)
    row = road(world, "R-1")
    url = reverse("sanitation:ledger_edit", kwargs={"ledger": "roads", "pk": row.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, road_form(world, code="R-1", grid=world.city.grids[6].code))
    assert response.status_code == 400
    assert "不在这里" in response.content.decode()
    response = client.post(url, road_form(world, code="R-1", name="改名路", length_m="88.5"))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.name, row.length_m) == ("改名路", Decimal("88.5"))


def test_collection_point_bins_are_edited_inline(client, world, assessor):
    client.force_login(assessor)
    url = reverse("sanitation:ledger_create", kwargs={"ledger": "points"})
    data = {
        "code": "P-1",
        "name": "一号投放点",
        "address": "人民路 1 号",
        "lat": "",
        "lng": "",
        "district": world.city.districts[0].code,
        "street": "",
        "community": world.city.communities[0].code,
        "grid": "",
        "inline-TOTAL_FORMS": "4",
        "inline-INITIAL_FORMS": "0",
        "inline-MIN_NUM_FORMS": "0",
        "inline-MAX_NUM_FORMS": "4",
        "inline-0-waste_type": "kitchen",
        "inline-0-count": "3",
        "inline-0-volume_l": "240",
        "inline-1-waste_type": "other",
        "inline-1-count": "2",
        "inline-1-volume_l": "120",
        # the untouched extra rows, as a browser posts them (their defaults)
        "inline-2-waste_type": "",
        "inline-2-count": "1",
        "inline-2-volume_l": "240",
        "inline-3-waste_type": "",
        "inline-3-count": "1",
        "inline-3-volume_l": "240",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    point = CollectionPoint.objects.get(code="P-1")
    assert point.street_id == world.city.streets[0].id  # filled from the community
    assert dict(Bin.objects.filter(point=point).values_list("waste_type", "count")) == {"kitchen": 3, "other": 2}
    detail = client.get(reverse("sanitation:ledger_detail", kwargs={"ledger": "points", "pk": point.pk}))
    assert "厨余垃圾" in detail.content.decode()


def test_frontage_check_is_added_from_the_detail(client, world, assessor):
    client.force_login(assessor)
    letter = FrontageLetter.objects.create(
        shop_name="好味面馆",
        address="人民路 8 号",
        responsible="王五",
        signed_on="2026-03-01",
        district=world.city.districts[0],
    )
    url = reverse("sanitation:ledger_check_add", kwargs={"pk": letter.pk})
    response = client.post(url, {"checked_on": "", "compliant": "on", "note": "门前整洁"})
    assert response.status_code == 400
    assert 'value="门前整洁"' in response.content.decode()
    response = client.post(url, {"checked_on": "2026-04-02", "compliant": "on", "note": "门前整洁"})
    assert response.status_code == 302
    check = FrontageCheck.objects.get(letter=letter)
    assert (check.compliant, check.checked_by) == (True, assessor)
    detail = client.get(reverse("sanitation:ledger_detail", kwargs={"ledger": "frontage", "pk": letter.pk}))
    assert "2026-04-02" in detail.content.decode()


def _codes(response) -> set[str]:
    import re

    return set(re.findall(r'<a href="/sanitation/ledgers/roads/\d+/">([^<]+)</a>', response.content.decode()))


def test_list_filters(client, world, assessor):
    client.force_login(assessor)
    road(world, "R-A1", 0, grade="main", mechanised=True)
    road(world, "R-A2", 0, grade="lane", name="幸福巷")
    road(world, "R-B1", 1, grade="main")
    url = reverse("sanitation:ledger_list", kwargs={"ledger": "roads"})
    assert _codes(client.get(url)) == {"R-A1", "R-A2", "R-B1"}
    assert _codes(client.get(url, {"district": "339901"})) == {"R-A1", "R-A2"}
    assert _codes(client.get(url, {"street": world.city.streets[1].code})) == {"R-B1"}
    assert _codes(client.get(url, {"grade": "main"})) == {"R-A1", "R-B1"}
    assert _codes(client.get(url, {"mechanised": "1"})) == {"R-A1"}
    assert _codes(client.get(url, {"q": "幸福"})) == {"R-A2"}


def test_scoping_by_role_and_region(client, world):
    mine, other = road(world, "R-A1", 0), road(world, "R-B1", 1)
    list_url = reverse("sanitation:ledger_list", kwargs={"ledger": "roads"})
    detail = reverse("sanitation:ledger_detail", kwargs={"ledger": "roads", "pk": mine.pk})

    client.force_login(world.leader)  # leader of district 339901
    assert _codes(client.get(list_url)) == {"R-A1"}
    assert (
        client.get(reverse("sanitation:ledger_detail", kwargs={"ledger": "roads", "pk": other.pk})).status_code == 404
    )
    assert client.get(reverse("sanitation:ledger_create", kwargs={"ledger": "roads"})).status_code == 403

    leader_b = make_person("leader-339902", ["leader"], region=world.city.districts[1])
    client.force_login(leader_b)
    assert _codes(client.get(list_url)) == {"R-B1"}
    assert client.get(detail).status_code == 404
    index = client.get(reverse("sanitation:ledger_index")).content.decode()
    assert 'data-ledger="roads"' in index

    for reader in (world.dispatcher, world.shift_leader, world.city_leader):
        client.force_login(reader)
        assert _codes(client.get(list_url)) == {"R-A1", "R-B1"}

    for outsider in (world.handler_a, world.operator, world.outsider):
        client.force_login(outsider)
        assert client.get(list_url).status_code == 403
        assert client.get(reverse("sanitation:ledger_index")).status_code == 403
    assert client.get("/sanitation/ledgers/nope/").status_code in (403, 404)


def test_list_queries_do_not_grow_with_rows(client, world, assessor):
    client.force_login(assessor)
    url = reverse("sanitation:ledger_list", kwargs={"ledger": "roads"})
    for i in range(2):
        road(world, f"R-{i:03d}", i % 2, grid=world.city.grids[i])
    client.get(url)  # warm the region index
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(2, 25):
        road(world, f"R-{i:03d}", i % 2, grid=world.city.grids[i % 8])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_codes(response)) == 25
    assert len(many) == len(few)

    vehicles_url = reverse("sanitation:ledger_list", kwargs={"ledger": "muck-vehicles"})
    from sanitation.models import MuckCompany, MuckVehicle

    company = MuckCompany.objects.create(name="运输公司", licence_no="91330000X", district=world.city.districts[0])
    MuckVehicle.objects.create(company=company, plate="浙A00001")
    with CaptureQueriesContext(connection) as one:
        client.get(vehicles_url)
    for i in range(2, 20):
        MuckVehicle.objects.create(company=company, plate=f"浙A{i:05d}")
    with CaptureQueriesContext(connection) as twenty:
        client.get(vehicles_url)
    assert len(one) == len(twenty)


@pytest.mark.parametrize(
    "slug",
    ["roads", "toilets", "stations", "points", "sorting-communities", "muck-companies", "muck-vehicles", "frontage"],
)
def test_every_ledger_lists_exports_and_offers_its_form(client, world, assessor, slug):
    from sanitation.models import MuckCompany, MuckVehicle, SortingCommunity

    company = MuckCompany.objects.create(name="运输公司", licence_no="91330000X", district=world.city.districts[0])
    made = {
        "sorting-communities": lambda: SortingCommunity.objects.create(
            community=world.city.communities[0], households=300
        ),
        "muck-companies": lambda: company,
        "muck-vehicles": lambda: MuckVehicle.objects.create(company=company, plate="浙A12345"),
        "roads": lambda: road(world, "R-1"),
    }.get(slug)
    client.force_login(assessor)
    assert client.get(reverse("sanitation:ledger_list", kwargs={"ledger": slug})).status_code == 200
    assert client.get(reverse("sanitation:ledger_create", kwargs={"ledger": slug})).status_code == 200
    assert client.get(reverse("sanitation:ledger_import", kwargs={"ledger": slug})).status_code == 200
    assert client.get(reverse("sanitation:ledger_export", kwargs={"ledger": slug})).status_code == 200
    if made:
        obj = made()
        for name in ("ledger_detail", "ledger_edit"):
            assert client.get(reverse(f"sanitation:{name}", kwargs={"ledger": slug, "pk": obj.pk})).status_code == 200
        client.force_login(world.leader)
        listed = client.get(reverse("sanitation:ledger_list", kwargs={"ledger": slug})).content.decode()
        assert f'data-pk="{obj.pk}"' in listed  # all of these lie in the leader's district
