"""Script injection: payloads typed into every kind of text field come back as text.

Payloads are stored through the same services the forms and the API call (a case's
description, address and caller name, action comments, a callback, a patrol notice,
a ledger row, a category name edited in the admin), then every page that shows them
is opened in Chromium: nothing may run (``window.__xss`` stays undefined, no dialog
opens) and the payload must be visible as text.
"""

import pytest
from django.conf import settings
from django.test import Client

from cases import clock, services
from cases.models import Category, Status
from tests.browser.conftest import screenshot
from tests.cases.conftest import at, case_in

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload=window.__xss=1>'
SHORT = "<img src=x onerror=alert(1)>"  # fits the 64-character name fields
PAYLOAD = f"井盖{SCRIPT}{IMG}{SVG}"


def signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page, dialogs


def assert_inert(page, dialogs, url: str, *shown: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined", url
    assert dialogs == [], url
    text = page.inner_text("body")
    for payload in shown:
        assert payload in text, (url, payload)


@pytest.fixture
def stored(world, media_root):
    """Payloads in every text a person can type, stored by the real services."""
    category = Category.objects.get(code="01001")
    category.name = f"井盖{SHORT}"  # what an admin types in 系统管理
    category.save()
    from cases.catalogue import forget_categories

    forget_categories()
    case = case_in(
        Status.IN_PROGRESS,
        world,
        grid=1,
        description=PAYLOAD,
        address=f"人民路{IMG}",
        caller_name=SHORT,
    )
    with clock.acting_at(at("2026-11-18 09:30")):
        case = services.case_contact_caller(case=case, by=world.handler_a, note=f"已联系{SVG}")
        case = services.case_supervise(case=case, by=world.dispatcher, note=f"督办{SCRIPT}")
    closed = case_in(Status.CLOSED, world, grid=2, description=PAYLOAD)
    with clock.acting_at(at("2026-11-18 10:00")):
        services.case_callback(case=closed, by=world.operator, satisfaction="dissatisfied", resolved=False)

    from patrols.enforcement import notice_issue, subject_find_or_create

    subject = subject_find_or_create(name=f"小吃摊{SHORT}", address=f"人民路{SVG}", grid=world.city.grids[1])
    notice = notice_issue(by=world.inspector, subject=subject, category=category, description=PAYLOAD)

    from sanitation.models import RoadSection

    road = RoadSection.objects.create(
        code="LD-XSS",
        name=f"路{SHORT}",
        grade=RoadSection.Grade.MAIN,
        control_level=RoadSection.Control.STRICT,
        length_m=100,
        area_m2=800,
        cleaning_company=f"公司{IMG}",
        district=world.city.districts[0],
        street=world.city.streets[0],
    )
    return world, case, closed, notice, subject, road


def test_payloads_in_case_texts_do_not_run_on_the_command_centre_pages(browser, live_server, stored):
    world, case, closed, *_ = stored
    page, dialogs = signed_in(browser, live_server, world.dispatcher)
    base = live_server.url
    assert_inert(page, dialogs, f"{base}/work/cases/{case.number}/", SCRIPT, IMG, SVG)
    assert_inert(page, dialogs, f"{base}/work/queue/?stage=all", "井盖")
    assert_inert(page, dialogs, f"{base}/work/queue/rows/")
    assert_inert(page, dialogs, f"{base}/work/approvals/")
    assert_inert(page, dialogs, f"{base}/work/cases/{closed.number}/", SCRIPT)
    screenshot(page, "xss-case-page")
    page.context.close()

    operator, dialogs = signed_in(browser, live_server, world.operator)
    assert_inert(operator, dialogs, f"{base}/work/cases/{case.number}/", SHORT)  # the caller's name, in full
    assert_inert(operator, dialogs, f"{base}/work/callbacks/")
    assert_inert(operator, dialogs, f"{base}/work/intake/")
    operator.context.close()


def test_payloads_do_not_run_on_the_handlers_inbox(browser, live_server, stored):
    world, case, *_ = stored
    page, dialogs = signed_in(browser, live_server, world.handler_a)
    base = live_server.url
    assert_inert(page, dialogs, f"{base}/work/inbox/?tab=doing", "井盖")
    assert_inert(page, dialogs, f"{base}/work/notifications/")
    assert_inert(page, dialogs, f"{base}/work/cases/{case.number}/", SCRIPT)
    page.context.close()


def test_payloads_do_not_run_on_the_public_tracking_page(browser, live_server, stored):
    _world, case, closed, *_ = stored
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = live_server.url
    assert_inert(page, dialogs, f"{base}/report/track/{closed.number}/", SCRIPT)
    assert_inert(page, dialogs, f"{base}/report/track/{case.number}/")
    assert_inert(page, dialogs, f"{base}/report/")
    assert_inert(page, dialogs, f"{base}/open311/v2/requests/{closed.number}.json")
    context.close()


def test_payloads_do_not_run_on_patrol_and_sanitation_pages(browser, live_server, stored):
    world, _case, _closed, notice, subject, road = stored
    base = live_server.url
    page, dialogs = signed_in(browser, live_server, world.inspector)
    assert_inert(page, dialogs, f"{base}/patrols/notices/", SHORT)
    assert_inert(page, dialogs, f"{base}/patrols/notices/{notice.pk}/", SCRIPT)
    assert_inert(page, dialogs, f"{base}/patrols/notices/{notice.pk}/print/")
    assert_inert(page, dialogs, f"{base}/patrols/subjects/{subject.pk}/", SHORT)
    assert_inert(page, dialogs, f"{base}/patrols/tasks/")
    page.context.close()

    from tests.factories import make_person

    assessor = make_person("assessor", ["assessor"])
    page, dialogs = signed_in(browser, live_server, assessor)
    assert_inert(page, dialogs, f"{base}/sanitation/ledgers/roads/", SHORT)
    assert_inert(page, dialogs, f"{base}/sanitation/ledgers/roads/{road.pk}/", IMG)
    assert_inert(page, dialogs, f"{base}/sanitation/ledgers/roads/{road.pk}/edit/")
    page.context.close()


def test_payloads_do_not_run_on_the_dashboard_and_bulletins(browser, live_server, stored):
    world, *_ = stored
    from reports.bulletins import generate_daily

    with clock.acting_at(at("2026-11-19 06:30")):
        bulletin = generate_daily()
    page, dialogs = signed_in(browser, live_server, world.city_leader)
    base = live_server.url
    assert_inert(page, dialogs, f"{base}/reports/?month=2026-11")
    assert_inert(page, dialogs, f"{base}/reports/bulletins/daily/{bulletin.day.isoformat()}/")
    assert_inert(page, dialogs, f"{base}/reports/bulletins/monthly/?month=2026-11")
    page.context.close()
