"""An operator takes a hotline call with the keyboard alone, then files and dispatches it."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases import conftest as lifecycle
from tests.cases.conftest import case_in, grid_point
from tests.factories import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]

# The lifecycle suite's fixtures: people, the test city, the catalogue, street offices.
catalogue, offices, media_root, world = lifecycle.catalogue, lifecycle.offices, lifecycle.media_root, lifecycle.world


def test_a_hotline_call_is_taken_filed_and_dispatched_with_the_keyboard(page, live_server, world):
    nearby = case_in("filed", world, grid=1, category="06010", caller_phone="13900000001")
    make_person("duty", ["operator", "shift_leader", "dispatcher"])
    point = grid_point(world.city, 1)

    sign_in(page, live_server.url, "duty")
    page.wait_for_url(f"{live_server.url}/start/operator/")
    page.goto(f"{live_server.url}/work/intake/")
    expect(page.locator("#f-ticket")).to_be_focused()  # autofocus: the operator types at once

    keys = page.keyboard
    keys.type("GD20261121007")
    keys.press("Tab")
    expect(page.locator("#f-hotline-type")).to_be_focused()
    for _ in range(3):  # （未选）→ 咨询 → 求助 → 投诉举报
        keys.press("ArrowDown")
    keys.press("Tab")
    keys.type("李女士")
    keys.press("Enter")  # Enter moves on; it does not submit half a form
    expect(page.locator("#f-phone")).to_be_focused()
    keys.type("13812345678")
    keys.press("Tab")
    keys.type("示范路 8 号菜场门口")
    keys.press("Tab")
    expect(page.locator("#f-lat")).to_be_focused()
    keys.type(f"{point['lat'] + 0.0001:.6f}")
    keys.press("Tab")
    keys.type(f"{point['lng']:.6f}")
    keys.press("Tab")
    expect(page.locator("#located")).to_contain_text("第1街道")
    expect(page.locator("#located")).to_contain_text("第1区")
    expect(page.locator("#f-category")).to_be_focused()
    keys.type("06010")
    expect(page.locator("#category-chosen")).to_contain_text("06010 暴露垃圾")
    keys.press("Tab")
    expect(page.locator("#duplicate-list")).to_contain_text(nearby.number)
    expect(page.locator("#duplicate-list")).to_contain_text("米内的同类案件")
    expect(page.get_by_role("button", name=f"关联为 {nearby.number} 的重复件（不新建）")).to_be_visible()
    expect(page.locator("#f-description")).to_be_focused()
    keys.type("菜场门口垃圾堆放，气味很大")
    assert not Case.objects.exclude(pk=nearby.pk).exists()  # nothing saved while typing
    screenshot(page, "intake")

    keys.press("Control+Enter")
    expect(page.locator("#intake-done")).to_contain_text("已受理")
    case = Case.objects.exclude(pk=nearby.pk).get()
    expect(page.locator("#case-number")).to_have_text(case.number)
    assert (case.hotline_type, case.caller_name, case.category.code, case.grid) == (
        "complaint", "李女士", "06010", world.city.grids[1]
    )  # fmt: skip

    expect(page.get_by_role("button", name="立案")).to_be_focused()
    keys.press("Enter")
    expect(page.locator("#dispatch-form")).to_be_visible()
    office = world.offices[0]
    expect(page.locator("#default-department")).to_contain_text(office.name)
    expect(page.locator("#dispatch-department")).to_have_value(office.code)
    expect(page.get_by_role("button", name="派遣")).to_be_focused()
    screenshot(page, "intake-done")
    keys.press("Enter")
    expect(page.locator("#dispatched-to")).to_contain_text(office.name)

    case.refresh_from_db()
    assert case.status == "dispatched" and case.department == office
    assert list(case.events.values_list("action", flat=True)) == ["report", "file", "dispatch"]
    expect(page.get_by_role("link", name="受理下一件")).to_be_focused()


def test_clicking_the_map_sets_the_coordinates_and_shows_the_grid(page, live_server, world):
    sign_in(page, live_server.url, "operator")
    page.wait_for_url(f"{live_server.url}/start/operator/")
    page.goto(f"{live_server.url}/work/intake/")
    page.locator("#intake-map").click()  # the centre of the managed area's outline
    expect(page.locator("#f-lat")).not_to_have_value("")
    expect(page.locator("#located")).to_contain_text("网格")
    expect(page.locator("#intake-map path.leaflet-interactive, #intake-map path")).not_to_have_count(0)
