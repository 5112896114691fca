"""A dispatcher works a case from its page in a real browser."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseEvent, Status
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_case(page, base_url: str, case: Case) -> None:
    page.goto(f"{base_url}/work/cases/{case.number}/")
    expect(page.locator("#case-title")).to_contain_text(case.number)


def test_a_dispatcher_dispatches_a_filed_case_from_its_page(page, live_server, world, media_root):
    case = case_in(Status.FILED, world)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "dispatcher")
    page.wait_for_url(f"{live_server.url}/start/dispatcher/")
    open_case(page, live_server.url, case)
    expect(page.locator("#case-status")).to_have_text("已立案")
    # The map draws the grid and the point without any tiles.
    expect(page.locator("#case-map[data-ready=true] path.leaflet-interactive")).to_have_count(2)
    panel = page.locator("#act-dispatch-panel")
    expect(panel).to_be_visible()  # the primary action is open
    panel.get_by_label("部门编码；留空则按默认派遣规则").select_option("hw")
    panel.get_by_label("派遣意见").fill("请环卫处理")
    panel.get_by_role("button", name="派遣").click()
    page.wait_for_url(f"{live_server.url}/work/cases/{case.number}/")
    expect(page.locator("#case-status")).to_have_text("已派遣")
    expect(page.get_by_role("alert")).to_contain_text("派遣：案件")
    entry = page.locator('#case-timeline .timeline-entry[data-action="dispatch"]')
    expect(entry).to_contain_text("已立案 → 已派遣")
    expect(entry).to_contain_text("请环卫处理")
    expect(page.locator("#case-department")).to_have_text("环卫")
    screenshot(page, "case-page")
    assert errors == []
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.department.code == "hw"


def test_two_dispatchers_at_once_the_second_is_told_and_one_dispatch_stands(browser, live_server, world, media_root):
    case = case_in(Status.FILED, world)
    contexts = [browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}) for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        for page in (first, second):
            page.set_default_timeout(15_000)
            sign_in(page, live_server.url, "dispatcher")
            page.wait_for_url(f"{live_server.url}/start/dispatcher/")
            open_case(page, live_server.url, case)
        first.locator("#act-dispatch-panel").get_by_label("部门编码；留空则按默认派遣规则").select_option("sz")
        first.locator("#act-dispatch-panel").get_by_role("button", name="派遣").click()
        expect(first.locator("#case-status")).to_have_text("已派遣")
        # The second page still shows the case as filed with its dispatch form.
        second.locator("#act-dispatch-panel").get_by_label("部门编码；留空则按默认派遣规则").select_option("hw")
        second.locator("#act-dispatch-panel").get_by_role("button", name="派遣").click()
        expect(second.get_by_role("alert")).to_contain_text(f"案件 {case.number} 当前为“已派遣”，不能派遣。")
        expect(second.locator("#case-status")).to_have_text("已派遣")
        expect(second.locator('[data-action="dispatch"].action-form')).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.department.code == "sz"
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1
