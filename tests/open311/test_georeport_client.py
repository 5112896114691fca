"""A third-party Open311 client from PyPI (georeport) against a live server."""

import pytest
from georeport.georeport import GeoReport

from cases.models import Category
from tests.cases.conftest import at, case_in

pytestmark = pytest.mark.django_db(transaction=True)

# The live server runs in another thread (without the test's clock): ask for the cases' days explicitly.
NOVEMBER = {"start_date": "2026-11-01T00:00:00+08:00", "end_date": "2026-11-30T00:00:00+08:00"}


@pytest.fixture
def two_cases(world):
    return case_in("closed", world, moment=at("2026-11-18 09:00")), case_in(
        "reported", world, category="01002", moment=at("2026-11-19 09:00")
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_services(live_server, world, fmt):
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == list(
        Category.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
    )
    cover = next(s for s in services if s["service_code"] == "01001")
    assert (cover["service_name"], cover["group"]) == ("供水井盖", "公用设施")
    definition = client.get_service_definition("01001")
    assert definition["service_code"] == "01001"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_requests_and_reads_one(live_server, two_cases, fmt):
    closed, fresh = two_cases
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
    listed = client.get_service_requests(**NOVEMBER)
    assert [r["service_request_id"] for r in listed] == [fresh.number, closed.number]
    assert [r["status"] for r in listed] == ["open", "closed"]
    only_closed = client.get_service_requests(status="closed", **NOVEMBER)
    # xmltodict gives a lone element as a dict, a list otherwise: both mean one request here.
    only_closed = only_closed if isinstance(only_closed, list) else [only_closed]
    assert [r["service_request_id"] for r in only_closed] == [closed.number]
    one = client.get_service_request(closed.number)
    assert one["service_request_id"] == closed.number
    assert (one["status"], one["agency_responsible"], one["service_code"]) == ("closed", "市政", "01001")
    assert one["requested_datetime"] == "2026-11-18T09:00:00+08:00"
