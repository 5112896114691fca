"""Helpers for the API tests (no tests here): clients, and cases made and moved
along through the services, as people would."""

from __future__ import annotations

from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from tests.cases.conftest import at, grid_point, photo

PHONE = "13812345678"


def api(user=None, language: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def report(world, frozen, *, when: str = "2026-11-18 09:00", grid: int = 0, by=None, **fields) -> Case:
    """A case registered through the intake service (a hotline case by default)."""
    values = {
        "source": "hotline",
        "category": "01001",
        "description": "井盖破损",
        "address": "示范路 1 号",
        "hotline_ticket_no": "T001",
        "caller_name": "王五",
        "caller_phone": PHONE,
        **grid_point(world.city, grid),
        **fields,
    }
    with frozen(at(when)):
        return services.case_report(by=by or world.operator, **values)


STEPS = ["filed", "dispatched", "in_progress", "handled", "checking", "checked", "closed"]


def advance(world, frozen, case: Case, to: str, *, when: str = "2026-11-18 09:10", department: str = "sz") -> Case:
    """Move a reported case through the usual path up to status ``to``."""
    p = world
    moves = {
        "filed": lambda c: services.case_file(case=c, by=p.shift_leader),
        "dispatched": lambda c: services.case_dispatch(case=c, by=p.dispatcher, department=department),
        "in_progress": lambda c: services.case_sign(case=c, by=p.handler_a if department == "sz" else p.handler_b),
        "handled": lambda c: services.case_feedback(
            case=c, by=p.handler_a if department == "sz" else p.handler_b, result="已处理", photos=[photo()]
        ),
        "checking": lambda c: services.case_check_request(case=c, by=p.operator),
        "checked": lambda c: services.case_check_pass(case=c, by=p.inspector, photos=[photo()]),
        "closed": lambda c: services.case_close(case=c, by=p.shift_leader),
    }
    with frozen(at(when)):
        for step in STEPS[: STEPS.index(to) + 1]:
            case = moves[step](case)
    return Case.objects.get(pk=case.pk)


def snapshot(case: Case) -> tuple:
    """What must not change when an action is refused."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.department_id,
        case.deadline,
        case.step_deadline,
        case.updated_at,
        CaseEvent.objects.filter(case=case).count(),
        case.attachments.count(),
        case.requests.count(),
    )
