"""A dispatcher works the triage queue in a real browser: filter, select, bulk-dispatch."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def test_a_dispatcher_filters_the_queue_and_bulk_dispatches_two_cases(page, live_server, world):
    p = world
    one, two = case_in("filed", p, grid=1), case_in("filed", p, grid=2)
    elsewhere = case_in("filed", p, grid=5)
    case_in("reported", p, grid=1)

    sign_in(page, live_server.url, "dispatcher")
    page.wait_for_url(f"{live_server.url}/start/dispatcher/")
    page.goto(f"{live_server.url}/work/queue/")
    expect(page.get_by_role("heading", name="派遣工作台")).to_be_visible()
    expect(page.locator('#queue-tabs [data-stage="dispatch"] .tab-count')).to_have_text("3")

    page.select_option("#f-district", "339901")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/work/queue/?*district=339901*")
    page.locator('#queue-tabs [data-stage="dispatch"]').click()
    expect(page.locator("#queue-live tbody tr")).to_have_count(2)
    expect(page.locator(f'tr[data-number="{elsewhere.number}"]')).to_have_count(0)

    dispatch = page.get_by_role("button", name="批量派遣")
    expect(dispatch).to_be_disabled()
    for case in (one, two):
        page.locator(f'tr[data-number="{case.number}"] .case-check').check()
    expect(dispatch).to_be_enabled()
    assert page.evaluate("queueBusy()") is True  # polling waits while rows are selected
    page.select_option("#bulk-department", "hw")
    dispatch.click()

    results = page.locator("#bulk-result .bulk-results")
    expect(results).to_contain_text(one.number)
    expect(results.locator('[data-ok="true"]')).to_have_count(2)
    # The rows refresh after the action: both left the 待派遣 tab.
    expect(page.locator("#queue-live tbody")).to_contain_text("没有符合条件的案件")
    expect(page.locator('#queue-tabs [data-stage="dispatch"] .tab-count')).to_have_text("0")
    screenshot(page, "queue")

    for case in (one, two):
        case.refresh_from_db()
        assert case.status == "dispatched" and case.department.code == "hw"
    assert Case.objects.get(pk=elsewhere.pk).status == "filed"
