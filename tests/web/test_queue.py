"""The triage queue (派遣工作台) and the approvals tab: stages, filters, bulk actions, polling."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock, services
from cases.models import Case, CaseEvent
from tests.cases.conftest import at, case_in

QUEUE = reverse("work:queue")
ROWS = reverse("work:queue_rows")
BULK = reverse("work:queue_bulk")
APPROVALS = reverse("work:approvals")
NOW = at("2026-11-18 10:00")


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def get(client, user, url=QUEUE, **params):
    client.force_login(user)
    with clock.acting_at(NOW):
        return client.get(url, params)


def numbers_on(response) -> set[str]:
    return {row.case.number for row in response.context["rows"]}


def counts_on(html: str) -> dict[str, int]:
    found = re.findall(r'data-stage="(\w+)".*?tab-count">(\d+)<', html, re.S)
    return {key: int(n) for key, n in found}


def test_each_tab_counts_the_cases_in_its_stage(client, world):
    p = world
    accept = [case_in("reported", p), case_in("verifying", p)]
    verified = case_in("verifying", p)
    with clock.acting_at(at("2026-11-18 09:10")):
        verified = services.case_verify_reply(case=verified, by=p.inspector, valid=True, comment="属实")
    filed = [case_in("filed", p), case_in("filed", p)]
    asking = case_in("in_progress", p)
    with clock.acting_at(at("2026-11-18 09:20")):
        services.case_request_delay(case=asking, by=p.handler_a, reason="材料未到", extra_value=2)
    late = case_in("dispatched", p, moment=at("2026-11-02 09:00"))
    handling = [case_in("dispatched", p), asking, late]
    check = [case_in("handled", p), case_in("checking", p)]
    close = [case_in("checked", p)]
    suspended = [case_in("suspended", p)]
    case_in("closed", p)
    case_in("rejected", p)

    response = get(client, p.dispatcher)

    assert response.status_code == 200
    expected = {
        "accept": 2,
        "file": 1,
        "dispatch": 2,
        "handling": 3,
        "check": 2,
        "close": 1,
        "suspended": 1,
        "requests": 1,
        "overdue": 1,
        "all": 12,
    }
    assert counts_on(response.content.decode()) == expected
    stage_rows = {
        "accept": accept,
        "file": [verified],
        "dispatch": filed,
        "handling": handling,
        "check": check,
        "close": close,
        "suspended": suspended,
        "requests": [asking],
        "overdue": [late],
    }
    for stage, cases in stage_rows.items():
        assert numbers_on(get(client, p.dispatcher, stage=stage)) == {c.number for c in cases}, stage


def test_filters_narrow_the_rows_and_the_counts(client, world):
    p = world
    east = case_in("filed", p, grid=1)
    west = case_in("filed", p, grid=5)
    supervised = case_in("dispatched", p, grid=5)
    with clock.acting_at(NOW):
        services.case_supervise(case=supervised, by=p.dispatcher, note="尽快处理")

    response = get(client, p.dispatcher, district="339902")
    assert numbers_on(response) == {west.number, supervised.number}
    assert counts_on(response.content.decode())["dispatch"] == 1

    assert numbers_on(get(client, p.dispatcher, district="339901", stage="dispatch")) == {east.number}
    assert numbers_on(get(client, p.dispatcher, department="sz")) == {supervised.number}
    assert numbers_on(get(client, p.dispatcher, supervision="1")) == {supervised.number}
    # The filter stays in the polling URL, so a refresh shows the same rows.
    assert "district=339902" in get(client, p.dispatcher, district="339902").content.decode()


def test_a_bad_filter_value_is_named_and_lists_nothing(client, world):
    case_in("filed", world)
    response = get(client, world.dispatcher, light="purple")
    assert response.status_code == 200
    assert numbers_on(response) == set()
    assert "light" in response.context["errors"]


def test_it_finds_a_case_by_number_and_by_phone_for_those_who_may_see_callers(client, world):
    p = world
    mine = case_in("filed", p, caller_phone="13900001111")
    other = case_in("filed", p)

    assert numbers_on(get(client, p.dispatcher, q=mine.number)) == {mine.number}
    assert numbers_on(get(client, p.dispatcher, q=other.number)) == {other.number}
    assert numbers_on(get(client, p.dispatcher, q="13900001111")) == {mine.number}
    # The admin may use the queue but not read callers' phones (DOMAIN.md §10): no lookup by phone.
    assert numbers_on(get(client, p.admin, q="13900001111")) == set()


def test_it_refuses_people_outside_the_command_centre(client, world):
    assert get(client, world.handler_a).status_code == 403
    assert get(client, world.leader, url=APPROVALS).status_code == 403  # leaders read the queue, nothing more
    assert get(client, world.inspector, url=APPROVALS).status_code == 403
    client.logout()
    assert client.get(QUEUE).status_code == 302  # to the login page


def test_pages_of_twenty_cost_the_same_queries_as_five_rows(client, world):
    p = world
    first = [case_in("filed", p) for _ in range(5)]
    get(client, p.dispatcher)  # warm the process's reference copies

    client.force_login(p.dispatcher)
    with CaptureQueriesContext(connection) as five, clock.acting_at(NOW):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 5

    more = [case_in("filed", p, grid=g % 8) for g in range(20)]
    with CaptureQueriesContext(connection) as twenty, clock.acting_at(NOW):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 20
    assert len(twenty) == len(five), [q["sql"] for q in twenty.captured_queries]

    second = get(client, p.dispatcher, page=2)
    assert second.context["paginator"].count == 25
    assert len(second.context["rows"]) == 5
    seen = numbers_on(response) | numbers_on(second)
    assert seen == {c.number for c in first + more}
    assert "page=2" in response.content.decode()


def test_bulk_dispatch_dispatches_every_selected_case(client, world):
    p = world
    one, two = case_in("filed", p), case_in("filed", p)
    client.force_login(p.dispatcher)

    with clock.acting_at(NOW):
        response = client.post(
            BULK, {"action": "dispatch", "cases": [one.number, two.number], "department": "hw", "next": QUEUE}
        )

    assert response.status_code == 302
    for case in (one, two):
        case.refresh_from_db()
        assert case.status == "dispatched"
        assert case.department.code == "hw"
        assert CaseEvent.objects.filter(case=case, action="dispatch", actor=p.dispatcher).count() == 1
    shown = [str(m) for m in response.wsgi_request._messages]
    assert len(shown) == 2 and all("已派遣" in m for m in shown)


def test_a_bulk_action_a_row_does_not_allow_is_reported_and_changes_nothing(client, world):
    p = world
    ready = case_in("filed", p)
    already = case_in("dispatched", p)
    events_before = CaseEvent.objects.filter(case=already).count()
    client.force_login(p.dispatcher)

    with clock.acting_at(NOW):
        response = client.post(
            BULK, {"action": "dispatch", "cases": [ready.number, already.number]}, HTTP_HX_REQUEST="true"
        )

    html = response.content.decode()
    assert response["HX-Trigger"] == "queueChanged"
    assert re.search(rf'data-number="{already.number}" data-ok="false"', html)
    assert re.search(rf'data-number="{ready.number}" data-ok="true"', html)
    assert "已跳过" in html
    already.refresh_from_db()
    assert already.status == "dispatched" and already.department.code == "sz"
    assert CaseEvent.objects.filter(case=already).count() == events_before
    ready.refresh_from_db()
    assert ready.status == "dispatched"


def test_a_bulk_file_by_someone_without_the_role_is_refused_per_case(client, world):
    case = case_in("reported", world)
    client.force_login(world.dispatcher)
    with clock.acting_at(NOW):
        response = client.post(BULK, {"action": "file", "cases": [case.number]}, HTTP_HX_REQUEST="true")
    assert 'data-ok="false"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == "reported"


def test_a_bulk_post_without_rows_or_action_says_so(client, world):
    client.force_login(world.dispatcher)
    response = client.post(BULK, {"action": "dispatch"}, HTTP_HX_REQUEST="true")
    assert "请先勾选案件" in response.content.decode()
    response = client.post(BULK, {"action": "close", "cases": ["x"]}, HTTP_HX_REQUEST="true")
    assert "请选择要执行的批量操作" in response.content.decode()


def test_the_page_polls_rows_and_counts_only_while_the_user_is_not_acting(client, world):
    case_in("filed", world)
    html = get(client, world.dispatcher, district="339901").content.decode()
    # Polling without an htmx trigger filter (eval, refused by the CSP): queue.js sends queuePoll.
    assert 'data-poll-seconds="15"' in html
    assert 'hx-trigger="queuePoll, queueChanged from:body"' in html
    assert f'hx-get="{ROWS}?district=339901"' in html
    guard = (Path(settings.BASE_DIR) / "static" / "js" / "queue.js").read_text()
    assert "window.queueBusy" in guard
    assert 'if (!window.queueBusy()) htmx.trigger(live, "queuePoll")' in guard
    for condition in (".case-check:checked", "document.activeElement", "#queue-live:hover"):
        assert condition in guard

    rows = get(client, world.dispatcher, url=ROWS, district="339901").content.decode()
    assert 'id="queue-tabs" hx-swap-oob="true"' in rows
    assert "<html" not in rows


def test_rows_show_light_remaining_time_and_allowed_actions(client, world):
    p = world
    late = case_in("dispatched", p, moment=at("2026-11-02 09:00"))
    response = get(client, p.dispatcher, stage="overdue")
    row = response.context["rows"][0]
    assert row.case.number == late.number
    assert row.light_class == "danger"
    assert row.remaining.startswith("超期")
    assert {name for name, _label in row.actions} == {"supervise"}
    html = response.content.decode()
    assert reverse("work:case", kwargs={"number": late.number}) + "#act-supervise-panel" in html


def test_approvals_lists_pending_requests_with_decide_forms(client, world):
    p = world
    asking = case_in("in_progress", p)
    with clock.acting_at(NOW):
        services.case_request_delay(case=asking, by=p.handler_a, reason="材料未到", extra_value=2)
    case_in("in_progress", p)

    response = get(client, p.dispatcher, url=APPROVALS)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.request.case.number for r in rows] == [asking.number]
    assert rows[0].may_decide
    html = response.content.decode()
    action = reverse("work:case_action", kwargs={"number": asking.number, "action": "decide-request"})
    assert f'action="{action}"' in html
    assert "材料未到" in html and 'name="approve" value="true"' in html
    assert f'name="next" value="{APPROVALS}"' in html
    # An operator may open the tab but cannot decide.
    operator_rows = get(client, p.operator, url=APPROVALS).context["rows"]
    assert [r.may_decide for r in operator_rows] == [False]
    assert Case.objects.get(pk=asking.pk).status == "in_progress"


def test_the_dispatch_tab_puts_the_nearest_step_deadline_first(client, world):
    """Before dispatch there is no handling deadline: the step's own deadline orders the tab."""
    from tests.cases.conftest import report_case

    with clock.acting_at(at("2026-11-18 09:00")):
        reported_first = report_case(world)
    with clock.acting_at(at("2026-11-18 09:05")):
        reported_second = report_case(world)
        services.case_file(case=reported_second, by=world.shift_leader)
    with clock.acting_at(at("2026-11-18 09:30")):
        services.case_file(case=reported_first, by=world.shift_leader)
    html = get(client, world.dispatcher, stage="dispatch").content.decode()
    # Filed at 09:05, its 10-minute dispatch step ends first, though its number is the later one.
    assert html.index(reported_second.number) < html.index(reported_first.number)
    by_number = get(client, world.dispatcher, stage="dispatch", ordering="-reported_at").content.decode()
    assert by_number.index(reported_second.number) < by_number.index(reported_first.number)
    handling = get(client, world.dispatcher, stage="dispatch", ordering="reported_at").content.decode()
    assert handling.index(reported_first.number) < handling.index(reported_second.number)
