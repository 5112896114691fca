"""Caller data never leaves through Open311 GET; JSON and XML carry the same data."""

import pytest

from tests.cases.conftest import at, case_in
from tests.open311.conftest import CALLER, as_text, conforms, from_xml, get, post, where

NOW = "2026-11-20 10:00"
HOTLINE_CALLER = ("王五", "13812345678")  # what case_in gives a hotline case
INTERNAL_REASON = "城市管理范围"  # in case_in's reject reason, an internal comment


@pytest.fixture
def reported(world, app_client, web, frozen):
    """A hotline case (closed), a rejected one, and one posted through Open311 with a caller."""
    closed = case_in("closed", world, moment=at("2026-11-18 09:00"))
    rejected = case_in("rejected", world, moment=at("2026-11-18 10:00"))
    with frozen(at("2026-11-19 09:00")):
        response = post(
            web,
            api_key=app_client.api_key,
            service_code="01002",
            description=f"井盖下沉，请联系{CALLER['phone']}或身份证 110101199003074512 的住户",
            address_string="示范路 8 号",
            media_url="https://images.example.org/x.jpg",
            **where(world, 2),
            **CALLER,
        )
    assert response.status_code == 201
    return {"closed": closed, "rejected": rejected, "posted": response.json()[0]}


def every_get(web, frozen, reported) -> dict[str, bytes]:
    numbers = [reported["closed"].number, reported["rejected"].number, reported["posted"]["service_request_id"]]
    paths = ["discovery", "services", "services/01001", "requests", f"tokens/{reported['posted']['token']}"]
    paths += [f"requests/{number}" for number in numbers]
    found = {}
    with frozen(at(NOW)):
        for path in paths:
            for fmt in ("json", "xml"):
                response = get(web, path, fmt)
                assert response.status_code == 200, (path, fmt)
                found[f"{path}.{fmt}"] = response.content
        found["requests-by-id.json"] = get(web, "requests", "json", service_request_id=",".join(numbers)).content
        found["requests-by-id.xml"] = get(web, "requests", "xml", service_request_id=",".join(numbers)).content
    return found


def test_no_caller_data_and_no_internal_comment_in_any_get_output(web, frozen, reported):
    secrets = [*HOTLINE_CALLER, CALLER["phone"], CALLER["email"], CALLER["first_name"], CALLER["last_name"]]
    secrets += ["110101199003074512", "example.cn", INTERNAL_REASON]
    outputs = every_get(web, frozen, reported)
    assert len(outputs) == 18
    for name, content in outputs.items():
        text = content.decode("utf-8")
        for secret in secrets:
            assert secret not in text, (name, secret)


def test_numbers_in_a_description_are_masked_but_the_rest_is_kept(web, frozen, reported):
    with frozen(at(NOW)):
        (shown,) = get(web, f"requests/{reported['posted']['service_request_id']}", "json").json()
    assert shown["description"] == "井盖下沉，请联系139****5678或身份证 110***********4512 的住户"
    assert shown["media_url"] == "https://images.example.org/x.jpg"
    assert shown["address"] == "示范路 8 号"


@pytest.mark.parametrize(
    "path",
    ["discovery", "services", "services/01001", "requests", "requests/{closed}", "requests/{posted}", "tokens/{token}"],
)
def test_json_and_xml_carry_the_same_data(web, frozen, reported, path):
    path = path.format(
        closed=reported["closed"].number,
        posted=reported["posted"]["service_request_id"],
        token=reported["posted"]["token"],
    )
    with frozen(at(NOW)):
        as_json = get(web, path, "json").json()
        as_xml = from_xml(get(web, path, "xml").content)
    assert as_text(as_json) == as_xml
    assert as_xml  # not two empty answers


def test_errors_carry_the_same_data_in_both_formats(web, db):
    as_json = get(web, "requests", "json", status="x", page="0").json()
    as_xml = from_xml(get(web, "requests", "xml", status="x", page="0").content)
    assert len(as_json) == 2
    assert as_text(as_json) == as_xml


def test_the_list_passes_the_schema_with_every_kind_of_case(web, frozen, reported):
    for fmt in ("json", "xml"):
        with frozen(at(NOW)):
            listed = conforms(get(web, "requests", fmt), fmt, "service_requests")
        assert {r["status"] for r in listed} == {"open", "closed"}
        assert len(listed) == 3
