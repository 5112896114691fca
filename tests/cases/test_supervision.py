"""The periodic supervision scan (DOMAIN.md §5): a reminder when a case turns
yellow, a 督办 when it turns red, escalation at 5 working days overdue; each once.

Cases here are 01001 (6 working hours) dispatched to 市政 on Wednesday
2026-11-18 at 09:05: sign step due 10:05 (yellow 09:53); handling due 16:05
(yellow 14:53).
"""

from datetime import datetime

import pytest

from cases import services
from cases.models import Case, CaseEvent, Notification, Status
from tests.cases.conftest import at, case_in, photo, report_case, run_together

pytestmark = pytest.mark.usefixtures("media_root")


def dispatched(world, frozen, moment="2026-11-18 09:05", *, sign_at=None):
    with frozen(at(moment)):
        case = report_case(world)
        services.case_file(case=case, by=world.shift_leader)
        case = services.case_dispatch(case=case, by=world.dispatcher, department="sz")
    if sign_at:
        with frozen(at(sign_at)):
            case = services.case_sign(case=case, by=world.handler_a)
    return case


def scan(moment, **options):
    return services.supervision_scan(now=at(moment), **options)


def system_events(case):
    return list(case.events.filter(actor=None).values_list("action", "from_status", "to_status", "data"))


