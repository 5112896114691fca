"""Handling deadlines, step deadlines and the timer light (DOMAIN.md §5).

Every expected moment is worked out by hand from the rules: working hours
08:30–12:00 and 13:00–17:30; the 2026 calendar has 中秋 on 25–27 September,
国庆 on 1–7 October and make-up working days on Sunday 20 September and
Saturday 10 October. 2026-11-18 is a Wednesday.
"""

import pytest

from cases import services
from cases.models import Case, Status
from tests.cases.conftest import at, case_in, light_of, photo, report_case

pytestmark = pytest.mark.usefixtures("media_root")


def dispatched(world, frozen, moment, *, category="01001", urgency="normal", department="sz"):
    """A case reported, filed and dispatched at ``moment``."""
    with frozen(at(moment)):
        case = report_case(world, category=category, urgency=urgency)
        services.case_file(case=case, by=world.shift_leader)
        return services.case_dispatch(case=case, by=world.dispatcher, department=department)


@pytest.mark.parametrize(
    ("category", "moment", "deadline"),
    [
        ("01001", "2026-11-18 09:05", "2026-11-18 16:05"),  # 6 working hours across lunch
        ("01001", "2026-11-18 16:00", "2026-11-19 14:00"),  # 1.5 h today, 3.5 h + 1 h tomorrow
        ("03001", "2026-11-20 16:30", "2026-11-23 16:30"),  # 1 working day from Friday: over the weekend
        ("01001", "2026-11-21 10:00", "2026-11-23 15:30"),  # dispatched on a Saturday: counts from Monday 08:30
        ("01037", "2026-09-30 16:00", "2026-10-09 16:00"),  # 2 working days over 国庆: 1.5 h + 8 h + 6.5 h
        ("03001", "2026-10-09 16:00", "2026-10-10 16:00"),  # into the make-up Saturday
        ("03001", "2026-09-18 16:00", "2026-09-20 16:00"),  # over a Saturday off into the make-up Sunday
        ("03001", "2026-09-24 16:00", "2026-09-28 16:00"),  # over 中秋 (25–27 September)
        ("06001", "2026-11-18 09:00", "2026-12-09 09:00"),  # 15 working days
    ],
)
def test_the_handling_deadline_counts_working_time_from_the_dispatch(world, frozen, category, moment, deadline):
    case = dispatched(world, frozen, moment, category=category)
    case.refresh_from_db()
    assert case.deadline == at(deadline)
    assert case.deadline_started_at == at(moment)
    assert case.events.get(action="dispatch").data["deadline"] == at(deadline).isoformat()


def test_an_urgent_case_runs_on_natural_hours(world, frozen):
    case = dispatched(world, frozen, "2026-11-21 23:30", urgency="urgent")  # 01001: urgent limit 1 natural hour
    with frozen(at("2026-11-21 23:35")):
        services.case_sign(case=case, by=world.handler_a)
    case.refresh_from_db()
    assert case.deadline == at("2026-11-22 00:30")  # a Sunday night: the calendar does not matter
    assert case.step_yellow_at == at("2026-11-22 00:18")
    assert light_of(case, at("2026-11-22 00:17")) == "green"
    assert light_of(case, at("2026-11-22 00:18")) == "yellow"
    assert light_of(case, at("2026-11-22 00:31")) == "red"


def test_an_urgent_case_of_a_category_without_an_urgent_limit_keeps_the_normal_one(world, frozen):
    case = dispatched(world, frozen, "2026-11-20 16:30", category="06007", urgency="urgent")  # 1 working day
    assert case.deadline == at("2026-11-23 16:30")


def test_filing_as_urgent_switches_to_the_urgent_limit(world, frozen):
    with frozen(at("2026-11-18 09:00")):
        case = report_case(world, category="06010")  # 4 working hours, urgent 2 natural hours
        services.case_file(case=case, by=world.shift_leader, urgency="urgent")
        case = services.case_dispatch(case=case, by=world.dispatcher, department="hw")
    assert case.deadline == at("2026-11-18 11:00")
    assert case.events.get(action="file").data == {"urgency": ["normal", "urgent"]}


def test_the_light_turns_yellow_at_80_percent_and_red_after_the_deadline(world, frozen):
    case = dispatched(world, frozen, "2026-11-18 09:05")
    # sign step: 1 working hour from 09:05, yellow after 48 minutes
    assert (case.step, case.step_yellow_at, case.step_deadline) == (
        "sign",
        at("2026-11-18 09:53"),
        at("2026-11-18 10:05"),
    )
    assert light_of(case, at("2026-11-18 09:52")) == "green"
    assert light_of(case, at("2026-11-18 09:53")) == "yellow"
    assert light_of(case, at("2026-11-18 10:06")) == "red"

    with frozen(at("2026-11-18 09:10")):
        services.case_sign(case=case, by=world.handler_a)
    case.refresh_from_db()
    # handling step: 6 working hours from the dispatch; 80 % = 4 h 48 min → 14:53
    assert (case.step, case.step_yellow_at, case.step_deadline) == ("handle", at("2026-11-18 14:53"), case.deadline)
    expected = {
        "2026-11-18 09:10": "green",
        "2026-11-18 14:52": "green",
        "2026-11-18 14:53": "yellow",
        "2026-11-18 16:05": "yellow",  # at the deadline itself: not yet past it
        "2026-11-18 16:06": "red",
        "2026-11-25 09:00": "red",
    }
    assert {moment: light_of(case, at(moment)) for moment in expected} == expected


