"""Handling deadlines, step deadlines and the timer light (DOMAIN.md §5).

Every open case stores the window of its current step: when it started, when
it turns yellow (80 % of the limit elapsed) and when it turns red (the step
deadline). The light is then a comparison with the clock that the database
can do for a million rows (CaseQuerySet.with_light), not a computation in
Python per case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from cases.models import Case, Status, Urgency
from org.worktime import TimeUnit, WorkCalendar, get_work_calendar

YELLOW_SHARE = Decimal("0.8")
NATURAL_MINUTES = "natural_minutes"

# Step limits [default] of DOMAIN.md §5, overridable with settings.CASE_STEP_LIMITS.
DEFAULT_STEP_LIMITS: dict[str, tuple[Decimal, str]] = {
    "accept": (Decimal(10), NATURAL_MINUTES),
    "verify": (Decimal(30), NATURAL_MINUTES),
    "file": (Decimal(10), NATURAL_MINUTES),
    "dispatch": (Decimal(10), NATURAL_MINUTES),
    "sign": (Decimal(1), TimeUnit.WORKING_HOURS),
    "check": (Decimal(2), TimeUnit.WORKING_HOURS),
    "close": (Decimal(30), NATURAL_MINUTES),
    "contact": (Decimal(24), TimeUnit.NATURAL_HOURS),
}


@dataclass(frozen=True)
class Window:
    started_at: datetime
    yellow_at: datetime
    deadline: datetime


def step_limits() -> dict[str, tuple[Decimal, str]]:
    configured = getattr(settings, "CASE_STEP_LIMITS", {}) or {}
    return DEFAULT_STEP_LIMITS | {k: (Decimal(str(v)), u) for k, (v, u) in configured.items()}


def limit_window(start: datetime, value: Decimal, unit: str, calendar: WorkCalendar | None = None) -> Window:
    """The window of a limit: counting in working time or natural time per unit."""
    calendar = calendar or get_work_calendar()
    if unit == NATURAL_MINUTES:
        total = timedelta(minutes=float(value))
        return Window(start, start + total * float(YELLOW_SHARE), start + total)
    total = calendar.limit_duration(value, unit)
    if unit == TimeUnit.NATURAL_HOURS:
        return Window(start, start + total * float(YELLOW_SHARE), start + total)
    yellow = calendar.add_working_time(start, total * float(YELLOW_SHARE))
    return Window(start, yellow, calendar.add_working_time(start, total))


def handling_limit(case: Case) -> tuple[Decimal, str]:
    """The category's limit; urgent cases run on natural hours (DOMAIN.md §5)."""
    category = case.category
    if case.urgency == Urgency.URGENT and category.urgent_limit_hours:
        return category.urgent_limit_hours, TimeUnit.NATURAL_HOURS
    return category.limit_value, category.limit_unit


def handling_unit(case: Case) -> str:
    return handling_limit(case)[1]


def handling_window(case: Case, start: datetime) -> Window:
    value, unit = handling_limit(case)
    return limit_window(start, value, unit)


def window_to(start: datetime, deadline: datetime, unit: str) -> Window:
    """A window with a given deadline (after an extension): yellow at 80 % of it."""
    calendar = get_work_calendar()
    if unit == TimeUnit.NATURAL_HOURS or unit == NATURAL_MINUTES:
        return Window(start, start + (deadline - start) * float(YELLOW_SHARE), deadline)
    total = calendar.working_time_between(start, deadline)
    return Window(start, calendar.add_working_time(start, total * float(YELLOW_SHARE)), deadline)


def extend(deadline: datetime, value: Decimal, unit: str) -> datetime:
    """An approved delay: the extra time counts from the current deadline."""
    return get_work_calendar().add_limit(deadline, value, unit)


def current_step(case: Case) -> str:
    if case.status == Status.REPORTED:
        return "file" if case.verified is not None else "accept"
    return {
        Status.VERIFYING: "verify",
        Status.FILED: "dispatch",
        Status.DISPATCHED: "sign",
        Status.IN_PROGRESS: "handle",
        Status.SUSPENDED: "handle",
        Status.HANDLED: "check",
        Status.CHECKING: "check",
        Status.CHECKED: "close",
    }.get(case.status, "")


def set_step(case: Case, now: datetime) -> None:
    """Set the step and its window after a transition, from the case's new state.

    The handling step's window is the handling deadline (with extensions); the
    check window runs from the feedback across check-request and the check.
    """
    step = current_step(case)
    if step == "handle":
        window = window_to(case.deadline_started_at, case.deadline, handling_unit(case))
    elif not step:
        window = None
    elif step == case.step and step == "check":
        return  # check-request does not restart the check clock
    else:
        value, unit = step_limits()[step]
        window = limit_window(now, value, unit)
    case.step = step
    case.step_started_at = window.started_at if window else None
    case.step_yellow_at = window.yellow_at if window else None
    case.step_deadline = window.deadline if window else None


def shift_after_suspension(case: Case, suspended_at: datetime, resumed_at: datetime) -> None:
    """Suspended cases do not age: move the handling deadline (and its 80 % mark)
    on by the time the case stood still, counted in its own unit."""
    unit = handling_unit(case)
    calendar = get_work_calendar()

    def shifted(moment: datetime | None) -> datetime | None:
        if moment is None or moment <= suspended_at:
            return moment  # already passed when suspended: it stays passed
        if unit == TimeUnit.NATURAL_HOURS:
            return resumed_at + (moment - suspended_at)
        return calendar.add_working_time(resumed_at, calendar.working_time_between(suspended_at, moment))

    case.deadline = shifted(case.deadline)
    case.step_yellow_at = shifted(case.step_yellow_at)
    case.step_deadline = case.deadline
