"""The department inbox (专业部门) and notifications: who sees what, in which tab."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock, services
from cases.models import Case, Notification
from tests.cases.conftest import at, case_in, photo

INBOX = reverse("work:inbox")
NOTIFICATIONS = reverse("work:notifications")
NOW = at("2026-11-18 10:00")


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def tab_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-tab="(\w+)".*?tab-count">(\d+)<', html, re.S)
    return {key: int(n) for key, n in found}


def numbers_on(html: str) -> set[str]:
    return set(re.findall(r'class="card shadow-sm inbox-case" data-number="(\w+)"', html))


def get_inbox(client, user, **params):
    client.force_login(user)
    with clock.acting_at(NOW):
        return client.get(INBOX, params)


def test_a_handler_sees_only_their_departments_cases_in_the_right_tabs(client, world):
    to_sign = case_in("dispatched", world)
    doing = case_in("in_progress", world)
    late = case_in("in_progress", world, moment=at("2026-11-16 09:00"))  # 6 working hours: due Monday 16:00
    suspended = case_in("suspended", world)
    handled = case_in("handled", world)
    reworked = case_in("checking", world)
    with clock.acting_at(at("2026-11-18 09:30")):
        reworked = services.case_check_fail(case=reworked, by=world.inspector, reason="未修复", photos=[photo()])
    requested = case_in("in_progress", world)
    with clock.acting_at(at("2026-11-18 09:30")):
        services.case_request_delay(case=requested, by=world.handler_a, reason="材料未到", extra_value=2)
    elsewhere = case_in("dispatched", world, department="hw")
    closed = case_in("closed", world)

    response = get_inbox(client, world.handler_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert tab_counts(html) == {
        "sign": 1,
        "doing": 4,
        "rework": 1,
        "overdue": 1,
        "requests": 1,
        "suspended": 1,
        "handled": 1,
    }
    assert numbers_on(html) == {to_sign.number}
    assert elsewhere.number not in html and closed.number not in html

    def tab(name):
        return numbers_on(get_inbox(client, world.handler_a, tab=name).content.decode())

    assert tab("doing") == {doing.number, late.number, reworked.number, requested.number}
    assert tab("rework") == {reworked.number}
    assert tab("overdue") == {late.number}
    assert tab("requests") == {requested.number}
    assert tab("suspended") == {suspended.number}
    assert tab("handled") == {handled.number}
    # The other department sees its own case and none of these.
    assert numbers_on(get_inbox(client, world.handler_b).content.decode()) == {elsewhere.number}


def test_each_card_offers_the_handlers_actions_posting_back_to_the_inbox(client, world):
    to_sign = case_in("dispatched", world)
    doing = case_in("in_progress", world)
    html = get_inbox(client, world.handler_a).content.decode()
    sign_url = reverse("work:case_action", kwargs={"number": to_sign.number, "action": "sign"})
    assert f'action="{sign_url}"' in html
    assert '<input type="hidden" name="next" value="/work/inbox/">' in html

    html = get_inbox(client, world.handler_a, tab="doing").content.decode()
    for action in ("feedback", "contact-caller", "request-delay", "request-return", "request-suspend"):
        url = reverse("work:case_action", kwargs={"number": doing.number, "action": action})
        assert f'action="{url}"' in html, action
    # The after-photo input opens the phone's camera.
    assert re.search(r'id="feedback-\w+-photos" name="photos" accept="image/\*" capture="environment"', html)
    # A handler sees the caller's phone masked (DOMAIN.md §10).
    assert "138****5678" in html and "13812345678" not in html
    assert "sign" not in re.findall(r'data-action="([\w-]+)"', html)


def test_only_a_handler_with_a_department_has_an_inbox(client, world):
    for user in (world.operator, world.dispatcher, world.inspector, world.leader):
        client.force_login(user)
        assert client.get(INBOX).status_code == 403, user.username
    client.logout()
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_inbox_costs_the_same_queries_for_5_or_25_cases(client, world):
    def queries_for(rows: int) -> int:
        while Case.objects.count() < rows:
            case_in("in_progress", world)
        client.force_login(world.handler_a)
        with clock.acting_at(NOW):
            client.get(INBOX, {"tab": "doing"})  # warm the process's reference copies
            with CaptureQueriesContext(connection) as captured:
                response = client.get(INBOX, {"tab": "doing"})
        assert len(numbers_on(response.content.decode())) == min(rows, 20)
        return len(captured)

    few = queries_for(5)
    many = queries_for(25)
    assert few == many, (few, many)


# --- notifications ------------------------------------------------------------------------


def notify(case, text, *, department=None, user=None, minutes=0):
    return Notification.objects.create(
        kind=Notification.Kind.SUPERVISION,
        case=case,
        department=department,
        user=user,
        text=text,
        created_at=NOW - timedelta(minutes=60 - minutes),
    )


def test_notifications_list_newest_first_with_the_unread_count(client, world):
    case = case_in("in_progress", world)
    old = notify(case, "旧的督办", department=world.dept_a, minutes=1)
    new = notify(case, "新的提醒", department=world.dept_a, minutes=30)
    mine = notify(case, "给我个人的", user=world.handler_a, minutes=20)
    notify(case, "别的部门", department=world.dept_b, minutes=40)
    notify(case, "别人的", user=world.handler_b, minutes=50)
    old.read_at = NOW
    old.save()

    client.force_login(world.handler_a)
    html = client.get(NOTIFICATIONS).content.decode()
    texts = re.findall(r"<div>(.*?)</div>", html)
    assert [t for t in texts if t in {"旧的督办", "新的提醒", "给我个人的", "别的部门", "别人的"}] == [
        "新的提醒",
        "给我个人的",
        "旧的督办",
    ]
    assert 'id="unread-total">2<' in html
    badge = client.get(NOTIFICATIONS, {"badge": "1"}).content.decode()
    assert 'unread-count">2<' in badge
    unread_only = client.get(NOTIFICATIONS, {"unread": "1"}).content.decode()
    assert "新的提醒" in unread_only and "旧的督办" not in unread_only
    # The inbox shows the same count.
    assert 'unread-count">2<' in get_inbox(client, world.handler_a).content.decode()
    assert new.read_at is None and mine.read_at is None


def test_marking_a_notification_read(client, world):
    case = case_in("in_progress", world)
    ours = notify(case, "督办", department=world.dept_a)
    client.force_login(world.handler_a)
    with clock.acting_at(NOW):
        response = client.post(reverse("work:notification_read", args=[ours.pk]), {"next": INBOX})
    assert response.status_code == 302 and response["Location"] == INBOX
    ours.refresh_from_db()
    assert ours.read_at == NOW
    # htmx swaps the item: it comes back marked read.
    again = notify(case, "提醒", user=world.handler_a)
    response = client.post(reverse("work:notification_read", args=[again.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-read="1"' in response.content.decode()
    again.refresh_from_db()
    assert again.read_at is not None
    # An outside address in next= is not followed.
    response = client.post(reverse("work:notification_read", args=[ours.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == NOTIFICATIONS


def test_someone_elses_notification_is_a_404_and_stays_unread(client, world):
    case = case_in("in_progress", world, department="hw")
    theirs = notify(case, "督办", department=world.dept_b)
    personal = notify(case, "升级", user=world.handler_b)
    client.force_login(world.handler_a)
    for notification in (theirs, personal):
        assert client.post(reverse("work:notification_read", args=[notification.pk])).status_code == 404
        notification.refresh_from_db()
        assert notification.read_at is None
    assert client.get(reverse("work:notification_read", args=[theirs.pk])).status_code == 405


def test_the_notification_list_costs_the_same_queries_for_5_or_25(client, world):
    case = case_in("in_progress", world)

    def queries_for(rows: int) -> int:
        Notification.objects.all().delete()
        for i in range(rows):
            notify(case, f"督办 {i}", department=world.dept_a, minutes=i)
        client.force_login(world.handler_a)
        client.get(NOTIFICATIONS)
        with CaptureQueriesContext(connection) as captured:
            client.get(NOTIFICATIONS)
        return len(captured)

    assert queries_for(5) == queries_for(25)
