"""Two people acting on the same case at once: exactly one wins (DOMAIN.md §4).

Each thread has its own database connection, so these tests commit for real
(transaction=True) and the threads race in PostgreSQL, not in Python.
"""

import re

import pytest

from cases import clock, services
from cases.models import Case, CaseEvent, CaseRequest, Status
from tests.cases.conftest import at, case_in, grid_point, run_together
from tests.factories import make_person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


def acting(moment, action):
    """``action`` run at ``moment`` (the clock is per thread: set it inside)."""

    def run():
        with clock.acting_at(at(moment)):
            return action()

    return run


def outcomes(results):
    return sorted(
        "ok" if kind == "ok" else f"{type(value).__name__}:{getattr(value, 'kind', '')}" for kind, value in results
    )


def test_two_dispatchers_racing_on_one_case_dispatch_it_once(world):
    case = case_in(Status.FILED, world)
    second = make_person("dispatcher-2", ["dispatcher"])
    results = run_together(
        acting("2026-11-18 09:05", lambda: services.case_dispatch(case=case, by=world.dispatcher, department="sz")),
        acting("2026-11-18 09:05", lambda: services.case_dispatch(case=case, by=second, department="hw")),
    )
    assert outcomes(results) == ["CaseError:state", "ok"], results
    winner = next(value for kind, value in results if kind == "ok")
    case.refresh_from_db()
    assert (case.status, case.department_id) == (Status.DISPATCHED, winner.department_id)
    dispatches = CaseEvent.objects.filter(case=case, action="dispatch")
    assert dispatches.count() == 1
    assert dispatches.get().actor_id in (world.dispatcher.id, second.id)


def test_sign_and_return_request_racing_leave_one_consistent_outcome(world):
    """The handler signs while a colleague asks to return it: both may succeed in
    either order, but never on a stale status."""
    case = case_in(Status.DISPATCHED, world)
    colleague = make_person("handler-sz-2", ["handler"], department=world.dept_a)
    results = run_together(
        acting("2026-11-18 09:10", lambda: services.case_sign(case=case, by=world.handler_a)),
        acting("2026-11-18 09:10", lambda: services.case_request_return(case=case, by=colleague, reason="不属本部门")),
    )
    assert outcomes(results) == ["ok", "ok"], results
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    events = list(CaseEvent.objects.filter(case=case).exclude(action__in=["report", "file", "dispatch"]))
    assert sorted(e.action for e in events) == ["request-return", "sign"]
    sign = next(e for e in events if e.action == "sign")
    assert (sign.from_status, sign.to_status) == ("dispatched", "in_progress")


def test_two_handlers_racing_requests_file_only_one(world):
    case = case_in(Status.IN_PROGRESS, world)
    colleague = make_person("handler-sz-2", ["handler"], department=world.dept_a)
    results = run_together(
        acting(
            "2026-11-18 10:00",
            lambda: services.case_request_delay(case=case, by=world.handler_a, reason="需采购配件", extra_value=1),
        ),
        acting("2026-11-18 10:00", lambda: services.case_request_suspend(case=case, by=colleague, reason="雨季施工")),
    )
    assert outcomes(results) == ["CaseError:state", "ok"], results
    assert CaseRequest.objects.filter(case=case, state="pending").count() == 1
    assert CaseEvent.objects.filter(case=case, action__startswith="request-").count() == 1


def test_two_dispatchers_deciding_one_request_decide_it_once(world):
    case = case_in(Status.IN_PROGRESS, world)
    with clock.acting_at(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=world.handler_a, reason="需采购配件", extra_value=1)
    second = make_person("dispatcher-2", ["dispatcher"])
    results = run_together(
        acting("2026-11-18 10:05", lambda: services.case_decide_request(case=case, by=world.dispatcher, approve=True)),
        acting("2026-11-18 10:05", lambda: services.case_decide_request(case=case, by=second, approve=True)),
    )
    assert outcomes(results) == ["CaseError:state", "ok"], results
    case.refresh_from_db()
    assert case.delay_count == 1
    assert case.deadline == at("2026-11-19 16:00")  # extended once, not twice
    assert CaseRequest.objects.get(case=case).state == "approved"


def test_parallel_intakes_on_one_day_get_unique_consecutive_numbers(world):
    threads, per_thread = 20, 5

    def intake(n):
        def run():
            numbers = []
            for i in range(per_thread):
                case = services.case_report(
                    by=world.operator,
                    source="public",
                    category="06010",
                    description=f"暴露垃圾 {n}-{i}",
                    **grid_point(world.city, (n + i) % 8),
                )
                numbers.append(case.number)
            return numbers

        return acting("2026-11-18 09:00", run)

    results = run_together(*(intake(n) for n in range(threads)))
    assert all(kind == "ok" for kind, _ in results), [v for k, v in results if k != "ok"][:3]
    numbers = [number for _, batch in results for number in batch]
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert all(re.fullmatch(r"20261118\d{5}", n) for n in numbers)
    assert sorted(numbers) == [f"20261118{i:05d}" for i in range(1, threads * per_thread + 1)]
    assert Case.objects.count() == threads * per_thread
