"""The leader dashboard: figures of the leader's region, chart data from the
stored statistics (cached by version), access, and links to the cases behind
every number."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import clock, services
from reports import assessment, stats
from reports.models import Figure
from tests.cases.conftest import *  # noqa: F403 (the lifecycle fixtures)
from tests.cases.conftest import at, case_in
from tests.factories import make_person
from tests.reports.conftest import closed_case, dispatched

PAGE = reverse("reports:dashboard")
MONTH = "2026-11"
NOW = at("2026-11-20 10:00")


def data_url(part: str) -> str:
    return reverse("reports:dashboard_data", args=[part])


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture(autouse=True)
def _empty_cache():
    """The chart data is cached (Redis when REDIS_URL is set): start each test without it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cases(world):
    """November 2026: district 339901 (grids 0–3) has two closed cases and one
    being handled; district 339902 (grids 4–7) one closed case, one case filed
    and then voided, and one only reported (not filed: not in the cohort)."""
    p = world
    made = {
        "closed_1": [closed_case(p, "2026-11-03 09:00", grid=1), closed_case(p, "2026-11-04 09:00", grid=2)],
        "open_1": dispatched(p, "2026-11-05 09:00", grid=1),
        "closed_2": closed_case(p, "2026-11-06 09:00", grid=5),
        "reported_2": case_in("reported", p, grid=6),
    }
    voided = case_in("filed", p, grid=6)
    with clock.acting_at(at("2026-11-07 09:00")):
        made["voided_2"] = services.case_void(case=voided, by=p.shift_leader, reason="重复上报")
    stats.rebuild()
    return made


def get(client, user, url=PAGE, **params):
    client.force_login(user)
    with clock.acting_at(NOW):
        return client.get(url, params)


def chart(client, user, part: str, month: str = MONTH) -> dict:
    response = get(client, user, data_url(part), month=month)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def figures_on(response) -> dict[str, object]:
    return {figure["key"]: figure["value"] for figure in response.context["figures"]}


def queue_numbers(client, user, url: str) -> set[str]:
    """The case numbers the triage queue lists at ``url`` (every page)."""
    client.force_login(user)
    numbers, page = set(), 1
    while True:
        with clock.acting_at(NOW):
            response = client.get(url, {"page": page} if page > 1 else {})
        assert response.status_code == 200, response.content[:500]
        numbers |= {row.case.number for row in response.context["rows"]}
        if not response.context["page"].has_next():
            return numbers
        page += 1


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# --- the page ----------------------------------------------------------------------------


def test_a_city_leader_sees_the_city_figures_with_voided_and_unfiled_cases_left_out(client, world, cases):
    response = get(client, world.city_leader, month=MONTH)
    assert response.status_code == 200
    assert response.context["scope"].level == "city"
    shown = figures_on(response)
    # Filed: 3 in 339901 + 1 in 339902 (the voided and the unfiled case are not in the cohort).
    assert shown["filed"] == 4
    assert shown["closed"] == 3
    assert shown["closure_rate"] == "75.00 %"
    assert shown["on_time_closure_rate"] == "75.00 %"
    assert shown["not_closed"] == 1
    html = response.content.decode()
    assert "75.00 %" in html and "实时" in html  # the month is live (not frozen) and says so
    assert response.context["state"]["frozen"] is False
    assert response.context["state"]["as_of"] is not None


def test_the_city_ranking_ranks_districts_with_the_red_flag_on_rank_one(client, world, cases):
    data = chart(client, world.city_leader, "ranking")
    assert data["level"] == "district"
    rows = {row["code"]: row for row in data["rows"]}
    assert set(rows) == {"339901", "339902"}
    # 339902 closed its only case: 100 %, ahead of 339901's 2 of 3.
    assert rows["339902"]["rank"] == 1 and rows["339902"]["red_flag"] is True
    assert rows["339901"]["rank"] == 2 and rows["339901"]["red_flag"] is False
    assert rows["339901"]["closure_rate"] == pytest.approx(0.6667)
    assert rows["339902"]["filed"] == 1 and rows["339901"]["filed"] == 3
    # Two units and boards of three: both make the 红榜; the 黑榜 never takes a unit of the 红榜.
    assert rows["339902"]["board"] == rows["339901"]["board"] == "red"


