"""Importing unit grids and regions from GeoJSON (org.geojson_import, manage.py import_grids)."""

import json
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from org.geojson_import import GridImportError, import_grids
from org.models import Region, UnitGrid
from tests.factories import CELL, RegionFactory, square

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "sample-grids.geojson"
NEW_REGION_NAMES = {
    "city_name": "新市",
    "district_name": "新区",
    "street_name": "新街道",
    "community_name": "新社区",
}
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[120.2, 30.3], [120.201, 30.301], [120.201, 30.3], [120.2, 30.301], [120.2, 30.3]]],
}


def feature(code: str, geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry}


def collection(*features: dict) -> str:
    """One feature per line after a two-line header, so feature n starts on line n + 2."""
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return '{"type": "FeatureCollection",\n"features": [\n' + body + "\n]}\n"


def new_community_file() -> str:
    """Three grids of community 339801001001 in a city the database does not know yet."""
    return collection(
        feature("339801001001001", square(30.3, 120.2), name="一号网格", **NEW_REGION_NAMES),
        feature("339801001001002", square(30.3, 120.2 + CELL)),
        feature("339801001001003", square(30.3, 120.2 + 2 * CELL)),
    )


def problems_of(text: str) -> list:
    with pytest.raises(GridImportError) as caught:
        import_grids(text=text)
    return caught.value.problems


# --- A good file -------------------------------------------------------------


def test_it_creates_the_regions_and_grids_of_a_good_file(db):
    result = import_grids(text=new_community_file())

    assert (result.regions_created, result.grids_created, result.grids_updated) == (4, 3, 0)
    community = Region.objects.get(code="339801001001")
    assert (community.name, community.level) == ("新社区", "community")
    assert community.parent.code == "339801001"
    assert community.parent.parent.code == "339801"
    assert community.parent.parent.parent.code == "339800"
    assert community.parent.parent.parent.name == "新市"
    grid = UnitGrid.objects.get(code="339801001001002")
    assert grid.community == community
    assert grid.street.code == "339801001"
    assert grid.district.code == "339801"
    assert grid.centroid_lat == pytest.approx(30.3 + CELL / 2)
    assert grid.centroid_lng == pytest.approx(120.2 + CELL * 1.5)
    assert UnitGrid.objects.get(code="339801001001001").name == "一号网格"


def test_a_second_import_of_the_same_file_updates_instead_of_duplicating(db):
    import_grids(text=new_community_file())

    result = import_grids(text=new_community_file())

    assert (result.regions_created, result.grids_created, result.grids_updated) == (0, 0, 3)
    assert UnitGrid.objects.filter(code__startswith="339801").count() == 3
    assert Region.objects.filter(code__startswith="3398").count() == 4


def test_it_moves_an_existing_grid_to_its_new_boundary_and_keeps_its_inspectors(city, people):
    grid = city.grids[0]

    result = import_grids(text=collection(feature(grid.code, square(30.21, 120.1), name="改过的网格")))

    assert (result.grids_created, result.grids_updated, result.regions_created) == (0, 1, 0)
    grid.refresh_from_db()
    assert grid.name == "改过的网格"
    assert grid.centroid_lat == pytest.approx(30.21 + CELL / 2)
    assert list(grid.inspectors.all()) == [people.inspector]
    assert UnitGrid.objects.count() == len(city.grids)


def test_existing_regions_keep_their_names_unless_the_file_gives_one(city):
    text = collection(
        feature("339901001002001", square(30.25, 120.1), street_name="新名字街道", community_name="第二社区"),
    )

    result = import_grids(text=text)

    assert (result.regions_created, result.regions_renamed) == (1, 1)
    assert Region.objects.get(code="339901001").name == "新名字街道"
    assert Region.objects.get(code="339901").name == "第1区"
    assert Region.objects.get(code="339901001002").parent == city.streets[0]


def test_a_region_named_by_an_earlier_feature_needs_no_name_again(db):
    import_grids(text=new_community_file())  # only the first feature names the regions

    assert Region.objects.filter(code="339801001001", name="新社区").exists()


def test_a_dry_run_reports_the_counts_and_writes_nothing(db):
    result = import_grids(text=new_community_file(), dry_run=True)

    assert (result.dry_run, result.regions_created, result.grids_created) == (True, 4, 3)
    assert not Region.objects.exists()
    assert not UnitGrid.objects.exists()


