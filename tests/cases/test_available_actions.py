"""The actions offered to a person are the ones the services would accept."""

from cases import services
from cases.selectors import available_actions
from tests.cases.conftest import at, grid_point


def report(world, source="hotline"):
    extra = {"hotline_ticket_no": "T1", "caller_phone": "13812345678"} if source == "hotline" else {}
    return services.case_report(
        by=world.operator, source=source, category="01001", description="井盖破损", **extra, **grid_point(world.city)
    )


def dispatched(world, frozen, source="hotline"):
    with frozen(at("2026-11-18 09:00")):
        case = report(world, source)
        services.case_file(case=case, by=world.shift_leader)
        return services.case_dispatch(case=case, by=world.dispatcher, department="sz")


def test_only_the_cases_department_is_offered_signing(world, frozen):
    case = dispatched(world, frozen)
    assert "sign" in available_actions(case, world.handler_a)
    assert "sign" not in available_actions(case, world.handler_b)


def test_contact_caller_is_offered_for_hotline_cases_only(world, frozen):
    hotline = services.case_sign(case=dispatched(world, frozen), by=world.handler_a)
    video = services.case_sign(case=dispatched(world, frozen, source="video"), by=world.handler_a)
    assert "contact-caller" in available_actions(hotline, world.handler_a)
    assert "contact-caller" not in available_actions(video, world.handler_a)


def test_deciding_is_offered_only_while_a_request_is_pending(world, frozen):
    case = services.case_sign(case=dispatched(world, frozen), by=world.handler_a)
    assert "decide-request" not in available_actions(case, world.dispatcher)
    assert "request-delay" in available_actions(case, world.handler_a)
    case = services.case_request_delay(case=case, by=world.handler_a, reason="材料未到", extra_value=1)
    assert "decide-request" in available_actions(case, world.dispatcher)
    assert "request-delay" not in available_actions(case, world.handler_a)


def test_a_person_without_roles_is_offered_nothing(world, frozen):
    assert available_actions(dispatched(world, frozen), world.outsider) == []
