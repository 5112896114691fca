"""GET /api/v1/cases/ and /api/v1/cases/{number}/: scoping, masking, filters,
ordering, pagination and a query count that does not grow with the page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from cases.filters import DATE_WINDOW_SORT_MAX, ORDERINGS, order_cases
from cases.models import Case
from tests.cases.conftest import at, photo
from tests.cases.test_api_support import PHONE, advance, api, report
from tests.factories import make_person

URL = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["number"] for c in response.json()["results"]]


def listed(user, **params) -> list[str]:
    return numbers(api(user).get(URL, params))


@pytest.fixture
def assorted(world, frozen):
    """Three cases: a hotline case of district 1 with 市政, an urgent public case of
    district 2 with 环卫 filed a day later, and a patrol report still waiting."""
    hotline = advance(world, frozen, report(world, frozen, grid=0), "dispatched", when="2026-11-18 09:10")
    public = report(
        world, frozen, when="2026-11-19 08:00", grid=5, source="public", category="06010", description="一堆暴露垃圾",
        address="幸福巷 3 号", urgency="urgent", hotline_ticket_no="", caller_phone="13900000000", caller_name="",
    )  # fmt: skip
    public = advance(world, frozen, public, "dispatched", when="2026-11-19 08:30", department="hw")
    patrol = report(
        world, frozen, when="2026-11-19 09:00", grid=2, source="patrol", category="03005", description="垃圾箱破损",
        address="示范路 9 号", hotline_ticket_no="", caller_phone="", caller_name="", photos=[photo()],
    )  # fmt: skip
    return hotline, public, patrol


# --- personal data (DOMAIN.md §10) ----------------------------------------------------------


def test_an_operator_sees_the_callers_phone_and_name_in_full(world, frozen, assorted):
    hotline = assorted[0]
    row = api(world.operator).get(URL, {"q": hotline.number}).json()["results"][0]
    assert (row["caller_phone"], row["caller_name"]) == (PHONE, "王五")
    detail = api(world.dispatcher).get(f"{URL}{hotline.number}/").json()
    assert detail["caller_phone"] == PHONE


@pytest.mark.parametrize("who", ["handler_a", "leader", "city_leader", "inspector"])
def test_others_see_the_callers_phone_and_name_masked(world, frozen, assorted, who):
    hotline = assorted[0]
    client = api(getattr(world, who))
    row = next(c for c in client.get(URL).json()["results"] if c["number"] == hotline.number)
    assert (row["caller_phone"], row["caller_name"]) == ("138****5678", "王*")
    detail = client.get(f"{URL}{hotline.number}/").json()
    assert (detail["caller_phone"], detail["caller_name"]) == ("138****5678", "王*")
    assert Case.objects.get(pk=hotline.pk).caller_phone == PHONE  # masked on the way out only


def test_a_masked_user_cannot_find_cases_by_phone_number(world, frozen, assorted):
    hotline = assorted[0]
    assert listed(world.operator, q=PHONE) == [hotline.number]
    assert listed(world.handler_a) == [hotline.number]  # the case is theirs ...
    assert listed(world.handler_a, q=PHONE) == []  # ... but the phone does not find it
    assert listed(world.handler_a, q="138 1234 5678") == []


# --- scoping -------------------------------------------------------------------------------


def test_a_handler_sees_only_the_cases_with_their_department(world, frozen, assorted):
    hotline, public, _patrol = assorted
    assert listed(world.handler_a) == [hotline.number]
    assert listed(world.handler_b) == [public.number]
    assert api(world.handler_a).get(f"{URL}{public.number}/").status_code == 404


def test_a_district_leader_sees_only_their_district(world, frozen, assorted):
    hotline, public, patrol = assorted
    assert set(listed(world.leader)) == {hotline.number, patrol.number}
    assert api(world.leader).get(f"{URL}{public.number}/").status_code == 404
    assert set(listed(world.city_leader)) == {c.number for c in assorted}


def test_an_outsider_sees_nothing(world, frozen, assorted):
    response = api(world.outsider).get(URL)
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": [], "count_capped": False}
    assert api(world.outsider).get(f"{URL}{assorted[0].number}/").status_code == 404


# --- pagination ------------------------------------------------------------------------------


def clone(case: Case, n: int) -> None:
    """n more rows like ``case`` (pagination needs rows, not histories)."""
    copies = []
    for i in range(n):
        copy = Case.objects.get(pk=case.pk)
        copy.pk = None
        copy.number = f"20261001{i:05d}"
        copies.append(copy)
    Case.objects.bulk_create(copies)


def test_pages_hold_20_cases_with_links_to_the_next_and_previous(world, frozen):
    clone(report(world, frozen), 24)
    first = api(world.operator).get(URL).json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = api(world.operator).get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"] is not None
    assert not set(numbers_of(first)) & set(numbers_of(second))


def numbers_of(page: dict) -> list[str]:
    return [c["number"] for c in page["results"]]


def test_page_size_is_chosen_by_the_client_up_to_100(world, frozen):
    clone(report(world, frozen), 104)
    assert len(api(world.operator).get(URL, {"page_size": 7}).json()["results"]) == 7
    assert len(api(world.operator).get(URL, {"page_size": 500}).json()["results"]) == 100


def test_a_page_past_the_end_is_404(world, frozen):
    report(world, frozen)
    assert api(world.operator).get(URL, {"page": 9}).status_code == 404


def test_the_list_costs_the_same_queries_for_5_and_25_cases(world, frozen):
    """Codes from the process's reference copies, the pending request from one prefetch: not a query per row."""
    token = Token.objects.create(user=world.dispatcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def make(n: int, start: int) -> None:
        for i in range(n):
            case = report(world, frozen, when=f"2026-11-18 09:{start + i:02d}", grid=i % 8)
            if i % 2:
                case = advance(world, frozen, case, "in_progress", when="2026-11-18 10:00")
                with frozen(at("2026-11-18 10:30")):
                    services.case_request_delay(case=case, by=world.handler_a, reason="配件", extra_value=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    make(5, 0)
    queries()  # the first answer of a process reads its reference copies (departments, grids, categories)
    few, count = queries()
    assert count == 5
    make(20, 5)
    many, count = queries()
    assert count == 25
    assert many == few


def test_a_text_search_counts_up_to_its_cap_and_says_so(world, frozen, monkeypatch):
    monkeypatch.setattr("cases.filters.TEXT_SEARCH_COUNT_CAP", 3)
    clone(report(world, frozen, description="井盖缺失"), 4)
    found = api(world.operator).get(URL, {"q": "井盖"}).json()
    assert (found["count"], found["count_capped"], len(found["results"])) == (3, True, 3)
    assert found["next"] is None
    everything = api(world.operator).get(URL).json()
    assert (everything["count"], everything["count_capped"]) == (5, False)
    exact = api(world.operator).get(URL, {"q": "20261001"}).json()  # numbers: an index lookup, counted in full
    assert (exact["count"], exact["count_capped"]) == (4, False)


def varied(world, frozen) -> None:
    """Thirty cases whose deadlines tie, differ and are missing, for the order tests."""
    clone(advance(world, frozen, report(world, frozen), "dispatched", when="2026-11-18 09:10"), 29)
    for i, case in enumerate(Case.objects.order_by("number")):
        shift = None if i % 7 == 3 else timedelta(hours=i % 4)
        case.deadline = None if shift is None else case.deadline + shift
        case.filed_at = case.filed_at + timedelta(minutes=i % 5)
        case.save(update_fields=["deadline", "filed_at"])


@pytest.mark.parametrize("ordering", [*ORDERINGS, *(f"-{o}" for o in ORDERINGS)])
def test_few_matches_sorted_after_filtering_come_in_the_order_of_the_index_walk(world, frozen, ordering):
    varied(world, frozen)
    walk = order_cases(Case.objects.all(), ordering)
    assert str(walk.for_count(10**9).query) == str(walk.query)  # many matches: the plan is left alone
    few = walk.for_count(30)
    if connection.vendor == "postgresql":
        assert str(few.query) != str(walk.query)  # ordered by "<time> + interval '0'", which no index serves
    numbers_walked = list(walk.values_list("number", flat=True))
    assert len(numbers_walked) == 30
    assert list(few.values_list("number", flat=True)) == numbers_walked


def test_a_date_window_sorts_after_filtering_up_to_its_own_limit(world, frozen, assorted):
    plain = order_cases(Case.objects.all())
    windowed = order_cases(Case.objects.all().sort_after_filter_up_to(DATE_WINDOW_SORT_MAX))
    many = plain.explicit_sort_max + 1
    assert many <= DATE_WINDOW_SORT_MAX
    assert str(plain.for_count(many).query) == str(plain.query)
    if connection.vendor == "postgresql":
        assert str(windowed.for_count(many).query) != str(windowed.query)


def test_renamed_reference_rows_show_at_once(world, frozen, assorted):
    from org.models import Department, Region

    hotline = assorted[0]
    department = Department.objects.get(code="sz")
    department.name = "市政设施中心"
    department.save()
    district = Region.objects.get(code="339901")
    district.code = "339911"
    district.save()
    row = api(world.operator).get(URL, {"q": hotline.number}).json()["results"][0]
    assert (row["department"], row["department_name"], row["district"]) == ("sz", "市政设施中心", "339911")


# --- filters --------------------------------------------------------------------------------


def test_status_filter_takes_one_or_several_values(world, frozen, assorted):
    hotline, public, _patrol = assorted
    assert set(listed(world.operator, status="dispatched")) == {hotline.number, public.number}
    assert set(listed(world.operator, status="reported,dispatched")) == {c.number for c in assorted}
    assert listed(world.operator, status="closed") == []


def test_source_urgency_and_category_filters(world, frozen, assorted):
    hotline, public, patrol = assorted
    assert listed(world.operator, source="public") == [public.number]
    assert set(listed(world.operator, source="hotline,patrol")) == {hotline.number, patrol.number}
    assert listed(world.operator, urgency="urgent") == [public.number]
    assert listed(world.operator, category="01001") == [hotline.number]
    assert set(listed(world.operator, category="06010,03005")) == {public.number, patrol.number}


def test_territory_filters_take_region_and_grid_codes(world, frozen, assorted):
    hotline, public, patrol = assorted
    assert listed(world.operator, district="339902") == [public.number]
    assert set(listed(world.operator, street="339901001")) == {hotline.number, patrol.number}
    assert listed(world.operator, grid=world.city.grids[2].code) == [patrol.number]
    assert listed(world.operator, district="123456") == []


def test_department_filter_takes_department_codes(world, frozen, assorted):
    hotline, public, _patrol = assorted
    assert listed(world.operator, department="sz") == [hotline.number]
    assert set(listed(world.operator, department="sz,hw")) == {hotline.number, public.number}


def test_filed_after_and_before_take_dates_and_moments(world, frozen, assorted):
    hotline, public, _patrol = assorted
    assert listed(world.operator, filed_after="2026-11-19") == [public.number]
    assert listed(world.operator, filed_before="2026-11-18") == [hotline.number]  # the whole day
    assert set(listed(world.operator, filed_after="2026-11-18T09:10:00+08:00")) == {hotline.number, public.number}
    assert listed(world.operator, filed_after="2026-11-18T09:11:00+08:00") == [public.number]
    assert listed(world.operator, filed_before="2026-11-18T09:09:00+08:00") == []
    assert listed(world.operator, filed_before="2026-11-18T01:10:00Z") == [hotline.number]
    assert listed(world.operator, filed_after="2026-11-18 09:11") == [public.number]  # naive: Beijing time


def test_q_finds_by_number_prefix_address_and_description(world, frozen, assorted):
    hotline, public, patrol = assorted
    assert listed(world.operator, q=hotline.number) == [hotline.number]
    assert set(listed(world.operator, q="20261119")) == {public.number, patrol.number}
    assert set(listed(world.operator, q="示范路")) == {hotline.number, patrol.number}
    assert listed(world.operator, q="暴露垃圾") == [public.number]
    assert listed(world.operator, q="13900000000") == [public.number]


def test_light_filter_and_light_field_follow_the_step_clock(world, frozen):
    # Acceptance has 10 minutes: yellow after 8, red after 10.
    red = report(world, frozen, when="2026-11-18 08:50")
    yellow = report(world, frozen, when="2026-11-18 09:00")
    green = report(world, frozen, when="2026-11-18 09:05")
    with frozen(at("2026-11-18 09:09")):
        assert listed(world.operator, light="red") == [red.number]
        assert listed(world.operator, light="yellow") == [yellow.number]
        assert listed(world.operator, light="green") == [green.number]
        lights = {c["number"]: c["light"] for c in api(world.operator).get(URL).json()["results"]}
    assert lights == {red.number: "red", yellow.number: "yellow", green.number: "green"}


def test_overdue_filter_finds_open_cases_past_their_handling_deadline(world, frozen, assorted):
    hotline, public, patrol = assorted
    # 市政 has 6 working hours from 09:10 (16:10); 环卫's urgent 06010 2 natural hours from 08:30 on the 19th.
    with frozen(at("2026-11-19 09:00")):
        assert listed(world.operator, overdue="true") == [hotline.number]
        assert set(listed(world.operator, overdue="false")) == {public.number, patrol.number}
    with frozen(at("2026-11-19 11:00")):
        assert set(listed(world.operator, overdue="true")) == {hotline.number, public.number}


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "lost"),
        ("status", "filed,lost"),
        ("source", "pigeon"),
        ("urgency", "whenever"),
        ("light", "blue"),
        ("overdue", "maybe"),
        ("filed_after", "yesterday"),
        ("filed_before", "2026-13-45"),
        ("ordering", "number"),
    ],
)
def test_a_filter_value_that_means_nothing_is_a_400_naming_the_parameter(world, parameter, value):
    response = api(world.operator).get(URL, {parameter: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


# --- ordering --------------------------------------------------------------------------------


def test_default_order_is_deadline_first_and_cases_without_one_last(world, frozen, assorted):
    hotline, public, patrol = assorted
    # deadlines: hotline 2026-11-18 16:10, public 2026-11-19 10:30, patrol none
    assert listed(world.operator) == [hotline.number, public.number, patrol.number]
    assert listed(world.operator, ordering="-deadline") == [public.number, hotline.number, patrol.number]


def test_ordering_by_filing_and_reporting_time(world, frozen, assorted):
    hotline, public, patrol = assorted
    assert listed(world.operator, ordering="-filed_at") == [public.number, hotline.number, patrol.number]
    assert listed(world.operator, ordering="filed_at") == [hotline.number, public.number, patrol.number]
    assert listed(world.operator, ordering="-reported_at") == [patrol.number, public.number, hotline.number]
    assert listed(world.operator, ordering="reported_at") == [hotline.number, public.number, patrol.number]


# --- the case and its timeline ----------------------------------------------------------------


def test_detail_shows_the_timeline_with_actors_labels_and_photos(world, frozen, assorted):
    patrol = assorted[2]
    body = api(world.operator).get(f"{URL}{patrol.number}/").json()
    assert [(e["action"], e["action_label"], e["actor"], e["to_status"]) for e in body["events"]] == [
        ("report", "上报", "operator", "reported")
    ]
    assert body["events"][0]["created_at"] == "2026-11-19T09:00:00+08:00"
    assert len(body["events"][0]["photos"]) == 1
    assert body["attachments"][0]["stage"] == "report"
    assert re.fullmatch(r"http://testserver/api/v1/photos/\d+/", body["attachments"][0]["url"])


def test_detail_has_every_field_of_the_contract(world, frozen, assorted):
    body = api(world.operator).get(f"{URL}{assorted[0].number}/").json()
    contract = [
        "number",
        "status",
        "source",
        "category",
        "urgency",
        "description",
        "address",
        "lat",
        "lng",
        "district",
        "street",
        "community",
        "grid",
        "department",
        "reported_at",
        "filed_at",
        "dispatched_at",
        "signed_at",
        "handled_at",
        "closed_at",
        "deadline",
        "step_deadline",
        "light",
        "rework_count",
        "delay_count",
        "return_count",
        "duplicate_of",
        "supervision_level",
        "hotline_ticket_no",
        "hotline_type",
        "caller_name",
        "caller_phone",
        "satisfaction",
        "resolved",
        "events",
    ]
    assert set(contract) <= set(body)
    assert (body["department"], body["filed_at"], body["dispatched_at"]) == (
        "sz",
        "2026-11-18T09:10:00+08:00",
        "2026-11-18T09:10:00+08:00",
    )


def test_allowed_actions_follow_the_users_roles_and_the_cases_state(world, frozen, assorted):
    hotline, _public, patrol = assorted
    assert api(world.shift_leader).get(f"{URL}{patrol.number}/").json()["allowed_actions"] == ["file", "void"]
    assert api(world.handler_a).get(f"{URL}{hotline.number}/").json()["allowed_actions"] == [
        "sign",
        "request-return",
    ]
    centre = make_person("centre", ["operator", "shift_leader", "dispatcher"])
    assert api(centre).get(f"{URL}{patrol.number}/").json()["allowed_actions"] == [
        "verify-request",
        "file",
        "reject",
        "void",
        "link-duplicate",
        "supervise",
    ]
    assert api(world.outsider).get(f"{URL}{patrol.number}/").status_code == 404