def test_closed_rejected_and_voided_cases_have_no_light(world, frozen):
    for status in (Status.CLOSED, Status.REJECTED, Status.VOIDED):
        case = case_in(status, world)
        assert light_of(case, at("2026-11-30 09:00")) is None


def test_the_light_filters_split_the_open_cases_between_them(world, frozen):
    cases = [case_in(status, world) for status in Status]
    for moment in ("2026-11-18 09:00", "2026-11-18 09:09", "2026-11-18 09:30", "2026-11-18 15:00", "2026-12-01 09:00"):
        by_filter = {
            light: set(Case.objects.with_light_of(light, at(moment)).values_list("pk", flat=True))
            for light in ("green", "yellow", "red")
        }
        annotated = dict(Case.objects.with_light(at(moment)).values_list("pk", "light"))
        for case in cases:
            found = {light for light, pks in by_filter.items() if case.pk in pks}
            assert found == ({annotated[case.pk]} if annotated[case.pk] else set()), (moment, case.status)


def test_overdue_means_past_the_deadline_and_not_handled_in_time(world, frozen):
    late = dispatched(world, frozen, "2026-11-18 09:05")  # due 16:05
    on_time = dispatched(world, frozen, "2026-11-18 09:05")
    waiting = dispatched(world, frozen, "2026-11-18 09:05")
    with frozen(at("2026-11-18 15:00")):
        for case in (late, on_time, waiting):
            services.case_sign(case=case, by=world.handler_a)
        services.case_feedback(case=on_time, by=world.handler_a, result="已修复", photos=[photo()])

    def overdue(moment):
        return set(Case.objects.overdue(at(moment)).values_list("pk", flat=True))

    assert overdue("2026-11-18 16:05") == set()
    assert overdue("2026-11-18 16:06") == {late.pk, waiting.pk}
    with frozen(at("2026-11-18 16:30")):
        services.case_feedback(case=late, by=world.handler_a, result="已修复", photos=[photo()])
        services.case_check_request(case=late, by=world.operator)
    assert overdue("2026-11-18 17:00") == {late.pk, waiting.pk}  # fed back after the deadline: still overdue
    with frozen(at("2026-11-18 17:00")):
        services.case_check_pass(case=late, by=world.inspector, photos=[photo()])
        services.case_close(case=late, by=world.shift_leader)
    assert overdue("2026-11-19 09:00") == {waiting.pk}  # closed: no longer


def test_each_step_has_its_own_deadline(world, frozen):
    p = world
    steps = []

    def step(moment, action):
        with frozen(at(moment)):
            case = action()
        case.refresh_from_db()
        steps.append((case.status, case.step, case.step_yellow_at, case.step_deadline))
        return case

    case = step("2026-11-18 09:00", lambda: report_case(p))
    step("2026-11-18 09:02", lambda: services.case_verify_request(case=case, by=p.operator))
    step("2026-11-18 09:20", lambda: services.case_verify_reply(case=case, by=p.inspector, valid=True, comment="属实"))
    step("2026-11-18 09:25", lambda: services.case_file(case=case, by=p.shift_leader))
    step("2026-11-18 11:30", lambda: services.case_dispatch(case=case, by=p.dispatcher, department="sz"))
    step("2026-11-18 13:00", lambda: services.case_sign(case=case, by=p.handler_a))
    step(
        "2026-11-18 16:30",
        lambda: services.case_feedback(case=case, by=p.handler_a, result="已修复", photos=[photo()]),
    )
    step("2026-11-18 17:00", lambda: services.case_check_request(case=case, by=p.operator))
    step("2026-11-19 09:10", lambda: services.case_check_pass(case=case, by=p.inspector, photos=[photo()]))
    step("2026-11-19 09:20", lambda: services.case_close(case=case, by=p.shift_leader))

    def m(text):
        return at(f"2026-11-{text}")

    assert steps == [
        ("reported", "accept", m("18 09:08"), m("18 09:10")),  # 10 natural minutes
        ("verifying", "verify", m("18 09:26"), m("18 09:32")),  # 30 natural minutes
        ("reported", "file", m("18 09:28"), m("18 09:30")),  # 10 natural minutes after the reply
        ("filed", "dispatch", m("18 09:33"), m("18 09:35")),  # 10 natural minutes
        ("dispatched", "sign", m("18 13:18"), m("18 13:30")),  # 1 working hour, across lunch
        ("in_progress", "handle", m("18 17:18"), m("19 09:30")),  # the handling deadline: 6 h from 11:30
        ("handled", "check", m("19 09:06"), m("19 09:30")),  # 2 working hours from the feedback
        ("checking", "check", m("19 09:06"), m("19 09:30")),  # check-request does not restart the clock
        ("checked", "close", m("19 09:34"), m("19 09:40")),  # 30 natural minutes
        ("closed", "", None, None),
    ]
    case.refresh_from_db()
    assert [e.step_deadline for e in case.events.all()] == [s[3] for s in steps]
