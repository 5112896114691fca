"""Keeping the week plan true as time passes."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from cases import clock
from org.worktime import get_work_calendar
from patrols.models import PatrolTask


def mark_missed_tasks(now: datetime | None = None) -> int:
    """Mark planned tasks as missed (未巡查) once their shift is over and no
    patrol was started for them; returns how many. Running it twice changes
    nothing more (it only touches planned tasks)."""
    now = (now or clock.now()).astimezone(get_work_calendar().tz)
    over = Q(date__lt=now.date()) | Q(date=now.date(), shift_end__lte=now.time())
    return PatrolTask.objects.filter(over, status=PatrolTask.Status.PLANNED, patrol__isnull=True).update(
        status=PatrolTask.Status.MISSED
    )
