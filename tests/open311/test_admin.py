"""The admin of Open311 clients: keys shown read-only, revocation with its time."""

import pytest
from django.test import Client

from cases.models import Open311Client
from tests.open311.conftest import post, where


@pytest.fixture
def admin_web(people):
    web = Client()
    web.force_login(people.admin)
    return web


URL = "/admin/cases/open311client/"


def test_the_list_shows_clients_with_their_report_count(admin_web, world, app_client, web):
    for _ in range(2):
        response = post(
            web, api_key=app_client.api_key, service_code="01001", description="井盖缺失", **where(world, 2)
        )
        assert response.status_code == 201
    Open311Client.objects.create(name="区网格化平台")
    page = admin_web.get(URL).content.decode()
    assert "市民随手拍 App" in page and "区网格化平台" in page
    assert '<td class="field-report_count">2</td>' in page
    assert '<td class="field-report_count">0</td>' in page


def test_adding_a_client_generates_a_key_shown_read_only(admin_web, db):
    response = admin_web.post(f"{URL}add/", {"name": "12345 热线平台", "contact": "张工"})
    assert response.status_code == 302
    client = Open311Client.objects.get(name="12345 热线平台")
    assert len(client.api_key) >= 32 and client.is_active
    page = admin_web.get(f"{URL}{client.pk}/change/").content.decode()
    assert client.api_key in page
    assert 'name="api_key"' not in page  # shown, not editable


def test_the_revoke_action_revokes_and_the_key_is_refused(admin_web, world, app_client, web):
    response = admin_web.post(URL, {"action": "revoke", "_selected_action": [app_client.pk]}, follow=True)
    assert response.status_code == 200
    app_client.refresh_from_db()
    assert not app_client.is_active and app_client.revoked_at is not None
    assert "吊销" in response.content.decode()
    refused = post(web, api_key=app_client.api_key, service_code="01001", description="井盖缺失", **where(world, 2))
    assert refused.status_code == 403
    page = admin_web.get(f"{URL}{app_client.pk}/change/").content.decode()
    assert 'name="is_active"' not in page  # a revoked key stays revoked


def test_unticking_active_counts_as_revoking(admin_web, app_client):
    response = admin_web.post(f"{URL}{app_client.pk}/change/", {"name": app_client.name, "contact": ""})
    assert response.status_code == 302
    app_client.refresh_from_db()
    assert not app_client.is_active and app_client.revoked_at is not None
