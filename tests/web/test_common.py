"""cases.web.common (time left in a step) and cases.web.actions (a page's action = the API's)."""

from datetime import timedelta

import pytest
from django.http import QueryDict

from cases.models import Case, CaseEvent
from cases.web.actions import action_inputs, run_action
from cases.web.common import remaining_label
from tests.cases.conftest import at, case_in


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def test_time_left_counts_working_hours_and_days(world):
    case = case_in("in_progress", world, moment=at("2026-11-18 09:00"))  # a Wednesday; handling runs on working time
    Case.objects.filter(pk=case.pk).update(step_deadline=at("2026-11-18 17:30"))
    case.refresh_from_db()
    # 09:00 → 17:30 with the 12:00-13:00 lunch break: 7.5 working hours.
    assert remaining_label(case, at("2026-11-18 09:00")) == "剩余 7.5 工时"
    assert remaining_label(case, at("2026-11-18 17:00")) == "剩余 30 分钟"
    # Past the deadline the time over is counted the same way: Thursday 17:30 is one working day later.
    assert remaining_label(case, at("2026-11-19 17:30")) == "超期 1 天"
    assert remaining_label(case, at("2026-11-19 10:00")) == "超期 1.5 工时"  # Thursday 08:30-10:00


def test_a_weekend_does_not_count(world):
    case = case_in("in_progress", world, moment=at("2026-11-20 09:00"))  # a Friday
    Case.objects.filter(pk=case.pk).update(step_deadline=at("2026-11-23 10:00"))  # the Monday after
    case.refresh_from_db()
    assert remaining_label(case, at("2026-11-20 17:30")) == "剩余 1.5 工时"  # Monday 08:30-10:00


def test_a_suspended_case_is_read_when_it_was_suspended(world):
    case = case_in("suspended", world, moment=at("2026-11-18 09:00"))
    Case.objects.filter(pk=case.pk).update(step_deadline=at("2026-11-18 11:00"), suspended_at=at("2026-11-18 10:00"))
    case.refresh_from_db()
    assert remaining_label(case, at("2026-11-25 10:00")) == "剩余 1 工时"


def test_no_deadline_no_label(world):
    case = case_in("closed", world)
    assert case.step_deadline is None
    assert remaining_label(case, at("2026-11-18 10:00")) == ""


def test_a_short_step_counts_natural_time(world):
    case = case_in("filed", world, moment=at("2026-11-18 09:00"))  # to be dispatched within 10 natural minutes
    assert case.step == "dispatch"
    assert remaining_label(case, at("2026-11-18 09:04")) == "剩余 6 分钟"


def test_an_urgent_handling_step_counts_natural_hours(world):
    case = case_in("in_progress", world, urgency="urgent", moment=at("2026-11-20 17:00"))
    assert case.step == "handle"
    deadline = case.step_deadline
    # An urgent limit is natural time: the weekend counts.
    assert remaining_label(case, deadline - timedelta(hours=3)) == "剩余 3 小时"


def form(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key] = value
    return data


def test_a_page_action_runs_the_service_and_writes_its_event(world):
    case = case_in("filed", world)
    outcome = run_action("dispatch", case, world.dispatcher, form(department="hw", comment="环卫处理"))
    assert outcome.ok
    assert (outcome.case.status, outcome.case.department.code) == ("dispatched", "hw")
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


def test_a_page_action_refused_by_state_or_role_says_why_and_changes_nothing(world):
    case = case_in("filed", world)
    assert run_action("dispatch", case, world.dispatcher, form()).ok
    again = run_action("dispatch", Case.objects.get(pk=case.pk), world.dispatcher, form())
    assert not again.ok and again.refusal and not again.errors
    not_theirs = run_action("close", Case.objects.get(pk=case.pk), world.handler_b, form())
    assert not not_theirs.ok and not_theirs.refusal
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


def test_bad_input_names_the_field_as_the_api_does(world):
    case = case_in("in_progress", world)
    outcome = run_action("request-delay", case, world.handler_a, form(reason="", extra_value="abc"))
    assert not outcome.ok
    assert "reason" in outcome.errors or "extra_value" in outcome.errors
    assert outcome.message
    assert Case.objects.get(pk=case.pk).delay_count == 0


def test_every_action_form_asks_for_what_its_service_requires(db):
    by_name = {name: {i.name: i for i in action_inputs(name)} for name in ("feedback", "callback", "dispatch", "sign")}
    assert by_name["sign"] == {}
    assert by_name["feedback"]["result"].required and by_name["feedback"]["photos"].kind == "photos"
    assert by_name["callback"]["satisfaction"].required and by_name["callback"]["resolved"].kind == "yesno"
    assert by_name["dispatch"]["department"].kind == "choice" and not by_name["dispatch"]["department"].required
