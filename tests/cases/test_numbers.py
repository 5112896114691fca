"""Case numbers: the local (Shanghai) date as YYYYMMDD and a 5-digit sequence of that day."""

import re
from datetime import UTC, datetime

import pytest

from cases import services
from cases.models import CaseNumberSequence
from tests.cases.conftest import at, report_case


def number_at(world, frozen, moment: datetime) -> str:
    with frozen(moment):
        return report_case(world, source="public").number


def test_a_number_is_the_date_and_a_five_digit_sequence_of_the_day(world, frozen):
    numbers = [number_at(world, frozen, at(f"2026-11-18 {t}")) for t in ("08:00", "09:30", "17:45")]
    assert numbers == ["2026111800001", "2026111800002", "2026111800003"]
    assert all(re.fullmatch(r"\d{8}\d{5}", n) for n in numbers)
    assert CaseNumberSequence.objects.get().last == 3


def test_the_sequence_restarts_each_local_day(world, frozen):
    moments = [
        at("2026-11-18 23:59"),
        datetime(2026, 11, 18, 16, 0, tzinfo=UTC),  # 00:00 on the 19th in Shanghai
        datetime(2026, 11, 18, 23, 59, tzinfo=UTC),  # 07:59 on the 19th in Shanghai, still the 18th in UTC
        at("2026-11-19 18:00"),
        at("2026-11-20 00:00"),
    ]
    assert [number_at(world, frozen, m) for m in moments] == [
        "2026111800001",
        "2026111900001",
        "2026111900002",
        "2026111900003",
        "2026112000001",
    ]


def test_next_case_number_counts_per_day_independently(db):
    first = datetime(2026, 1, 1).date()
    second = datetime(2026, 1, 2).date()
    assert services.next_case_number(first) == "2026010100001"
    assert services.next_case_number(second) == "2026010200001"
    assert services.next_case_number(first) == "2026010100002"


def test_a_day_out_of_numbers_is_refused_clearly_not_stored_longer(world, frozen):
    from rest_framework.test import APIClient

    from cases.errors import CaseError
    from cases.models import Case, CaseNumberSequence
    from tests.cases.conftest import grid_point

    day = datetime(2026, 11, 18).date()
    CaseNumberSequence.objects.create(day=day, last=services.MAX_DAILY_SEQUENCE - 1)
    assert services.next_case_number(day) == "2026111899999"
    with pytest.raises(CaseError) as refused:
        services.next_case_number(day)  # not "20261118100000"
    assert refused.value.kind == "state"
    client = APIClient()
    client.force_authenticate(world.operator)
    body = {"source": "public", "category": "01001", "description": "井盖破损", **grid_point(world.city, 0)}
    with frozen(at("2026-11-18 10:00")):
        response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 409
    assert "编号" in response.json()["detail"]
    assert not Case.objects.exists()
