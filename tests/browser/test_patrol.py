"""An inspector patrols with the phone: start, track, a visited grid, a report with a photo, end."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases import clock
from cases.models import Case, Source
from org.worktime import get_work_calendar
from patrols.models import Patrol, PatrolFinding, PatrolTask, Route, RouteGrid
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_patrols_tracks_reports_and_ends(phone, live_server, world, tmp_path, media_root):
    route = Route.objects.create(code="R01", name="中山路沿线")
    for position, grid in enumerate(world.city.grids[:3], start=1):
        RouteGrid.objects.create(route=route, grid=grid, position=position)
    today = clock.now().astimezone(get_work_calendar().tz).date()
    task = PatrolTask.objects.create(route=route, inspector=world.inspector, date=today)
    grid = world.city.grids[0]
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": grid.centroid_lat, "longitude": grid.centroid_lng, "accuracy": 10})
    picture = tmp_path / "pothole.png"
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 60, 30)).save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())

    sign_in(phone, live_server.url, "inspector")
    phone.wait_for_url(f"{live_server.url}/start/inspector/")
    phone.goto(f"{live_server.url}/patrols/")
    expect(phone.locator(".patrol-task")).to_contain_text("中山路沿线")
    phone.get_by_role("button", name="开始巡查").click()
    phone.wait_for_url(f"{live_server.url}/patrols/patrol/*/")

    # The phone's position is recorded and uploaded: grid 0 is visited.
    expect(phone.locator("#coverage")).to_have_text("已到访 1/3 个网格")
    expect(phone.locator(f'.route-stop[data-code="{grid.code}"]')).to_have_attribute("data-visited", "true")
    expect(phone.locator("#point-count")).to_have_text("1")
    expect(phone.locator("#pending")).to_be_hidden()

    # A point entered by hand (as when location is refused) counts too.
    second = world.city.grids[1]
    phone.get_by_text("手动记录位置").click()
    phone.locator("#manual-lat").fill(str(second.centroid_lat))
    phone.locator("#manual-lng").fill(str(second.centroid_lng))
    phone.get_by_role("button", name="记录此位置").click()
    expect(phone.locator("#coverage")).to_have_text("已到访 2/3 个网格")
    expect(phone.locator("#point-count")).to_have_text("2")

    # A problem with a photo, the location prefilled from the latest point (the manual one).
    expect(phone.locator("#report-lat")).not_to_have_value("")
    phone.locator("#report-category-search").fill("01001")
    expect(phone.locator("#report-category")).to_have_value("01001")
    phone.locator("#report-photos").set_input_files(str(picture))
    phone.get_by_label("问题描述").fill("井盖缺失，有行人跌落风险")
    phone.get_by_role("button", name="上报", exact=True).click()
    number = phone.locator("#report-case-number")
    expect(number).to_be_visible()
    case = Case.objects.get(number=number.inner_text())
    assert case.source == Source.PATROL and case.grid_id == second.pk and case.attachments.count() == 1
    assert PatrolFinding.objects.get(case=case).patrol.task_id == task.pk
    assert Patrol.objects.get(task=task).points.filter(source="manual").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    screenshot(phone, "patrol-phone")

    # With no connection the report stays on the phone, listed as unsent; back online it is sent once.
    phone.context.set_offline(True)
    phone.locator("#report-category-search").fill("01001")
    phone.locator("#report-photos").set_input_files(str(picture))
    phone.get_by_label("问题描述").fill("垃圾满溢")
    phone.get_by_role("button", name="上报", exact=True).click()
    expect(phone.locator(".unsent-report")).to_have_count(1)
    expect(phone.locator("#report-unsent")).to_contain_text("垃圾满溢")
    expect(phone.get_by_label("问题描述")).to_have_value("垃圾满溢")
    expect(phone.get_by_role("button", name="重试发送")).to_be_visible()
    # Back online the page sends it by itself (the "online" event; the button does the same at once).
    phone.context.set_offline(False)
    expect(phone.locator(".unsent-report")).to_have_count(0)
    expect(phone.locator("#report-case-number")).not_to_have_text(case.number)
    assert Case.objects.filter(description="垃圾满溢").count() == 1
    assert PatrolFinding.objects.count() == 2

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="结束巡查").click()
    phone.wait_for_url(f"{live_server.url}/patrols/")
    expect(phone.get_by_role("alert").first).to_contain_text("巡查已结束")
    patrol = Patrol.objects.get(task=task)
    assert patrol.status == Patrol.Status.ENDED and patrol.point_count == 2
    task.refresh_from_db()
    assert task.status == PatrolTask.Status.DONE
