"""Field-work figures (patrols.selectors, DOMAIN.md §7/§8) on a small constructed history."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.models import Status
from patrols import services
from patrols.models import Patrol, Route, RouteGrid
from patrols.selectors import figures_by_grid, figures_by_inspector
from tests.cases.conftest import at, case_in, grid_point, photo, report_case
from tests.factories import make_person

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def walk(world, frozen, route, grids, start, end):
    with frozen(at(start)):
        patrol = services.patrol_start(by=world.inspector)
    Patrol.objects.filter(pk=patrol.pk).update(route=route)
    patrol.refresh_from_db()
    points = [{"client_id": f"{start}-{g}", **grid_point(world.city, g), "recorded_at": at(start)} for g in grids]
    services.patrol_add_points(patrol=patrol, by=world.inspector, points=points)
    with frozen(at(end)):
        services.patrol_end(patrol=patrol, by=world.inspector)


@pytest.fixture
def history(world, frozen):
    """Two patrols on a 4-grid route (3 and 1 grids visited); four patrol reports in
    grid 1: filed, self-handled, verified on time (pending), verified late then rejected."""
    route = Route.objects.create(code="R1", name="示范线")
    for position in range(4):
        RouteGrid.objects.create(route=route, grid=world.city.grids[position], position=position)
    walk(world, frozen, route, [0, 1, 2], "2026-11-18 08:00", "2026-11-18 12:00")
    walk(world, frozen, route, [0], "2026-11-18 13:00", "2026-11-18 17:00")

    case_in(Status.FILED, world, source="patrol", grid=1)
    with frozen(at("2026-11-18 09:00")):
        report_case(world, source="patrol", grid=1, self_handled=True, after_photos=[photo("after.png")])
        on_time = report_case(world, source="patrol", grid=1)
        late = report_case(world, source="patrol", grid=1)
        for case in (on_time, late):
            case_services.case_verify_request(case=case, by=world.operator)  # verify step: 30 minutes
    with frozen(at("2026-11-18 09:10")):
        case_services.case_verify_reply(case=on_time, by=world.inspector, valid=True, comment="属实")
    with frozen(at("2026-11-18 10:00")):
        case_services.case_verify_reply(case=late, by=world.inspector, valid=False, comment="不属实")
        case_services.case_reject(case=late, by=world.operator, reason="不属实")
    return world


def test_figures_by_inspector(history):
    rows = {row.key: row for row in figures_by_inspector(DAY, DAY)}
    mine = rows[history.inspector.pk]
    assert mine.patrols == 2
    assert (mine.route_grids_visited, mine.route_grids, mine.coverage) == (4, 8, 0.5)
    assert (mine.reports, mine.self_handled) == (4, 1)
    # filed + self-handled of the decided ones (the pending report is left out).
    assert (mine.reports_valid, mine.reports_decided) == (2, 3)
    assert mine.valid_rate == pytest.approx(2 / 3)
    assert (mine.verify_on_time, mine.verify_replies, mine.verify_rate) == (1, 2, 0.5)
    assert mine.check_rate is None


def test_figures_by_grid(history):
    rows = {row.label: row for row in figures_by_grid(DAY, DAY)}
    grids = [g.code for g in history.city.grids]
    assert (rows[grids[0]].patrols, rows[grids[0]].coverage) == (2, 1.0)
    assert (rows[grids[1]].patrols, rows[grids[1]].coverage, rows[grids[1]].reports) == (1, 0.5, 4)
    assert rows[grids[1]].verify_rate == 0.5
    assert (rows[grids[3]].patrols, rows[grids[3]].coverage) == (0, 0.0)
    assert figures_by_grid(DAY, DAY)[0].label == grids[1]  # most reports first


def test_no_denominator_means_no_value(history):
    idle = make_person("inspector-idle", ["inspector"])
    row = next(r for r in figures_by_inspector(DAY, DAY) if r.key == idle.pk)
    assert (row.patrols, row.reports) == (0, 0)
    assert (row.coverage, row.valid_rate, row.verify_rate, row.check_rate) == (None, None, None, None)
    assert figures_by_grid(date(2026, 1, 1), date(2026, 1, 2)) == []


def test_a_region_limits_the_figures(history):
    second = history.city.districts[1]
    assert figures_by_grid(DAY, DAY, second) == []
    assert history.inspector.pk not in {r.key for r in figures_by_inspector(DAY, DAY, second)}


def test_the_query_count_does_not_grow_with_the_rows(history):
    with CaptureQueriesContext(connection) as few:
        figures_by_inspector(DAY, DAY)
        figures_by_grid(DAY, DAY)
    for n in range(5):
        make_person(f"inspector-x{n}", ["inspector"])
    with CaptureQueriesContext(connection) as many:
        figures_by_inspector(DAY, DAY)
        figures_by_grid(DAY, DAY)
    assert len(many) == len(few) <= 12


def test_the_page_shows_percentages_and_dashes(history, client):
    client.force_login(history.dispatcher)
    response = client.get("/patrols/figures/", {"from": "2026-11-18", "to": "2026-11-18"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "50.00 %" in html and "66.67 %" in html and "—" in html
    client.force_login(history.handler_a)
    assert client.get("/patrols/figures/").status_code == 403
    client.force_login(history.leader)
    assert client.get("/patrols/figures/", {"from": "bad"}).status_code == 200
