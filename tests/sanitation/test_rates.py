"""The waste-sorting rates (DOMAIN.md §9): weighted roll-ups, no value for zero
denominators, coverage, tonnage, and the rates page with its scoping."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.selectors import forget_grid_index
from sanitation import rates
from sanitation.models import DailyTonnage, SortingCommunity, SortingMonth
from tests.factories import RegionFactory, make_person

MONTH = date(2026, 3, 1)
URL = "/sanitation/sorting/"


def _community(street, n: int):
    return RegionFactory(code=f"{street.code}{n:03d}", name=f"新社区{n}", level="community", parent=street)


def _record(community, *, month=MONTH, households=100, participating=10, surveyed=50, aware=40, checked=20, correct=15):
    ledger, _ = SortingCommunity.objects.get_or_create(community=community, defaults={"households": households})
    return SortingMonth.objects.create(
        community=ledger,
        month=month,
        households=households,
        participating=participating,
        surveyed=surveyed,
        aware=aware,
        checked=checked,
        correct=correct,
    )


@pytest.fixture
def street_of_four(city):
    """Street 1 with four communities: two sorting with records (100/10 and 900/900
    households), one not sorting, one not in the ledger at all."""
    street = city.streets[0]
    first = city.communities[0]
    second, not_sorting, unlisted = (_community(street, n) for n in (2, 3, 4))
    forget_grid_index()
    _record(first, households=100, participating=10, surveyed=0, aware=0, checked=10, correct=5)
    _record(second, households=900, participating=900, surveyed=100, aware=80, checked=30, correct=30)
    SortingCommunity.objects.create(community=not_sorting, households=500, sorting=False)
    return street, first, second, not_sorting, unlisted


def test_participation_is_weighted_by_households_not_the_mean_of_rates(street_of_four):
    street, first, second, *_ = street_of_four
    rows, total = rates.rates(MONTH, "street")
    (row,) = [r for r in rows if r.region_id == street.id]
    assert (row.participating, row.households) == (910, 1000)
    assert row.participation == Decimal("91.0")  # the mean of 10 % and 100 % would be 55 %
    assert row.accuracy == Decimal("87.5")  # 35 / 40
    assert (total.participating, total.households, total.participation) == (910, 1000, Decimal("91.0"))
    communities = {r.region_id: r for r in rates.community_rates(MONTH)}
    assert communities[first.id].participation == Decimal("10.0")
    assert communities[second.id].participation == Decimal("100.0")


def test_a_zero_denominator_is_no_value_not_zero(street_of_four):
    _street, first, _second, not_sorting, unlisted = street_of_four
    communities = {r.region_id: r for r in rates.community_rates(MONTH)}
    assert communities[first.id].awareness is None  # nobody surveyed
    assert communities[unlisted.id].participation is None
    assert communities[not_sorting.id].accuracy is None
    assert rates.ratio(0, 0) is None
    assert rates.ratio(0, 5) == Decimal("0.0")


def test_coverage_at_street_level_counts_every_community(street_of_four, city):
    street = street_of_four[0]
    rows, total = rates.rates(MONTH, "street")
    by_street = {r.region_id: r for r in rows}
    assert (by_street[street.id].sorting, by_street[street.id].communities) == (2, 4)
    assert by_street[street.id].coverage == Decimal("50.0")
    assert by_street[city.streets[1].id].coverage == Decimal("0.0")  # one community, not in the ledger
    assert (total.sorting, total.communities) == (2, 5)
    (city_row,), _ = rates.rates(MONTH, "city")
    assert city_row.coverage == Decimal("40.0")


def test_a_community_starting_after_the_month_does_not_count_as_sorting(street_of_four):
    _street, first, *_ = street_of_four
    SortingCommunity.objects.filter(community=first).update(started_on=date(2026, 4, 2))
    rows, _ = rates.rates(MONTH, "street")
    assert rows[0].sorting == 1
    rows, _ = rates.rates(date(2026, 4, 1), "street")
    assert rows[0].sorting == 2


def test_tonnage_sums_per_type_per_day_and_per_month(city):
    street_a, street_b = city.streets
    for street, day, kind, tonnes in [
        (street_a, date(2026, 3, 1), "kitchen", "2.50"),
        (street_b, date(2026, 3, 1), "kitchen", "1.25"),
        (street_a, date(2026, 3, 1), "other", "4"),
        (street_a, date(2026, 3, 2), "kitchen", "3"),
        (street_a, date(2026, 4, 1), "kitchen", "9"),
    ]:
        DailyTonnage.objects.create(street=street, day=day, waste_type=kind, tonnes=Decimal(tonnes))
    days = rates.tonnage(start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert [(d.period, d.tonnes.get("kitchen"), d.total) for d in days] == [
        (date(2026, 3, 1), Decimal("3.75"), Decimal("7.75")),
        (date(2026, 3, 2), Decimal("3.00"), Decimal("3.00")),
    ]
    months = rates.tonnage(start=date(2026, 3, 1), end=date(2026, 4, 30), per="month")
    assert [(m.period, m.tonnes["kitchen"]) for m in months] == [
        (date(2026, 3, 1), Decimal("6.75")),
        (date(2026, 4, 1), Decimal("9.00")),
    ]
    only_b = rates.tonnage(start=date(2026, 3, 1), end=date(2026, 3, 31), within=city.districts[1])
    assert [d.total for d in only_b] == [Decimal("1.25")]


# --- the page ------------------------------------------------------------------------------


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_the_rates_page_shows_the_weighted_rates_and_the_counts_behind_them(client, people, street_of_four):
    street = street_of_four[0]
    response = _get(client, people.dispatcher, month="2026-03", level="street")
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(f'data-region="{street.code}"') :]
    row = row[: row.index("</tr>")]
    assert "91.0%" in row and "910 / 1000" in row
    assert "50.0%" in row and "2 / 4" in row
    assert "87.5%" in row and "35 / 40" in row


def test_the_rates_page_shows_a_dash_for_no_value(client, people, street_of_four):
    first = street_of_four[1]
    html = _get(client, people.dispatcher, month="2026-03", level="community").content.decode()
    row = html[html.index(f'data-region="{first.code}"') :]
    row = row[: row.index("</tr>")]
    awareness = row[row.index('data-rate="awareness"') :]
    assert awareness.split("</td>")[0].count("—") == 1 and "0 / 0" in awareness


def test_a_leader_of_another_district_sees_none_of_these_communities(client, people, street_of_four, city):
    leader = make_person("leader-339902", ["leader"], region=city.districts[1])
    html = _get(client, leader, month="2026-03", level="community", region=city.streets[0].code).content.decode()
    for community in street_of_four[1:]:
        assert f'data-region="{community.code}"' not in html
    assert f'data-region="{city.communities[1].code}"' in html
    own = _get(client, people.leader, month="2026-03", level="community").content.decode()
    assert f'data-region="{street_of_four[2].code}"' in own


def test_who_may_open_the_rates_page(client, people):
    for user in (people.operator, people.handler_a, people.inspector, people.outsider):
        assert _get(client, user).status_code == 403
    for user in (people.dispatcher, people.shift_leader, people.leader, people.admin):
        assert _get(client, user).status_code == 200
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_rates_page_queries_do_not_grow_with_communities(client, people, city):
    street = city.streets[0]
    _record(city.communities[0])
    client.force_login(people.dispatcher)
    client.get(URL, {"month": "2026-03", "level": "community"})  # warm the region cache
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"month": "2026-03", "level": "community"})
    for n in range(2, 12):
        _record(_community(street, n))
    forget_grid_index()
    client.get(URL, {"month": "2026-03", "level": "community"})
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"month": "2026-03", "level": "community"})
    assert response.content.decode().count("data-region=") == 12 + 1  # 2 + 10 communities and the total
    assert len(many) == len(few)


def test_the_tonnage_page_sums_by_type(client, people, city):
    DailyTonnage.objects.create(street=city.streets[0], day=date(2026, 3, 5), waste_type="kitchen", tonnes=2)
    DailyTonnage.objects.create(street=city.streets[0], day=date(2026, 3, 5), waste_type="other", tonnes="3.5")
    client.force_login(people.leader)
    html = client.get("/sanitation/tonnage/", {"month": "2026-03"}).content.decode()
    row = html[html.index('data-day="2026-03-05"') :]
    assert "5.50" in row[: row.index("</tr>")]
    other = make_person("leader-339902", ["leader"], region=city.districts[1])
    client.force_login(other)
    assert 'data-day="2026-03-05"' not in client.get("/sanitation/tonnage/", {"month": "2026-03"}).content.decode()
    client.force_login(people.handler_a)
    assert client.get("/sanitation/tonnage/").status_code == 403


def test_the_rates_api_gives_fractions_weighted_like_the_page_and_null_for_no_value(people, street_of_four):
    from rest_framework.test import APIClient

    street = street_of_four[0]
    client = APIClient()
    client.force_authenticate(people.dispatcher)
    body = client.get("/api/v1/sanitation/sorting-rates/", {"month": "2026-03", "level": "street"}).json()
    (row,) = [r for r in body["results"] if r["code"] == street.code]
    assert (row["participating"], row["households"], row["participation"]) == (910, 1000, "0.910")
    assert (row["coverage"], row["accuracy"]) == ("0.500", "0.875")
    first = client.get("/api/v1/sanitation/sorting-rates/", {"month": "2026-03", "level": "community"}).json()
    no_survey = [r for r in first["results"] if r["surveyed"] == 0 and r["households"] == 100]
    assert no_survey and no_survey[0]["awareness"] is None
    bad = client.get("/api/v1/sanitation/sorting-rates/", {"month": "2026-13", "level": "planet"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"month", "level"}
    client.force_authenticate(people.handler_a)
    assert client.get("/api/v1/sanitation/sorting-rates/", {"month": "2026-03"}).status_code == 403
