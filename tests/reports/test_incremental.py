"""The incremental path (the queue of changed cases, drained block by block)
stores exactly what a rebuild from scratch stores, whatever happened to the cases.

Random case histories go through the real services: a handful of cases from
every channel in both districts, random actions in random order, the clock
moving on across a month end. After each batch the queue is drained; the
stored tables must equal those ``stats.rebuild()`` computes.
"""

import contextlib
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cases import clock, services
from cases.errors import CaseError
from cases.models import Case, Status
from reports import stats
from reports.models import CaseChange
from tests.cases.conftest import *  # noqa: F403 (the lifecycle fixtures)
from tests.cases.conftest import at, photo, report_case, run_together
from tests.reports.conftest import drain_all, handler_of, stored

pytestmark = pytest.mark.usefixtures("media_root")

SOURCES = ["hotline", "public", "patrol", "video", "leader", "media"]
CATEGORIES = ["01001", "06010", "02017"]  # three major classes, hours and days
GRIDS = [0, 1, 4, 6]  # two grids of each district (streets 339901001 and 339902001)
MAX_CASES = 3
# Minutes the clock moves between two actions: within a step, a working day, days.
STEPS = [2, 40, 300, 1500]
# Every history stays in the past of the real clock (the live figures' as_of).
LATEST = "2026-11-20 18:00"


