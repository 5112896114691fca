"""A dispatcher builds a route on the map and plans it on the week plan, in a real browser."""

from datetime import date

import pytest
from playwright.sync_api import expect

from patrols.models import PatrolTask, Route, RouteGrid
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_draws_a_route_and_plans_it_for_the_inspector(page, live_server, world):
    grids = [g.code for g in world.city.grids[:4]]
    chosen = [grids[2], grids[0], grids[1]]
    sign_in(page, live_server.url, "dispatcher")
    page.goto(f"{live_server.url}/patrols/routes/new/")
    page.get_by_label("路线编号").fill("R-MAP")
    page.get_by_label("路线名称").fill("地图路线")
    page.get_by_label("区/县").select_option(label="第1区（339901）")
    expect(page.locator(f"#route-map path.grid-{grids[3]}")).to_be_visible()
    expect(page.locator("#route-map")).to_have_attribute("data-ready", "true")
    for code in chosen:
        page.locator(f"#route-map path.grid-{code}").click()
    expect(page.locator("#id_grids")).to_have_value(",".join(chosen))
    expect(page.locator("#route-stops li")).to_have_count(3)
    expect(page.locator("#route-map .route-number")).to_have_count(3)
    for number, code in enumerate(chosen, start=1):
        expect(page.locator(f"#route-map path.grid-{code}")).to_have_attribute("data-order", str(number))
    # Clicking a chosen grid again takes it off; the list's arrows reorder.
    page.locator(f"#route-map path.grid-{grids[1]}").click()
    expect(page.locator("#id_grids")).to_have_value(",".join(chosen[:2]))
    page.locator(f"#route-map path.grid-{grids[1]}").click()
    page.mouse.move(5, 5)  # no tooltip over the numbers
    screenshot(page, "route-editor")
    page.get_by_role("button", name="保存路线").click()
    expect(page.get_by_role("alert")).to_contain_text("路线 R-MAP 已保存")
    route = Route.objects.get(code="R-MAP")
    stops = RouteGrid.objects.filter(route=route).order_by("position").values_list("grid__code", flat=True)
    assert list(stops) == chosen

    page.goto(f"{live_server.url}/patrols/plan/?week=2026-11-16")
    cell = page.locator('[data-cell="inspector/2026-11-18"]')
    cell.locator("summary").click()
    cell.get_by_label("路线").select_option(label="R-MAP 地图路线")
    cell.get_by_role("button", name="添加任务").click()
    cell = page.locator('[data-cell="inspector/2026-11-18"]')  # the table was swapped by htmx
    expect(cell.locator(".plan-task")).to_contain_text("地图路线")
    expect(cell.locator(".plan-task")).to_contain_text("待巡查")
    expect(page.locator('th[data-day="2026-11-18"] .day-count')).to_have_text("1")
    task = PatrolTask.objects.get()
    assert (task.route, task.inspector, task.date) == (route, world.inspector, date(2026, 11, 18))
    screenshot(page, "week-plan")
