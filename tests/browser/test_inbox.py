"""A handler works their department's inbox on a phone: sign, then feed back with a photo."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.models import Attachment, Case, Status
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.cases.conftest import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 160, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def count_of(page, tab: str):
    return page.locator(f'#inbox-tabs [data-tab="{tab}"] .tab-count')


def test_a_handler_signs_and_feeds_back_with_a_photo_on_a_phone(phone, live_server, world, media_root):
    case = case_in(Status.DISPATCHED, world)
    other = case_in(Status.DISPATCHED, world, department="hw")
    sign_in(phone, live_server.url, "handler-sz")
    phone.wait_for_url(f"{live_server.url}/start/handler/")
    phone.goto(f"{live_server.url}/work/inbox/")

    card = phone.locator(f'.inbox-case[data-number="{case.number}"]')
    expect(card).to_be_visible()
    expect(phone.locator(f'.inbox-case[data-number="{other.number}"]')).to_have_count(0)
    expect(count_of(phone, "sign")).to_have_text("1")
    expect(count_of(phone, "doing")).to_have_text("0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the inbox scrolls sideways on a phone"

    # Sign with one click: back on the inbox, the case has left 待签收 for 处置中.
    card.get_by_role("button", name="签收").click()
    phone.wait_for_url(f"{live_server.url}/work/inbox/")
    expect(count_of(phone, "sign")).to_have_text("0")
    expect(count_of(phone, "doing")).to_have_text("1")
    expect(phone.locator(f'.inbox-case[data-number="{case.number}"]')).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.signed_at is not None

    phone.locator('#inbox-tabs [data-tab="doing"]').click()
    card = phone.locator(f'.inbox-case[data-number="{case.number}"]')
    expect(card).to_be_visible()
    card.get_by_role("button", name="处置反馈").click()
    # The form opens in place (a Bootstrap collapse: wait until it has finished opening).
    expect(card.locator(f"#feedback-{case.number}-panel")).to_have_class(re.compile(r"\bcollapse show\b"))
    form = card.locator('form[data-action="feedback"]')
    expect(form).to_be_visible()
    photos = form.locator('input[type="file"][name="photos"]')
    assert photos.get_attribute("capture") == "environment" and photos.get_attribute("accept") == "image/*"
    form.locator('textarea[name="result"]').fill("井盖已更换")
    photos.set_input_files({"name": "after.png", "mimeType": "image/png", "buffer": png()})
    screenshot(phone, "inbox-phone")
    form.get_by_role("button", name="处置反馈").click()

    phone.wait_for_url(f"{live_server.url}/work/inbox/?tab=doing")
    expect(count_of(phone, "doing")).to_have_text("0")
    expect(count_of(phone, "handled")).to_have_text("1")
    phone.locator('#inbox-tabs [data-tab="handled"]').click()
    expect(phone.locator(f'.inbox-case[data-number="{case.number}"]')).to_contain_text("已反馈")

    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.HANDLED and case.handled_at is not None
    after = Attachment.objects.filter(case=case, stage=Attachment.Stage.AFTER, event__action="feedback")
    assert after.count() == 1
    assert case.events.filter(action="feedback", comment="井盖已更换").exists()


def test_an_operator_records_a_callback_from_the_list(page, live_server, world, media_root):
    case = case_in(Status.CLOSED, world)
    sign_in(page, live_server.url, "operator")
    page.wait_for_url(f"{live_server.url}/start/operator/")
    page.goto(f"{live_server.url}/work/callbacks/")
    row = page.locator(f'.callback-case[data-number="{case.number}"]')
    expect(row).to_contain_text("13812345678")  # an operator reads the caller in full
    form = row.locator('form[data-action="callback"]')
    expect(form).to_be_visible()  # the first row's form is open
    form.get_by_label("满意度").select_option("dissatisfied")
    form.get_by_text("否", exact=True).click()
    form.get_by_label("回访记录").fill("诉求人称井盖仍松动")
    screenshot(page, "callbacks")
    form.get_by_role("button", name="回访").click()
    page.wait_for_url(f"{live_server.url}/work/callbacks/")
    expect(page.locator("#callbacks-empty")).to_be_visible()
    expect(page.locator('#callback-tabs [data-tab="dissatisfied"] .tab-count')).to_have_text("1")
    case.refresh_from_db()
    assert (case.satisfaction, case.resolved) == ("dissatisfied", False) and case.callback_at is not None
