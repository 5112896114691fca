from cases import services
from cases.models import Case, Status
from tests.cases.conftest import at, grid_point, photo


def test_a_hotline_case_goes_from_intake_to_callback(world, frozen):
    p = world
    with frozen(at("2026-11-18 09:00")):
        case = services.case_report(
            by=p.operator,
            source="hotline",
            category="01001",
            description="井盖破损",
            hotline_ticket_no="T001",
            caller_name="王五",
            caller_phone="13812345678",
            **grid_point(p.city, 1),
        )
    assert case.number.startswith("20261118")
    with frozen(at("2026-11-18 09:05")):
        services.case_file(case=case, by=p.shift_leader)
        case = services.case_dispatch(case=case, by=p.dispatcher, department="sz")
    assert case.status == Status.DISPATCHED
    assert case.deadline == at("2026-11-18 16:05")  # 6 working hours across lunch
    with frozen(at("2026-11-18 09:30")):
        services.case_sign(case=case, by=p.handler_a)
        services.case_contact_caller(case=case, by=p.handler_a, note="已电话联系")
        services.case_feedback(case=case, by=p.handler_a, result="已更换井盖", photos=[photo()])
        services.case_check_request(case=case, by=p.operator)
        services.case_check_pass(case=case, by=p.inspector, photos=[photo()])
        services.case_close(case=case, by=p.shift_leader)
        case = services.case_callback(case=case, by=p.operator, satisfaction="satisfied", resolved=True)
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.CLOSED
    assert case.satisfaction == "satisfied"
    assert list(case.events.values_list("action", flat=True)) == [
        "report", "file", "dispatch", "sign", "contact-caller", "feedback", "check-request", "check-pass", "close",
        "callback",
    ]  # fmt: skip
    assert case.attachments.count() == 2
