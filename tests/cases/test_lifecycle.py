"""Whole paths through the case lifecycle (DOMAIN.md §4): the hotline path with
caller contact and callback, the self-handled patrol path, intake refusals, the
rework loop and reopening after a dissatisfied callback."""

import pytest

from cases import services
from cases.errors import CaseError
from cases.models import Attachment, Case, CaseNumberSequence, Status
from tests.cases.conftest import at, case_in, grid_point, photo, report_case

pytestmark = pytest.mark.usefixtures("media_root")


def timeline(case):
    return [(e.action, e.from_status, e.to_status, e.actor_id) for e in case.events.all()]


def test_a_hotline_case_runs_from_intake_to_callback_with_every_timestamp(world, frozen):
    p = world
    with frozen(at("2026-11-18 09:00")):
        case = report_case(p, source="hotline", hotline_type="complaint")
    with frozen(at("2026-11-18 09:05")):
        services.case_file(case=case, by=p.shift_leader)
        services.case_dispatch(case=case, by=p.dispatcher, department="sz")
    with frozen(at("2026-11-18 09:30")):
        services.case_sign(case=case, by=p.handler_a)
    with frozen(at("2026-11-18 09:40")):
        services.case_contact_caller(case=case, by=p.handler_a, note="已电话联系", contacted_at=at("2026-11-18 09:35"))
    with frozen(at("2026-11-18 10:00")):
        services.case_contact_caller(case=case, by=p.handler_a, note="再次联系，约定上门")
    with frozen(at("2026-11-18 11:00")):
        services.case_feedback(case=case, by=p.handler_a, result="已更换井盖", photos=[photo()])
    with frozen(at("2026-11-18 11:10")):
        services.case_check_request(case=case, by=p.operator)
    with frozen(at("2026-11-18 11:30")):
        services.case_check_pass(case=case, by=p.inspector, photos=[photo()])
    with frozen(at("2026-11-18 11:40")):
        services.case_close(case=case, by=p.shift_leader)
    with frozen(at("2026-11-19 10:00")):
        services.case_callback(case=case, by=p.operator, satisfaction="basically", resolved=True, comment="基本满意")

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.reported_at == at("2026-11-18 09:00")
    assert case.filed_at == case.dispatched_at == at("2026-11-18 09:05")
    assert case.signed_at == at("2026-11-18 09:30")
    assert case.first_contact_at == at("2026-11-18 09:35")  # the earliest contact, not the latest
    assert case.handled_at == at("2026-11-18 11:00")
    assert case.closed_at == at("2026-11-18 11:40")
    assert (case.satisfaction, case.resolved, case.callback_at) == ("basically", True, at("2026-11-19 10:00"))
    assert case.department == p.dept_a
    assert case.inspector == p.inspector  # the grid's inspector by default
    assert (case.step, case.step_deadline) == ("", None)
    assert timeline(case) == [
        ("report", "", "reported", p.operator.id),
        ("file", "reported", "filed", p.shift_leader.id),
        ("dispatch", "filed", "dispatched", p.dispatcher.id),
        ("sign", "dispatched", "in_progress", p.handler_a.id),
        ("contact-caller", "in_progress", "in_progress", p.handler_a.id),
        ("contact-caller", "in_progress", "in_progress", p.handler_a.id),
        ("feedback", "in_progress", "handled", p.handler_a.id),
        ("check-request", "handled", "checking", p.operator.id),
        ("check-pass", "checking", "checked", p.inspector.id),
        ("close", "checked", "closed", p.shift_leader.id),
        ("callback", "closed", "closed", p.operator.id),
    ]
    callback = case.events.get(action="callback")
    assert callback.data == {"satisfaction": "basically", "resolved": True}
    assert callback.comment == "基本满意"
    assert callback.created_at == at("2026-11-19 10:00")
    assert case.events.filter(action="contact-caller").first().data == {"contacted_at": "2026-11-18T09:35:00+08:00"}
    assert list(case.attachments.values_list("stage", flat=True)) == [Attachment.Stage.AFTER, Attachment.Stage.CHECK]


def test_it_refuses_a_second_callback(world, frozen):
    case = case_in(Status.CLOSED, world)
    with frozen(at("2026-11-19 10:00")):
        services.case_callback(case=case, by=world.operator, satisfaction="satisfied", resolved=True)
        with pytest.raises(CaseError) as refused:
            services.case_callback(case=case, by=world.operator, satisfaction="dissatisfied", resolved=False)
    assert refused.value.kind == "state"
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    assert case.events.filter(action="callback").count() == 1


def test_it_refuses_a_contact_time_in_the_future(world, frozen):
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")), pytest.raises(CaseError) as refused:
        services.case_contact_caller(case=case, by=world.handler_a, note="已联系", contacted_at=at("2026-11-18 11:00"))
    assert refused.value.kind == "input"
    case.refresh_from_db()
    assert case.first_contact_at is None