def test_the_sample_file_in_docs_imports(db):
    result = import_grids(text=SAMPLE_FILE.read_text(encoding="utf-8"))

    assert (result.regions_created, result.grids_created) == (4, 4)
    grid = UnitGrid.objects.get(code="339801001001004")
    assert (grid.name, grid.community.name, grid.district.name) == ("样例社区第4网格", "样例社区", "样例区")
    assert 9_000 < grid.area_m2 < 12_000  # a 0.001° square at 30° N, about 10,000 m²


# --- Problems ----------------------------------------------------------------


def test_it_imports_nothing_when_one_feature_is_invalid(db):
    text = collection(
        feature("339801001001001", square(30.3, 120.2), **NEW_REGION_NAMES),
        feature("339801001001002", BOW_TIE),
        feature("339801001001003", square(30.3, 120.2 + 2 * CELL)),
    )

    [problem] = problems_of(text)

    assert (problem.feature_number, problem.line, problem.code) == (2, 4, "339801001001002")
    assert str(problem).startswith("第 2 个要素（第 4 行，网格 339801001001002）：边界无效：Self-intersection")
    assert not Region.objects.exists()
    assert not UnitGrid.objects.exists()


def test_it_reports_the_line_where_a_multi_line_feature_begins(db):
    text = textwrap.dedent(
        """\
        {
          "type": "FeatureCollection",
          "features": [
            {
              "type": "Feature",
              "properties": {"code": "339801001001001"},
              "geometry": {"type": "Point", "coordinates": [120.2, 30.3]}
            },
            {
              "type": "Feature",
              "properties": {"code": "339801001001002"},
              "geometry": {"type": "Point", "coordinates": [120.2, 30.3]}
            }
          ]
        }
        """
    )

    problems = problems_of(text)

    geometry_problems = [p for p in problems if "Point" in p.reason]
    assert [(p.feature_number, p.line) for p in geometry_problems] == [(1, 4), (2, 9)]


def test_a_features_key_nested_in_another_member_does_not_shift_the_lines(db):
    decoy = json.dumps({"note": {"features": [1, 2, 3]}, "features_count": 1})[1:-1]
    text = (
        '{"type": "FeatureCollection", '
        + decoy
        + ',\n"features": [\n\n'
        + json.dumps(feature("339801001001001", BOW_TIE, **NEW_REGION_NAMES))
        + "]}"
    )

    [problem] = problems_of(text)

    assert (problem.feature_number, problem.line) == (1, 4)


def test_it_reports_where_the_json_is_broken(db):
    text = collection(feature("339801001001001", square(30.3, 120.2), **NEW_REGION_NAMES)).replace(
        '"Feature"', '"Feature" "oops"'
    )

    [problem] = problems_of(text)

    assert problem.line == 3
    assert "第 3 行" in str(problem)


def test_it_refuses_a_document_that_is_not_a_feature_collection(db):
    [problem] = problems_of(json.dumps(feature("339801001001001", square(30.3, 120.2))))

    assert "FeatureCollection" in str(problem)


def test_it_reports_a_code_used_twice_in_the_file(db):
    text = collection(
        feature("339801001001001", square(30.3, 120.2), **NEW_REGION_NAMES),
        feature("339801001001001", square(30.3, 120.2 + CELL)),
    )

    [problem] = problems_of(text)

    assert (problem.feature_number, problem.code) == (2, "339801001001001")
    assert "与第 1 个要素重复" in problem.reason
    assert not UnitGrid.objects.exists()


@pytest.mark.parametrize("code", [None, "33980100100100", "33980100100100x", "339800001001001"])
def test_it_refuses_a_missing_or_ill_formed_code(db, code):
    [problem] = problems_of(collection(feature(code, square(30.3, 120.2), **NEW_REGION_NAMES)))

    assert (problem.feature_number, problem.code) == (1, None)
    assert "网格编码" in problem.reason


def test_it_asks_for_the_name_of_a_new_region(city):
    text = collection(
        feature("339901001002001", square(30.25, 120.1)),
        feature("339901001002002", square(30.25, 120.1 + CELL)),
    )

    [problem] = problems_of(text)  # once, at the first grid of the new community

    assert (problem.feature_number, problem.code) == (1, "339901001002001")
    assert "339901001002" in problem.reason
    assert "community_name" in problem.reason
    assert not Region.objects.filter(code="339901001002").exists()


