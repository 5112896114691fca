"""The demo history: made through the services, every state and channel, consistent timelines."""

import io
import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases import demo
from cases.models import Attachment, Case, CaseEvent, CaseRequest, Source, Status
from org.worktime import get_work_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI)  # a Friday evening: the history is the same every run
STAFF_ACTIONS = {"file", "dispatch", "sign", "feedback", "check-request", "check-pass", "close", "callback"}


@pytest.fixture
def demo_city(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", cases=0, quiet_logins=True, stdout=io.StringIO())


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made once for the module (half a minute of service calls), rolled back after it;
    each test runs in a savepoint inside."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", cases=0, quiet_logins=True, stdout=io.StringIO())
        yield demo.seed_cases(count=260, months=2, end=END)
        transaction.set_rollback(True)


def test_the_history_ends_in_every_state_from_every_channel(history, db):
    assert "refused" not in history, history
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Case.objects.values_list("source", flat=True)) == set(Source.values)
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > sum(statuses.values()) / 2  # most cases are closed
    assert Case.objects.overdue(END).exists()
    lights = Counter(Case.objects.with_light(END).exclude(light=None).values_list("light", flat=True))
    assert lights["red"] and lights["green"]


def test_channels_carry_their_details(history, db):
    for case in Case.objects.filter(source=Source.HOTLINE):
        assert case.hotline_ticket_no and case.caller_name and case.caller_phone and case.hotline_type
        assert case.reporter.username == "operator"
    patrol = Case.objects.filter(source=Source.PATROL)
    assert all(c.reporter.username.startswith("inspector") for c in patrol)
    reported_with_photo = Attachment.objects.filter(stage=Attachment.Stage.REPORT).values("case")
    assert patrol.exclude(pk__in=reported_with_photo).count() == 0
    assert Case.objects.exclude(source=Source.PATROL).exclude(reporter__username="operator").count() == 0
    case = Case.objects.first()
    assert "社区" in case.address and " 号" in case.address
    assert case.description.endswith("。")


def test_the_history_holds_the_detours_of_real_work(history, db):
    actions = Counter(CaseEvent.objects.values_list("action", flat=True))
    for action in ["verify-request", "verify-reply", "reject", "void", "link-duplicate", "duplicate-linked"]:
        assert actions[action], action
    for action in ["check-fail", "request-delay", "request-return", "request-suspend", "resume", "supervise"]:
        assert actions[action], action
    for action in ["contact-caller", "callback", "self-handle", "remind", "auto-supervise"]:
        assert actions[action], action
    assert set(Case.objects.exclude(satisfaction="").values_list("satisfaction", flat=True)) == {
        "satisfied",
        "basically",
        "dissatisfied",
    }
    assert CaseRequest.objects.filter(kind="delay", state="approved").exists()
    assert Case.objects.filter(status=Status.VOIDED, duplicate_of__isnull=False).exists()


def test_timelines_are_consistent_and_mostly_in_working_time(history, db):
    calendar = get_work_calendar()
    numbers = list(Case.objects.order_by("reported_at").values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    for day in {n[:8] for n in numbers}:
        assert [n for n in numbers if n[:8] == day] == sorted(n for n in numbers if n[:8] == day)
    in_working_time = Counter()
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].action == "report" and events[0].created_at == case.reported_at
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert events[-1].to_status == case.status, case.number
        assert events[-1].created_at <= END
        for event in events:
            if event.action in STAFF_ACTIONS:
                in_working_time[calendar.is_working_time(event.created_at)] += 1
    assert in_working_time[True] > 3 * in_working_time[False]


def test_a_second_run_leaves_the_history_as_it_is(history, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    count = Case.objects.count()
    again = io.StringIO()
    call_command("seed_demo", quiet_logins=True, stdout=again)
    assert f"skipped: {count} demo cases already exist" in again.getvalue()
    # The history fixture made no demo patrols, so seed_demo adds them now, with
    # the cases their inspectors report; the case history itself is untouched.
    assert Case.objects.filter(patrol_finding__isnull=True).count() == count


def test_a_case_with_every_detour_follows_the_rules(demo_city):
    """Wrong department and return, denied then approved delay, suspension and resume,
    supervision by a leader, rework, a dissatisfied callback and a reopen."""
    sim = demo._Simulation(cast=demo._Cast.load(), end=END, seed=1)
    grid = demo._grids()[0]
    flags = {"wrong-department", "supervise", "leader", "delay", "delay-denied", "delay-2", "suspend", "rework"}
    plan = demo._Plan(
        index=0,
        rng=random.Random(11),
        source=Source.HOTLINE,
        category="06013",  # 道路破损: 3 working days
        grid=grid,
        reported_at=END - timedelta(days=75),
        flags=flags | {"reopen"},
        satisfaction="dissatisfied",
        hotline_type="complaint",
        lat=(grid.min_lat + grid.max_lat) / 2,
        lng=(grid.min_lng + grid.max_lng) / 2,
    )
    sim.run([plan], start=END - timedelta(days=76))
    assert not sim.refused
    case = Case.objects.get(pk=sim.cases[0].pk)  # the module's history may be there too
    timeline = case.events.exclude(action__in=["remind", "auto-supervise"]).order_by("created_at", "id")
    actions = list(timeline.values_list("action", flat=True))
    assert actions[:5] == ["report", "file", "dispatch", "request-return", "decide-request"]
    assert actions.count("dispatch") == 2
    assert actions.count("request-delay") == 2 and actions.count("feedback") == 3
    for action in ["sign", "contact-caller", "supervise", "request-suspend", "resume", "check-fail", "reopen"]:
        assert action in actions, action
    assert actions[-2:] == ["close", "callback"]
    assert (case.status, case.satisfaction, case.return_count, case.delay_count) == ("closed", "satisfied", 1, 1)
    assert case.rework_count == 1
    assert list(case.requests.order_by("requested_at").values_list("kind", "state")) == [
        ("return", "approved"),
        ("delay", "denied"),
        ("delay", "approved"),
        ("suspend", "approved"),
    ]
