"""A leader opens the dashboard in a real browser, clicks a district's bar on the
ranking chart and lands on that district's cases in the triage queue."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from reports import stats
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def bar_centre(page, part: str, index: int) -> tuple[float, float]:
    """Page coordinates of the middle of bar ``index`` of a horizontal bar chart."""
    inside = page.evaluate(
        """([part, index]) => {
            const chart = window.citymgmtDashboard.charts[part];
            const value = chart.getOption().series[0].data[index].value;
            const [x, y] = chart.convertToPixel({ gridIndex: 0 }, [value / 2, index]);
            return [x, y];
        }""",
        [part, index],
    )
    box = page.locator(f"#chart-{part}").bounding_box()
    return box["x"] + inside[0], box["y"] + inside[1]


def test_a_leader_clicks_a_district_bar_and_lands_on_its_cases(page, live_server, world):
    p = world
    mine = case_in("closed", p, grid=1)  # district 339901
    theirs = case_in("closed", p, grid=5)  # district 339902
    also_theirs = case_in("dispatched", p, grid=6)
    stats.rebuild()

    sign_in(page, live_server.url, "leader")  # the city leader
    page.wait_for_url(f"{live_server.url}/start/leader/")
    page.goto(f"{live_server.url}/reports/?month=2026-11")
    expect(page.get_by_role("heading", name="领导驾驶舱")).to_be_visible()
    expect(page.locator('[data-figure="filed"] .dash-figure-value')).to_have_text("3")
    expect(page.locator('[data-figure="closure_rate"] .dash-figure-value')).to_have_text("66.67 %")
    for part in ("ranking", "trend", "channels", "categories", "grids", "overdue"):
        expect(page.locator(f"#chart-{part}")).to_have_attribute("data-ready", "true")
    expect(page.locator("#dash-map")).to_have_attribute("data-ready", "true")
    # 339901 closed its only case (100 %): rank 1 with the red flag; 339902 closed one of two.
    names = page.evaluate("window.citymgmtDashboard.data.ranking.rows.map(r => [r.code, r.rank, r.red_flag])")
    assert names == [["339901", 1, True], ["339902", 2, False]]
    expect(page.locator("#board-red")).to_contain_text("第1区")
    # The map: the month's three busy grids as heat, one marker for the one open case's grid.
    layers = page.evaluate("window.citymgmtDashboard.mapLayers.map(layer => layer.getLayers().length)")
    assert layers == [3, 1]
    screenshot(page, "dashboard")

    x, y = bar_centre(page, "ranking", 1)  # the second bar: 339902
    page.mouse.click(x, y)
    page.wait_for_url("**/work/queue/?*district=339902*")
    expect(page.locator(f'tr[data-number="{theirs.number}"]')).to_have_count(1)
    expect(page.locator(f'tr[data-number="{also_theirs.number}"]')).to_have_count(1)
    expect(page.locator(f'tr[data-number="{mine.number}"]')).to_have_count(0)
    expect(page.locator("#bulk-form")).to_have_count(0)  # leaders read, they do not act
    screenshot(page, "dashboard-click-through")


def test_the_dashboard_fits_a_phone(phone, live_server, world):
    case_in("closed", world, grid=1)
    stats.rebuild()
    sign_in(phone, live_server.url, "leader-339901")
    phone.wait_for_url(f"{live_server.url}/start/leader/")
    phone.goto(f"{live_server.url}/reports/?month=2026-11")
    expect(phone.locator("#chart-ranking")).to_have_attribute("data-ready", "true")
    expect(phone.locator("#dash-own-rank")).to_contain_text(
        "排名第 1 / 1"
    )  # the other district has no cases: not ranked
    # No sideways scrolling: the page is as wide as the phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    width = phone.locator("#chart-trend canvas").first.bounding_box()["width"]
    assert width <= 390
    screenshot(phone, "dashboard-phone")


def test_the_big_screen_mode_fills_the_screen_without_the_navigation(page, live_server, world):
    case_in("dispatched", world, grid=1)
    stats.rebuild()
    sign_in(page, live_server.url, "leader")
    page.wait_for_url(f"{live_server.url}/start/leader/")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/reports/?month=2026-11&screen=1")
    for part in ("ranking", "trend", "overdue"):
        expect(page.locator(f"#chart-{part}")).to_have_attribute("data-ready", "true")
    expect(page.locator("nav.navbar")).to_have_count(0)
    expect(page.locator("#dash-fullscreen")).to_be_visible()
    assert page.evaluate("JSON.parse(document.getElementById('dashboard-config').textContent).refreshSeconds") == 60
    background = page.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor")
    assert background == "rgb(11, 18, 32)"
    page.wait_for_timeout(500)
    screenshot(page, "dashboard-screen")
