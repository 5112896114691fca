"""Signing in: lockout after repeated failures, idle sessions, password rules, revocable tokens."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from citymgmt.security import LAST_SEEN_KEY
from tests.citymgmt.test_settings import manage

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
REVOKE = "/api/v1/auth/token/revoke/"
START = "/start/operator/"


def login_post(client, username, password, ip="10.1.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout: the login page ----------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_name_and_address_for_15_minutes_with_a_clear_message(people):
    client = Client()
    for _ in range(4):
        response = login_post(client, "operator", "wrong-password")
        assert response.status_code == 200
        assert "请输入一个正确的用户名和密码" in response.content.decode()

    fifth = login_post(client, "operator", "wrong-password")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    page = fifth.content.decode()
    assert 'id="login-locked"' in page
    assert "用户名 operator 在本机连续 5 次密码错误，已被锁定 15 分钟" in page
    assert "请 15 分钟后再试；急需登录请联系系统管理员解锁" in page

    # Locked: even the right password does not get in, and the message stays.
    right = login_post(client, "operator", "demo12345")
    assert right.status_code == 429
    assert "已被锁定 15 分钟" in right.content.decode()
    assert not signed_in(client)
    attempt = AccessAttempt.objects.get(username="operator", ip_address="10.1.0.1")
    assert attempt.failures_since_start >= 5


def test_the_lock_names_whom_to_call_when_the_city_sets_it(people, settings):
    settings.LOGIN_LOCKOUT_CONTACT = "指挥中心值班室（0571-12345）"
    client = Client()
    for _ in range(5):
        response = login_post(client, "dispatcher", "nope-nope-nope")
    assert "急需登录请联系指挥中心值班室（0571-12345）解锁" in response.content.decode()


def test_the_lock_holds_one_name_from_one_address_only(people):
    for _ in range(5):
        login_post(Client(), "operator", "wrong-password", ip="10.1.0.1")
    # The same person at another desk, and another person at the locked desk, still get in.
    elsewhere = Client()
    assert login_post(elsewhere, "operator", "demo12345", ip="10.1.0.2").status_code == 302
    assert signed_in(elsewhere)
    colleague = Client()
    assert login_post(colleague, "dispatcher", "demo12345", ip="10.1.0.1").status_code == 302
    assert signed_in(colleague)


def test_a_forged_forwarded_for_header_does_not_give_a_new_address(people):
    for n in range(5):
        client = Client()
        client.post(
            LOGIN,
            {"username": "operator", "password": "wrong"},
            REMOTE_ADDR="10.1.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert login_post(Client(), "operator", "demo12345", ip="10.1.0.1").status_code == 429


def test_a_good_password_resets_the_count(people):
    client = Client()
    for _ in range(4):
        login_post(client, "operator", "wrong-password")
    assert login_post(client, "operator", "demo12345").status_code == 302
    assert not AccessAttempt.objects.filter(username="operator").exists()
    client.logout()
    for _ in range(4):
        assert login_post(client, "operator", "wrong-password").status_code == 200
    assert login_post(client, "operator", "demo12345").status_code == 302


def test_the_lock_ends_after_the_cool_off(people):
    for _ in range(5):
        login_post(Client(), "operator", "wrong-password")
    # 16 minutes pass (axes counts from the attempt's time stamp).
    AccessAttempt.objects.filter(username="operator").update(
        attempt_time=AccessAttempt.objects.get(username="operator").attempt_time - timedelta(minutes=16)
    )
    client = Client()
    assert login_post(client, "operator", "demo12345").status_code == 302
    assert signed_in(client)


def test_the_admin_login_counts_too(people):
    client = Client()
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": "x"}, REMOTE_ADDR="10.1.0.9")
    assert response.status_code == 429
    assert "已被锁定" in response.content.decode()


def test_an_admin_sees_and_lifts_a_lockout(people):
    for _ in range(5):
        login_post(Client(), "operator", "wrong-password")
    attempt = AccessAttempt.objects.get(username="operator")
    admin = Client()
    admin.force_login(people.admin)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "operator" in listing.content.decode()
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert login_post(Client(), "operator", "demo12345").status_code == 302


def test_in_process_logins_are_neither_counted_nor_refused(people):
    """authenticate() without a request (the test client's login(), the shell) has no address:
    it is not counted and a locked pair does not stop it. Every network path passes a request."""
    for _ in range(5):
        login_post(Client(), "operator", "wrong-password", ip="127.0.0.1")
    client = Client()
    assert client.login(username="operator", password="demo12345")
    assert not client.login(username="operator", password="wrong")
    assert AccessAttempt.objects.get(username="operator").failures_since_start == 5


def test_lockout_settings_come_from_the_environment():
    script = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds, s.SESSION_IDLE_TIMEOUT)"
    )
    default = manage("shell", "--no-imports", "-c", script)
    assert default.stdout.split()[-3:] == ["5", "900", "7200"]
    custom = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        env={"LOGIN_FAILURE_LIMIT": "3", "LOGIN_LOCKOUT_MINUTES": "30", "SESSION_IDLE_TIMEOUT": "600"},
    )
    assert custom.stdout.split()[-3:] == ["3", "1800", "600"]
    bad = manage("check", env={"LOGIN_FAILURE_LIMIT": "many"})
    assert bad.returncode != 0 and "LOGIN_FAILURE_LIMIT='many'" in bad.stderr


# --- lockout: the API token endpoint -----------------------------------------------------------------


def token_post(username, password, ip="10.2.0.1"):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_the_token_endpoint_counts_failures_and_answers_a_locked_pair_with_json_429(people):
    for _ in range(4):
        assert token_post("operator", "wrong-password").status_code == 400
    fifth = token_post("operator", "wrong-password")
    assert fifth.status_code == 429
    assert fifth["Content-Type"] == "application/json"
    assert fifth["Retry-After"] == "900"
    body = fifth.json()
    assert "已被锁定 15 分钟" in body["detail"] and body["locked_minutes"] == 15

    right = token_post("operator", "demo12345")
    assert right.status_code == 429
    assert not Token.objects.exists()
    # Another address is not locked.
    assert token_post("operator", "demo12345", ip="10.2.0.2").status_code == 200


def test_a_token_for_a_good_password_resets_the_count(people):
    for _ in range(4):
        token_post("operator", "wrong-password")
    assert token_post("operator", "demo12345").status_code == 200
    assert not AccessAttempt.objects.filter(username="operator").exists()
    for _ in range(4):
        assert token_post("operator", "wrong-password").status_code == 400


def test_failures_on_the_page_and_the_api_add_up(people):
    for _ in range(3):
        login_post(Client(), "operator", "wrong", ip="10.3.0.1")
    token_post("operator", "wrong", ip="10.3.0.1")
    assert token_post("operator", "wrong", ip="10.3.0.1").status_code == 429
    assert login_post(Client(), "operator", "demo12345", ip="10.3.0.1").status_code == 429


# --- sessions ------------------------------------------------------------------------------------------


def set_last_seen(client, seconds_ago):
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_a_session_idle_for_two_hours_ends(people):
    client = Client()
    client.force_login(people.operator)
    assert client.get(START).status_code == 200
    set_last_seen(client, 2 * 3600 + 5)
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert not signed_in(client)


def test_a_session_used_within_two_hours_goes_on_and_its_clock_restarts(people):
    client = Client()
    client.force_login(people.operator)
    client.get(START)
    set_last_seen(client, 2 * 3600 - 60)
    assert client.get(START).status_code == 200
    assert time.time() - client.session[LAST_SEEN_KEY] < 10


def test_an_idle_htmx_request_sends_the_whole_page_to_the_login(people):
    client = Client()
    client.force_login(people.dispatcher)
    client.get("/start/dispatcher/")
    set_last_seen(client, 3 * 3600)
    response = client.get(
        "/work/queue/rows/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/work/queue/?district=339901"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next=%2Fwork%2Fqueue%2F%3Fdistrict%3D339901"
    assert not signed_in(client)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(people):
    here, there = Client(), Client()
    here.force_login(people.operator)
    there.force_login(people.operator)
    assert there.get(START).status_code == 200
    response = here.post(
        "/accounts/password/",
        {"old_password": "demo12345", "new_password1": "Xq7-city-desk-42", "new_password2": "Xq7-city-desk-42"},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert here.get(START).status_code == 200
    assert there.get(START).status_code == 302
    assert not signed_in(there)
    people.operator.refresh_from_db()
    assert people.operator.check_password("Xq7-city-desk-42")


# --- password rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Ab3$xyz9", "密码长度太短，至少需要 10 个字符。"),
        ("4839205716", "密码只包含数字。"),
        ("qwertyuiop", "这个密码太常见了。"),
        ("operator-01", "密码跟 用户名 太相似了。"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_rule_it_breaks(people, new, message):
    client = Client()
    client.force_login(people.operator)
    response = client.post(
        "/accounts/password/", {"old_password": "demo12345", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert message in response.content.decode(), response.context["form"].errors
    people.operator.refresh_from_db()
    assert people.operator.check_password("demo12345")


def test_the_password_page_shows_the_rules(people):
    client = Client()
    client.force_login(people.operator)
    page = client.get("/accounts/password/").content.decode()
    for rule in (
        "你的密码必须包含至少 10 个字符。",
        "你的密码不能全都是数字。",
        "你的密码不能是一个常见密码。",
        "你的密码不能与你的其他个人信息太相似。",
    ):
        assert rule in page


def test_the_demo_password_set_directly_still_signs_in(people):
    people.operator.set_password("demo12345")
    people.operator.save()
    client = Client()
    assert login_post(client, "operator", "demo12345").status_code == 302
    assert signed_in(client)


# --- revoking API tokens ---------------------------------------------------------------------------------


def test_a_user_revokes_their_own_token_and_it_then_gets_401(people):
    key = token_post("operator", "demo12345").json()["token"]
    Token.objects.create(user=people.dispatcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code == 200

    assert client.post(REVOKE).status_code == 204
    assert not Token.objects.filter(user=people.operator).exists()
    assert Token.objects.filter(user=people.dispatcher).exists()  # only one's own
    assert client.get("/api/v1/cases/").status_code == 401
    assert client.post(REVOKE).status_code == 401

    fresh = token_post("operator", "demo12345").json()["token"]
    assert fresh != key


def test_revoking_needs_credentials(db):
    assert APIClient().post(REVOKE).status_code == 401


def test_a_browser_session_revokes_only_with_the_csrf_token(people):
    Token.objects.create(user=people.operator)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.operator)
    assert client.post(REVOKE).status_code == 403
    assert Token.objects.filter(user=people.operator).exists()


def test_the_revocation_is_in_the_openapi_schema(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/auth/token/revoke/"]["post"]
    assert operation["tags"] == ["auth"]
    assert set(operation["responses"]) == {"204", "401"}
    assert "delete" not in schema["paths"]["/api/v1/auth/token/"]


def test_an_admin_revokes_anyones_token_in_the_admin(people):
    token = Token.objects.create(user=people.dispatcher)
    admin = Client()
    admin.force_login(people.admin)
    listing = admin.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200 and "dispatcher" in listing.content.decode()
    response = admin.post(f"/admin/authtoken/tokenproxy/{people.dispatcher.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cases/").status_code == 401
