def test_the_test_city_locates_a_point_in_its_grid(city):
    from org.selectors import locate_point

    found = locate_point(lat=30.2005, lng=120.1015)
    assert found.grid.code == city.grids[1].code
    assert found.district.code == "339901"
