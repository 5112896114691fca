"""The route pages for supervisors: list, map editor (form side) and CSV import."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patrols.models import Route, RouteGrid
from patrols.planning import route_save

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-routes.csv"


def signed_in(client, user):
    client.force_login(user)
    return client


def codes_of(route):
    return list(RouteGrid.objects.filter(route=route).order_by("position").values_list("grid__code", flat=True))


def form(world, grids, **extra):
    district = world.city.districts[0]
    return {
        "code": "R-01",
        "name": "东线",
        "district": str(district.pk),
        "description": "早班",
        "is_active": "on",
        "grids": ",".join(grids),
    } | extra


def test_a_dispatcher_creates_a_route_with_grids_in_order(client, world):
    grids = [g.code for g in world.city.grids[:4]]
    ordered = [grids[2], grids[0], grids[3]]
    answer = signed_in(client, world.dispatcher).post(reverse("patrols:route_new"), form(world, ordered))
    route = Route.objects.get(code="R-01")
    assert answer.status_code == 302 and answer.url == reverse("patrols:route_edit", args=[route.pk])
    assert codes_of(route) == ordered
    assert list(RouteGrid.objects.filter(route=route).order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]
    assert route.district == world.city.districts[0] and route.is_active and route.description == "早班"


def test_editing_a_route_reorders_and_drops_grids(client, world):
    grids = [g.code for g in world.city.grids[:4]]
    route = route_save(by=world.dispatcher, code="R-01", name="东线", grid_codes=grids[:3])
    page = signed_in(client, world.shift_leader).get(reverse("patrols:route_edit", args=[route.pk]))
    assert page.status_code == 200 and ",".join(grids[:3]) in page.content.decode()
    answer = client.post(
        reverse("patrols:route_edit", args=[route.pk]), form(world, [grids[3], grids[1]], name="东线（改）")
    )
    assert answer.status_code == 302
    route.refresh_from_db()
    assert route.name == "东线（改）" and codes_of(route) == [grids[3], grids[1]]


def test_an_unknown_grid_is_named_next_to_the_field_and_the_typing_is_kept(client, world):
    good = world.city.grids[0].code
    answer = signed_in(client, world.dispatcher).post(
        reverse("patrols:route_new"), form(world, [good, "339901001001999"], name="我的路线")
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "未知的网格编码：339901001001999" in html
    assert 'id="id_grids" name="grids" value="' + good + ',339901001001999"' in html
    assert 'value="我的路线"' in html and 'value="R-01"' in html
    assert "is-invalid" in html.split('id="id_grids"')[0].rsplit("<input", 1)[1]
    assert not Route.objects.exists()


def test_a_grid_twice_on_a_route_is_refused(client, world):
    grid = world.city.grids[1].code
    answer = signed_in(client, world.dispatcher).post(reverse("patrols:route_new"), form(world, [grid, grid]))
    assert answer.status_code == 400 and f"网格在路线中重复：{grid}" in answer.content.decode()
    assert not Route.objects.exists()


def test_a_grid_of_another_district_and_a_taken_code_are_refused(client, world):
    route_save(by=world.dispatcher, code="R-01", name="东线", grid_codes=[world.city.grids[0].code])
    other = world.city.grids[5].code  # district 339902
    answer = signed_in(client, world.dispatcher).post(reverse("patrols:route_new"), form(world, [other]))
    html = answer.content.decode()
    assert answer.status_code == 400 and "路线编号 R-01 已存在" in html and f"网格不在 第1区：{other}" in html
    assert Route.objects.count() == 1


@pytest.mark.parametrize("name", ["patrols:routes", "patrols:route_new", "patrols:route_import", "patrols:plan"])
def test_an_inspector_is_refused(client, world, name):
    assert signed_in(client, world.inspector).get(reverse(name)).status_code == 403


def test_the_list_filters_by_district_and_text(client, world):
    g = world.city.grids
    d1, d2 = world.city.districts
    route_save(by=world.admin, code="R-A", name="东线", district=d1, grid_codes=[g[0].code, g[1].code])
    route_save(by=world.admin, code="R-B", name="西线", district=d2, grid_codes=[g[4].code])
    html = signed_in(client, world.dispatcher).get(reverse("patrols:routes")).content.decode()
    assert 'data-route="R-A"' in html and 'data-route="R-B"' in html
    html = client.get(reverse("patrols:routes"), {"district": d2.code}).content.decode()
    assert 'data-route="R-A"' not in html and 'data-route="R-B"' in html
    html = client.get(reverse("patrols:routes"), {"q": "东"}).content.decode()
    assert 'data-route="R-A"' in html and 'data-route="R-B"' not in html


def test_the_map_gets_the_grids_of_the_chosen_district(client, world):
    d2 = world.city.districts[1]
    answer = signed_in(client, world.dispatcher).get(reverse("patrols:route_new"), {"geojson": 1, "district": d2.pk})
    codes = [f["properties"]["code"] for f in answer.json()["features"]]
    assert codes == [g.code for g in world.city.grids[4:8]]


def upload(client, text, **extra):
    file = SimpleUploadedFile("routes.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("patrols:route_import"), {"step": "check", "file": file} | extra)


def test_the_sample_csv_previews_then_imports(client, world):
    text = SAMPLE.read_text(encoding="utf-8")
    preview = upload(signed_in(client, world.dispatcher), text)
    assert preview.status_code == 200 and "检查通过：将导入 3 条路线" in preview.content.decode()
    assert not Route.objects.exists()  # the preview writes nothing
    answer = client.post(reverse("patrols:route_import"), {"step": "import", "text": text})
    assert answer.status_code == 302
    assert sorted(Route.objects.values_list("code", flat=True)) == ["R-339901-01", "R-339901-02", "R-339902-01"]
    assert codes_of(Route.objects.get(code="R-339901-02")) == ["339901001001004", "339901001001003"]
    assert Route.objects.get(code="R-339902-01").district == world.city.districts[1]


def test_a_broken_csv_imports_nothing_and_names_each_bad_line(client, world):
    text = (
        "code,name,district,grids\n"
        "R-1,好路线,339901,339901001001001 339901001001002\n"
        "R-2,坏网格,339901,339901001001001|339901001009999\n"
        "R-3,少列\n"
        "R-1,重复编号,339901,339901001001003\n"
        "R-5,未知区,339977,339901001001003\n"
    )
    answer = upload(signed_in(client, world.dispatcher), text)
    html = answer.content.decode()
    assert answer.status_code == 400 and "4 行有误，未导入任何路线" in html
    for line, reason in [(3, "339901001009999"), (4, "应有 4 列"), (5, "路线编号 R-1 已存在"), (6, "339977")]:
        item = html.split(f'data-line="{line}"')[1].split("</li>")[0]
        assert f"第 {line} 行" in item and reason in item
    assert 'data-line="2"' not in html
    # Even posting the confirm step directly imports nothing.
    assert client.post(reverse("patrols:route_import"), {"step": "import", "text": text}).status_code == 400
    assert not Route.objects.exists()


def test_the_list_costs_the_same_queries_for_2_and_8_routes(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(reverse("patrols:routes")).content.decode()
        assert html.count("data-route=") == count
        return len(captured)

    client.force_login(world.dispatcher)
    grids = world.city.grids
    for i in range(8):
        district = world.city.districts[i // 4]
        route_save(by=world.admin, code=f"R-{i}", name="线", district=district, grid_codes=[grids[i].code])
        if i == 1:
            client.get(reverse("patrols:routes"))  # the process loads its copy of the regions once
            few = queries(2)
    assert queries(8) == few
