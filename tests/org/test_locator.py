"""Point-in-polygon location of a WGS-84 point."""

import pytest

from org.models import UnitGrid
from org.selectors import OutsideManagedArea, locate_point
from tests.factories import CELL


def test_it_finds_the_grid_community_street_and_district(city):
    found = locate_point(lat=30.2 + CELL / 2, lng=120.1 + 5.5 * CELL)
    assert found.grid == city.grids[5]
    assert found.community == city.communities[1]
    assert found.street == city.streets[1]
    assert found.district == city.districts[1]


def test_a_point_outside_every_grid_is_answered_clearly(city):
    with pytest.raises(OutsideManagedArea) as refused:
        locate_point(lat=31.0, lng=121.0)
    assert "不在本平台管理的网格范围内" in str(refused.value)


def test_a_point_inside_the_bounding_box_but_outside_the_polygon_is_outside(city):
    # A triangular grid: its bounding box covers the whole cell, the polygon only half.
    grid = city.grids[0]
    lat, lng = 30.3, 120.3
    grid.geometry = {
        "type": "Polygon",
        "coordinates": [[[lng, lat], [lng + CELL, lat], [lng, lat + CELL], [lng, lat]]],
    }
    grid.save()
    assert locate_point(lat=lat + CELL * 0.2, lng=lng + CELL * 0.2).grid == grid
    with pytest.raises(OutsideManagedArea):
        locate_point(lat=lat + CELL * 0.9, lng=lng + CELL * 0.9)


def test_a_point_on_a_shared_edge_goes_to_the_grid_with_the_lower_code(city):
    found = locate_point(lat=30.2 + CELL / 2, lng=120.1 + CELL)
    assert found.grid == city.grids[0]


@pytest.mark.parametrize(("lat", "lng"), [(91, 120), (30, 181), (-91, -181)])
def test_impossible_coordinates_are_outside_not_an_error(city, lat, lng):
    with pytest.raises(OutsideManagedArea):
        locate_point(lat=lat, lng=lng)


def test_saving_a_grid_derives_centroid_bbox_street_and_district(city):
    grid = UnitGrid.objects.get(code=city.grids[2].code)
    assert grid.street == city.streets[0]
    assert grid.district == city.districts[0]
    assert grid.centroid_lat == pytest.approx(30.2 + CELL / 2)
    assert grid.min_lng == pytest.approx(120.1 + 2 * CELL)
    assert 9_000 < grid.area_m2 < 11_500
