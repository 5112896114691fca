"""Shared helpers of the reports tests: walking cases through the real services
at given moments, and the stored statistics as comparable data.

The lifecycle fixtures (``world``, ``frozen``, ``media_root`` …) live in
tests/cases/conftest.py; test modules import them themselves.
"""

from __future__ import annotations

import pytest

from cases import clock, services
from reports.models import COUNTS, CategoryMonth, Cell, Figure, GridMonth, OpenCases
from tests.cases.conftest import at, photo, report_case

# --- the stored statistics, comparable -------------------------------------------------

STORED = {
    "figure": (Figure, ("month", "level", "unit_id", "dimension", "key", *COUNTS)),
    "cell": (Cell, ("month", "district_id", "street_id", "department_id", "channel_group", "major_id", *COUNTS)),
    "category": (CategoryMonth, ("month", "district_id", "street_id", "category_id", "filed", "closed")),
    "grid": (GridMonth, ("month", "district_id", "street_id", "grid_id", "filed", "closed")),
    "open": (OpenCases, ("district_id", "street_id", "grid_id", "department_id", "light", "open", "overdue")),
}


def stored() -> dict[str, list[tuple]]:
    """Every row of the statistics tables by its keys and counts (no ids, no
    computation times), sorted: equal when two paths stored the same figures."""
    return {name: sorted(model.objects.values_list(*fields), key=repr) for name, (model, fields) in STORED.items()}


def drain_all(batch: int | None = None) -> int:
    """``stats.drain`` until the queue is empty, then open cases, as ``refresh_stats``
    does; the number of changes taken."""
    from reports import stats

    taken = 0
    while True:
        done = stats.drain(batch) if batch else stats.drain()
        if not done["changes"]:
            break
        taken += done["changes"]
    if taken:  # as the task does after draining
        stats.refresh_open_cases()
    return taken


def figure(month, level: str, unit_id: int, dimension: str = "all", key: str = "") -> dict[str, int]:
    row = Figure.objects.filter(month=month, level=level, unit_id=unit_id, dimension=dimension, key=key)
    found = row.values(*COUNTS).first()
    assert found is not None, (month, level, unit_id, dimension, key)
    return found


@pytest.fixture
def refresh_on_hold():
    """As if a refresh were already on its way: committed case changes stay on
    the queue (no in-process refresh after commit) until the test drains it."""
    from django.core.cache import cache

    from reports import tasks

    cache.set(tasks._QUEUED_KEY, 1, timeout=None)
    yield
    cache.delete(tasks._QUEUED_KEY)


# --- walking cases through the services ------------------------------------------------------


def handler_of(world, case):
    return {world.dept_a.pk: world.handler_a, world.dept_b.pk: world.handler_b}[case.department_id]


def filed(world, when: str, **report):
    """Reported and filed (立案) at ``when``."""
    with clock.acting_at(at(when)):
        case = report_case(world, **report)
        return services.case_file(case=case, by=world.shift_leader)


def dispatched(world, when: str, department: str = "sz", **report):
    """Reported, filed and dispatched at ``when``."""
    case = filed(world, when, **report)
    with clock.acting_at(at(when)):
        return services.case_dispatch(case=case, by=world.dispatcher, department=department)


def sign(world, case, when: str):
    with clock.acting_at(at(when)):
        return services.case_sign(case=case, by=handler_of(world, case))


def contact(world, case, when: str):
    with clock.acting_at(at(when)):
        return services.case_contact_caller(case=case, by=handler_of(world, case), note="已电话联系")


def feed_back(world, case, when: str):
    with clock.acting_at(at(when)):
        return services.case_feedback(case=case, by=handler_of(world, case), result="已处置", photos=[photo()])


def check(world, case, when: str, *, passed: bool = True):
    """核查 by the inspector (named, so any grid works): passed, or 返工."""
    with clock.acting_at(at(when)):
        case = services.case_check_request(case=case, by=world.operator, inspector=world.inspector)
        if passed:
            return services.case_check_pass(case=case, by=world.inspector, photos=[photo()])
        return services.case_check_fail(case=case, by=world.inspector, reason="未修好", photos=[photo()])


def close(world, case, when: str):
    """核查通过 and 结案 at ``when``."""
    case = check(world, case, when)
    with clock.acting_at(at(when)):
        return services.case_close(case=case, by=world.shift_leader)


def callback(world, case, when: str, satisfaction: str = "satisfied", resolved: bool = True):
    with clock.acting_at(at(when)):
        return services.case_callback(case=case, by=world.operator, satisfaction=satisfaction, resolved=resolved)


def closed_case(world, when: str, *, feedback: str | None = None, closed: str | None = None, **report):
    """Dispatched, signed and fed back at ``when`` (or ``feedback``), closed then (or ``closed``)."""
    case = dispatched(world, when, **report)
    case = sign(world, case, when)
    case = feed_back(world, case, feedback or when)
    return close(world, case, closed or feedback or when)


@pytest.fixture(autouse=True)
def _open_cases_recount_allowed():
    """The refresh task recounts open cases at most once a minute (a key in the
    shared cache); each test starts with the minute over."""
    from django.core.cache import cache

    from reports import tasks

    cache.delete(tasks._OPEN_RECOUNTED_KEY)
    yield
    cache.delete(tasks._OPEN_RECOUNTED_KEY)
