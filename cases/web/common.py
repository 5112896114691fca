"""What every workspace page shows the same way: lights and the time left."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from cases.catalogue import category_by_id
from cases.deadlines import NATURAL_MINUTES, step_limits
from cases.models import Case, Urgency
from org.worktime import TimeUnit, get_work_calendar

# Bootstrap colour of each light.
LIGHT_CLASSES = {"green": "success", "yellow": "warning", "red": "danger"}


def step_counts_natural_time(case: Case) -> bool:
    """Whether the case's current step is timed in natural rather than working time."""
    if case.step == "handle":
        category = category_by_id(case.category_id)
        return case.urgency == Urgency.URGENT and bool(category.urgent_limit_hours)
    limit = step_limits().get(case.step)
    return bool(limit) and limit[1] in (TimeUnit.NATURAL_HOURS, NATURAL_MINUTES)


def remaining_label(case: Case, now: datetime) -> str:
    """The time left in the case's current step, as a dispatcher reads it:
    "剩余 2.5 工时", "剩余 3 天", or past the step deadline "超期 1 天" / "超期 3 工时".

    Working time on the work calendar (hours and days of 8 working hours); a
    step timed in natural hours says "小时". A suspended case is read at the
    moment it was suspended. Empty when the step has no deadline.
    """
    if case.step_deadline is None:
        return ""
    if case.status == "suspended" and case.suspended_at is not None:
        now = case.suspended_at
    late = now > case.step_deadline
    start, end = (case.step_deadline, now) if late else (now, case.step_deadline)
    if step_counts_natural_time(case):
        amount = _natural(end - start)
    else:
        calendar = get_work_calendar()
        amount = _working(calendar.working_time_between(start, end), calendar.day_length)
    return _("超期 %(amount)s") % {"amount": amount} if late else _("剩余 %(amount)s") % {"amount": amount}


def _working(span: timedelta, day: timedelta) -> str:
    if span >= day:
        return _("%(n)s 天") % {"n": _number(span / day)}
    if span >= timedelta(hours=1):
        return _("%(n)s 工时") % {"n": _number(span / timedelta(hours=1))}
    return _("%(n)d 分钟") % {"n": round(span / timedelta(minutes=1))}


def _natural(span: timedelta) -> str:
    if span >= timedelta(days=1):
        return _("%(n)s 天") % {"n": _number(span / timedelta(days=1))}
    if span >= timedelta(hours=1):
        return _("%(n)s 小时") % {"n": _number(span / timedelta(hours=1))}
    return _("%(n)d 分钟") % {"n": round(span / timedelta(minutes=1))}


def _number(value: float) -> str:
    return f"{round(value, 1):g}"
