"""A person signs in with a real browser and lands on their role's page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str, password: str = "demo12345") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_an_operator_signs_in_and_lands_on_the_operator_page(page, live_server, people):
    sign_in(page, live_server.url, "operator")
    page.wait_for_url(f"{live_server.url}/start/operator/")
    expect(page.get_by_role("heading", name="受理员工作台")).to_be_visible()
    # Bootstrap's stylesheet from node_modules is applied: the navbar is coloured, not default white.
    navbar_colour = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert navbar_colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    screenshot(page, "start-operator")


def test_a_wrong_password_is_refused_in_chinese(page, live_server, people):
    sign_in(page, live_server.url, "operator", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的用户名和密码")
    assert page.url.endswith("/accounts/login/")
    assert page.get_by_label("用户名").input_value() == "operator"


def test_a_person_switches_to_english_from_the_menu(page, live_server, people):
    sign_in(page, live_server.url, "dispatcher")
    page.wait_for_url(f"{live_server.url}/start/dispatcher/")
    page.select_option("#language-select", "en")
    expect(page.get_by_role("heading", name="Dispatcher workspace")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("heading", name="Dispatcher workspace")).to_be_visible()


def test_the_login_and_start_pages_fit_a_phone(phone, live_server, people):
    sign_in(phone, live_server.url, "inspector")
    phone.wait_for_url(f"{live_server.url}/start/inspector/")
    expect(phone.get_by_role("heading", name="监督员工作台")).to_be_visible()
    page_width = phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, "the page scrolls sideways on a phone"
    screenshot(phone, "start-inspector-phone")
    phone.get_by_role("button", name="展开导航").click()
    phone.locator("#main-nav .dropdown-toggle").click()
    phone.get_by_role("button", name="退出登录").click()
    phone.wait_for_url(f"{live_server.url}/accounts/login/")
    expect(phone.get_by_role("button", name="登录")).to_be_visible()
