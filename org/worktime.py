"""Working time: adding time limits to a moment and measuring elapsed time.

DOMAIN.md §5: working days follow the official PRC calendar (public holidays
and make-up working days, 调休); working hours are 08:30–12:00 and 13:00–17:30
(settings.WORK_PERIODS); a deadline falls inside working time; N working days
are N × (working hours per day) counted in working time, so dispatched on a
Wednesday at 16:30 with 1 working day is due on Thursday at 16:30; natural
hours ignore the calendar.

All arithmetic is done on timedelta (microsecond-exact) in the configured local
time zone. China has no daylight saving, but the code never assumes a fixed
offset: each period boundary is built as a local wall-clock time.
"""

from __future__ import annotations

import threading
import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

ZERO = timedelta(0)
MICROSECOND = timedelta(microseconds=1)
# A calendar with no working day in ten years is a data error, not a long wait.
MAX_DAYS_SCANNED = 3660


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("工作时")
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_HOURS = "natural_hours", _("自然小时")


class WorkCalendar:
    """Which days are working days, and the working periods of such a day.

    ``overrides`` maps a date to True (a make-up working day on a weekend, or a
    weekday forced to work) or False (a holiday); other dates follow the
    Monday–Friday rule.
    """

    def __init__(
        self,
        overrides: dict[date, bool] | None = None,
        periods: Iterable[tuple[str, str]] | None = None,
        tz: str | None = None,
    ):
        self.overrides = dict(overrides or {})
        self._override_days: list[date] | None = None  # sorted, built on first use
        self.tz = ZoneInfo(tz or settings.TIME_ZONE)
        self.periods = [(_parse_hhmm(a), _parse_hhmm(b)) for a, b in (periods or settings.WORK_PERIODS)]
        previous_end = time.min
        for begin, end in self.periods:
            if not (previous_end <= begin < end):
                raise ValueError(f"working periods must be ordered and not overlap: {self.periods}")
            previous_end = end
        self.day_length = sum((_span(b, e) for b, e in self.periods), ZERO)

    # --- days ------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        return override if override is not None else day.weekday() < 5

    def day_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` as aware datetimes (empty on a day off)."""
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, b, tzinfo=self.tz), datetime.combine(day, e, tzinfo=self.tz))
            for b, e in self.periods
        ]

    def _days_from(self, day: date) -> Iterator[date]:
        for offset in range(MAX_DAYS_SCANNED):
            yield day + timedelta(days=offset)
        raise ValueError(f"no working time within {MAX_DAYS_SCANNED} days of {day}; check the work calendar")

    # --- moments ---------------------------------------------------------------
    def is_working_time(self, moment: datetime) -> bool:
        local = self._local(moment)
        return any(b <= local <= e for b, e in self.day_periods(local.date()))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the start of the next period."""
        return self.add_working_time(moment, ZERO)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when ``amount`` of working time has passed since ``start``.

        Time before the next working period does not count. The result always
        lies in working time; a limit that runs out exactly at 12:00 is due at
        12:00, not at 13:00.
        """
        if amount < ZERO:
            raise ValueError("amount of working time must not be negative")
        local = self._local(start)
        remaining = amount
        for day in self._days_from(local.date()):
            for begin, end in self.day_periods(day):
                if local >= end and not (remaining == ZERO and local == end):
                    continue
                begin = max(begin, local)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise AssertionError("unreachable")  # _days_from raises first

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from ``start`` to ``end`` (zero if end is not later).

        The first and last days are measured period by period; the whole days
        between are counted (``working_days_between``), so a span of a year
        costs what a span of three days does.
        """
        a, b = self._local(start), self._local(end)
        if b <= a:
            return ZERO
        first, last = a.date(), b.date()
        if first == last:
            return self._worked_on(first, a, b)
        whole_days = self.working_days_between(first + timedelta(days=1), last - timedelta(days=1))
        return self._worked_on(first, a, b) + whole_days * self.day_length + self._worked_on(last, a, b)

    def _worked_on(self, day: date, a: datetime, b: datetime) -> timedelta:
        total = ZERO
        for p_begin, p_end in self.day_periods(day):
            overlap = min(p_end, b) - max(p_begin, a)
            if overlap > ZERO:
                total += overlap
        return total

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days there are from ``first`` to ``last``, both included."""
        if last < first:
            return 0
        span = (last - first).days + 1
        weeks, rest = divmod(span, 7)
        weekdays = weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(rest))
        if self._override_days is None:
            self._override_days = sorted(self.overrides)
        days = self._override_days
        for day in days[bisect_left(days, first) : bisect_right(days, last)]:
            weekday = day.weekday() < 5
            if self.overrides[day] and not weekday:
                weekdays += 1  # a make-up working day on a weekend
            elif not self.overrides[day] and weekday:
                weekdays -= 1  # a holiday on a weekday
        return weekdays

    # --- limits ----------------------------------------------------------------
    def limit_duration(self, value: Decimal | float, unit: str) -> timedelta:
        """A limit expressed as the amount of (working or natural) time it grants.

        ``value`` may be a Decimal (Category.limit_value is a DecimalField), a
        float or an int; the result is rounded to the microsecond.
        """
        if unit == TimeUnit.WORKING_DAYS:
            per_unit = self.day_length
        elif unit in (TimeUnit.WORKING_HOURS, TimeUnit.NATURAL_HOURS):
            per_unit = timedelta(hours=1)
        else:
            raise ValueError(f"unknown time unit {unit!r}")
        exact = Decimal(value)  # exact for floats too; timedelta refuses Decimal
        if not exact.is_finite() or exact < 0:
            raise ValueError(f"a time limit must be a non-negative number, not {value!r}")
        microseconds = (exact * (per_unit // MICROSECOND)).to_integral_value(ROUND_HALF_EVEN)
        return timedelta(microseconds=int(microseconds))

    def add_limit(self, start: datetime, value: Decimal | float, unit: str) -> datetime:
        """The deadline of a limit of ``value`` ``unit`` starting at ``start``."""
        amount = self.limit_duration(value, unit)
        if unit == TimeUnit.NATURAL_HOURS:
            # Elapsed time: add in UTC, so that a start given in a zone with
            # daylight saving is not shifted by wall-clock arithmetic.
            return (self._utc(start) + amount).astimezone(self.tz)
        return self.add_working_time(start, amount)

    def elapsed(self, start: datetime, end: datetime, unit: str) -> timedelta:
        """Time counted against a limit of ``unit`` between two moments."""
        if unit == TimeUnit.NATURAL_HOURS:
            return max(self._utc(end) - self._utc(start), ZERO)
        return self.working_time_between(start, end)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_limit(start, hours, TimeUnit.WORKING_HOURS)

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_limit(start, days, TimeUnit.WORKING_DAYS)

    def add_natural_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_limit(start, hours, TimeUnit.NATURAL_HOURS)

    def _local(self, moment: datetime) -> datetime:
        return self._utc(moment).astimezone(self.tz)

    @staticmethod
    def _utc(moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("working-time arithmetic needs timezone-aware datetimes")
        return moment.astimezone(UTC)


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _span(begin: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, begin)


# --- the calendar in force, from the database ------------------------------------
_CACHE_SECONDS = 60
_cache_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None
# Bumped by every forget, so that a load that read the table before a change
# does not store its (stale) result after the change was announced.
_generation = 0


def get_work_calendar() -> WorkCalendar:
    """The calendar from org.WorkCalendarDay, reloaded at most once a minute.

    Saving or deleting a calendar day clears this process's copy at once
    (org.signals); other processes see the change within a minute.
    """
    global _cached
    with _cache_lock:
        if _cached is not None and _time.monotonic() - _cached[0] < _CACHE_SECONDS:
            return _cached[1]
        generation = _generation
    from org.models import WorkCalendarDay

    overrides = {day.date: day.is_working_day() for day in WorkCalendarDay.objects.all()}
    calendar = WorkCalendar(overrides)
    with _cache_lock:
        if generation == _generation:
            _cached = (_time.monotonic(), calendar)
    return calendar


def forget_work_calendar() -> None:
    """Drop this process's copy of the calendar, now and again after commit.

    The signals fire inside the saving transaction (the admin and the sync
    both run in one); another thread reloading before the commit would still
    read the old rows and keep them for a minute.
    """
    _forget()
    if connection.in_atomic_block:
        transaction.on_commit(_forget)


def _forget() -> None:
    global _cached, _generation
    with _cache_lock:
        _cached = None
        _generation += 1