def test_a_district_leader_reads_only_their_district(client, world, cases):
    leader = world.leader  # region 339901
    response = get(client, leader, month=MONTH)
    assert response.status_code == 200
    assert response.context["scope"].code == "339901"
    shown = figures_on(response)
    assert shown["filed"] == 3 and shown["closed"] == 2 and shown["closure_rate"] == "66.67 %"
    # The headline says where the district stands in the city.
    rank = response.context["head"]["rank"]
    assert rank["rank"] == 2 and rank["of"] == 2 and rank["level"] == "district"
    assert "排名第 2 / 2" in response.content.decode()

    ranking = chart(client, leader, "ranking")
    assert ranking["level"] == "street"
    assert [row["code"] for row in ranking["rows"]] == ["339901001"]
    layers = chart(client, leader, "map")
    assert layers["heat_fields"][0] == layers["point_fields"][0] == "grid"
    grids = {row[0] for row in layers["heat"]}
    assert grids == {world.city.grids[1].code, world.city.grids[2].code}
    # The open case of grid 1, at its centroid, with its light; a link base to add the grid to.
    grid = world.city.grids[1]
    assert layers["point_fields"] == ["grid", "lat", "lng", "red", "yellow", "green", "none"]
    centroid = [round(grid.centroid_lat, 5), round(grid.centroid_lng, 5)]
    assert [row[:3] for row in layers["points"]] == [[grid.code, *centroid]]
    assert sum(layers["points"][0][3:]) == 1
    assert query_of(layers["links"]["open"]) == {"district": "339901"}
    assert query_of(layers["links"]["heat"])["filed_after"] == "2026-11-01"
    categories = chart(client, leader, "categories")["categories"]
    assert sum(c["filed"] for c in categories) == 3


def test_a_street_leader_reads_their_street_and_its_rank_among_the_streets(client, world, cases):
    street = world.city.streets[1]  # 339902001
    leader = make_person("leader-street", ["leader"], region=street)
    response = get(client, leader, month=MONTH)
    assert response.context["scope"].level == "street"
    assert figures_on(response)["filed"] == 1 and figures_on(response)["closure_rate"] == "100.00 %"
    assert response.context["head"]["rank"]["level"] == "street"
    rows = chart(client, leader, "ranking")["rows"]
    assert [(row["code"], row["own"]) for row in rows] == [("339902001", True)]
    links = {f["key"]: f["url"] for f in response.context["figures"]}
    assert query_of(links["filed"])["street"] == "339902001"
    assert queue_numbers(client, leader, links["filed"]) == {cases["closed_2"].number}


def test_the_trend_gives_twelve_months_with_no_value_where_nothing_was_filed(client, world, cases):
    points = chart(client, world.city_leader, "trend")["points"]
    assert len(points) == 12
    assert points[-1]["month"] == "2026-11-01" and points[0]["month"] == "2025-12-01"
    assert points[-1]["closure_rate"] == pytest.approx(0.75)
    # A month without cases has no rate (never 0 % or 100 %).
    assert points[-2]["filed"] == 0 and points[-2]["closure_rate"] is None


def test_a_frozen_month_shows_the_frozen_figures_and_says_so(client, world, cases):
    frozen_month = assessment.freeze(date(2026, 11, 1), now=at("2026-12-04 00:20"))
    assert frozen_month is not None
    # Live figures move on after the freeze; the frozen month does not.
    Figure.objects.filter(month=date(2026, 11, 1), level="city", dimension="all").update(filed=99)
    response = get(client, world.city_leader, month=MONTH)
    assert response.context["state"]["frozen"] is True
    assert response.context["state"]["as_of"] == frozen_month.as_of
    assert figures_on(response)["filed"] == 4 and figures_on(response)["closure_rate"] == "75.00 %"
    assert "已冻结" in response.content.decode()
    assert chart(client, world.city_leader, "trend")["points"][-1]["filed"] == 4
    assert chart(client, world.city_leader, "ranking")["frozen"] is True


def test_a_month_without_cases_shows_dashes_not_zero_percent(client, world, cases):
    response = get(client, world.city_leader, month="2026-09")
    shown = figures_on(response)
    assert shown["filed"] == 0
    assert shown["closure_rate"] == "—" and shown["on_time_closure_rate"] == "—"
    assert "0.00 %" not in response.content.decode()