def test_a_self_handled_patrol_case_enters_handled_and_goes_on_to_check_and_close(world, frozen):
    p = world
    with frozen(at("2026-11-18 09:00")):
        case = services.case_report(
            by=p.inspector,
            source="patrol",
            category="06010",
            description="路边暴露垃圾，已当场清理",
            photos=[photo("before.png")],
            after_photos=[photo("after.png")],
            self_handled=True,
            **grid_point(p.city, 2),
        )
    case.refresh_from_db()
    assert (case.status, case.self_handled, case.handled_at) == (Status.HANDLED, True, at("2026-11-18 09:00"))
    assert case.department is None
    assert case.step == "check"
    assert case.step_deadline == at("2026-11-18 11:00")  # 2 working hours after the (self-)feedback
    assert timeline(case) == [
        ("report", "", "reported", p.inspector.id),
        ("self-handle", "reported", "handled", p.inspector.id),
    ]
    assert sorted(case.attachments.values_list("stage", flat=True)) == [Attachment.Stage.AFTER, Attachment.Stage.REPORT]
    assert case.events.get(action="self-handle").attachments.get().stage == Attachment.Stage.AFTER

    with frozen(at("2026-11-18 10:00")):
        services.case_check_request(case=case, by=p.operator)
        services.case_check_pass(case=case, by=p.inspector, photos=[photo()])
        services.case_close(case=case, by=p.shift_leader)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert [e.action for e in case.events.all()] == ["report", "self-handle", "check-request", "check-pass", "close"]


def test_a_self_handled_case_that_fails_its_check_goes_to_dispatch(world, frozen):
    """A self-handled case has no department to rework it: a failed check sends it
    to the dispatcher (filed), not to an in_progress nobody can act on."""
    p = world
    with frozen(at("2026-11-18 09:00")):
        case = services.case_report(
            by=p.inspector,
            source="patrol",
            category="06010",
            description="暴露垃圾",
            photos=[photo()],
            after_photos=[photo()],
            self_handled=True,
            **grid_point(p.city, 2),
        )
        services.case_check_request(case=case, by=p.operator)
    with frozen(at("2026-11-18 10:00")):
        case = services.case_check_fail(case=case, by=p.inspector, reason="垃圾仍在", photos=[photo()])
    case.refresh_from_db()
    # filed when it was reported (自处理 counts as filed at once), not when its check failed
    assert (case.status, case.rework_count, case.filed_at) == (Status.FILED, 1, at("2026-11-18 09:00"))
    assert (case.step, case.step_deadline) == ("dispatch", at("2026-11-18 10:10"))
    assert timeline(case)[-1] == ("check-fail", "checking", "filed", p.inspector.id)
    with frozen(at("2026-11-18 10:05")):
        services.case_dispatch(case=case, by=p.dispatcher, department="hw")
        services.case_sign(case=case, by=p.handler_b)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.deadline == at("2026-11-18 15:05")  # 06010: 4 working hours from the dispatch


@pytest.mark.parametrize(
    "who, fields, kind, error_fields",
    [
        ("inspector", {"source": "hotline", "hotline_ticket_no": "T1"}, "permission", set()),
        ("outsider", {"source": "public"}, "permission", set()),
        ("inspector", {"source": "patrol"}, "input", {"photos"}),
        ("inspector", {"source": "patrol", "photos": "one", "self_handled": True}, "input", {"after_photos"}),
        ("operator", {"source": "patrol", "self_handled": True, "after_photos": "one"}, "input", {"self_handled"}),
        ("operator", {"source": "hotline"}, "input", {"hotline_ticket_no"}),
        ("operator", {"source": "public", "lat": 10.0, "lng": 10.0}, "input", {"lat"}),
    ],
    ids=[
        "inspector-with-hotline",
        "outsider",
        "patrol-without-photo",
        "self-handled-without-after-photo",
        "self-handled-by-non-inspector",
        "hotline-without-ticket",
        "outside-the-grids",
    ],
)
def test_it_refuses_bad_intake_and_creates_nothing(world, frozen, who, fields, kind, error_fields):
    fields = dict(fields)
    for name in ("photos", "after_photos"):
        if fields.get(name) == "one":
            fields[name] = [photo()]
    arguments = {"category": "06010", "description": "暴露垃圾", **grid_point(world.city, 1), **fields}
    with frozen(at("2026-11-18 09:00")), pytest.raises(CaseError) as refused:
        services.case_report(by=getattr(world, who), **arguments)
    assert refused.value.kind == kind
    assert set(refused.value.fields) == error_fields
    assert Case.objects.count() == 0
    assert not CaseNumberSequence.objects.exists()  # no number is spent on a refused intake


