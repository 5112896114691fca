"""The callback list (回访): closed citizen cases not called back, and 重办 after a dissatisfied one."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock, services
from cases.models import Case
from tests.cases.conftest import at, case_in

CALLBACKS = reverse("work:callbacks")
NOW = at("2026-11-20 10:00")
CALLED_AT = at("2026-11-19 10:00")


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def numbers_on(html: str) -> list[str]:
    return re.findall(r'class="list-group-item callback-case" data-number="(\w+)"', html)


def tab_counts(html: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'data-tab="(\w+)".*?tab-count">(\d+)<', html, re.S)}


def get(client, user, **params):
    client.force_login(user)
    with clock.acting_at(NOW):
        return client.get(CALLBACKS, params)


def call_back(case, world, satisfaction="satisfied", moment=CALLED_AT):
    with clock.acting_at(moment):
        return services.case_callback(case=case, by=world.operator, satisfaction=satisfaction, resolved=True)


def test_it_lists_closed_citizen_cases_not_called_back_oldest_closure_first(client, world):
    newer = case_in("closed", world, moment=at("2026-11-18 09:00"))
    older = case_in("closed", world, source="public", moment=at("2026-11-17 09:00"))
    called = call_back(case_in("closed", world), world)
    patrol = case_in("closed", world, source="patrol")
    still_open = case_in("handled", world)

    response = get(client, world.operator)
    assert response.status_code == 200
    html = response.content.decode()
    assert numbers_on(html) == [older.number, newer.number]
    for hidden in (called, patrol, still_open):
        assert hidden.number not in numbers_on(html)
    assert tab_counts(html) == {"pending": 2, "dissatisfied": 0}
    # The operator may read the caller in full and gets the callback form, posting back here.
    assert "13812345678" in html and "王五" in html
    url = reverse("work:case_action", kwargs={"number": older.number, "action": "callback"})
    assert f'action="{url}"' in html
    assert '<input type="hidden" name="next" value="/work/callbacks/">' in html
    assert 'name="satisfaction"' in html and 'name="resolved"' in html


def test_a_case_reopened_and_closed_again_needs_a_new_callback(client, world):
    case = call_back(case_in("closed", world), world, satisfaction="dissatisfied")
    assert numbers_on(get(client, world.operator).content.decode()) == []
    Case.objects.filter(pk=case.pk).update(closed_at=at("2026-11-19 16:00"))  # closed again after the callback
    assert numbers_on(get(client, world.operator).content.decode()) == [case.number]


def test_a_dissatisfied_case_is_offered_for_reopen(client, world):
    unhappy = call_back(case_in("closed", world), world, satisfaction="dissatisfied")
    happy = call_back(case_in("closed", world), world)
    stale = call_back(case_in("closed", world, moment=at("2026-10-01 09:00")), world, "dissatisfied")

    html = get(client, world.dispatcher, tab="dissatisfied").content.decode()
    assert numbers_on(html) == [unhappy.number]
    assert happy.number not in html and stale.number not in html
    reopen = reverse("work:case_action", kwargs={"number": unhappy.number, "action": "reopen"})
    assert f'action="{reopen}"' in html
    assert "不满意" in html
    # An operator sees the list but cannot reopen (a dispatcher's action), and the phone is shown in full.
    html = get(client, world.operator, tab="dissatisfied").content.decode()
    assert numbers_on(html) == [unhappy.number] and f'action="{reopen}"' not in html


def test_filters_by_district_source_closing_day_and_search(client, world):
    hotline = case_in("closed", world, moment=at("2026-11-17 09:00"))
    public = case_in("closed", world, source="public", moment=at("2026-11-18 09:00"))
    far = case_in("closed", world, grid=len(world.city.grids) - 1)
    district = world.city.districts[0].code
    assert world.city.grids[-1].district_id != world.city.districts[0].id

    def shown(**params):
        return set(numbers_on(get(client, world.operator, **params).content.decode()))

    assert shown(district=district) == {hotline.number, public.number}
    assert shown(source="public") == {public.number}
    assert shown(closed_from="2026-11-18") == {public.number, far.number}
    assert shown(closed_to="2026-11-17") == {hotline.number}
    assert shown(q=hotline.number) == {hotline.number}
    assert shown(q="13812345678") == {hotline.number, far.number}


def test_a_bad_filter_is_named_next_to_its_field_and_kept(client, world):
    html = get(client, world.operator, closed_from="2026-11-20", closed_to="2026-11-01", q="井盖").content.decode()
    assert "结束日期不能早于开始日期。" in html
    assert 'value="井盖"' in html and 'value="2026-11-01"' in html
    html = get(client, world.operator, source="bogus").content.decode()
    assert "is-invalid" in html


def test_a_handler_or_inspector_has_no_callback_list(client, world):
    for user in (world.handler_a, world.inspector, world.leader):
        assert get(client, user).status_code == 403, user.username
    for user in (world.operator, world.shift_leader, world.dispatcher, world.admin):
        assert get(client, user).status_code == 200, user.username


def test_a_masked_user_sees_no_caller_phone(client, world):
    case_in("closed", world)
    html = get(client, world.admin).content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_the_callback_list_costs_the_same_queries_for_5_or_25_cases(client, world):
    def queries_for(rows: int) -> int:
        while Case.objects.count() < rows:
            case_in("closed", world)
        client.force_login(world.operator)
        with clock.acting_at(NOW):
            client.get(CALLBACKS)  # warm the process's reference copies
            with CaptureQueriesContext(connection) as captured:
                response = client.get(CALLBACKS)
        assert len(numbers_on(response.content.decode())) == min(rows, 20)
        return len(captured)

    assert queries_for(5) == queries_for(25)
