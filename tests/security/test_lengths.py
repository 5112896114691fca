"""Every text field is length-limited: an over-long value is answered with 400 and a
message naming the field, never a 500 and never silently cut (nothing is stored)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseEvent
from patrols.models import EnforcementNotice, Route
from sanitation.models import FrontageCheck, RoadSection

pytestmark = pytest.mark.django_db

LONG = "长" * 5000  # past every text field's limit (the longest, a description, is 4000)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused_with_a_message(response, *words) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.content.decode()
    # The services' own words (最多 …) or Django's max_length message (… 不超过 … 个字符).
    assert any(word in body for word in ("最多", "不超过", "不能超过", "at most")), body[:500]
    for word in words:
        assert word in body


def intake(scene, **extra) -> dict:
    grid = scene.city.grids[1]
    data = {
        "source": "hotline",
        "category": "01001",
        "description": "井盖破损",
        "lat": grid.centroid_lat,
        "lng": grid.centroid_lng,
        "hotline_ticket_no": "T-LEN",
        "hotline_type": "complaint",
        "caller_name": "王五",
        "caller_phone": "13812345678",
    }
    return data | extra


@pytest.mark.parametrize("field", ["description", "address", "caller_name", "hotline_ticket_no"])
def test_the_api_intake_refuses_an_over_long_field(scene, field):
    before = Case.objects.count()
    client = signed_in(scene.operator)
    response = client.post(
        reverse("api:case-list"), json.dumps(intake(scene, **{field: LONG})), content_type="application/json"
    )
    refused_with_a_message(response, field)
    assert Case.objects.count() == before


@pytest.mark.parametrize("field", ["description", "address", "caller_name"])
def test_the_intake_page_refuses_an_over_long_field(scene, field):
    before = Case.objects.count()
    response = signed_in(scene.operator).post(reverse("work:intake"), intake(scene, **{field: LONG}))
    refused_with_a_message(response)
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("action", "field", "holder"),
    [
        ("reject", "reason", "operator"),
        ("supervise", "note", "dispatcher"),
        ("request-return", "reason", "handler_a"),
        ("request-suspend", "reason", "handler_a"),
        ("contact-caller", "note", "handler_a"),
        ("feedback", "result", "handler_a"),
    ],
)
def test_an_action_refuses_an_over_long_comment_in_the_api_and_the_page(scene, action, field, holder):
    case = scene.case if action != "reject" else _reported(scene)
    events = CaseEvent.objects.filter(case=case).count()
    client = signed_in(getattr(scene, holder))
    api = client.post(
        reverse(f"api:case-{action}", kwargs={"number": case.number}),
        json.dumps({field: LONG}),
        content_type="application/json",
    )
    refused_with_a_message(api)
    page = client.post(reverse("work:case_action", kwargs={"number": case.number, "action": action}), {field: LONG})
    refused_with_a_message(page)
    assert CaseEvent.objects.filter(case=case).count() == events


def _reported(scene):
    from cases.models import Status
    from tests.cases.conftest import case_in

    return case_in(Status.REPORTED, scene)


def test_a_callback_refuses_an_over_long_comment(scene):
    from cases.models import Status
    from tests.cases.conftest import case_in

    closed = case_in(Status.CLOSED, scene, grid=2)
    client = signed_in(scene.operator)
    response = client.post(
        reverse("api:case-callback", kwargs={"number": closed.number}),
        json.dumps({"satisfaction": "satisfied", "resolved": True, "comment": LONG}),
        content_type="application/json",
    )
    refused_with_a_message(response)
    assert Case.objects.get(pk=closed.pk).satisfaction in ("", None)


def test_the_public_page_refuses_an_over_long_description(scene):
    from cases.web.public import issue_stamp

    grid = scene.city.grids[1]
    data = {
        "category": "01001",
        "description": LONG,
        "lat": grid.centroid_lat,
        "lng": grid.centroid_lng,
        "stamp": issue_stamp(at=0),
    }
    before = Case.objects.count()
    response = Client().post(reverse("public:report"), data, REMOTE_ADDR="10.8.0.1")
    refused_with_a_message(response)
    assert Case.objects.count() == before


def test_open311_refuses_an_over_long_description(scene):
    from cases.models import Open311Client

    key = Open311Client.objects.create(name="测试客户端").api_key
    grid = scene.city.grids[1]
    data = {
        "api_key": key,
        "service_code": "01001",
        "lat": grid.centroid_lat,
        "long": grid.centroid_lng,
        "description": LONG,
    }
    before = Case.objects.count()
    response = Client().post(reverse("open311:requests", kwargs={"fmt": "json"}), data, REMOTE_ADDR="10.8.0.2")
    assert response.status_code == 400, response.content[:300]
    assert "description" in response.content.decode()
    assert Case.objects.count() == before


def test_a_patrol_report_refuses_an_over_long_description(scene):
    from tests.cases.conftest import photo

    grid = scene.city.grids[1]
    client = signed_in(scene.inspector)
    data = {
        "category": "01001",
        "description": LONG,
        "lat": f"{grid.centroid_lat:.6f}",
        "lng": f"{grid.centroid_lng:.6f}",
        "client_id": "len-1",
        "photos": photo(),
    }
    before = Case.objects.count()
    response = client.post(reverse("patrols:report", kwargs={"pk": scene.patrol.pk}), data)
    refused_with_a_message(response)
    assert Case.objects.count() == before


@pytest.mark.parametrize("field", ["description", "name", "address"])
def test_a_notice_refuses_an_over_long_field(scene, field):
    data = {"name": "小吃摊", "address": "人民路 9 号", "category": "01001", "description": "占道"} | {field: LONG}
    before = EnforcementNotice.objects.count()
    response = signed_in(scene.inspector).post(reverse("patrols:notice_new"), data)
    refused_with_a_message(response)
    assert EnforcementNotice.objects.count() == before


def test_a_route_refuses_an_over_long_name(scene):
    grids = ",".join(g.code for g in scene.city.grids[:2])
    data = {"code": "R-LONG", "name": LONG, "district": scene.city.districts[0].pk, "grids": grids}
    response = signed_in(scene.dispatcher).post(reverse("patrols:route_new"), data)
    refused_with_a_message(response)
    assert not Route.objects.filter(code="R-LONG").exists()


def test_a_ledger_row_refuses_an_over_long_name(scene):
    data = {
        "code": "R-LONG",
        "name": LONG,
        "grade": "main",
        "control_level": "strict",
        "length_m": "300",
        "area_m2": "2400",
        "cleaning_company": LONG,
        "district": scene.city.districts[0].code,
        "street": scene.city.streets[0].code,
    }
    url = reverse("sanitation:ledger_create", kwargs={"ledger": "roads"})
    response = signed_in(scene.assessor).post(url, data)
    refused_with_a_message(response)
    assert not RoadSection.objects.filter(code="R-LONG").exists()


def test_a_frontage_check_refuses_an_over_long_note(scene):
    url = reverse("sanitation:ledger_check_add", kwargs={"pk": scene.letter.pk})
    data = {"checked_on": "2026-11-18", "compliant": "on", "note": LONG}
    response = signed_in(scene.assessor).post(url, data)
    refused_with_a_message(response)
    assert not FrontageCheck.objects.exists()
