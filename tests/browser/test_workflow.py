"""A hotline call from the phone to the callback, through the workspace pages only.

Issue 4's end-to-end check: every person of DOMAIN.md §2 does their own step in
their own browser, signed in as themselves, with the pages a real shift uses
(intake, case page, queue, inbox, callbacks). Each step is checked on screen and
in the database, so a page that only looks right (or a service that works but is
unreachable from a page) fails here.

The test city's plain operator holds the operator role only, so the intake
confirmation offers neither 立案 nor 派遣 (cases.selectors.available_actions):
the shift leader files from the case page and the dispatcher picks the case up
from the queue, as the product allows for a city with separate posts.
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.models import Attachment, Case, CaseEvent, Status
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import grid_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID = 1  # one of the first four grids: world.inspector patrols it (GRIDS_WITH_INSPECTOR)
CATEGORY = "01037"  # 路灯, a component owned by 市政: default routing sends it to "sz"
FULL_COURSE = ["report", "file", "dispatch", "sign", "feedback", "check-request", "check-pass", "close", "callback"]


def write_png(path, colour) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.fixture
def desk(browser, live_server):
    """``desk(username)``: a page in a browser context of its own, signed in."""
    contexts = []

    def open_desk(username: str, landing: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
        page.js_errors = errors
        sign_in(page, live_server.url, username)
        page.wait_for_url(f"{live_server.url}/start/{landing}/")
        return page

    yield open_desk
    for context in contexts:
        context.close()


def status_of(case: Case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def actions_of(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("created_at", "pk").values_list("action", flat=True))


def act_on_case_page(page, base: str, case: Case, action: str, label: str, *, fill=None):
    """Open the case page, take ``action`` from its (open) panel, land back on the page."""
    url = f"{base}/work/cases/{case.number}/"
    page.goto(url)  # fresh: the page may still show an earlier state of the case
    panel = page.locator(f"#act-{action}-panel")
    expect(panel).to_be_visible()  # the forward step is the open one
    if fill:
        fill(panel)
    panel.get_by_role("button", name=label, exact=True).click()
    page.wait_for_url(url)
    expect(page.get_by_role("alert")).to_contain_text(f"{label}：案件 {case.number} 已办理。")


def test_a_hotline_call_goes_from_intake_to_callback_through_the_pages(live_server, world, media_root, tmp_path, desk):
    base = live_server.url
    point = grid_point(world.city, GRID)
    grid = world.city.grids[GRID]

    # 1. The operator takes the call at the intake form.
    operator = desk("operator", "operator")
    operator.goto(f"{base}/work/intake/")
    operator.locator("#f-ticket").fill("GD20261121042")
    operator.select_option("#f-hotline-type", "complaint")
    operator.locator("#f-caller").fill("赵先生")
    operator.locator("#f-phone").fill("13911112222")
    operator.locator("#f-address").fill("示范路 12 号路口")
    operator.locator("#f-lat").fill(f"{point['lat']:.6f}")
    operator.locator("#f-lng").fill(f"{point['lng']:.6f}")
    operator.locator("#f-lng").press("Tab")
    expect(operator.locator('#located [data-field="grid"]')).to_have_text(grid.code)
    expect(operator.locator('#located [data-field="street"]')).to_have_text("第1街道")
    operator.locator("#f-category").fill(CATEGORY)
    expect(operator.locator('#category-chosen [data-field="category"]')).to_have_text(f"{CATEGORY} 路灯")
    operator.locator("#f-description").fill("路灯整晚不亮，路口很黑")
    assert not Case.objects.exists()  # nothing saved while typing
    screenshot(operator, "workflow-intake")
    operator.locator("#save").click()

    expect(operator.locator("#intake-done")).to_contain_text("已受理")
    case = Case.objects.get()
    expect(operator.locator("#case-number")).to_have_text(case.number)
    expect(operator.locator("#case-status")).to_have_text("上报待受理")
    # A plain operator may not file or dispatch (DOMAIN.md §2): the confirmation offers neither.
    expect(operator.locator("#file-form")).to_have_count(0)
    expect(operator.locator("#dispatch-form")).to_have_count(0)
    assert (case.status, case.source, case.grid_id, case.category.code) == ("reported", "hotline", grid.pk, CATEGORY)
    assert (case.hotline_ticket_no, case.hotline_type, case.caller_name, case.caller_phone) == (
        "GD20261121042", "complaint", "赵先生", "13911112222"
    )  # fmt: skip
    assert actions_of(case) == ["report"]

    # 2. The shift leader files it from the case page.
    leader = desk("shiftleader", "shift_leader")
    leader.goto(f"{base}/work/cases/{case.number}/")
    expect(leader.locator("#case-status")).to_have_text("上报待受理")
    act_on_case_page(leader, base, case, "file", "立案")
    expect(leader.locator("#case-status")).to_have_text("已立案")
    assert status_of(case) == Status.FILED and actions_of(case) == ["report", "file"]

    # 3. The dispatcher finds it in the queue and dispatches it to 市政 (sz), the default.
    dispatcher = desk("dispatcher", "dispatcher")
    dispatcher.goto(f"{base}/work/queue/")
    row = dispatcher.locator(f'#queue-live tr[data-number="{case.number}"]')
    expect(row).to_have_attribute("data-status", "filed")
    row.get_by_role("link", name=case.number, exact=True).click()
    dispatcher.wait_for_url(f"{base}/work/cases/{case.number}/")
    expect(dispatcher.locator("#act-dispatch-panel")).to_contain_text("默认派遣：市政（sz）")

    def choose_sz(panel):
        panel.locator('select[name="department"]').select_option("sz")
        panel.locator('textarea[name="comment"]').fill("请市政尽快修复路灯")

    act_on_case_page(dispatcher, base, case, "dispatch", "派遣", fill=choose_sz)
    expect(dispatcher.locator("#case-status")).to_have_text("已派遣")
    expect(dispatcher.locator("#case-department")).to_have_text("市政")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.department == world.dept_a and case.deadline is not None
    assert actions_of(case)[-1] == "dispatch"

    # 4. The handler of 市政 signs it in the inbox, then feeds back with an after-photo.
    handler = desk("handler-sz", "handler")
    handler.goto(f"{base}/work/inbox/")
    card = handler.locator(f'.inbox-case[data-number="{case.number}"]')
    expect(card).to_be_visible()
    expect(handler.locator('#inbox-tabs [data-tab="sign"] .tab-count')).to_have_text("1")
    card.get_by_role("button", name="签收").click()
    handler.wait_for_url(f"{base}/work/inbox/")
    expect(handler.locator('#inbox-tabs [data-tab="doing"] .tab-count')).to_have_text("1")
    assert status_of(case) == Status.IN_PROGRESS and actions_of(case)[-1] == "sign"

    handler.locator('#inbox-tabs [data-tab="doing"]').click()
    card = handler.locator(f'.inbox-case[data-number="{case.number}"]')
    card.get_by_role("button", name="处置反馈").click()
    expect(card.locator(f"#feedback-{case.number}-panel")).to_have_class(re.compile(r"\bcollapse show\b"))
    form = card.locator('form[data-action="feedback"]')
    form.locator('textarea[name="result"]').fill("已更换灯泡，路灯恢复照明")
    form.locator('input[type="file"][name="photos"]').set_input_files(write_png(tmp_path / "after.png", (30, 160, 60)))
    form.get_by_role("button", name="处置反馈").click()
    handler.wait_for_url(f"{base}/work/inbox/?tab=doing")
    expect(handler.locator('#inbox-tabs [data-tab="handled"] .tab-count')).to_have_text("1")
    assert status_of(case) == Status.HANDLED and actions_of(case)[-1] == "feedback"
    after = Attachment.objects.filter(case=case, stage=Attachment.Stage.AFTER, event__action="feedback")
    assert after.count() == 1

    # 5. The operator asks for the check (the grid's own inspector, by default) …
    act_on_case_page(operator, base, case, "check-request", "发起核查")
    expect(operator.locator("#case-status")).to_have_text("核查中")
    assert status_of(case) == Status.CHECKING and actions_of(case)[-1] == "check-request"

    # … and the inspector passes it from the case page with a photo.
    inspector = desk("inspector", "inspector")

    def check_photo(panel):
        panel.locator('input[type="file"][name="photos"]').set_input_files(
            write_png(tmp_path / "check.png", (40, 40, 200))
        )
        panel.locator('textarea[name="comment"]').fill("现场复核，路灯正常")

    act_on_case_page(inspector, base, case, "check-pass", "核查通过", fill=check_photo)
    expect(inspector.locator("#case-status")).to_have_text("核查通过待结案")
    assert status_of(case) == Status.CHECKED and actions_of(case)[-1] == "check-pass"
    checked = Attachment.objects.filter(case=case, stage=Attachment.Stage.CHECK, event__action="check-pass")
    assert checked.count() == 1

    # 6. The shift leader closes it.
    act_on_case_page(leader, base, case, "close", "结案")
    expect(leader.locator("#case-status")).to_have_text("已结案")
    expect(leader.locator("#case-timeline .timeline-entry")).to_have_count(8)
    expect(leader.locator('#case-timeline .timeline-entry[data-action="close"]')).to_contain_text(
        "核查通过待结案 → 已结案"
    )
    expect(leader.locator("#no-actions")).to_be_visible()  # nothing left for the shift leader
    screenshot(leader, "workflow-case-closed")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None

    # 7. The operator calls back: satisfied, resolved.
    operator.goto(f"{base}/work/callbacks/")
    row = operator.locator(f'.callback-case[data-number="{case.number}"]')
    expect(row).to_contain_text("13911112222")
    form = row.locator('form[data-action="callback"]')
    expect(form).to_be_visible()
    form.get_by_label("满意度").select_option("satisfied")
    form.get_by_text("是", exact=True).click()
    form.get_by_label("回访记录").fill("诉求人表示路灯已亮，满意")
    form.get_by_role("button", name="回访").click()
    operator.wait_for_url(f"{base}/work/callbacks/")
    expect(operator.locator('#callback-tabs [data-tab="pending"] .tab-count')).to_have_text("0")
    expect(operator.locator(f'.callback-case[data-number="{case.number}"]')).to_have_count(0)
    case.refresh_from_db()
    assert (case.satisfaction, case.resolved) == ("satisfied", True) and case.callback_at is not None

    operator.goto(f"{base}/work/cases/{case.number}/")
    expect(operator.locator('#case-timeline .timeline-entry[data-action="callback"]')).to_contain_text(
        "诉求人表示路灯已亮"
    )

    # The whole course, in order, each step by the person whose post it is.
    events = list(CaseEvent.objects.filter(case=case).order_by("created_at", "pk"))
    assert [e.action for e in events] == FULL_COURSE
    p = world
    assert [e.actor for e in events] == [
        p.operator, p.shift_leader, p.dispatcher, p.handler_a, p.handler_a,
        p.operator, p.inspector, p.shift_leader, p.operator,
    ]  # fmt: skip
    assert [(e.from_status or "", e.to_status) for e in events[:8]] == [
        ("", "reported"), ("reported", "filed"), ("filed", "dispatched"), ("dispatched", "in_progress"),
        ("in_progress", "handled"), ("handled", "checking"), ("checking", "checked"), ("checked", "closed"),
    ]  # fmt: skip
    assert sorted(Attachment.objects.filter(case=case).values_list("stage", flat=True)) == ["after", "check"]
    js_errors = [e for page in (operator, leader, dispatcher, handler, inspector) for e in page.js_errors]
    assert js_errors == []