def test_a_case_turning_yellow_is_reminded_once(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")
    assert scan("2026-11-18 14:52") == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert scan("2026-11-18 14:53") == {"reminded": 1, "supervised": 0, "escalated": 0}
    assert scan("2026-11-18 14:54") == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert scan("2026-11-18 16:00") == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert system_events(case) == [("remind", "in_progress", "in_progress", {"step": "handle"})]
    reminder = case.events.get(action="remind")
    assert reminder.created_at == at("2026-11-18 14:53")
    assert reminder.step_deadline == at("2026-11-18 16:05")
    notice = Notification.objects.get(case=case)
    assert (notice.kind, notice.department, notice.user) == ("reminder", world.dept_a, None)
    assert case.number in notice.text
    case.refresh_from_db()
    assert case.supervision_level == 0


def test_a_case_turning_red_is_supervised_once(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")
    scan("2026-11-18 14:53")
    assert scan("2026-11-18 16:06") == {"reminded": 0, "supervised": 1, "escalated": 0}
    assert scan("2026-11-18 16:07") == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert scan("2026-11-19 09:00") == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert [e[0] for e in system_events(case)] == ["remind", "auto-supervise"]
    case.refresh_from_db()
    assert case.supervision_level == 1
    assert list(Notification.objects.filter(case=case).values_list("kind", flat=True).order_by("id")) == [
        "reminder",
        "supervision",
    ]


def test_a_case_that_went_red_between_scans_is_supervised_without_a_reminder(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")
    assert scan("2026-11-18 16:30") == {"reminded": 0, "supervised": 1, "escalated": 0}
    assert [e[0] for e in system_events(case)] == ["auto-supervise"]


def test_an_overdue_case_is_escalated_once_after_5_working_days(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")  # due Wednesday 16:05
    scan("2026-11-18 16:06")
    assert scan("2026-11-25 16:04")["escalated"] == 0  # 5 working days later is Wednesday 2026-11-25 16:05
    assert scan("2026-11-25 16:06")["escalated"] == 1
    assert scan("2026-11-25 16:07")["escalated"] == 0
    assert scan("2026-12-10 09:00")["escalated"] == 0
    escalation = case.events.get(action="escalate")
    assert datetime.fromisoformat(escalation.data["deadline"]) == at("2026-11-18 16:05")
    case.refresh_from_db()
    assert case.supervision_level == 2  # the red 督办 and the escalation
    notified = Notification.objects.filter(case=case, kind="escalation")
    assert {(n.department, n.user) for n in notified} == {(world.dept_a, None), (None, world.city_leader)}


def test_escalation_counts_working_days_not_calendar_days(world, frozen):
    case = dispatched(world, frozen, "2026-09-30 09:00", sign_at="2026-09-30 09:10")  # due 16:00 before 国庆
    assert scan("2026-10-08 09:00")["escalated"] == 0  # 8 calendar days, 2 working hours overdue
    # 1.5 h on 30 September, then 8, 9, 10 (the make-up Saturday), 12 and 13 October until 16:00
    assert scan("2026-10-13 15:59")["escalated"] == 0
    assert scan("2026-10-13 16:01")["escalated"] == 1
    assert case.events.filter(action="escalate").count() == 1


def test_the_oldest_overdue_cases_are_escalated_first_when_the_batch_is_small(world, frozen):
    younger = dispatched(world, frozen, "2026-11-19 09:05", sign_at="2026-11-19 09:10")  # due Thursday 16:05
    older = dispatched(world, frozen, "2026-11-18 09:05", sign_at="2026-11-18 09:10")  # due Wednesday 16:05
    counts = scan("2026-11-25 16:06", batch=1)
    assert counts["escalated"] == 1
    assert older.events.filter(action="escalate").exists()
    assert not younger.events.filter(action="escalate").exists()


def test_a_case_fed_back_in_time_is_not_escalated_while_it_waits_for_its_check(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")
    with frozen(at("2026-11-18 10:00")):
        services.case_feedback(case=case, by=world.handler_a, result="已修复", photos=[photo()])
    assert scan("2026-11-30 09:00") == {"reminded": 0, "supervised": 1, "escalated": 0}  # the check step is red
    assert not case.events.filter(action="escalate").exists()
    assert case.events.get(action="auto-supervise").data == {"step": "check"}


def test_suspended_cases_are_not_scanned(world, frozen):
    case = dispatched(world, frozen, sign_at="2026-11-18 09:10")
    with frozen(at("2026-11-18 10:00")):
        services.case_request_suspend(case=case, by=world.handler_a, reason="雨季施工")
        services.case_decide_request(case=case, by=world.dispatcher, approve=True)
    for moment in ("2026-11-18 15:00", "2026-11-18 17:00", "2026-12-31 09:00"):
        assert scan(moment) == {"reminded": 0, "supervised": 0, "escalated": 0}
    assert system_events(case) == []
    assert not Notification.objects.exists()


def test_terminal_cases_are_not_scanned(world, frozen):
    for status in (Status.CLOSED, Status.REJECTED, Status.VOIDED):
        case_in(status, world)
    assert scan("2026-12-31 09:00") == {"reminded": 0, "supervised": 0, "escalated": 0}


def test_a_new_step_is_reminded_again(world, frozen):
    p = world
    case = dispatched(world, frozen)
    assert scan("2026-11-18 09:54")["reminded"] == 1  # sign step, yellow at 09:53
    with frozen(at("2026-11-18 09:58")):
        services.case_request_return(case=case, by=p.handler_a, reason="不属本部门")
        services.case_decide_request(case=case, by=p.dispatcher, approve=True)
    with frozen(at("2026-11-18 10:00")):
        services.case_dispatch(case=case, by=p.dispatcher, department="hw")  # sign due 11:00, yellow 10:48
    assert scan("2026-11-18 10:30")["reminded"] == 0
    assert scan("2026-11-18 10:49")["reminded"] == 1
    assert scan("2026-11-18 10:50")["reminded"] == 0
    reminders = Notification.objects.filter(case=case, kind="reminder").order_by("id")
    assert [n.department for n in reminders] == [p.dept_a, p.dept_b]
    assert [e.data for e in case.events.filter(action="remind")] == [{"step": "sign"}, {"step": "sign"}]


def test_a_case_that_moved_on_before_it_was_claimed_is_not_noticed(world, frozen):
    """The scan lists yellow cases, then claims each; a case signed in between is
    green in its new step and must not be marked as reminded for it."""
    case = dispatched(world, frozen)
    listed = list(services._due_notices("yellow", at("2026-11-18 09:54")).values_list("id", flat=True))
    assert listed == [case.pk]
    with frozen(at("2026-11-18 09:54")):
        services.case_sign(case=case, by=world.handler_a)  # handle step: green until 14:53
    assert services._notice(case.pk, "yellow", at("2026-11-18 09:54")) == 0
    assert not case.events.filter(action="remind").exists()
    assert scan("2026-11-18 14:53")["reminded"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_write_each_notice_once(world, frozen):
    yellow = [dispatched(world, frozen, sign_at="2026-11-18 09:10") for _ in range(4)]
    red = [dispatched(world, frozen, "2026-11-17 09:05", sign_at="2026-11-17 09:10") for _ in range(4)]
    results = run_together(lambda: scan("2026-11-18 15:00"), lambda: scan("2026-11-18 15:00"))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sum(counts["reminded"] for _, counts in results) == 4
    assert sum(counts["supervised"] for _, counts in results) == 4
    for case in yellow:
        assert list(CaseEvent.objects.filter(case=case, actor=None).values_list("action", flat=True)) == ["remind"]
    for case in red:
        assert list(CaseEvent.objects.filter(case=case, actor=None).values_list("action", flat=True)) == [
            "auto-supervise"
        ]
        assert Case.objects.get(pk=case.pk).supervision_level == 1
    assert Notification.objects.count() == 8
