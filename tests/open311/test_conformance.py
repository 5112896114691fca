"""Every Open311 endpoint, in JSON and XML, against schemas written from the GeoReport v2 spec."""

import pytest

from cases.models import Case, Category
from tests.cases.conftest import at, case_in, grid_point
from tests.open311.conftest import conforms, error_descriptions, get, post, where

FORMATS = ["json", "xml"]
LATER = "2026-11-20 10:00"


@pytest.fixture
def closed_case(world):
    return case_in("closed", world, source="hotline")


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_its_formats(web, fmt):
    response = get(web, "discovery", fmt)
    assert response.status_code == 200
    data = conforms(response, fmt, "discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert sorted(endpoint["formats"]) == ["application/json", "text/xml"]
    assert data["changeset"].endswith("+08:00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_lists_each_active_category_with_its_major_class_as_group(web, world, fmt):
    Category.objects.filter(code="01002").update(is_active=False)
    response = get(web, "services", fmt)
    assert response.status_code == 200
    services = conforms(response, fmt, "services")
    codes = [s["service_code"] for s in services]
    assert codes == list(Category.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    assert "01002" not in codes
    cover = next(s for s in services if s["service_code"] == "01001")
    assert cover["service_name"] == "供水井盖"
    assert cover["group"] == "公用设施"
    assert cover["type"] == "realtime"
    assert cover["metadata"] in (True, "true")
    assert "公用设施" in cover["keywords"] and "部件" in cover["keywords"] and "01001" in cover["keywords"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_named_in_english_when_the_client_asks_for_english(web, world, fmt):
    services = conforms(get(web, "services", fmt, language="en"), fmt, "services")
    cover = next(s for s in services if s["service_code"] == "01001")
    assert (cover["service_name"], cover["group"]) == ("Water-supply manhole cover", "Public utilities")


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_offers_the_urgency_attribute(web, world, fmt):
    response = get(web, "services/01001", fmt)
    assert response.status_code == 200
    definition = conforms(response, fmt, "service_definition")
    assert definition["service_code"] == "01001"
    (urgency,) = definition["attributes"]
    assert urgency["code"] == "urgency"
    assert urgency["datatype"] == "singlevaluelist"
    assert str(urgency["required"]).lower() == "false"
    assert str(urgency["order"]) == "1"
    assert [(v["key"], v["name"]) for v in urgency["values"]] == [("normal", "一般"), ("urgent", "紧急")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_of_an_unknown_or_inactive_code_is_404(web, world, fmt):
    Category.objects.filter(code="01002").update(is_active=False)
    for code in ("99999", "01002"):
        response = get(web, f"services/{code}", fmt)
        assert response.status_code == 404
        assert any(code in text for text in error_descriptions(response, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_list_maps_a_case_to_the_spec_fields(web, world, frozen, closed_case, fmt):
    with frozen(at(LATER)):
        response = get(web, "requests", fmt)
    assert response.status_code == 200
    (request,) = conforms(response, fmt, "service_requests")
    closed_case.refresh_from_db()
    assert request["service_request_id"] == closed_case.number
    assert request["status"] == "closed"
    assert request["status_notes"] == "问题已处理完毕，案件已结案"
    assert (request["service_code"], request["service_name"]) == ("01001", "供水井盖")
    assert request["agency_responsible"] == "市政"
    assert request["requested_datetime"] == "2026-11-18T09:00:00+08:00"
    assert request["expected_datetime"] == closed_case.deadline.astimezone(at(LATER).tzinfo).isoformat()
    assert request["expected_datetime"].endswith("+08:00")
    assert "." not in request["updated_datetime"]
    assert float(request["lat"]) == closed_case.lat
    assert float(request["long"]) == closed_case.lng
    assert request["address_id"] == "" and request["zipcode"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_fresh_case_is_open_without_agency_or_expected_time(web, world, frozen, fmt):
    case = case_in("reported", world, source="public")
    with frozen(at(LATER)):
        (request,) = conforms(get(web, f"requests/{case.number}", fmt), fmt, "service_requests")
    assert request["status"] == "open"
    assert request["status_notes"] == "已收到您反映的问题"
    assert request["agency_responsible"] == ""
    assert request["expected_datetime"] in (None, "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_single_request_is_a_list_of_one_and_an_unknown_id_is_404(web, world, closed_case, fmt):
    (request,) = conforms(get(web, f"requests/{closed_case.number}", fmt), fmt, "service_requests")
    assert request["service_request_id"] == closed_case.number
    response = get(web, "requests/2099010100001", fmt)
    assert response.status_code == 404
    assert any("2099010100001" in text for text in error_descriptions(response, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_answers_201_with_id_token_and_notice(web, world, app_client, fmt):
    response = post(
        web, fmt, api_key=app_client.api_key, service_code="01001", description="井盖缺失", **where(world, 2)
    )
    assert response.status_code == 201, response.content
    (created,) = conforms(response, fmt, "post_response")
    case = Case.objects.get(number=created["service_request_id"])
    assert created["token"] == case.public_report.token
    assert created["service_notice"]
    assert created["account_id"] in (None, "")


def test_post_keeps_the_lat_and_long_parameter_names(web, world, app_client):
    point = grid_point(world.city, 2)
    response = post(
        web,
        api_key=app_client.api_key,
        service_code="01001",
        description="井盖缺失",
        lat=point["lat"],
        long=point["lng"],
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert (case.lat, case.lng, case.grid) == (point["lat"], point["lng"], world.city.grids[2])


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_lead_to_the_request_id(web, world, app_client, fmt):
    created = post(web, api_key=app_client.api_key, service_code="01001", description="井盖缺失", **where(world, 2))
    created = created.json()[0]
    (found,) = conforms(get(web, f"tokens/{created['token']}", fmt), fmt, "tokens")
    assert found == {"service_request_id": created["service_request_id"], "token": created["token"]}
    response = get(web, "tokens/no-such-token", fmt)
    assert response.status_code == 404
    assert error_descriptions(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_405_in_the_error_format(web, db, fmt):
    response = web.post(f"/open311/v2/services.{fmt}")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert any("POST" in text for text in error_descriptions(response, fmt))
    response = web.delete(f"/open311/v2/requests.{fmt}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_a_path_without_format_or_unknown_is_404_in_json_or_the_suffix_format(web, db):
    for path, fmt in [("services", "json"), ("requests", "json"), ("nothing.xml", "xml"), ("nothing.json", "json")]:
        response = web.get(f"/open311/v2/{path}")
        assert response.status_code == 404, path
        assert error_descriptions(response, fmt)


def test_jurisdiction_id_is_accepted_and_ignored(web, world):
    plain = get(web, "services", "json")
    with_jurisdiction = get(web, "services", "json", jurisdiction_id="anything.example")
    assert with_jurisdiction.status_code == 200
    assert with_jurisdiction.content == plain.content