def test_a_failed_check_sends_the_case_back_for_rework_and_round_again(world, frozen):
    p = world
    case = case_in(Status.CHECKING, world)  # dispatched 2026-11-18 09:00, due 16:00
    with frozen(at("2026-11-18 10:00")):
        services.case_check_fail(case=case, by=p.inspector, reason="井盖仍松动", photos=[photo()])
    case.refresh_from_db()
    assert (case.status, case.rework_count) == (Status.IN_PROGRESS, 1)
    assert case.deadline == at("2026-11-18 16:00")  # rework does not extend the handling deadline
    assert (case.step, case.step_deadline) == ("handle", case.deadline)
    fail = case.events.last()
    assert (fail.action, fail.from_status, fail.to_status, fail.comment) == (
        "check-fail",
        "checking",
        "in_progress",
        "井盖仍松动",
    )
    assert fail.data == {"rework": 1}
    assert fail.attachments.get().stage == Attachment.Stage.CHECK

    with frozen(at("2026-11-18 11:00")):
        services.case_feedback(case=case, by=p.handler_a, result="已重新固定", photos=[photo()])
    case.refresh_from_db()
    assert (case.status, case.handled_at) == (Status.HANDLED, at("2026-11-18 11:00"))
    with frozen(at("2026-11-18 11:30")):
        services.case_check_request(case=case, by=p.operator)
        services.case_check_fail(case=case, by=p.inspector, reason="仍有异响", photos=[photo()])
    case.refresh_from_db()
    assert case.rework_count == 2
    assert case.events.filter(action="check-fail").count() == 2


def test_it_refuses_a_check_fail_without_reason_or_photo(world, frozen):
    case = case_in(Status.CHECKING, world)
    with frozen(at("2026-11-18 10:00")):
        with pytest.raises(CaseError) as no_photo:
            services.case_check_fail(case=case, by=world.inspector, reason="未修复")
        with pytest.raises(CaseError) as no_reason:
            services.case_check_fail(case=case, by=world.inspector, reason=" ", photos=[photo()])
    assert (no_photo.value.kind, set(no_photo.value.fields)) == ("input", {"photos"})
    assert (no_reason.value.kind, set(no_reason.value.fields)) == ("input", {"reason"})
    case.refresh_from_db()
    assert (case.status, case.rework_count) == (Status.CHECKING, 0)


def test_feedback_needs_an_after_photo_unless_the_category_waives_it(world, frozen):
    case = case_in(Status.IN_PROGRESS, world)
    with frozen(at("2026-11-18 10:00")), pytest.raises(CaseError) as refused:
        services.case_feedback(case=case, by=world.handler_a, result="已修复")
    assert (refused.value.kind, set(refused.value.fields)) == ("input", {"photos"})
    case.category.after_photo_required = False
    case.category.save()
    with frozen(at("2026-11-18 10:00")):
        services.case_feedback(case=case, by=world.handler_a, result="已修复")
    case.refresh_from_db()
    assert case.status == Status.HANDLED


# --- reopen (重办) ---------------------------------------------------------------------


def test_a_dissatisfied_callback_lets_the_dispatcher_reopen_with_a_new_deadline(world, frozen):
    p = world
    case = case_in(Status.CLOSED, world)  # closed 2026-11-18 09:00
    with frozen(at("2026-11-19 09:00")):
        services.case_callback(case=case, by=p.operator, satisfaction="dissatisfied", resolved=False)
    with frozen(at("2026-11-19 10:00")):
        services.case_reopen(case=case, by=p.dispatcher, reason="诉求人反映井盖仍松动")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.department == p.dept_a
    assert case.closed_at is None
    assert case.deadline == at("2026-11-19 17:00")  # 6 working hours from the reopening
    assert (case.step, case.step_deadline) == ("handle", case.deadline)
    reopen = case.events.last()
    assert (reopen.action, reopen.from_status, reopen.to_status, reopen.actor) == (
        "reopen",
        "closed",
        "in_progress",
        p.dispatcher,
    )
    assert case.events.get(action="callback").data == {"satisfaction": "dissatisfied", "resolved": False}
    with frozen(at("2026-11-19 11:00")):
        services.case_feedback(case=case, by=p.handler_a, result="已重新安装", photos=[photo()])
    case.refresh_from_db()
    assert case.status == Status.HANDLED


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically"])
def test_it_refuses_to_reopen_after_a_satisfied_callback(world, frozen, satisfaction):
    case = case_in(Status.CLOSED, world)
    with frozen(at("2026-11-19 09:00")):
        services.case_callback(case=case, by=world.operator, satisfaction=satisfaction, resolved=True)
        with pytest.raises(CaseError) as refused:
            services.case_reopen(case=case, by=world.dispatcher, reason="复查")
    assert refused.value.kind == "state"
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert not case.events.filter(action="reopen").exists()


@pytest.mark.parametrize(("moment", "allowed"), [("2026-12-18 09:00", True), ("2026-12-18 09:01", False)])
def test_reopening_is_allowed_for_30_days_after_closing(world, frozen, moment, allowed):
    case = case_in(Status.CLOSED, world)  # closed 2026-11-18 09:00
    with frozen(at("2026-11-19 09:00")):
        services.case_callback(case=case, by=world.operator, satisfaction="dissatisfied", resolved=False)
    with frozen(at(moment)):
        if allowed:
            services.case_reopen(case=case, by=world.dispatcher, reason="不满意")
        else:
            with pytest.raises(CaseError) as refused:
                services.case_reopen(case=case, by=world.dispatcher, reason="不满意")
            assert refused.value.kind == "state"
    case.refresh_from_db()
    assert case.status == (Status.IN_PROGRESS if allowed else Status.CLOSED)
