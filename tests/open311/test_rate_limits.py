"""POST is limited per API key and per client address; over the limit: 429 with Retry-After."""

import pytest

from cases.models import Case, Open311Client
from tests.open311.conftest import error_descriptions, post, where

# A day's window: a test never straddles its end (django-ratelimit counts in fixed windows).
TWO_A_DAY = "2/d"


def send(web, world, key, fmt="json", ip="10.0.0.1"):
    return post(web, fmt, ip=ip, api_key=key, service_code="01001", description="井盖缺失", **where(world, 2))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_over_its_rate_gets_429_from_any_address(web, world, app_client, settings, fmt):
    settings.OPEN311_RATE_PER_KEY, settings.OPEN311_RATE_PER_IP = TWO_A_DAY, "100/d"
    assert [send(web, world, app_client.api_key, fmt, ip=f"10.0.1.{i}").status_code for i in range(2)] == [201, 201]
    before = Case.objects.count()
    response = send(web, world, app_client.api_key, fmt, ip="10.0.1.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    (description,) = error_descriptions(response, fmt)
    assert "API" in description and TWO_A_DAY in description
    assert Case.objects.count() == before
    other = Open311Client.objects.create(name="另一个系统")
    assert send(web, world, other.api_key, fmt, ip="10.0.1.9").status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_address_over_its_rate_gets_429_whatever_the_key(web, world, app_client, settings, fmt):
    settings.OPEN311_RATE_PER_KEY, settings.OPEN311_RATE_PER_IP = "100/d", TWO_A_DAY
    other = Open311Client.objects.create(name="另一个系统")
    assert send(web, world, app_client.api_key, fmt).status_code == 201
    assert send(web, world, other.api_key, fmt).status_code == 201
    before = Case.objects.count()
    response = send(web, world, other.api_key, fmt)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    (description,) = error_descriptions(response, fmt)
    assert TWO_A_DAY in description
    assert Case.objects.count() == before
    assert send(web, world, other.api_key, fmt, ip="10.0.0.2").status_code == 201


def test_guessing_keys_counts_against_the_address(web, world, settings):
    settings.OPEN311_RATE_PER_IP = TWO_A_DAY
    codes = [send(web, world, f"guess-{i}").status_code for i in range(3)]
    assert codes == [403, 403, 429]


def test_get_is_not_rate_limited_by_the_post_limits(web, world, settings):
    settings.OPEN311_RATE_PER_IP = "1/d"
    assert [web.get("/open311/v2/services.json").status_code for _ in range(3)] == [200, 200, 200]


def send_via_proxy(web, world, key, forwarded: str):
    """As nginx in front of the app sends it: from 127.0.0.1 with X-Forwarded-For."""
    body = {"api_key": key, "service_code": "01001", "description": "井盖缺失", **where(world, 2)}
    return web.post("/open311/v2/requests.json", body, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_each_client_has_its_own_count(web, world, app_client, settings):
    settings.LOGIN_TRUSTED_PROXIES = 1
    settings.OPEN311_RATE_PER_KEY, settings.OPEN311_RATE_PER_IP = "100/d", "1/d"
    # The proxy appends the address it saw; what the client wrote further left is not believed.
    assert send_via_proxy(web, world, app_client.api_key, "203.0.113.5").status_code == 201
    assert send_via_proxy(web, world, app_client.api_key, "203.0.113.6").status_code == 201
    assert send_via_proxy(web, world, app_client.api_key, "9.9.9.9, 203.0.113.5").status_code == 429
    stored = Case.objects.order_by("id").values_list("public_report__ip", flat=True)
    assert list(stored) == ["203.0.113.5", "203.0.113.6"]


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(web, world, app_client, settings):
    settings.LOGIN_TRUSTED_PROXIES = 0
    settings.OPEN311_RATE_PER_KEY, settings.OPEN311_RATE_PER_IP = "100/d", "1/d"
    assert send_via_proxy(web, world, app_client.api_key, "203.0.113.5").status_code == 201
    # A new forged address per request would otherwise escape the limit.
    assert send_via_proxy(web, world, app_client.api_key, "203.0.113.7").status_code == 429
