"""Patrol services (DOMAIN.md §8): coverage, track idempotency, reports to cases, scoping."""

import pytest

from cases.errors import CaseError
from cases.models import Case, Source, Status
from patrols import services
from patrols.models import Patrol, PatrolFinding, Route, RouteGrid, TrackPoint
from tests.cases.conftest import at, grid_point, photo
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def make_route(world, grids=(0, 1, 2, 3), code="R1") -> Route:
    route = Route.objects.create(code=code, name="示范线", district=world.city.districts[0])
    for position, index in enumerate(grids):
        RouteGrid.objects.create(route=route, grid=world.city.grids[index], position=position)
    return route


def point(world, grid: int, client_id: str, when="2026-11-18 09:00") -> dict:
    return {"client_id": client_id, **grid_point(world.city, grid), "recorded_at": at(when)}


def started(world, frozen, route=None, by=None) -> Patrol:
    with frozen(at("2026-11-18 08:00")):
        patrol = services.patrol_start(by=by or world.inspector)
    if route is not None:
        Patrol.objects.filter(pk=patrol.pk).update(route=route)
        patrol.refresh_from_db()
    return patrol


def test_coverage_counts_the_route_grids_the_track_fell_in(world, frozen):
    patrol = started(world, frozen, route=make_route(world))
    points = [point(world, g, f"p{g}") for g in (0, 1, 2)] + [point(world, 5, "off-route")]
    services.patrol_add_points(patrol=patrol, by=world.inspector, points=points)
    assert services.route_coverage(patrol) == (3, 4)


def test_a_retried_upload_adds_nothing(world, frozen):
    patrol = started(world, frozen)
    batch = [point(world, 0, "a"), point(world, 1, "b")]
    first = services.patrol_add_points(patrol=patrol, by=world.inspector, points=batch)
    again = services.patrol_add_points(patrol=patrol, by=world.inspector, points=batch)
    assert (first.added, first.duplicates) == (2, 0)
    assert (again.added, again.duplicates, again.rejected) == (0, 2, {})
    assert TrackPoint.objects.filter(patrol=patrol).count() == 2
    patrol.refresh_from_db()
    assert patrol.point_count == 2


def test_bad_points_are_rejected_with_reasons_and_good_ones_kept(world, frozen):
    patrol = started(world, frozen)
    batch = [point(world, 0, "ok"), {"client_id": "x", "lat": "abc", "lng": 1}, {"lat": 30.2, "lng": 120.1}]
    result = services.patrol_add_points(patrol=patrol, by=world.inspector, points=batch)
    assert result.added == 1
    assert set(result.rejected) == {1, 2}
    assert "经纬度" in result.rejected[1] and "client_id" in result.rejected[2]
    assert list(TrackPoint.objects.values_list("client_id", flat=True)) == ["ok"]


def test_one_active_patrol_per_inspector(world, frozen):
    started(world, frozen)
    with pytest.raises(CaseError) as refused:
        services.patrol_start(by=world.inspector)
    assert refused.value.kind == "state"
    assert Patrol.objects.filter(inspector=world.inspector).count() == 1


def test_ending_twice_is_refused(world, frozen):
    patrol = started(world, frozen)
    services.patrol_end(patrol=patrol, by=world.inspector)
    with pytest.raises(CaseError) as refused:
        services.patrol_end(patrol=patrol, by=world.inspector)
    assert refused.value.kind == "state"


def report_fields(world, **extra) -> dict:
    return {"category": "01001", "description": "井盖缺失", **grid_point(world.city, 1), **extra}


def test_a_report_becomes_a_patrol_case_with_its_finding(world, frozen):
    patrol = started(world, frozen)
    with frozen(at("2026-11-18 09:00")):
        case = services.patrol_report(
            patrol=patrol, by=world.inspector, client_id="r1", **report_fields(world, photos=[photo()])
        )
    case.refresh_from_db()
    assert (case.source, case.status, case.reporter) == (Source.PATROL, Status.REPORTED, world.inspector)
    assert PatrolFinding.objects.get(case=case).patrol == patrol


def test_a_report_needs_a_photo(world, frozen):
    patrol = started(world, frozen)
    with pytest.raises(CaseError) as refused:
        services.patrol_report(patrol=patrol, by=world.inspector, client_id="r1", **report_fields(world))
    assert refused.value.kind == "input"
    assert not Case.objects.exists() and not PatrolFinding.objects.exists()


def test_a_self_handled_report_is_handled_with_its_after_photo(world, frozen):
    patrol = started(world, frozen)
    with frozen(at("2026-11-18 09:00")):
        case = services.patrol_report(
            patrol=patrol,
            by=world.inspector,
            client_id="s1",
            self_handled=True,
            **report_fields(world, photos=[photo()], after_photos=[photo("after.png")]),
        )
    case.refresh_from_db()
    assert case.self_handled and case.status == Status.HANDLED
    assert case.attachments.filter(stage="after").count() == 1


def test_a_retried_report_returns_the_same_case(world, frozen):
    patrol = started(world, frozen)
    fields = report_fields(world, photos=[photo()])
    first = services.patrol_report(patrol=patrol, by=world.inspector, client_id="same", **fields)
    again = services.patrol_report(
        patrol=patrol, by=world.inspector, client_id="same", **report_fields(world, photos=[photo()])
    )
    assert again.pk == first.pk
    assert Case.objects.count() == 1


def test_an_inspector_cannot_add_points_to_anothers_patrol(world, frozen):
    patrol = started(world, frozen)
    other = make_person("inspector2", ["inspector"])
    with pytest.raises(CaseError) as refused:
        services.patrol_add_points(patrol=patrol, by=other, points=[point(world, 0, "z")])
    assert refused.value.kind == "permission"
    assert not TrackPoint.objects.exists()


def test_a_point_time_sent_as_text_is_read_and_a_bad_one_rejected(world, frozen):
    patrol = started(world, frozen)
    points = [
        {"client_id": "t1", **grid_point(world.city, 0), "recorded_at": "2026-11-18T09:05:00"},
        {"client_id": "t2", **grid_point(world.city, 0), "recorded_at": "2026-11-18T01:06:00+00:00"},
        {"client_id": "t3", **grid_point(world.city, 0), "recorded_at": "next tuesday"},
    ]
    with frozen(at("2026-11-18 09:10")):
        result = services.patrol_add_points(patrol=patrol, by=world.inspector, points=points)
    assert (result.added, sorted(result.rejected)) == (2, [2])
    times = list(patrol.points.order_by("client_id").values_list("recorded_at", flat=True))
    assert times == [at("2026-11-18 09:05"), at("2026-11-18 09:06")]  # no offset: Shanghai time


def test_a_report_on_an_ended_patrol_is_refused_but_a_retry_of_an_earlier_one_is_answered(world, frozen):
    patrol = started(world, frozen)
    fields = {"category": "06010", "description": "暴露垃圾", "photos": [photo()], **grid_point(world.city, 0)}
    with frozen(at("2026-11-18 09:00")):
        case = services.patrol_report(patrol=patrol, by=world.inspector, client_id="r1", **fields)
        services.patrol_end(patrol=patrol, by=world.inspector)
        again = services.patrol_report(patrol=patrol, by=world.inspector, client_id="r1", **fields)
        with pytest.raises(CaseError) as refused:
            services.patrol_report(patrol=patrol, by=world.inspector, client_id="r2", **fields)
    assert again.pk == case.pk
    assert refused.value.kind == "state"
    assert Case.objects.filter(source=Source.PATROL).count() == 1