def _report(p, choice: int):
    source = SOURCES[choice % len(SOURCES)]
    grid = GRIDS[(choice // len(SOURCES)) % len(GRIDS)]
    category = CATEGORIES[(choice // 7) % len(CATEGORIES)]
    self_handled = source == "patrol" and grid < 4 and choice % 3 == 0
    extra = {"self_handled": True, "after_photos": [photo()]} if self_handled else {}
    return report_case(p, source=source, grid=grid, category=category, **extra)


def _actions(p, case: Case, cases: list[Case], choice: int):
    """What may be done to a case in its status, as calls of the services;
    the first one takes the case a step forward."""
    s = case.status
    handler = handler_of(p, case) if case.department_id else None
    inspector = {"inspector": p.inspector}
    others = [c for c in cases if c.pk != case.pk]
    options = {
        Status.REPORTED: [
            lambda: services.case_file(case=case, by=p.shift_leader),
            lambda: services.case_reject(case=case, by=p.operator, reason="不属于受理范围"),
            lambda: services.case_void(case=case, by=p.shift_leader, reason="误报"),
        ],
        Status.FILED: [
            lambda: services.case_dispatch(case=case, by=p.dispatcher, department="sz"),
            lambda: services.case_dispatch(case=case, by=p.dispatcher, department="hw"),
            lambda: services.case_void(case=case, by=p.shift_leader, reason="误报"),
        ],
        Status.DISPATCHED: [
            lambda: services.case_sign(case=case, by=handler),
            lambda: services.case_request_return(case=case, by=handler, reason="不属本部门"),
            lambda: services.case_decide_request(case=case, by=p.shift_leader, approve=choice % 2 == 0),
        ],
        Status.IN_PROGRESS: [
            lambda: services.case_feedback(case=case, by=handler, result="已处置", photos=[photo()]),
            lambda: services.case_contact_caller(case=case, by=handler, note="已联系"),
            lambda: services.case_request_delay(case=case, by=handler, reason="材料未到", extra_value=1),
            lambda: services.case_request_suspend(case=case, by=handler, reason="雨季施工"),
            lambda: services.case_request_return(case=case, by=handler, reason="不属本部门"),
            lambda: services.case_decide_request(case=case, by=p.shift_leader, approve=choice % 2 == 0),
        ],
        Status.SUSPENDED: [lambda: services.case_resume(case=case, by=p.dispatcher)],
        Status.HANDLED: [lambda: services.case_check_request(case=case, by=p.operator, **inspector)],
        Status.CHECKING: [
            lambda: services.case_check_pass(case=case, by=p.inspector, photos=[photo()]),
            lambda: services.case_check_fail(case=case, by=p.inspector, reason="未修好", photos=[photo()]),
        ],
        Status.CHECKED: [lambda: services.case_close(case=case, by=p.shift_leader)],
        Status.CLOSED: [
            lambda: services.case_callback(
                case=case,
                by=p.operator,
                satisfaction=["satisfied", "basically", "dissatisfied"][choice % 3],
                resolved=choice % 2 == 0,
            ),
            lambda: services.case_reopen(case=case, by=p.dispatcher, reason="群众不满意"),
        ],
    }.get(s, [])
    if s in (Status.REPORTED, Status.FILED) and others:
        original = others[choice % len(others)]
        options.append(lambda: services.case_link_duplicate(case=case, by=p.operator, original=original))
    return options


def play(p, history, start, cases: list[Case] | None = None):
    """Plays (case, action, minutes) steps on ``cases`` (new ones reported as
    the steps ask for them); returns the moment reached."""
    cases = [] if cases is None else cases
    moment, latest = start, at(LATEST)
    for which, choice, minutes in history:
        moment = min(moment + timedelta(minutes=minutes), latest)
        with clock.acting_at(moment):
            if which >= len(cases) and len(cases) < MAX_CASES:
                cases.append(_report(p, choice))
                continue
            case = Case.objects.get(pk=cases[which % len(cases)].pk)
            options = _actions(p, case, cases, choice)
            if not options:
                continue
            # Mostly forward, so that histories reach closing and callbacks.
            action = options[0] if choice % 10 < 7 else options[choice % len(options)]
            with contextlib.suppress(CaseError):  # refused by a rule (e.g. a second callback)
                action()
    return moment


steps = st.tuples(
    st.integers(0, MAX_CASES), st.integers(0, 1000), st.sampled_from(STEPS)
)  # (which case, which action, minutes later)
histories = st.lists(st.lists(steps, min_size=8, max_size=25), min_size=1, max_size=3)  # batches
# Late on 30 October, just before local midnight at the month end, or just after
# it (still October in UTC: the month is the local one).
starts = st.sampled_from(["2026-10-30 16:00", "2026-10-31 23:30", "2026-11-01 00:00"])


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=histories, start=starts)
def test_drained_figures_equal_a_rebuild_after_any_history(world, batches, start):
    with transaction.atomic():
        moment, cases = at(start), []
        for batch in batches:
            moment = play(world, batch, moment, cases)
            drain_all(batch=3)  # small batches: several drains, months and blocks in turn
            assert CaseChange.objects.count() == 0
            incremental = stored()
            stats.rebuild()
            assert stored() == incremental, batches
        filed = Case.objects.exclude(filed_at=None).values_list("filed_at", flat=True)
        event(f"filing months: {len({stats.case_month(f) for f in filed})}")
        event(f"closed or reopened cases: {Case.objects.exclude(closed_at=None, callback_at=None).count()}")
        transaction.set_rollback(True)


def _history(p):
    """A fixed history across the month end: both districts, every channel."""
    history = [(i, i * 13, 2) for i in range(MAX_CASES)]
    history += [(i % MAX_CASES, i * 7, STEPS[i % len(STEPS)]) for i in range(40)]
    return play(p, history, at("2026-10-31 22:00"))


def test_draining_again_changes_nothing(world):
    _history(world)
    assert drain_all() > 0
    first = stored()
    assert first["figure"] and first["cell"]
    assert stats.drain() == {"changes": 0, "cases": 0, "months": 0}
    # Changes whose old values are unknown (a writer that loaded part of a case)
    # are recomputed from the cases: the same figures.
    CaseChange.objects.bulk_create(
        [CaseChange(case_id=pk, known=False) for pk in Case.objects.values_list("pk", flat=True)]
    )
    drain_all()
    assert stored() == first


@pytest.mark.django_db(transaction=True)
def test_two_drains_racing_end_with_the_figures_of_a_rebuild(world, refresh_on_hold):
    """Two workers, each its own database connection, take the queue at once."""
    _history(world)
    # More changes while the queue is full: both months, both districts.
    more = [(i % MAX_CASES, i * 11, 5) for i in range(30)]
    play(world, more, at("2026-11-03 09:00"))
    queued = CaseChange.objects.count()
    assert queued > 40

    results = run_together(lambda: drain_all(batch=4), lambda: drain_all(batch=4))
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    assert sum(value for _kind, value in results) == queued  # every change taken once
    assert CaseChange.objects.count() == 0
    raced = stored()
    stats.rebuild()
    assert stored() == raced
