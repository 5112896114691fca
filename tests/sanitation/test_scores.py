"""Monthly sanitation score: the mean of a district's inspection scores in the month (DOMAIN.md §9)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from sanitation.selectors import monthly_sanitation_scores
from tests.cases.conftest import at
from tests.sanitation.test_inspections import record, san  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def month_of_inspections(san):  # noqa: F811
    record(san, {1: 1}, moment=at("2026-11-01 00:00"))  # 90, first moment of the month
    record(san, {1: 2}, moment=at("2026-11-30 23:59"))  # 80
    record(san, {1: 3}, moment=at("2026-11-15 12:00"))  # 70
    record(san, {}, moment=at("2026-10-31 23:59"))  # 100, October: not counted
    record(san, {}, moment=at("2026-12-01 00:00"))  # 100, December: not counted
    return san


def by_code(rows):
    return {row["code"]: row for row in rows}


def test_the_district_score_is_the_mean_of_the_months_inspections(month_of_inspections):
    rows = by_code(monthly_sanitation_scores(NOVEMBER))
    assert rows["339901"]["score"] == Decimal("80.0") and rows["339901"]["count"] == 3


def test_a_district_without_inspections_has_no_score_not_zero(month_of_inspections):
    rows = by_code(monthly_sanitation_scores(NOVEMBER))
    assert rows["339902"]["score"] is None and rows["339902"]["count"] == 0
    assert by_code(monthly_sanitation_scores(date(2026, 9, 1)))["339901"]["score"] is None


def test_scores_by_street_and_within_a_leaders_district(month_of_inspections):
    made = month_of_inspections
    record(made, {2: 1}, road=made.road2, moment=at("2026-11-10 09:00"))  # 95 in district 2
    streets = by_code(monthly_sanitation_scores(NOVEMBER, level="street"))
    assert streets["339901001"]["score"] == Decimal("80.0") and streets["339902001"]["score"] == Decimal("95.0")
    mine = monthly_sanitation_scores(NOVEMBER, within=made.world.city.districts[0])
    assert [row["code"] for row in mine] == ["339901"]


def test_the_scores_page_and_api(month_of_inspections, client):
    made = month_of_inspections
    client.force_login(made.world.leader)
    page = client.get(reverse("sanitation:scores"), {"month": "2026-11"}).content.decode()
    assert 'data-region="339901"' in page and "80.0" in page and 'data-region="339902"' not in page
    assert "月份格式" in client.get(reverse("sanitation:scores"), {"month": "11/2026"}).content.decode()

    client.force_login(made.assessor)
    body = client.get("/api/v1/sanitation/scores/", {"month": "2026-11", "level": "district"}).json()
    assert body["month"] == "2026-11" and body["level"] == "district"
    assert by_code(body["results"])["339901"]["score"] == "80.0"
    assert by_code(body["results"])["339902"]["score"] is None
    bad = client.get("/api/v1/sanitation/scores/", {"month": "2026-13"})
    assert bad.status_code == 400 and "month" in bad.json()["errors"]
    client.force_login(made.world.handler_a)
    assert client.get("/api/v1/sanitation/scores/", {"month": "2026-11"}).status_code == 403
    assert client.get(reverse("sanitation:scores")).status_code == 403
