"""Excel export and import of the ledgers: round trips, a broken file, refusals,
formula-looking text and the background (Celery) path with its progress."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sanitation.ledgers import LEDGERS
from sanitation.models import Bin, CollectionPoint, RoadSection
from tests.factories import make_person

pytestmark = pytest.mark.django_db

ROAD_HEADERS = [c.title for c in LEDGERS["roads"].columns]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def assessor(world):
    return make_person("assessor", ["assessor"])


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, ledger, data, name="ledger.xlsx"):
    url = reverse("sanitation:ledger_import", kwargs={"ledger": ledger})
    return client.post(url, {"step": "check", "file": SimpleUploadedFile(name, data, content_type=XLSX)})


def confirm(client, ledger, response):
    token = re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)
    url = reverse("sanitation:ledger_import", kwargs={"ledger": ledger})
    return client.post(url, {"step": "import", "token": token})


def road_row(world, code, **extra):
    row = {
        "编号": code,
        "路段名称": f"路段{code}",
        "区/县代码": world.city.districts[0].code,
        "街道代码": world.city.streets[0].code,
        "社区代码": "",
        "网格编码": "",
        "道路等级": "主干道",
        "管控级别": "严控",
        "长度（米）": 120.5,
        "面积（平方米）": 900,
        "保洁单位": "",
        "机械化清扫": "否",
        "18 小时滚动保洁": "是",
    }
    row.update(extra)
    return [row[h] for h in ROAD_HEADERS]


def road_values():
    fields = [f.attname for f in RoadSection._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]
    return sorted(RoadSection.objects.values_list(*fields))


def test_roads_export_then_import_gives_the_same_rows(client, world, assessor):
    client.force_login(assessor)
    city = world.city
    RoadSection.objects.create(
        code="R-1",
        name='=HYPERLINK("http://evil")',
        grade="main",
        control_level="forbidden",
        length_m=Decimal("120.5"),
        area_m2=Decimal("900.0"),
        cleaning_company="+86 城洁",
        mechanised=True,
        district=city.districts[0],
        street=city.streets[0],
        community=city.communities[0],
        grid=city.grids[1],
    )
    RoadSection.objects.create(
        code="R-2",
        name="幸福巷",
        grade="lane",
        control_level="regulated",
        length_m=Decimal("35"),
        area_m2=Decimal("70.5"),
        rolling_18h=True,
        district=city.districts[1],
    )
    before = road_values()
    response = client.get(reverse("sanitation:ledger_export", kwargs={"ledger": "roads"}))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ROAD_HEADERS
    first = dict(zip(ROAD_HEADERS, rows[1], strict=True))
    assert first["名称" if "名称" in first else "路段名称"] == '=HYPERLINK("http://evil")'  # as typed, as text
    assert sheet.cell(row=2, column=2).data_type == "s" and sheet.cell(row=2, column=2).quotePrefix
    assert first["保洁单位"] == "+86 城洁"
    assert (first["区/县代码"], first["网格编码"], first["道路等级"], first["机械化清扫"]) == (
        "339901",
        city.grids[1].code,
        "主干道",
        "是",
    )

    # filtered export
    only_d2 = client.get(reverse("sanitation:ledger_export", kwargs={"ledger": "roads"}), {"district": "339902"})
    assert [r[0] for r in load_workbook(io.BytesIO(only_d2.content)).active.iter_rows(min_row=2, values_only=True)] == [
        "R-2"
    ]

    RoadSection.objects.all().delete()
    checked = upload(client, "roads", response.content)
    assert checked.status_code == 200, checked.content.decode()
    assert "检查通过" in checked.content.decode()
    assert not RoadSection.objects.exists()  # nothing before the confirmation
    done = confirm(client, "roads", checked)
    assert done.status_code == 302
    assert road_values() == before

    # the same file again updates (code already there) rather than duplicating
    RoadSection.objects.filter(code="R-2").update(name="改过的名字")
    done = confirm(client, "roads", upload(client, "roads", response.content))
    assert done.status_code == 302
    assert road_values() == before


def test_collection_points_round_trip_with_bin_counts(client, world, assessor):
    client.force_login(assessor)
    city = world.city
    point = CollectionPoint.objects.create(
        code="P-1", name="一号点", address="人民路 1 号", district=city.districts[0], community=city.communities[0]
    )
    Bin.objects.create(point=point, waste_type="kitchen", count=3)
    Bin.objects.create(point=point, waste_type="recyclable", count=1, volume_l=120)
    CollectionPoint.objects.create(code="P-2", name="二号点", address="人民路 2 号", district=city.districts[1])
    response = client.get(reverse("sanitation:ledger_export", kwargs={"ledger": "points"}))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert "厨余垃圾桶数" in header
    assert dict(zip(header, rows[1], strict=True))["厨余垃圾桶数"] == 3
    assert len(rows) == 3  # one row per point

    def snapshot():
        return sorted(
            (
                p.code,
                p.name,
                p.address,
                p.district_id,
                p.community_id,
                sorted((b.waste_type, b.count) for b in p.bins.all()),
            )
            for p in CollectionPoint.objects.prefetch_related("bins")
        )

    before = snapshot()
    CollectionPoint.objects.all().delete()
    assert confirm(client, "points", upload(client, "points", response.content)).status_code == 302
    assert snapshot() == before


def test_a_broken_file_imports_nothing_and_names_every_bad_cell(client, world, assessor):
    client.force_login(assessor)
    data = xlsx(
        [
            ROAD_HEADERS,
            road_row(world, "R-1"),
            road_row(world, "R-2", **{"区/县代码": "999999"}),
            road_row(world, "R-3", **{"长度（米）": "很长"}),
            road_row(world, "R-4", **{"路段名称": None}),
            road_row(world, "R-5", **{"街道代码": world.city.streets[1].code}),
            road_row(world, "R-1"),
        ]
    )
    response = upload(client, "roads", data)
    assert response.status_code == 400
    html = response.content.decode()
    bad = set(re.findall(r'data-line="(\d+)" data-column="([^"]+)"', html))
    assert ("3", "区/县代码") in bad
    assert ("4", "长度（米）") in bad
    assert ("5", "路段名称") in bad
    assert ("6", "街道代码") in bad
    assert ("7", "编号") in bad  # the same code as row 2
    assert not any(line == "2" for line, _col in bad)
    assert "确认导入" not in html
    assert not RoadSection.objects.exists()


def test_files_that_are_not_xlsx_are_refused(client, world, assessor):
    client.force_login(assessor)
    response = upload(client, "roads", "编号,路段名称\nR-1,路\n".encode(), name="roads.xlsx")
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()
    missing = upload(client, "roads", xlsx([["编号", "随便"], ["R-1", "x"]]))
    assert missing.status_code == 400 and "缺少必填列" in missing.content.decode()
    assert not RoadSection.objects.exists()
    client.force_login(world.leader)
    assert upload(client, "roads", xlsx([ROAD_HEADERS, road_row(world, "R-1")])).status_code == 403


def test_a_large_file_imports_through_the_task_and_reports_progress(client, world, assessor):
    client.force_login(assessor)
    rows = [ROAD_HEADERS] + [road_row(world, f"R-{i:05d}") for i in range(2100)]
    checked = upload(client, "roads", xlsx(rows))
    assert checked.status_code == 200
    assert "后台导入" in checked.content.decode()
    started = confirm(client, "roads", checked)
    assert started.status_code == 302
    job_url = started["Location"]
    assert "/import/" in job_url
    page = client.get(job_url)
    assert page.status_code == 200
    partial = client.get(job_url, {"partial": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="done"' in partial and "2100 / 2100" in partial
    assert "hx-trigger" not in partial  # polling stops when done
    assert RoadSection.objects.count() == 2100

    from sanitation.tasks import get_progress

    job = job_url.rstrip("/").rsplit("/", 1)[-1]
    progress = get_progress(job)
    assert (progress["done"], progress["total"], progress["state"], progress["errors"]) == (2100, 2100, "done", [])
    other = make_person("assessor2", ["assessor"])
    client.force_login(other)
    assert client.get(job_url).status_code == 404


def test_progress_is_reported_chunk_by_chunk(world):
    from sanitation.excel import apply_rows, check_workbook

    data = xlsx([ROAD_HEADERS] + [road_row(world, f"R-{i:05d}") for i in range(1200)])
    check = check_workbook(LEDGERS["roads"], data)
    assert check.ok
    seen = []
    assert apply_rows(LEDGERS["roads"], check.rows, lambda done, total: seen.append((done, total))) == (1200, 0)
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]
