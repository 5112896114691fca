"""A caller's name and phone never reach the logs (DOMAIN.md §10)."""

import logging

from cases import services
from tests.cases.conftest import at, grid_point, photo

PHONE, NAME = "13987654321", "赵六"


def test_no_log_record_carries_the_callers_phone_or_name(world, frozen, caplog):
    p = world
    with caplog.at_level(logging.DEBUG), frozen(at("2026-11-18 09:00")):
        case = services.case_report(
            by=p.operator,
            source="hotline",
            category="01001",
            description="井盖缺失",
            hotline_ticket_no="T9",
            caller_name=NAME,
            caller_phone=PHONE,
            **grid_point(p.city),
        )
        case = services.case_file(case=case, by=p.shift_leader)
        case = services.case_dispatch(case=case, by=p.dispatcher, department="sz")
        case = services.case_sign(case=case, by=p.handler_a)
        case = services.case_contact_caller(case=case, by=p.handler_a, note="已联系")
        services.case_feedback(case=case, by=p.handler_a, result="已修复", photos=[photo()])
    assert caplog.records, "the services log their actions"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert PHONE not in logged and PHONE[-4:] not in logged
    assert NAME not in logged