def test_closure_by_channel_group(client, world, cases):
    groups = {g["group"]: g for g in chart(client, world.city_leader, "channels")["groups"]}
    assert list(groups) == ["citizen", "patrol", "video", "other"]
    assert groups["citizen"]["filed"] == 4 and groups["citizen"]["closed"] == 3
    assert groups["patrol"]["filed"] == 0 and groups["patrol"]["closure_rate"] is None
    assert query_of(groups["citizen"]["url"])["source"] == "hotline,public"


def test_overdue_by_department_counts_open_cases_now(client, world, cases):
    stats.refresh_open_cases(at("2026-12-30 10:00"))  # long past the handling deadline
    departments = chart(client, world.city_leader, "overdue")["departments"]
    # The reported case is open too, with no department yet (and no handling deadline).
    assert [(d["code"], d["open"], d["overdue"]) for d in departments] == [("sz", 1, 1), ("", 1, 0)]
    assert query_of(departments[0]["url"]) == {"department": "sz", "stage": "overdue"}
    assert query_of(departments[1]["url"]) == {"stage": "dispatch"}


def test_hot_grids_are_the_busiest_of_the_month(client, world, cases):
    grids = chart(client, world.city_leader, "grids")["grids"]
    assert grids[0]["code"] == world.city.grids[1].code and grids[0]["filed"] == 2
    assert sum(g["filed"] for g in grids) == 4


# --- links to the cases behind the numbers -----------------------------------------------


def test_the_headline_links_list_exactly_the_cases_behind_the_figures(client, world, cases):
    response = get(client, world.city_leader, month=MONTH)
    links = {figure["key"]: figure["url"] for figure in response.context["figures"]}
    in_cohort = {c.number for c in (*cases["closed_1"], cases["open_1"], cases["closed_2"])}
    assert queue_numbers(client, world.city_leader, links["filed"]) == in_cohort
    closed = {c.number for c in (*cases["closed_1"], cases["closed_2"])}
    assert queue_numbers(client, world.city_leader, links["closed"]) == closed
    assert queue_numbers(client, world.city_leader, links["not_closed"]) == {cases["open_1"].number}
    assert query_of(links["filed"])["filed_after"] == "2026-11-01"
    assert query_of(links["filed"])["filed_before"] == "2026-11-30"


def test_a_district_bar_links_to_that_districts_cases(client, world, cases):
    rows = {row["code"]: row for row in chart(client, world.city_leader, "ranking")["rows"]}
    assert query_of(rows["339902"]["url"])["district"] == "339902"
    assert queue_numbers(client, world.city_leader, rows["339902"]["url"]) == {cases["closed_2"].number}
    district_1 = {c.number for c in (*cases["closed_1"], cases["open_1"])}
    assert queue_numbers(client, world.city_leader, rows["339901"]["url"]) == district_1


def test_a_district_leader_following_a_link_sees_only_their_districts_cases(client, world, cases):
    other = {row["code"]: row for row in chart(client, world.city_leader, "ranking")["rows"]}["339902"]["url"]
    assert queue_numbers(client, world.leader, other) == set()  # the queue is scoped by visible_to
    links = {f["key"]: f["url"] for f in get(client, world.leader, month=MONTH).context["figures"]}
    assert query_of(links["filed"])["district"] == "339901"
    assert len(queue_numbers(client, world.leader, links["filed"])) == 3


def test_category_and_grid_links_carry_their_code_and_the_month(client, world, cases):
    category = chart(client, world.city_leader, "categories")["categories"][0]
    query = query_of(category["url"])
    assert query["category"] == category["code"] == "01001"
    assert query["state"] == "all" and query["filed_after"] == "2026-11-01"
    grid = chart(client, world.city_leader, "grids")["grids"][0]
    assert len(queue_numbers(client, world.city_leader, grid["url"])) == grid["filed"]


# --- caching and freshness ------------------------------------------------------------------


