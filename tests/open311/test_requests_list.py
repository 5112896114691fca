"""GET requests: the filters of GeoReport v2, the 90-day window, paging, bad parameters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import at, case_in
from tests.open311.conftest import conforms, error_descriptions, get

NOW = "2026-11-20 10:00"


@pytest.fixture
def spread(world):
    """Four cases: old (outside the default window), b (open, 01002), a (closed), d (rejected, newest)."""
    return {
        "old": case_in("reported", world, moment=at("2026-07-01 09:00")),
        "b": case_in("reported", world, category="01002", moment=at("2026-11-10 09:00")),
        "a": case_in("closed", world, moment=at("2026-11-18 09:00")),
        "d": case_in("rejected", world, moment=at("2026-11-19 09:00")),
    }


def ids(web, frozen, fmt="json", **params) -> list[str]:
    with frozen(at(NOW)):
        response = get(web, "requests", fmt, **params)
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in conforms(response, fmt, "service_requests")]


def numbers(spread, *names) -> list[str]:
    return [spread[name].number for name in names]


def refused(web, frozen, fmt="json", **params) -> list[str]:
    with frozen(at(NOW)):
        response = get(web, "requests", fmt, **params)
    assert response.status_code == 400
    return error_descriptions(response, fmt)


def test_the_default_window_is_the_last_90_days_newest_first(web, frozen, spread):
    assert ids(web, frozen) == numbers(spread, "d", "a", "b")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "2026-06-15T00:00:00+08:00", "end_date": "2026-07-15T00:00:00Z"}, ["old"]),
        ({"start_date": "2026-11-18", "end_date": "2026-11-18"}, ["a"]),  # whole local days
        ({"start_date": "2026-11-18T01:00:00Z", "end_date": "2026-11-18T01:00:00Z"}, ["a"]),  # 09:00 +08:00
        ({"start_date": "2026-11-18T01:00:01Z", "end_date": "2026-11-19T00:00:00+08:00"}, []),
        ({"start_date": "2026-06-01T00:00:00+08:00"}, ["old"]),  # 90 days from the start
        ({"end_date": "2026-11-12T00:00:00+08:00"}, ["b"]),  # 90 days up to the end
        ({"start_date": "2026-11-10T09:00:00"}, ["d", "a", "b"]),  # no offset: local time
    ],
)
def test_start_and_end_date_select_by_requested_datetime(web, frozen, spread, params, expected):
    assert ids(web, frozen, **params) == numbers(spread, *expected)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("open", ["b"]), ("closed", ["d", "a"]), ("open,closed", ["d", "a", "b"]), (" closed , open ", ["d", "a", "b"])],
)
def test_status_filters_open_and_closed(web, frozen, spread, status, expected):
    assert ids(web, frozen, status=status) == numbers(spread, *expected)


def test_service_code_takes_a_comma_list(web, frozen, spread):
    assert ids(web, frozen, service_code="01002") == numbers(spread, "b")
    assert ids(web, frozen, service_code="01001,01002") == numbers(spread, "d", "a", "b")
    assert ids(web, frozen, service_code="01001", status="open") == []


def test_service_request_id_overrides_every_other_filter(web, frozen, spread):
    wanted = f"{spread['old'].number},{spread['a'].number},2099010100009"
    found = ids(web, frozen, service_request_id=wanted, status="open", service_code="01002")
    assert found == numbers(spread, "a", "old")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_page_and_page_size_walk_through_the_list(web, frozen, spread, fmt):
    assert ids(web, frozen, fmt, page_size="2") == numbers(spread, "d", "a")
    assert ids(web, frozen, fmt, page_size="2", page="2") == numbers(spread, "b")
    assert ids(web, frozen, fmt, page_size="2", page="3") == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start_date": "2026/11/01"}, "start_date"),
        ({"end_date": "yesterday"}, "end_date"),
        ({"start_date": "2026-11-01T10:00+0800"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"}, "start_date"),
        ({"start_date": "2026-11-10T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "01001,77777"}, "service_code"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_parameters_are_400_naming_the_parameter(web, frozen, spread, params, named, fmt):
    descriptions = refused(web, frozen, fmt, **params)
    assert len(descriptions) == 1, descriptions
    assert descriptions[0].startswith(f"{named}: "), descriptions


def test_every_bad_parameter_is_reported_at_once(web, frozen, spread):
    descriptions = refused(web, frozen, status="x", page_size="0", start_date="nope")
    assert sorted(d.split(":")[0] for d in descriptions) == ["page_size", "start_date", "status"]


def test_a_span_of_exactly_90_days_is_allowed(web, frozen, spread):
    assert ids(web, frozen, start_date="2026-08-22T10:00:00+08:00", end_date="2026-11-20T10:00:00+08:00") == numbers(
        spread, "d", "a", "b"
    )


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_length(web, world, frozen):
    case_in("closed", world, moment=at("2026-11-18 09:00"))
    with frozen(at(NOW)), CaptureQueriesContext(connection) as one:
        assert len(get(web, "requests").json()) == 1
    for hour in ("10:00", "11:00", "13:00"):
        case_in("closed", world, moment=at(f"2026-11-18 {hour}"))
    case_in("reported", world, source="public", moment=at("2026-11-19 09:00"))
    with frozen(at(NOW)), CaptureQueriesContext(connection) as five:
        assert len(get(web, "requests").json()) == 5
    assert len(five.captured_queries) == len(one.captured_queries) <= 3
