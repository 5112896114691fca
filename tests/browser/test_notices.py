"""An inspector issues 三色单 on the phone: blue for a new shop, yellow the second time, then prints."""

import pytest
from playwright.sync_api import expect

from patrols.models import EnforcementNotice, EnforcementSubject
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_issues_a_blue_then_a_yellow_notice_and_prints_it(phone, live_server, world):
    sign_in(phone, live_server.url, "inspector")
    phone.wait_for_url(f"{live_server.url}/start/inspector/")

    # First notice, for a shop not yet on record.
    phone.goto(f"{live_server.url}/patrols/notices/new/")
    phone.get_by_label("名称（店名或摊主）").fill("老王水果店")
    phone.get_by_label("地址", exact=True).fill("人民路 12 号")
    phone.get_by_label("违规类别").select_option(label="占道经营")
    expect(phone.locator("#notice-level")).to_contain_text("第 1 次（90 天内）：蓝色 温馨提示单")
    phone.get_by_label("违规情况描述").fill("水果摊摆到人行道上")
    phone.get_by_role("button", name="开具").click()
    expect(phone.locator("#notice-title")).to_contain_text("蓝色")

    # Second notice: the shop is found by search and the form says yellow before saving.
    phone.goto(f"{live_server.url}/patrols/notices/new/")
    phone.get_by_label("查找已有对象（执照号、名称或地址）").fill("老王")
    phone.locator("#subject-matches").get_by_role("button", name="老王水果店").click()
    expect(phone.locator("#subject-chosen")).to_contain_text("人民路 12 号")
    phone.get_by_label("违规类别").select_option(label="占道经营")
    expect(phone.locator("#notice-level")).to_contain_text("第 2 次（90 天内）：黄色 提醒警告单")
    expect(phone.locator("#escalation")).to_be_hidden()
    phone.get_by_label("违规情况描述").fill("再次占道，已口头劝离")
    phone.get_by_role("button", name="开具").click()
    expect(phone.locator("#notice-title")).to_contain_text("黄色")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"

    phone.get_by_role("link", name="打印").click()
    expect(phone.locator("#notice-band")).to_contain_text("黄色 提醒警告单")
    yellow = EnforcementNotice.objects.get(colour="yellow")
    expect(phone.locator("#print-number")).to_have_text(yellow.number)
    expect(phone.locator("#print-subject")).to_have_text("老王水果店")
    phone.emulate_media(media="print")
    expect(phone.locator("nav.navbar")).to_be_hidden()
    screenshot(phone, "notice-print")

    assert EnforcementSubject.objects.count() == 1
    notices = list(EnforcementNotice.objects.order_by("issued_at", "pk"))
    assert [(n.colour, n.sequence, n.issued_by) for n in notices] == [
        ("blue", 1, world.inspector),
        ("yellow", 2, world.inspector),
    ]
    assert notices[1].description == "再次占道，已口头劝离"