def test_new_figures_reach_the_cached_charts_through_the_version(
    client, world, cases, django_capture_on_commit_callbacks
):
    before = chart(client, world.city_leader, "channels")["groups"][0]["filed"]
    # A figure changed behind the cache's back is not seen while the version stands ...
    Figure.objects.filter(month=date(2026, 11, 1), level="city", dimension="channel", key="citizen").update(filed=99)
    assert chart(client, world.city_leader, "channels")["groups"][0]["filed"] == before
    # ... and a recompute bumps the version once it commits: the chart shows the new figures.
    closed_case(world, "2026-11-10 09:00", grid=3)
    with django_capture_on_commit_callbacks(execute=True):
        stats.rebuild()
    assert chart(client, world.city_leader, "channels")["groups"][0]["filed"] == before + 1


def test_in_embedded_mode_the_page_takes_the_queue_of_changes_first(client, world):
    closed_case(world, "2026-11-03 09:00", grid=1)
    assert stats.pending() > 0  # nothing committed in the test: no refresh ran yet
    response = get(client, world.city_leader, month=MONTH)
    assert stats.pending() == 0
    assert figures_on(response)["filed"] == 1 and figures_on(response)["closed"] == 1


# --- access -------------------------------------------------------------------------------


def test_only_leaders_and_admins_may_open_the_dashboard(client, world, cases):
    for user in (world.handler_a, world.inspector, world.operator, world.outsider):
        assert get(client, user).status_code == 403, user.username
        assert get(client, user, data_url("ranking"), month=MONTH).status_code == 403, user.username
    admin = get(client, world.admin, month=MONTH)
    assert admin.status_code == 200 and admin.context["scope"].level == "city"
    client.logout()
    assert client.get(PAGE).status_code == 302
    assert client.get(data_url("trend")).status_code == 302


def test_a_bad_month_or_part_is_refused(client, world, cases):
    assert get(client, world.city_leader, data_url("ranking"), month="2026-13").status_code == 400
    assert get(client, world.city_leader, data_url("nothing"), month=MONTH).status_code == 404
    # The page falls back to the current month rather than failing.
    assert get(client, world.city_leader, month="soon").status_code == 200


def test_the_page_defaults_to_the_current_month_and_offers_the_big_screen(client, world, cases):
    response = get(client, world.city_leader)
    assert response.context["month"] == date(2026, 11, 1)  # the clock's month, Asia/Shanghai
    screen = get(client, world.city_leader, month=MONTH, screen="1")
    html = screen.content.decode()
    assert screen.context["screen"] is True
    assert 'id="dash-fullscreen"' in html and "every 60s" in html  # headline refresh
    assert "navbar" not in html  # full-screen layout without the navigation bar
    assert 'id="dashboard-config"' in get(client, world.city_leader, month=MONTH).content.decode()
    # What the big screen polls: the headline alone, with its figures.
    partial = get(client, world.city_leader, month=MONTH, screen="1", partial="headline").content.decode()
    assert partial.startswith('<section id="dash-headline"') and "75.00 %" in partial and "<html" not in partial


# --- the queue for leaders ------------------------------------------------------------------


def test_a_leader_reads_the_queue_without_bulk_actions(client, world, cases):
    response = get(client, world.leader, reverse("work:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bulk-form"' not in html and "case-check" not in html
    assert {row.case.number for row in response.context["rows"]} == {cases["open_1"].number}
    client.force_login(world.leader)
    assert client.post(reverse("work:queue_bulk"), {"action": "dispatch"}).status_code == 403
    assert get(client, world.leader, reverse("work:approvals")).status_code == 403


def test_state_all_lists_closed_cases_and_keeps_the_link_filters_in_the_form(client, world, cases):
    dispatcher = world.dispatcher
    url = reverse("work:queue")
    open_only = get(client, dispatcher, url, district="339902")
    assert {row.case.number for row in open_only.context["rows"]} == {cases["reported_2"].number}
    everything = get(client, dispatcher, url, district="339902", state="all", status="closed", filed_after="2026-11-01")
    assert {row.case.number for row in everything.context["rows"]} == {cases["closed_2"].number}
    html = everything.content.decode()
    assert '<input type="hidden" name="state" value="all">' in html
    assert '<input type="hidden" name="filed_after" value="2026-11-01">' in html
    assert "全部案件" in html
    assert "立案不早于：2026-11-01" in html and "状态：已结案" in html  # the link's filters, in words
