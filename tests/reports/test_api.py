"""GET /api/v1/reports/monthly/ (DOMAIN.md §11): fields, rates, scoping, bad input."""

import pytest
from rest_framework.test import APIClient

from cases.models import Status
from reports import stats
from tests.cases.conftest import *  # noqa: F403
from tests.cases.conftest import case_in

URL = "/api/v1/reports/monthly/"
ROW_FIELDS = {
    "name", "filed", "due", "closed", "closed_on_time", "handled", "handled_on_time", "rework", "delayed",
    "dispatched", "returned", "closure_rate", "on_time_closure_rate", "handling_rate", "on_time_handling_rate",
    "rework_rate", "delay_rate", "dispatch_accuracy", "hotline_response_rate", "hotline_resolution_rate",
    "hotline_satisfaction_rate", "sanitation_score", "score", "rank", "rank_change", "red_flag", "board", "as_of",
}  # fmt: skip


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def november(world, media_root):
    """District 1 (grids 1, 2): one closed and one open case; district 2: one closed."""
    city = world.city
    district_two_grid = next(i for i, g in enumerate(city.grids) if g.district_id != city.grids[1].district_id)
    case_in(Status.CLOSED, world, grid=1)
    case_in(Status.IN_PROGRESS, world, grid=2)
    case_in(Status.CLOSED, world, grid=district_two_grid)
    stats.rebuild()
    return world


def test_the_report_has_every_field_of_the_contract_and_the_right_rates(november):
    body = client_of(november.city_leader).get(URL, {"month": "2026-11", "level": "district"}).json()
    assert body["month"] == "2026-11" and body["level"] == "district" and body["as_of"]
    rows = {row["district"]: row for row in body["results"]}
    first = rows[november.city.districts[0].code]
    assert set(first) >= ROW_FIELDS
    assert (first["filed"], first["due"], first["closed"], first["dispatched"]) == (2, 2, 1, 2)
    assert first["closure_rate"] == 0.5
    assert first["rework_rate"] == 0.0
    assert first["hotline_satisfaction_rate"] is None  # no callbacks: no value, not 0
    ranked = [row for row in body["results"] if row["rank"] is not None]
    assert ranked[0]["rank"] == 1 and ranked[0]["red_flag"] is True
    assert ranked[0]["district"] == november.city.districts[1].code  # all closed beats half closed


def test_departments_are_ranked_without_a_sanitation_component(november):
    body = client_of(november.dispatcher).get(URL, {"month": "2026-11", "level": "department"}).json()
    row = next(r for r in body["results"] if r["department"] == "sz")
    assert row["filed"] == 3 and row["sanitation_score"] is None and row["score"] is not None


def test_a_district_leader_sees_only_their_district(november):
    body = client_of(november.leader).get(URL, {"month": "2026-11"}).json()
    assert [row["district"] for row in body["results"]] == [november.leader.profile.region.code]


@pytest.mark.parametrize("who", ["handler_a", "inspector", "operator", "outsider"])
def test_roles_without_reports_are_refused(november, who):
    assert client_of(getattr(november, who)).get(URL, {"month": "2026-11"}).status_code == 403


def test_anonymous_is_asked_to_log_in(november):
    assert APIClient().get(URL, {"month": "2026-11"}).status_code in (401, 403)


def test_bad_month_and_level_are_named(november):
    response = client_of(november.city_leader).get(URL, {"month": "2026-13", "level": "galaxy"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"month", "level"}


def test_a_month_without_cases_gives_no_values_not_zero_percent(november):
    body = client_of(november.city_leader).get(URL, {"month": "2025-01"}).json()
    assert body["as_of"] is None
    assert all(row["closure_rate"] is None and row["rank"] is None for row in body["results"])


def test_the_trend_gives_twelve_months_of_the_readers_scope(november):
    body = client_of(november.leader).get("/api/v1/reports/trend/", {"month": "2026-11"}).json()
    assert body["scope"] == f"district:{november.city.districts[0].pk}"
    points = body["points"]
    assert len(points) == 12 and points[-1]["month"] == "2026-11-01"
    assert (points[-1]["filed"], points[-1]["closed"], points[-1]["closure_rate"]) == (2, 1, 0.5)
    assert points[0]["closure_rate"] is None  # no cases that month: no value


def test_a_breakdown_by_channel_group_and_its_bad_input(november):
    client = client_of(november.city_leader)
    body = client.get("/api/v1/reports/breakdown/", {"month": "2026-11", "by": "channel"}).json()
    citizen = next(g for g in body["groups"] if g["group"] == "citizen")
    assert (citizen["filed"], citizen["closed"]) == (3, 2)
    bad = client.get("/api/v1/reports/breakdown/", {"month": "11/2026", "by": "weather"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"month", "by"}
    assert client_of(november.handler_a).get("/api/v1/reports/trend/", {"month": "2026-11"}).status_code == 403