def test_it_refuses_a_point_geometry(db):
    point = {"type": "Point", "coordinates": [120.2, 30.3]}

    [problem] = problems_of(collection(feature("339801001001001", point, **NEW_REGION_NAMES)))

    assert "Polygon 或 MultiPolygon" in problem.reason
    assert "Point" in problem.reason


def test_it_refuses_coordinates_outside_wgs84(db):
    projected = square(3_350_000, 13_370_000, size=100)  # Web Mercator metres, not degrees

    [problem] = problems_of(collection(feature("339801001001001", projected, **NEW_REGION_NAMES)))

    assert "WGS-84" in problem.reason


def test_it_refuses_an_existing_region_whose_parent_conflicts(city):
    # 339801 should hang under 339800, but the database has it under 339900.
    RegionFactory(code="339801", name="错挂的区", level="district", parent=city.city)
    names = {k: v for k, v in NEW_REGION_NAMES.items() if k != "district_name"}

    [problem] = problems_of(collection(feature("339801001001001", square(30.3, 120.2), **names)))

    assert "339801" in problem.reason
    assert "339900" in problem.reason
    assert not Region.objects.filter(code="339800").exists()


def test_it_refuses_an_existing_region_of_another_level(city):
    RegionFactory(code="339901001002", name="错层级", level="street", parent=city.districts[0])

    [problem] = problems_of(collection(feature("339901001002001", square(30.25, 120.1))))

    assert "339901001002" in problem.reason
    assert "社区/村" in problem.reason


def test_it_collects_every_problem_in_feature_order(db):
    text = collection(
        "not a feature",
        feature("339801001001001", BOW_TIE, **NEW_REGION_NAMES),
        feature("339801001001002", {"type": "Point", "coordinates": [120.2, 30.3]}),
    )

    problems = problems_of(text)

    assert [p.feature_number for p in problems] == [1, 2, 3]
    assert [p.line for p in problems] == [3, 4, 5]


# --- The management command ----------------------------------------------------


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "grids.geojson"
    path.write_text(text, encoding=encoding)
    return str(path)


def run_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_grids", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file_and_says_what_it_did(db, tmp_path):
    output = run_command(write(tmp_path, new_community_file()))

    assert "新建网格 3 个" in output
    assert "新建区划 4 个" in output
    assert UnitGrid.objects.filter(community__code="339801001001").count() == 3


def test_the_command_lists_every_problem_and_imports_nothing(db, tmp_path):
    text = collection(
        feature("339801001001001", square(30.3, 120.2), **NEW_REGION_NAMES),
        feature("339801001001002", BOW_TIE),
        feature("339801001001002", square(30.3, 120.2 + CELL)),
    )

    with pytest.raises(CommandError) as caught:
        run_command(write(tmp_path, text))

    lines = str(caught.value).splitlines()
    assert lines[0] == "发现 2 个问题，未导入任何数据："
    assert lines[1].startswith("第 2 个要素（第 4 行，网格 339801001001002）：边界无效：Self-intersection")
    assert lines[2] == "第 3 个要素（第 5 行，网格 339801001001002）：网格编码与第 2 个要素重复。"
    assert not Region.objects.exists()
    assert not UnitGrid.objects.exists()


def test_the_command_dry_run_writes_nothing(db, tmp_path):
    output = run_command(write(tmp_path, new_community_file()), "--dry-run")

    assert "试运行" in output
    assert "将新建网格 3 个" in output
    assert not UnitGrid.objects.exists()


def test_the_command_reads_a_file_with_a_byte_order_mark(db, tmp_path):
    run_command(write(tmp_path, new_community_file(), encoding="utf-8-sig"))

    assert UnitGrid.objects.count() == 3


def test_the_command_says_when_the_file_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        run_command(str(tmp_path / "missing.geojson"))


def test_the_command_says_when_the_file_is_not_utf8(db, tmp_path):
    with pytest.raises(CommandError, match="UTF-8"):
        run_command(write(tmp_path, new_community_file(), encoding="gbk"))

    assert not UnitGrid.objects.exists()
