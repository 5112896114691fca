"""Role scores of inspectors and dispatchers (DOMAIN.md §7), from real case histories."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.models import Status
from reports.roles import _compute
from tests.cases.conftest import *  # noqa: F403
from tests.cases.conftest import at, case_in, report_case

NOVEMBER = date(2026, 11, 1)


def row_of(rows, username):
    return next(r for r in rows if r["username"] == username)


def test_a_return_lowers_dispatch_accuracy_and_a_late_dispatch_the_on_time_rate(world, media_root, frozen):
    p = world
    case_in(Status.DISPATCHED, p, grid=1)  # dispatched at once: in time
    with frozen(at("2026-11-18 10:00")):
        late = services.case_file(case=report_case(p, grid=2), by=p.shift_leader)
    with frozen(at("2026-11-18 11:00")):  # the dispatch step is 10 minutes
        late = services.case_dispatch(case=late, by=p.dispatcher, department="sz")
        handler = p.handler_a
        services.case_request_return(case=late, by=handler, reason="不属于本部门")
        services.case_decide_request(case=late, by=p.dispatcher, approve=True)
    row = row_of(_compute(NOVEMBER)["dispatchers"], p.dispatcher.username)
    assert row["dispatches"] == 2 and row["returned"] == 1
    assert row["on_time_rate"] == pytest.approx(0.5) and row["accuracy_rate"] == pytest.approx(0.5)
    # 20 × 1 (the most dispatches) + 40 × 0.5 + 40 × 0.5
    assert float(row["score"]) == pytest.approx(60.0) and row["grade"] == "C"


def test_an_inspector_answering_late_and_missing_a_citizen_case(world, media_root, frozen):
    p = world
    with frozen(at("2026-11-18 09:00")):
        asked = services.case_verify_request(case=report_case(p, grid=1), by=p.operator)
    with frozen(at("2026-11-18 09:00") + timedelta(hours=2)):  # the verify step is 30 minutes
        services.case_verify_reply(case=asked, by=p.inspector, valid=True, comment="属实")
    with frozen(at("2026-11-18 14:00")):
        services.case_file(case=asked, by=p.shift_leader)  # a citizen case filed in the inspector's grid
        report_case(p, source="patrol", grid=1)  # the inspector's own report (valid while pending)
    row = row_of(_compute(NOVEMBER)["inspectors"], p.inspector.username)
    assert (row["reports"], row["valid_reports"], row["missed"], row["verify_tasks"]) == (1, 1, 1, 1)
    assert row["verify_rate"] == 0 and row["not_missed_rate"] == pytest.approx(0.5)
    assert row["check_rate"] is None and "check" in row["missing"]
    # (40 × 1 + 20 × 0.5 + 20 × 0) re-weighted over 80
    assert float(row["score"]) == pytest.approx(62.5)


def test_the_staff_page_is_for_report_readers(world, client):
    client.force_login(world.city_leader)
    page = client.get(reverse("reports:staff"), {"month": "2026-11"})
    assert page.status_code == 200 and 'id="dispatcher-scores"' in page.content.decode()
    client.force_login(world.handler_a)
    assert client.get(reverse("reports:staff")).status_code == 403
