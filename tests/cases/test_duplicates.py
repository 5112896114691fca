"""Possible duplicates at intake and linking a duplicate to its original (DOMAIN.md §6)."""

import math

import pytest

from cases import services
from cases.errors import CaseError
from cases.models import Case, Category, Status
from cases.selectors import duplicate_candidates
from tests.cases.conftest import at, case_in, grid_point

pytestmark = pytest.mark.usefixtures("media_root")

ASKED_AT = "2026-11-18 10:00"


def east_of(point: dict, metres: float) -> dict:
    return {"lat": point["lat"], "lng": point["lng"] + metres / (111_320 * math.cos(math.radians(point["lat"])))}


def candidates(world, category="01001", at_moment=ASKED_AT, **where):
    where = where or grid_point(world.city, 1)
    return duplicate_candidates(category=Category.objects.get(code=category), at=at(at_moment), **where)


def test_candidates_are_same_category_cases_within_50_m_open_or_recently_closed(world):
    here = grid_point(world.city, 1)
    in_progress_here = case_in(Status.IN_PROGRESS, world, **here)
    closed_29_days_ago = case_in(Status.CLOSED, world, moment=at("2026-10-20 10:00"), **east_of(here, 10))
    reported_48_m_away = case_in(Status.REPORTED, world, **east_of(here, 48))
    case_in(Status.REPORTED, world, **east_of(here, 52))  # beyond 50 m
    case_in(Status.REPORTED, world, category="06010", **here)  # another category
    case_in(Status.CLOSED, world, moment=at("2026-10-18 10:00"), **here)  # closed 31 days ago
    case_in(Status.VOIDED, world, **east_of(here, 5))
    case_in(Status.REJECTED, world, **east_of(here, 5))

    found = candidates(world)
    assert [c.case for c in found] == [in_progress_here, closed_29_days_ago, reported_48_m_away]  # nearest first
    assert [round(c.distance_m) for c in found] == [0, 10, 48]
    assert all(len(c.reasons) == 1 and "米内" in c.reasons[0] for c in found)


def test_candidates_include_the_same_callers_cases_of_the_last_30_days_anywhere(world):
    phone = {"caller_phone": "13900000001"}
    elsewhere = grid_point(world.city, 6)  # the other district
    recent = case_in(Status.CLOSED, world, grid=6, moment=at("2026-11-01 09:00"), **elsewhere, **phone)
    case_in(Status.REPORTED, world, grid=6, moment=at("2026-10-18 09:00"), **elsewhere, **phone)  # 31 days ago
    case_in(Status.VOIDED, world, grid=6, **elsewhere, **phone)
    case_in(Status.REPORTED, world, grid=6, **elsewhere, caller_phone="13900000002")  # another caller
    near_and_same = case_in(Status.REPORTED, world, **grid_point(world.city, 1), **phone)

    found = candidates(world, **grid_point(world.city, 1), **phone)
    assert [c.case for c in found] == [near_and_same, recent]
    assert len(found[0].reasons) == 2  # within 50 m and the same caller
    assert found[1].distance_m is None
    assert "来电号码" in found[1].reasons[0]


def test_the_case_being_registered_is_not_its_own_candidate(world):
    case = case_in(Status.REPORTED, world)
    assert duplicate_candidates(category=case.category, lat=case.lat, lng=case.lng, at=at(ASKED_AT), exclude=case) == []


def test_linking_a_duplicate_voids_it_and_shows_it_on_the_originals_timeline(world, frozen):
    original = case_in(Status.IN_PROGRESS, world)
    duplicate = case_in(Status.REPORTED, world)
    with frozen(at(ASKED_AT)):
        services.case_link_duplicate(case=duplicate, by=world.operator, original=original)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.VOIDED, original)
    link = duplicate.events.last()
    assert (link.action, link.from_status, link.to_status, link.actor) == (
        "link-duplicate",
        "reported",
        "voided",
        world.operator,
    )
    assert link.data == {"original": original.number}
    shown = original.events.last()
    assert (shown.action, shown.from_status, shown.to_status, shown.actor, shown.data) == (
        "duplicate-linked",
        "in_progress",
        "in_progress",
        world.operator,
        {"duplicate": duplicate.number},
    )
    original.refresh_from_db()
    assert original.status == Status.IN_PROGRESS


def test_linking_to_a_duplicate_links_to_its_original(world, frozen):
    original = case_in(Status.FILED, world)
    first = case_in(Status.REPORTED, world)
    second = case_in(Status.FILED, world)
    stale_first = Case.objects.get(pk=first.pk)  # loaded before it became a duplicate
    with frozen(at(ASKED_AT)):
        services.case_link_duplicate(case=first, by=world.operator, original=original.number)
        services.case_link_duplicate(case=second, by=world.operator, original=stale_first)
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == (Status.VOIDED, original)
    assert [e.data for e in original.events.filter(action="duplicate-linked")] == [
        {"duplicate": first.number},
        {"duplicate": second.number},
    ]
    assert not first.events.filter(action="duplicate-linked").exists()


@pytest.mark.parametrize("target", ["itself", "voided", "rejected", "unknown"])
def test_it_refuses_a_link_to_itself_or_to_a_dead_or_unknown_case(world, frozen, target):
    case = case_in(Status.REPORTED, world)
    original = {
        "itself": lambda: case,
        "voided": lambda: case_in(Status.VOIDED, world),
        "rejected": lambda: case_in(Status.REJECTED, world),
        "unknown": lambda: "2026010199999",
    }[target]()
    events = case.events.count()
    with frozen(at(ASKED_AT)), pytest.raises(CaseError) as refused:
        services.case_link_duplicate(case=case, by=world.operator, original=original)
    assert (refused.value.kind, list(refused.value.fields)) == ("input", ["original"])
    case.refresh_from_db()
    assert (case.status, case.duplicate_of, case.events.count()) == (Status.REPORTED, None, events)
    if isinstance(original, Case):
        assert not original.events.filter(action="duplicate-linked").exists()


def test_it_refuses_to_link_a_case_already_dispatched(world, frozen):
    original = case_in(Status.FILED, world)
    case = case_in(Status.DISPATCHED, world)
    with frozen(at(ASKED_AT)), pytest.raises(CaseError) as refused:
        services.case_link_duplicate(case=case, by=world.operator, original=original)
    assert refused.value.kind == "state"
    case.refresh_from_db()
    assert (case.status, case.duplicate_of) == (Status.DISPATCHED, None)
