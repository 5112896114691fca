"""An assessor scores a road section on a phone: + per fault, the live score, a photo, saved."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sanitation.models import Inspection
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import photo
from tests.sanitation.test_inspections import san  # noqa: F401  (fixture: templates, assessor, roads)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_assessor_scores_a_road_section_on_a_phone(phone, live_server, san):  # noqa: F811
    sign_in(phone, live_server.url, "assessor")
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/sanitation/inspections/new/?template={san.road_t.pk}")

    phone.get_by_label("路段").fill("LD-001")
    phone.locator("#target-results [data-target-id]").first.click()
    expect(phone.locator("#target-label")).to_have_text("LD-001 LD-001 路")

    uncleaned, litter = san.items[1], san.items[3]
    phone.locator(f'[data-item="{uncleaned.pk}"] [data-step="1"]').tap()
    phone.locator(f'[data-item="{litter.pk}"] [data-step="1"]').tap()
    phone.locator(f'[data-item="{litter.pk}"] [data-step="1"]').tap()
    expect(phone.locator("#live-score")).to_have_text("86")  # 100 − 10 − 2 × 2
    phone.locator(f'[data-item="{litter.pk}"] [data-step="-1"]').tap()
    expect(phone.locator("#live-score")).to_have_text("88")

    picture = photo("road.png")
    phone.locator("#i-photos").set_input_files({"name": "road.png", "mimeType": "image/png", "buffer": picture.read()})
    screenshot(phone, "inspection-phone")
    phone.get_by_role("button", name="保存考评").click()

    expect(phone.locator("#stored-score")).to_have_text("88.0")
    inspection = Inspection.objects.get()
    assert inspection.road == san.road and inspection.inspector == san.assessor
    assert inspection.score == Decimal(88)
    assert {f.item_id: f.count for f in inspection.faults.all()} == {uncleaned.pk: 1, litter.pk: 1}
    assert inspection.photos.count() == 1
    expect(phone.locator("[data-fault]")).to_have_count(2)
