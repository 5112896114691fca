"""Working time (DOMAIN.md §5): deadlines and elapsed time on the official calendar.

Most tests build a WorkCalendar directly from the chinesecalendar package (no
database); the last ones read the calendar in force from org.WorkCalendarDay.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from org.worktime import TimeUnit, WorkCalendar, forget_work_calendar, get_work_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIODS = [("08:30", "12:00"), ("13:00", "17:30")]


def official_overrides(*years: int) -> dict[date, bool]:
    """date -> is a working day, for the holidays and make-up days of ``years``."""
    overrides = {}
    for year in years:
        day = date(year, 1, 1)
        while day.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:
                overrides[day] = not is_holiday
            day += timedelta(days=1)
    return overrides


OFFICIAL = WorkCalendar(official_overrides(2025, 2026), periods=PERIODS, tz="Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- the calendar of days -----------------------------------------------------------
def test_the_2026_holidays_and_make_up_days_come_from_the_package():
    assert not OFFICIAL.is_working_day(date(2026, 2, 16))  # 春节, a Monday
    assert OFFICIAL.is_working_day(date(2026, 2, 14))  # make-up Saturday
    assert OFFICIAL.is_working_day(date(2026, 2, 28))  # make-up Saturday
    assert OFFICIAL.is_working_day(date(2026, 1, 4))  # make-up Sunday (元旦)
    assert OFFICIAL.is_working_day(date(2026, 9, 20))  # make-up Sunday (国庆节)
    assert not OFFICIAL.is_working_day(date(2026, 10, 1))


def test_days_without_an_override_follow_the_monday_to_friday_rule():
    assert OFFICIAL.is_working_day(date(2026, 11, 20))  # Friday
    assert not OFFICIAL.is_working_day(date(2026, 11, 21))  # Saturday
    assert not OFFICIAL.is_working_day(date(2026, 11, 22))  # Sunday


def test_a_day_off_has_no_working_periods():
    assert OFFICIAL.day_periods(date(2026, 10, 2)) == []
    assert OFFICIAL.day_periods(date(2026, 10, 10)) == [
        (at(2026, 10, 10, 8, 30), at(2026, 10, 10, 12)),
        (at(2026, 10, 10, 13), at(2026, 10, 10, 17, 30)),
    ]


def test_a_working_day_has_eight_working_hours():
    assert OFFICIAL.day_length == hours(8)


def test_the_working_periods_default_to_the_settings():
    calendar = WorkCalendar()
    assert calendar.day_length == hours(8)
    assert calendar.tz == ZoneInfo(django_settings.TIME_ZONE)
    assert calendar.periods == [(time(8, 30), time(12)), (time(13), time(17, 30))]


def test_it_refuses_overlapping_or_unordered_periods():
    with pytest.raises(ValueError, match="ordered"):
        WorkCalendar(periods=[("08:30", "12:00"), ("11:00", "17:30")])
    with pytest.raises(ValueError, match="ordered"):
        WorkCalendar(periods=[("13:00", "17:30"), ("08:30", "12:00")])
    with pytest.raises(ValueError, match="ordered"):
        WorkCalendar(periods=[("12:00", "08:30")])


def test_a_calendar_without_any_working_day_raises_instead_of_waiting_forever():
    start = date(2026, 1, 1)
    all_off = {start + timedelta(days=n): False for n in range(4000)}
    calendar = WorkCalendar(all_off, periods=PERIODS, tz="Asia/Shanghai")
    with pytest.raises(ValueError, match="no working time"):
        calendar.add_working_time(at(2026, 1, 1, 9), hours(1))


# --- is working time ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 18, 8, 29, 59), False),
        (at(2026, 11, 18, 8, 30), True),
        (at(2026, 11, 18, 12), True),
        (at(2026, 11, 18, 12, 0, 1), False),
        (at(2026, 11, 18, 12, 59, 59), False),
        (at(2026, 11, 18, 13), True),
        (at(2026, 11, 18, 17, 30), True),
        (at(2026, 11, 18, 17, 30, 1), False),
        (at(2026, 11, 21, 10), False),  # Saturday
        (at(2026, 10, 10, 10), True),  # make-up Saturday
        (at(2026, 10, 5, 10), False),  # 国庆节, a Monday
    ],
)
def test_is_working_time_includes_both_ends_of_a_period(moment, expected):
    assert OFFICIAL.is_working_time(moment) is expected


# --- adding working time --------------------------------------------------------
def test_one_working_day_from_wednesday_1630_is_due_thursday_1630():
    assert OFFICIAL.add_working_days(at(2026, 11, 18, 16, 30), 1) == at(2026, 11, 19, 16, 30)


def test_one_working_hour_from_1130_runs_over_lunch_to_1330():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 11, 30), 1) == at(2026, 11, 18, 13, 30)


def test_a_limit_ending_at_noon_is_due_at_noon():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 11), 1) == at(2026, 11, 18, 12)
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 8, 30), 3.5) == at(2026, 11, 18, 12)


def test_a_limit_ending_at_the_end_of_the_day_is_due_that_evening():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 16, 30), 1) == at(2026, 11, 18, 17, 30)


def test_a_limit_from_noon_counts_from_1300():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 12), 1) == at(2026, 11, 18, 14)


def test_a_limit_started_at_lunch_counts_from_1300():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 12, 15), 1) == at(2026, 11, 18, 14)


def test_a_limit_started_before_0830_counts_from_0830():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 7), 1) == at(2026, 11, 18, 9, 30)


def test_a_limit_started_after_1730_counts_from_the_next_morning():
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 18), 1) == at(2026, 11, 19, 9, 30)
    assert OFFICIAL.add_working_hours(at(2026, 11, 18, 23, 59, 59), 1) == at(2026, 11, 19, 9, 30)


def test_a_limit_started_on_a_saturday_counts_from_monday_morning():
    assert OFFICIAL.add_working_hours(at(2026, 11, 21, 10), 1) == at(2026, 11, 23, 9, 30)


def test_a_limit_started_on_a_holiday_counts_from_the_first_day_after_it():
    assert OFFICIAL.add_working_hours(at(2026, 10, 5, 10), 1) == at(2026, 10, 8, 9, 30)


def test_the_next_working_moment_is_the_moment_itself_in_working_time():
    assert OFFICIAL.next_working_moment(at(2026, 11, 18, 9, 15)) == at(2026, 11, 18, 9, 15)
    assert OFFICIAL.next_working_moment(at(2026, 11, 18, 12)) == at(2026, 11, 18, 12)
    assert OFFICIAL.next_working_moment(at(2026, 11, 18, 17, 30)) == at(2026, 11, 18, 17, 30)


def test_the_next_working_moment_outside_working_time_is_the_next_period_start():
    assert OFFICIAL.next_working_moment(at(2026, 11, 18, 12, 30)) == at(2026, 11, 18, 13)
    assert OFFICIAL.next_working_moment(at(2026, 11, 18, 6)) == at(2026, 11, 18, 8, 30)
    assert OFFICIAL.next_working_moment(at(2026, 11, 20, 17, 31)) == at(2026, 11, 23, 8, 30)
    assert OFFICIAL.next_working_moment(at(2026, 2, 18, 10)) == at(2026, 2, 24, 8, 30)


def test_friday_afternoon_plus_two_working_hours_is_due_monday_morning():
    # 16:00–17:30 Friday counts 1.5 h; the other 0.5 h is Monday 08:30–09:00.
    assert OFFICIAL.add_working_hours(at(2026, 11, 20, 16), 2) == at(2026, 11, 23, 9)
    assert OFFICIAL.add_working_hours(at(2026, 11, 20, 16, 30), 2) == at(2026, 11, 23, 9, 30)


def test_the_eve_of_spring_festival_runs_on_into_the_make_up_saturday():
    # Fri Feb 13: 16:00–17:30 (1.5 h); Sat Feb 14 is a make-up day: 08:30 + 2.5 h.
    assert OFFICIAL.add_working_hours(at(2026, 2, 13, 16), 4) == at(2026, 2, 14, 11)


def test_two_working_days_from_the_eve_skip_the_whole_spring_festival():
    # 1.5 h Fri Feb 13 + 8 h Sat Feb 14; Feb 15–23 off; 6.5 h on Tue Feb 24.
    assert OFFICIAL.add_working_days(at(2026, 2, 13, 16), 2) == at(2026, 2, 24, 16)


def test_the_make_up_saturday_before_spring_festival_runs_on_to_the_24th():
    assert OFFICIAL.add_working_hours(at(2026, 2, 14, 16), 2) == at(2026, 2, 24, 9)


def test_a_limit_can_fall_due_on_the_make_up_saturday_after_spring_festival():
    assert OFFICIAL.add_working_hours(at(2026, 2, 27, 16, 30), 2) == at(2026, 2, 28, 9, 30)
    # Tue Feb 24 08:30 + 4 days ends Fri 17:30; half a day (4 h) more is Sat Feb 28 13:30.
    assert OFFICIAL.add_working_days(at(2026, 2, 24, 8, 30), 4.5) == at(2026, 2, 28, 13, 30)


def test_the_sunday_after_the_make_up_saturday_is_off_again():
    assert OFFICIAL.add_working_hours(at(2026, 2, 28, 16, 30), 2) == at(2026, 3, 2, 9, 30)


def test_the_eve_of_national_day_runs_on_to_october_8():
    assert OFFICIAL.add_working_hours(at(2026, 9, 30, 16), 2) == at(2026, 10, 8, 9)


def test_three_working_days_from_the_eve_of_national_day_end_on_the_make_up_saturday():
    # 1.5 h Sep 30, 8 h Oct 8, 8 h Oct 9, then 6.5 h of Sat Oct 10.
    assert OFFICIAL.add_working_days(at(2026, 9, 30, 16), 3) == at(2026, 10, 10, 16)


def test_the_make_up_sunday_before_national_day_is_a_working_day():
    assert OFFICIAL.add_working_hours(at(2026, 9, 19, 10), 1) == at(2026, 9, 20, 9, 30)


def test_the_mid_autumn_friday_and_its_weekend_are_skipped():
    assert OFFICIAL.add_working_hours(at(2026, 9, 24, 17), 1) == at(2026, 9, 28, 9)


def test_new_years_eve_runs_on_to_the_make_up_sunday():
    assert OFFICIAL.add_working_hours(at(2025, 12, 31, 17), 1) == at(2026, 1, 4, 9)


def test_labour_day_is_skipped_and_its_make_up_saturday_worked():
    assert OFFICIAL.add_working_hours(at(2026, 4, 30, 17), 1) == at(2026, 5, 6, 9)
    assert OFFICIAL.add_working_hours(at(2026, 5, 8, 17), 1) == at(2026, 5, 9, 9)


def test_natural_hours_ignore_the_calendar():
    assert OFFICIAL.add_natural_hours(at(2026, 10, 1, 10), 4) == at(2026, 10, 1, 14)
    assert OFFICIAL.add_natural_hours(at(2026, 11, 20, 17), 24) == at(2026, 11, 21, 17)


def test_natural_hours_are_elapsed_hours_across_a_daylight_saving_change():
    new_york = ZoneInfo("America/New_York")
    before_the_change = datetime(2026, 3, 8, 1, 30, tzinfo=new_york)  # 06:30 UTC
    assert OFFICIAL.add_natural_hours(before_the_change, 2) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    after_the_change = datetime(2026, 3, 8, 4, 30, tzinfo=new_york)  # 08:30 UTC
    assert OFFICIAL.elapsed(before_the_change, after_the_change, TimeUnit.NATURAL_HOURS) == hours(2)


def test_input_in_utc_gives_the_same_deadline_as_input_in_shanghai():
    shanghai_start = at(2026, 11, 18, 16, 30)
    utc_start = datetime(2026, 11, 18, 8, 30, tzinfo=UTC)
    assert utc_start == shanghai_start
    due = OFFICIAL.add_working_days(utc_start, 1)
    assert due == at(2026, 11, 19, 16, 30)
    assert due.utcoffset() == hours(8)  # deadlines come back in local time
    assert OFFICIAL.add_working_hours(datetime(2026, 2, 13, 8, tzinfo=UTC), 4) == at(2026, 2, 14, 11)
    assert OFFICIAL.working_time_between(utc_start, due) == hours(8)


def test_a_start_in_utc_that_is_already_the_next_local_day_counts_from_that_day():
    # 2026-11-19 00:30 UTC is Thursday 08:30 in Shanghai.
    assert OFFICIAL.add_working_hours(datetime(2026, 11, 19, 0, 30, tzinfo=UTC), 1) == at(2026, 11, 19, 9, 30)


# --- working time between two moments -------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2026, 11, 18, 11), at(2026, 11, 18, 14), hours(2)),  # lunch
        (at(2026, 11, 18, 12, 10), at(2026, 11, 18, 12, 50), hours(0)),  # inside lunch
        (at(2026, 11, 18, 17), at(2026, 11, 19, 9), hours(1)),  # night
        (at(2026, 11, 18, 6), at(2026, 11, 18, 20), hours(8)),  # a whole day
        (at(2026, 11, 20, 17), at(2026, 11, 23, 9), hours(1)),  # weekend
        (at(2026, 11, 16), at(2026, 11, 23), hours(40)),  # a whole week
        (at(2026, 9, 30, 17), at(2026, 10, 8, 9), hours(1)),  # National Day
        (at(2026, 2, 13, 17), at(2026, 2, 24, 9), hours(9)),  # Spring Festival with make-up Sat Feb 14
        (at(2026, 9, 28), at(2026, 10, 12), hours(48)),  # Mon Sep 28 – Sun Oct 11: 5 + 1 make-up days
        (at(2026, 11, 18, 9, 0, 0), at(2026, 11, 18, 9, 0, 1), timedelta(seconds=1)),
    ],
)
def test_working_time_between_counts_only_working_periods(start, end, expected):
    assert OFFICIAL.working_time_between(start, end) == expected


def test_working_time_between_is_zero_when_the_end_is_not_later():
    assert OFFICIAL.working_time_between(at(2026, 11, 18, 10), at(2026, 11, 18, 10)) == timedelta(0)
    assert OFFICIAL.working_time_between(at(2026, 11, 18, 10), at(2026, 11, 18, 9)) == timedelta(0)
    assert OFFICIAL.working_time_between(at(2026, 11, 19, 10), at(2026, 11, 18, 10)) == timedelta(0)


# --- limits -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1, TimeUnit.WORKING_DAYS, hours(8)),
        (0.5, TimeUnit.WORKING_DAYS, hours(4)),
        (Decimal("2.50"), TimeUnit.WORKING_DAYS, hours(20)),
        (1.5, TimeUnit.WORKING_HOURS, timedelta(minutes=90)),
        (Decimal("0.25"), TimeUnit.WORKING_HOURS, timedelta(minutes=15)),
        (24, TimeUnit.NATURAL_HOURS, hours(24)),
        (Decimal("0.1"), TimeUnit.NATURAL_HOURS, timedelta(minutes=6)),
        (0, TimeUnit.WORKING_DAYS, timedelta(0)),
        (2, "working_hours", hours(2)),
    ],
)
def test_a_limit_grants_its_value_in_its_unit(value, unit, expected):
    assert OFFICIAL.limit_duration(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1, TimeUnit.WORKING_DAYS, at(2026, 11, 19, 16, 30)),
        (Decimal("1.00"), TimeUnit.WORKING_DAYS, at(2026, 11, 19, 16, 30)),
        (3, TimeUnit.WORKING_HOURS, at(2026, 11, 19, 10, 30)),
        (Decimal("2"), TimeUnit.WORKING_HOURS, at(2026, 11, 19, 9, 30)),
        (3, TimeUnit.NATURAL_HOURS, at(2026, 11, 18, 19, 30)),
        (Decimal("24.00"), TimeUnit.NATURAL_HOURS, at(2026, 11, 19, 16, 30)),
    ],
)
def test_add_limit_from_wednesday_1630(value, unit, expected):
    assert OFFICIAL.add_limit(at(2026, 11, 18, 16, 30), value, unit) == expected


def test_a_zero_working_limit_is_due_at_the_next_working_moment():
    assert OFFICIAL.add_limit(at(2026, 11, 21, 10), 0, TimeUnit.WORKING_HOURS) == at(2026, 11, 23, 8, 30)
    assert OFFICIAL.add_limit(at(2026, 11, 21, 10), 0, TimeUnit.NATURAL_HOURS) == at(2026, 11, 21, 10)


@pytest.mark.parametrize("unit", TimeUnit.values)
def test_it_refuses_a_negative_limit(unit):
    with pytest.raises(ValueError, match="negative"):
        OFFICIAL.limit_duration(-1, unit)
    with pytest.raises(ValueError, match="negative"):
        OFFICIAL.add_limit(at(2026, 11, 18, 10), Decimal("-0.5"), unit)


def test_it_refuses_a_limit_that_is_not_a_number():
    with pytest.raises(ValueError, match="non-negative"):
        OFFICIAL.limit_duration(float("nan"), TimeUnit.WORKING_HOURS)
    with pytest.raises(ValueError, match="non-negative"):
        OFFICIAL.limit_duration(float("inf"), TimeUnit.NATURAL_HOURS)


def test_it_refuses_an_unknown_unit():
    with pytest.raises(ValueError, match="unknown time unit"):
        OFFICIAL.limit_duration(1, "minutes")
    with pytest.raises(ValueError, match="unknown time unit"):
        OFFICIAL.add_limit(at(2026, 11, 18, 10), 1, "weeks")


def test_it_refuses_a_negative_amount_of_working_time():
    with pytest.raises(ValueError, match="negative"):
        OFFICIAL.add_working_time(at(2026, 11, 18, 10), timedelta(seconds=-1))


def test_elapsed_counts_working_time_for_working_units_and_clock_time_for_natural_hours():
    friday, monday = at(2026, 11, 20, 17), at(2026, 11, 23, 9)
    assert OFFICIAL.elapsed(friday, monday, TimeUnit.WORKING_HOURS) == hours(1)
    assert OFFICIAL.elapsed(friday, monday, TimeUnit.WORKING_DAYS) == hours(1)
    assert OFFICIAL.elapsed(friday, monday, TimeUnit.NATURAL_HOURS) == hours(64)
    assert OFFICIAL.elapsed(monday, friday, TimeUnit.NATURAL_HOURS) == timedelta(0)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: OFFICIAL.add_working_time(naive, hours(1)),
        lambda naive: OFFICIAL.add_limit(naive, 1, TimeUnit.WORKING_DAYS),
        lambda naive: OFFICIAL.add_limit(naive, 1, TimeUnit.NATURAL_HOURS),
        lambda naive: OFFICIAL.is_working_time(naive),
        lambda naive: OFFICIAL.next_working_moment(naive),
        lambda naive: OFFICIAL.working_time_between(naive, at(2026, 11, 19, 10)),
        lambda naive: OFFICIAL.working_time_between(at(2026, 11, 17, 10), naive),
        lambda naive: OFFICIAL.elapsed(naive, at(2026, 11, 19, 10), TimeUnit.NATURAL_HOURS),
    ],
)
def test_it_refuses_naive_datetimes(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 11, 18, 10))


# --- properties ------------------------------------------------------------------------
BOUNDARIES = [time(0), time(8, 30), time(12), time(13), time(17, 30), time(23, 59, 59)]
clock_times = st.one_of(
    st.sampled_from(BOUNDARIES),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)


@st.composite
def moments(draw) -> datetime:
    day = draw(st.dates(date(2025, 12, 1), date(2026, 12, 31)))
    moment = datetime.combine(day, draw(clock_times), tzinfo=SHANGHAI)
    return moment.astimezone(UTC) if draw(st.booleans()) else moment


amounts = st.one_of(
    st.integers(0, 400).map(lambda n: timedelta(minutes=30 * n)),
    st.integers(0, 200 * 60).map(lambda n: timedelta(minutes=n)),
    st.integers(0, 200 * 3600).map(lambda n: timedelta(seconds=n)),
)
bounded = settings(max_examples=300, deadline=None)


def strictly_inside_a_period(moment: datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return any(begin < local < end for begin, end in OFFICIAL.day_periods(local.date()))


@bounded
@given(start=moments(), amount=amounts)
def test_the_working_time_up_to_a_deadline_is_the_amount_added(start, amount):
    assert OFFICIAL.working_time_between(start, OFFICIAL.add_working_time(start, amount)) == amount


@bounded
@given(start=moments(), amount=amounts)
def test_a_deadline_always_lies_in_working_time_and_not_before_the_start(start, amount):
    due = OFFICIAL.add_working_time(start, amount)
    assert OFFICIAL.is_working_time(due)
    assert due >= OFFICIAL.next_working_moment(start) >= start


@bounded
@given(start=moments(), first=amounts, second=amounts)
def test_a_larger_amount_is_never_due_earlier(start, first, second):
    smaller, larger = sorted([first, second])
    assert OFFICIAL.add_working_time(start, smaller) <= OFFICIAL.add_working_time(start, larger)


@bounded
@given(start=moments(), first=amounts, second=amounts)
def test_adding_in_two_steps_is_adding_the_sum(start, first, second):
    in_two_steps = OFFICIAL.add_working_time(OFFICIAL.add_working_time(start, first), second)
    assert in_two_steps == OFFICIAL.add_working_time(start, first + second)


@bounded
@given(start=moments(), end=moments())
def test_adding_the_working_time_elapsed_does_not_overshoot_the_end(start, end):
    elapsed = OFFICIAL.working_time_between(start, end)
    due = OFFICIAL.add_working_time(start, elapsed)
    if elapsed == timedelta(0):
        # Nothing elapsed (end not later, or no working time in between): the
        # deadline is the next working moment, which may lie after the end.
        assert due == OFFICIAL.next_working_moment(start)
    else:
        assert due <= end
        assert OFFICIAL.working_time_between(due, end) == timedelta(0)
    if end >= start and strictly_inside_a_period(end):
        assert due == end


@bounded
@given(start=moments(), amount=amounts)
def test_the_same_instant_in_utc_gives_the_same_deadline(start, amount):
    assert OFFICIAL.add_working_time(start.astimezone(UTC), amount) == OFFICIAL.add_working_time(
        start.astimezone(SHANGHAI), amount
    )


# --- the calendar in force (database) -----------------------------------------------------
@pytest.fixture
def calendar_2026(db):
    from org.services import sync_work_calendar

    # A previous test's rows vanished with its rollback, which sends no signal.
    forget_work_calendar()
    sync_work_calendar(years=[2026])
    yield get_work_calendar()
    forget_work_calendar()


def test_the_calendar_in_force_gives_the_domain_example(calendar_2026):
    assert calendar_2026.add_working_days(at(2026, 11, 18, 16, 30), 1) == at(2026, 11, 19, 16, 30)


def test_the_calendar_in_force_knows_the_2026_spring_festival(calendar_2026):
    assert calendar_2026.add_working_hours(at(2026, 2, 13, 16), 4) == at(2026, 2, 14, 11)
    assert calendar_2026.add_working_days(at(2026, 2, 13, 16), 2) == at(2026, 2, 24, 16)


def test_the_calendar_in_force_knows_the_2026_national_day(calendar_2026):
    assert calendar_2026.add_working_days(at(2026, 9, 30, 16), 3) == at(2026, 10, 10, 16)
    assert calendar_2026.add_working_hours(at(2026, 9, 19, 10), 1) == at(2026, 9, 20, 9, 30)


def test_the_calendar_in_force_uses_the_configured_periods(calendar_2026):
    assert calendar_2026.tz == ZoneInfo(django_settings.TIME_ZONE)
    assert calendar_2026.day_length == hours(8)


def test_the_calendar_in_force_is_loaded_once_and_reused(calendar_2026, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert get_work_calendar() is calendar_2026


def _day_by_day(calendar: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time between two moments the slow, obvious way: every period of every day."""
    total = timedelta(0)
    day = start.astimezone(calendar.tz).date()
    while day <= end.astimezone(calendar.tz).date():
        for begin, finish in calendar.day_periods(day):
            overlap = min(finish, end) - max(begin, start)
            total += max(overlap, timedelta(0))
        day += timedelta(days=1)
    return total


@bounded
@given(start=moments(), days=st.integers(min_value=0, max_value=800), minutes=st.integers(0, 24 * 60))
def test_working_time_between_far_apart_moments_counts_every_day(start, days, minutes):
    """Whole days are counted, not walked: the count must match walking them, holidays and make-up days included."""
    end = start + timedelta(days=days, minutes=minutes)
    assert OFFICIAL.working_time_between(start, end) == _day_by_day(OFFICIAL, start, end)


def test_working_days_between_knows_holidays_and_make_up_days():
    # 2026-09-28 (Mon) to 2026-10-11 (Sun): National Day week off, Sat 2026-10-10 a make-up working day.
    expected = sum(OFFICIAL.is_working_day(date(2026, 9, 28) + timedelta(days=i)) for i in range(14))
    assert OFFICIAL.working_days_between(date(2026, 9, 28), date(2026, 10, 11)) == expected
    assert OFFICIAL.working_days_between(date(2026, 10, 11), date(2026, 9, 28)) == 0
