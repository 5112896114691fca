"""POST requests: a case from another system, through the case services (channel public)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Attachment, Case, CaseEvent, PublicReport
from tests.cases.conftest import photo
from tests.cases.test_api_support import api
from tests.open311.conftest import CALLER, CALLER_NAME, conforms, error_descriptions, post, where


def written() -> tuple[int, int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count(), PublicReport.objects.count()


def report(web, world, app_client, fmt="json", **fields):
    values = {
        "api_key": app_client.api_key,
        "service_code": "01001",
        "description": "人行道井盖缺失",
        **where(world, 2),
    }
    return post(web, fmt, **(values | fields))


def refused(response, fmt="json", status=400) -> list[str]:
    assert response.status_code == status, response.content
    return error_descriptions(response, fmt)


def test_a_post_creates_a_public_case_that_operators_see_with_the_caller(web, world, app_client):
    response = report(
        web, world, app_client, **CALLER, **{"attribute[urgency]": "urgent"}, address_string="示范路 8 号"
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert (case.source, case.status, case.reporter) == ("public", "reported", None)
    assert (case.category.code, case.urgency, case.grid) == ("01001", "urgent", world.city.grids[2])
    assert (case.caller_name, case.caller_phone, case.address) == (CALLER_NAME, CALLER["phone"], "示范路 8 号")
    public = case.public_report
    assert (public.via, public.client, public.email, public.ip) == ("open311", app_client, CALLER["email"], "10.0.0.1")
    assert list(case.events.values_list("action", flat=True)) == ["report"]
    app_client.refresh_from_db()
    assert timezone.now() - app_client.last_used_at < timedelta(minutes=1)
    assert Case.objects.visible_to(world.operator).filter(pk=case.pk).exists()
    seen = api(world.operator).get(f"/api/v1/cases/{case.number}/").json()
    assert (seen["source"], seen["caller_name"], seen["caller_phone"]) == ("public", CALLER_NAME, CALLER["phone"])


def test_latin_names_keep_their_order(web, world, app_client):
    response = report(web, world, app_client, first_name="Jane", last_name="Doe")
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).caller_name == "Jane Doe"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("key", "says"), [(None, "缺少"), ("", "缺少"), ("not-a-key", "无效"), ("revoked", "吊销"), ("inactive", "吊销")]
)
def test_a_missing_unknown_or_revoked_key_is_403_and_writes_nothing(web, world, app_client, key, says, fmt):
    if key == "revoked":
        app_client.is_active, app_client.revoked_at = False, timezone.now()
        app_client.save()
        key = app_client.api_key
    elif key == "inactive":
        app_client.is_active = False
        app_client.save()
        key = app_client.api_key
    before = written()
    fields = {"service_code": "01001", "description": "井盖缺失", **where(world, 2)}
    if key is not None:
        fields["api_key"] = key
    (description,) = refused(post(web, fmt, **fields), fmt, 403)
    assert description.startswith("api_key: ") and says in description
    assert written() == before


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"service_code": "99999"}, "service_code"),
        ({"service_code": ""}, "service_code"),
        ({"lat": "", "long": ""}, "lat"),
        ({"long": ""}, "long"),
        ({"lat": "0", "long": "0"}, "lat"),  # outside the managed area
        ({"lat": "north", "long": "120.1"}, "lat"),
        ({"lat": "", "long": "", "address_string": "火星大道 1 号"}, "address_string"),
        ({"description": "长" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"attribute[urgency]": "very"}, "attribute[urgency]"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"media_url": "ftp://example.org/a.jpg"}, "media_url"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_is_400_naming_the_parameter_and_writes_nothing(web, world, app_client, fields, named, fmt):
    before = written()
    descriptions = refused(report(web, world, app_client, fmt, **fields), fmt)
    assert any(d.startswith(f"{named}: ") for d in descriptions), descriptions
    assert written() == before


def test_the_address_string_alone_places_the_case_in_the_named_community(web, world, app_client):
    response = report(web, world, app_client, lat="", long="", address_string="第2社区幸福路 8 号门口")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.community == world.city.communities[1]
    assert case.address == "第2社区幸福路 8 号门口"


def test_a_photo_sent_as_media_is_stored_with_the_case(web, world, app_client):
    response = report(web, world, app_client, files={"media": photo("well.png")})
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    (stored,) = case.attachments.all()
    assert (stored.stage, stored.content_type) == ("report", "image/png")
    assert stored.file.size > 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_photo_is_400_naming_media_and_writes_nothing(web, world, app_client, fmt):
    before = written()
    fake = SimpleUploadedFile("well.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    descriptions = refused(report(web, world, app_client, fmt, files={"media": fake}), fmt)
    assert any(d.startswith("media: ") and "well.jpg" in d for d in descriptions), descriptions
    assert written() == before


def test_media_url_is_kept_as_a_link_and_shown_on_the_request(web, world, app_client):
    link = "https://images.example.org/well/123.jpg"
    response = report(web, world, app_client, media_url=link)
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    assert Case.objects.get(number=number).public_report.media_url == link
    (shown,) = conforms(web.get(f"/open311/v2/requests/{number}.json"), "json", "service_requests")
    assert shown["media_url"] == link
