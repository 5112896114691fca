"""A handler's delay, return and suspend requests and their decision (DOMAIN.md §4).

Cases here are 01001 (6 working hours) dispatched to 市政 on Wednesday
2026-11-18 at 09:00, so due at 16:00 the same day.
"""

import pytest

from cases import services
from cases.errors import CaseError
from cases.models import Case, CaseRequest, Status
from org.worktime import get_work_calendar
from tests.cases.conftest import at, case_in, light_of, photo

pytestmark = pytest.mark.usefixtures("media_root")


def test_an_approved_delay_extends_the_deadline_from_the_old_one(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    assert case.deadline == at("2026-11-18 16:00")
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=2)
    request = CaseRequest.objects.get(case=case)
    assert (request.kind, request.state, request.extra_value, request.extra_unit) == (
        "delay",
        "pending",
        2,
        "working_days",
    )
    with frozen(at("2026-11-18 10:30")):
        services.case_decide_request(case=case, by=p.dispatcher, approve=True, comment="同意延期")
    case.refresh_from_db()
    request.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.deadline == at("2026-11-20 16:00")  # two working days (16 h) after Wednesday 16:00
    assert case.deadline == get_work_calendar().add_working_days(at("2026-11-18 16:00"), 2)
    assert case.delay_count == 1
    assert (case.step, case.step_deadline) == ("handle", case.deadline)
    assert (request.state, request.decided_by, request.decided_at, request.decision_comment) == (
        "approved",
        p.dispatcher,
        at("2026-11-18 10:30"),
        "同意延期",
    )
    decide = case.events.last()
    assert (decide.action, decide.actor, decide.from_status, decide.to_status) == (
        "decide-request",
        p.dispatcher,
        "in_progress",
        "in_progress",
    )
    assert decide.data == {"request": request.pk, "kind": "delay", "approved": True}
    assert decide.step_deadline == case.deadline


def test_a_denied_request_changes_nothing_but_the_request(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=1)
    watched = ["status", "deadline", "delay_count", "step", "step_yellow_at", "step_deadline", "department_id"]
    case.refresh_from_db()
    before = {name: getattr(case, name) for name in watched}
    with frozen(at("2026-11-18 10:30")):
        services.case_decide_request(case=case, by=p.dispatcher, approve=False, comment="时限充足")
    case.refresh_from_db()
    assert {name: getattr(case, name) for name in watched} == before
    request = CaseRequest.objects.get(case=case)
    assert (request.state, request.decided_by) == ("denied", p.dispatcher)
    assert case.events.last().data["approved"] is False


def test_a_second_delay_needs_the_shift_leader(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=1)
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
        services.case_request_delay(
            case=case, by=p.handler_a, reason="配件未到", extra_value=4, extra_unit="working_hours"
        )
        with pytest.raises(CaseError) as refused:
            services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    assert refused.value.kind == "permission"
    case.refresh_from_db()
    assert (case.delay_count, case.deadline) == (1, at("2026-11-19 16:00"))
    assert CaseRequest.objects.filter(case=case, state="pending").count() == 1

    with frozen(at("2026-11-18 10:05")):
        services.case_decide_request(case=case, by=p.shift_leader, approve=True)
    case.refresh_from_db()
    assert (case.delay_count, case.deadline) == (2, at("2026-11-20 11:00"))  # + 4 working hours
    assert CaseRequest.objects.get(case=case, state="approved", extra_unit="working_hours").decided_by == p.shift_leader


