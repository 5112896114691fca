"""generate_cases: many cases fast for benchmarks, consistent and with numbers intake will not reuse."""

import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from cases import services
from cases.generate import generate_cases
from cases.models import Case, CaseEvent, CaseNumberSequence, Status
from org.models import UnitGrid

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN = [s for s in Status.values if s not in (Status.CLOSED, Status.REJECTED, Status.VOIDED)]


@pytest.fixture
def demo_city(db):
    call_command("seed_demo", cases=0, quiet_logins=True, stdout=io.StringIO())


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Made once for the module and rolled back after it; each test runs in a savepoint inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", cases=0, quiet_logins=True, stdout=io.StringIO())
        yield generate_cases(500, months=2, seed=3, batch=200, progress=False)
        transaction.set_rollback(True)


def test_it_writes_the_cases_it_was_asked_for_with_unique_well_formed_numbers(generated, db):
    assert generated["cases"] == Case.objects.count() == 500
    numbers = list(Case.objects.values_list("number", "reported_at"))
    assert len({n for n, _ in numbers}) == 500
    for number, reported_at in numbers:
        assert re.fullmatch(r"\d{13}", number), number
        assert number[:8] == f"{reported_at.astimezone(SHANGHAI):%Y%m%d}", number
    per_day = Counter(n[:8] for n, _ in numbers)
    for day in CaseNumberSequence.objects.all():
        used = sorted(int(n[8:]) for n, _ in numbers if n[:8] == f"{day.day:%Y%m%d}")
        assert used == list(range(1, per_day[f"{day.day:%Y%m%d}"] + 1))
        assert day.last == len(used)


def test_statuses_agree_with_timestamps_steps_and_events(generated, db):
    cases = Case.objects.all()
    assert cases.filter(status=Status.CLOSED).count() > 350  # mostly closed
    assert set(cases.values_list("source", flat=True)) == {"hotline", "patrol", "video", "public", "leader", "media"}
    assert cases.values("grid").distinct().count() > 300
    assert cases.filter(status=Status.CLOSED, closed_at__isnull=True).count() == 0
    assert cases.exclude(status=Status.CLOSED).filter(closed_at__isnull=False).count() == 0
    assert (
        cases.filter(
            status__in=[Status.CLOSED, Status.CHECKED, Status.CHECKING, Status.HANDLED], handled_at=None
        ).count()
        == 0
    )
    assert cases.filter(status=Status.REJECTED, filed_at__isnull=False).count() == 0
    assert cases.filter(status__in=[Status.IN_PROGRESS, Status.SUSPENDED], signed_at=None).count() == 0
    assert cases.filter(status__in=[Status.DISPATCHED, Status.IN_PROGRESS], deadline=None).count() == 0
    assert cases.filter(status=Status.SUSPENDED, suspended_at=None).count() == 0
    for case in cases:
        moments = [case.reported_at, case.filed_at, case.dispatched_at, case.signed_at, case.handled_at, case.closed_at]
        happened = [m for m in moments if m is not None]
        assert happened == sorted(happened), case.number
        if case.deadline and case.dispatched_at:
            assert case.deadline > case.dispatched_at, case.number
        if case.status in OPEN:
            assert case.step and case.step_started_at <= case.step_yellow_at <= case.step_deadline, case.number
        else:
            assert (case.step, case.step_deadline) == ("", None), case.number
    for case in cases:
        timeline = list(case.events.exclude(action="callback").order_by("created_at", "id"))
        assert timeline[0].action == "report" and timeline[0].created_at == case.reported_at
        assert timeline[-1].to_status == case.status, case.number


def test_a_later_intake_gets_a_number_nobody_has(generated, db):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.get(username="operator")
    grid = UnitGrid.objects.order_by("code").first()
    before = set(Case.objects.values_list("number", flat=True))
    case = services.case_report(
        by=operator,
        source="video",
        category="06010",
        description="视频智能识别：路边有暴露垃圾。",
        lat=grid.centroid_lat,
        lng=grid.centroid_lng,
    )
    assert case.number not in before
    today = [n for n in before if n[:8] == case.number[:8]]
    assert int(case.number[8:]) == len(today) + 1


def test_it_spreads_the_cases_over_the_months_before_now(generated, db):
    now = timezone.now()
    first, last = Case.objects.aggregate(a=Min("reported_at"), b=Max("reported_at")).values()
    assert 58 <= (now - first).days <= 62
    assert (now - last).days <= 1
    assert CaseEvent.objects.filter(created_at__gt=now).count() == 0
    assert Case.objects.filter(updated_at__gt=now).count() == 0


def test_sign_and_response_are_judged_as_the_services_judge_them(generated, db):
    """signed_in_time: signed within the sign step's window of the dispatch
    (case_sign); responded_in_time: a hotline case signed in time whose caller was
    reached within 24 natural hours of the dispatch (case_contact_caller)."""
    from datetime import timedelta

    from cases.deadlines import limit_window, step_limits

    sign_value, sign_unit = step_limits()["sign"]
    signed = Case.objects.filter(signed_at__isnull=False)
    assert Case.objects.filter(signed_at=None).exclude(signed_in_time=None).count() == 0
    assert Case.objects.filter(first_contact_at=None).exclude(responded_in_time=None).count() == 0
    assert Case.objects.exclude(source="hotline").exclude(responded_in_time=None).count() == 0
    judged = Counter()
    for case in signed:
        due = limit_window(case.dispatched_at, sign_value, sign_unit).deadline
        assert case.signed_in_time is (case.signed_at <= due), case.number
        judged["sign", case.signed_in_time] += 1
        if case.first_contact_at is not None:
            in_time = case.signed_in_time and case.first_contact_at <= case.dispatched_at + timedelta(hours=24)
            assert case.responded_in_time is in_time, case.number
            judged["respond", case.responded_in_time] += 1
    # Both outcomes occur, so the comparison above was tested both ways.
    assert judged["sign", True] > judged["sign", False] > 0
    assert judged["respond", True] > judged["respond", False] > 0