def test_an_approved_return_sends_the_case_back_for_redispatch(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_return(case=case, by=p.handler_a, reason="属环卫职责")
    with frozen(at("2026-11-18 10:30")):
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    case.refresh_from_db()
    assert case.status == Status.FILED
    assert (case.department, case.deadline, case.signed_at, case.return_count) == (None, None, None, 1)
    assert (case.step, case.step_deadline) == ("dispatch", at("2026-11-18 10:40"))
    assert case.events.last().to_status == Status.FILED

    with frozen(at("2026-11-18 14:00")):
        services.case_dispatch(case=case, by=p.dispatcher, department="hw")
    case.refresh_from_db()
    assert (case.status, case.department) == (Status.DISPATCHED, p.dept_b)
    assert case.deadline == at("2026-11-19 11:00")  # 6 working hours from the re-dispatch
    assert case.dispatched_at == at("2026-11-18 14:00")
    with frozen(at("2026-11-18 14:10")):
        with pytest.raises(CaseError) as refused:
            services.case_sign(case=case, by=p.handler_a)
        assert refused.value.kind == "permission"
        services.case_sign(case=case, by=p.handler_b)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_a_return_can_be_requested_before_signing(world, frozen):
    p = world
    case = case_in(Status.DISPATCHED, world)
    with frozen(at("2026-11-18 09:10")):
        services.case_request_return(case=case, by=p.handler_a, reason="不属本部门")
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    case.refresh_from_db()
    assert (case.status, case.return_count) == (Status.FILED, 1)


def test_a_suspended_case_does_not_age_and_resumes_with_the_time_it_stood_still(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)  # due 2026-11-18 16:00, yellow from 14:48
    with frozen(at("2026-11-18 10:00")):
        services.case_request_suspend(case=case, by=p.handler_a, reason="雨季施工，需待天晴")
    with frozen(at("2026-11-18 15:00")):  # already yellow when suspended
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    case.refresh_from_db()
    assert (case.status, case.suspended_at) == (Status.SUSPENDED, at("2026-11-18 15:00"))
    assert light_of(case, at("2026-11-18 15:00")) == "yellow"
    assert light_of(case, at("2026-11-30 09:00")) == "yellow"  # long past the deadline: frozen
    assert Case.objects.with_light_of("yellow", at("2026-11-30 09:00")).filter(pk=case.pk).exists()
    assert not Case.objects.overdue(at("2026-11-30 09:00")).filter(pk=case.pk).exists()

    with frozen(at("2026-11-20 14:00")):
        services.case_resume(case=case, by=p.dispatcher, comment="天晴复工")
    case.refresh_from_db()
    assert (case.status, case.suspended_at) == (Status.IN_PROGRESS, None)
    # One working hour was left at 15:00 on Wednesday; resumed Friday 14:00, so due 15:00.
    assert case.deadline == at("2026-11-20 15:00")
    assert (case.step, case.step_deadline) == ("handle", case.deadline)
    assert case.step_yellow_at == at("2026-11-18 14:48")  # was passed when suspended: stays passed
    assert light_of(case, at("2026-11-20 14:59")) == "yellow"
    assert light_of(case, at("2026-11-20 15:01")) == "red"
    assert [e.action for e in case.events.all()][-3:] == ["request-suspend", "decide-request", "resume"]


def test_resuming_shifts_the_deadline_by_the_working_time_suspended(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)  # due Wednesday 16:00, yellow at 14:48
    with frozen(at("2026-11-18 10:00")):
        services.case_request_suspend(case=case, by=p.handler_a, reason="需配合燃气管线施工")
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    assert light_of(case, at("2026-11-25 09:00")) == "green"
    with frozen(at("2026-11-20 14:00")):
        services.case_resume(case=case, by=p.dispatcher)
    case.refresh_from_db()
    # Suspended Wednesday 10:00 → Friday 14:00 = 6.5 + 8 + 4.5 = 19 working hours.
    calendar = get_work_calendar()
    stood_still = calendar.working_time_between(at("2026-11-18 10:00"), at("2026-11-20 14:00"))
    assert stood_still.total_seconds() == 19 * 3600
    assert case.deadline == calendar.add_working_time(at("2026-11-18 16:00"), stood_still)
    assert case.deadline == at("2026-11-23 10:00")  # 5 h were left at 10:00: Fri 14:00–17:30, Mon 08:30–10:00
    assert case.step_yellow_at == at("2026-11-23 08:48")  # 14:48 moved on the same way
    assert light_of(case, at("2026-11-23 08:47")) == "green"
    assert light_of(case, at("2026-11-23 08:48")) == "yellow"


def test_only_one_request_may_be_pending(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=1)
        for second in (
            lambda: services.case_request_return(case=case, by=p.handler_a, reason="不属本部门"),
            lambda: services.case_request_suspend(case=case, by=p.handler_a, reason="雨季"),
            lambda: services.case_request_delay(case=case, by=p.handler_a, reason="再延", extra_value=1),
        ):
            with pytest.raises(CaseError) as refused:
                second()
            assert refused.value.kind == "state"
    assert CaseRequest.objects.filter(case=case).count() == 1
    assert case.events.filter(action__startswith="request-").count() == 1


def test_deciding_without_a_pending_request_is_refused(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=1)
        services.case_decide_request(case=case, by=p.dispatcher, approve=False)
        with pytest.raises(CaseError) as refused:
            services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    assert refused.value.kind == "state"
    case.refresh_from_db()
    assert case.delay_count == 0


@pytest.mark.parametrize(
    ("extra_value", "extra_unit", "field"),
    [(0, "working_days", "extra_value"), ("abc", "working_days", "extra_value"), (1, "fortnights", "extra_unit")],
)
def test_a_delay_needs_a_positive_amount_in_a_known_unit(world, frozen, extra_value, extra_unit, field):
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")), pytest.raises(CaseError) as refused:
        services.case_request_delay(
            case=case, by=world.handler_a, reason="需采购配件", extra_value=extra_value, extra_unit=extra_unit
        )
    assert (refused.value.kind, list(refused.value.fields)) == ("input", [field])
    assert not CaseRequest.objects.exists()


def test_the_role_and_state_are_judged_before_the_input(world, frozen):
    """A refused action is a 403 or 409 whatever was sent (DOMAIN.md §11)."""
    p = world
    closed = case_in(Status.CLOSED, world)
    in_progress = case_in(Status.IN_PROGRESS, world)
    filed = case_in(Status.FILED, world)
    with frozen(at("2026-11-18 10:00")):
        attempts = {
            "permission": [
                lambda: services.case_request_delay(case=in_progress, by=p.handler_b, reason="", extra_value=0),
                lambda: services.case_dispatch(case=filed, by=p.operator, department="nowhere"),
                lambda: services.case_callback(case=closed, by=p.dispatcher, satisfaction="meh", resolved=None),
                lambda: services.case_decide_request(case=in_progress, by=p.handler_a, approve=None),
                lambda: services.case_file(case=filed, by=p.outsider, category="99999"),
            ],
            "state": [
                lambda: services.case_request_delay(case=closed, by=p.handler_a, reason="", extra_value=0),
                lambda: services.case_dispatch(case=closed, by=p.dispatcher, department="nowhere"),
                lambda: services.case_callback(case=in_progress, by=p.operator, satisfaction="meh", resolved=None),
                lambda: services.case_decide_request(case=closed, by=p.dispatcher, approve=None),
                lambda: services.case_file(case=filed, by=p.shift_leader, category="99999"),
                lambda: services.case_link_duplicate(case=closed, by=p.operator, original="no-such-case"),
            ],
        }
        for kind, calls in attempts.items():
            for call in calls:
                with pytest.raises(CaseError) as refused:
                    call()
                assert refused.value.kind == kind


def test_a_request_still_pending_at_feedback_is_withdrawn(world, frozen):
    p = world
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")):
        services.case_request_delay(case=case, by=p.handler_a, reason="需采购配件", extra_value=1)
    with frozen(at("2026-11-18 11:00")):
        services.case_feedback(case=case, by=p.handler_a, result="已修复", photos=[photo()])
        with pytest.raises(CaseError) as refused:
            services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    assert refused.value.kind == "state"
    request = CaseRequest.objects.get(case=case)
    assert (request.state, request.decided_at, request.decided_by) == ("withdrawn", at("2026-11-18 11:00"), None)
    assert case.events.get(action="feedback").data == {"withdrawn_requests": 1}

    with frozen(at("2026-11-18 11:30")):  # after a failed check the handler may ask again
        services.case_check_request(case=case, by=p.operator)
        services.case_check_fail(case=case, by=p.inspector, reason="未修复", photos=[photo()])
        services.case_request_delay(case=case, by=p.handler_a, reason="仍需配件", extra_value=1)
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    case.refresh_from_db()
    assert (case.status, case.delay_count) == (Status.IN_PROGRESS, 1)
    assert list(CaseRequest.objects.filter(case=case).values_list("state", flat=True).order_by("id")) == [
        "withdrawn",
        "approved",
    ]
