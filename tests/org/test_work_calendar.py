"""The work calendar table (org.WorkCalendarDay): sync from chinesecalendar, admin
edits, and the calendar in force (DOMAIN.md §5)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from org.models import WorkCalendarDay
from org.services import chinese_calendar_years, sync_work_calendar
from org.worktime import forget_work_calendar, get_work_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
Kind, Source = WorkCalendarDay.Kind, WorkCalendarDay.Source

HOLIDAYS_2026 = 3 + 9 + 3 + 5 + 3 + 3 + 7  # 元旦 春节 清明 劳动 端午 中秋 国庆
MAKE_UP_DAYS_2026 = 6  # Jan 4, Feb 14, Feb 28, May 9, Sep 20, Oct 10


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def row(day: date) -> WorkCalendarDay:
    return WorkCalendarDay.objects.get(date=day)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Each test's rows vanish with its rollback, which sends no signal.
    forget_work_calendar()
    yield
    forget_work_calendar()


# --- sync from chinesecalendar ----------------------------------------------------------
def test_sync_creates_the_2026_holidays_and_make_up_days(db):
    changed = sync_work_calendar(years=[2026])

    assert changed == HOLIDAYS_2026 + MAKE_UP_DAYS_2026
    assert WorkCalendarDay.objects.filter(kind=Kind.HOLIDAY).count() == HOLIDAYS_2026
    assert set(WorkCalendarDay.objects.filter(kind=Kind.WORKDAY).values_list("date", flat=True)) == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert set(WorkCalendarDay.objects.values_list("source", flat=True)) == {Source.SEED}


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        (date(2026, 1, 1), Kind.HOLIDAY, "元旦"),
        (date(2026, 1, 4), Kind.WORKDAY, "元旦"),
        (date(2026, 2, 14), Kind.WORKDAY, "春节"),
        (date(2026, 2, 15), Kind.HOLIDAY, "春节"),
        (date(2026, 2, 23), Kind.HOLIDAY, "春节"),
        (date(2026, 2, 28), Kind.WORKDAY, "春节"),
        (date(2026, 4, 6), Kind.HOLIDAY, "清明节"),
        (date(2026, 5, 9), Kind.WORKDAY, "劳动节"),
        (date(2026, 6, 19), Kind.HOLIDAY, "端午节"),
        (date(2026, 9, 25), Kind.HOLIDAY, "中秋节"),
        (date(2026, 9, 20), Kind.WORKDAY, "国庆节"),
        (date(2026, 10, 1), Kind.HOLIDAY, "国庆节"),
        (date(2026, 10, 7), Kind.HOLIDAY, "国庆节"),
        (date(2026, 10, 10), Kind.WORKDAY, "国庆节"),
    ],
)
def test_synced_days_carry_their_chinese_names(db, day, kind, name):
    sync_work_calendar(years=[2026])
    synced = row(day)
    assert (synced.kind, synced.name, synced.source) == (kind, name, Source.SEED)


def test_sync_leaves_ordinary_days_without_a_row(db):
    sync_work_calendar(years=[2026])
    assert not WorkCalendarDay.objects.filter(date__in=[date(2026, 11, 18), date(2026, 11, 21)]).exists()


def test_a_second_sync_changes_nothing(db):
    sync_work_calendar(years=[2026])
    before = list(WorkCalendarDay.objects.values_list("pk", "date", "kind", "name", "source"))

    assert sync_work_calendar(years=[2026]) == 0
    assert list(WorkCalendarDay.objects.values_list("pk", "date", "kind", "name", "source")) == before


def test_sync_does_not_overwrite_a_day_the_admin_edited(db):
    WorkCalendarDay.objects.create(date=date(2026, 10, 7), kind=Kind.WORKDAY, name="防汛值守", source=Source.ADMIN)

    sync_work_calendar(years=[2026])

    kept = row(date(2026, 10, 7))
    assert (kept.kind, kept.name, kept.source) == (Kind.WORKDAY, "防汛值守", Source.ADMIN)
    assert sync_work_calendar(years=[2026]) == 0


def test_sync_keeps_an_admin_day_the_package_does_not_list(db):
    WorkCalendarDay.objects.create(date=date(2026, 11, 18), kind=Kind.HOLIDAY, name="停电检修", source=Source.ADMIN)

    sync_work_calendar(years=[2026])

    assert row(date(2026, 11, 18)).kind == Kind.HOLIDAY


def test_sync_removes_a_stale_seed_day(db):
    WorkCalendarDay.objects.create(date=date(2026, 11, 18), kind=Kind.HOLIDAY, name="旧数据", source=Source.SEED)

    changed = sync_work_calendar(years=[2026])

    assert changed == HOLIDAYS_2026 + MAKE_UP_DAYS_2026 + 1
    assert not WorkCalendarDay.objects.filter(date=date(2026, 11, 18)).exists()


def test_sync_corrects_a_seed_day_that_differs_from_the_package(db):
    WorkCalendarDay.objects.create(date=date(2026, 10, 1), kind=Kind.WORKDAY, name="National Day", source=Source.SEED)

    sync_work_calendar(years=[2026])

    corrected = row(date(2026, 10, 1))
    assert (corrected.kind, corrected.name, corrected.source) == (Kind.HOLIDAY, "国庆节", Source.SEED)


def test_sync_only_touches_the_years_asked_for(db):
    WorkCalendarDay.objects.create(date=date(2025, 11, 19), kind=Kind.HOLIDAY, source=Source.SEED)

    sync_work_calendar(years=[2026])

    assert row(date(2025, 11, 19)).kind == Kind.HOLIDAY
    assert not WorkCalendarDay.objects.filter(date__year=2025).exclude(date=date(2025, 11, 19)).exists()


def test_sync_ignores_years_the_package_does_not_know(db):
    assert sync_work_calendar(years=[2099]) == 0
    assert sync_work_calendar(years=[]) == 0
    assert not WorkCalendarDay.objects.exists()


def test_sync_without_years_covers_every_year_the_package_knows(db):
    years = chinese_calendar_years()
    assert 2026 in years

    sync_work_calendar()

    assert row(date(2026, 2, 16)).name == "春节"
    assert row(date(years[0], 1, 1)).kind == Kind.HOLIDAY
    assert sync_work_calendar() == 0


def test_the_celery_task_syncs_the_calendar(db):
    from org.tasks import sync_work_calendar as sync_task

    assert sync_task.delay(years=[2026]).get() == HOLIDAYS_2026 + MAKE_UP_DAYS_2026
    assert row(date(2026, 10, 10)).kind == Kind.WORKDAY


# --- a day's kind ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "kind", "working"),
    [
        (date(2026, 11, 18), Kind.HOLIDAY, False),  # Wednesday
        (date(2026, 11, 21), Kind.HOLIDAY, False),  # Saturday
        (date(2026, 11, 22), Kind.WORKDAY, True),  # Sunday
        (date(2026, 11, 18), Kind.WORKDAY, True),
        (date(2026, 11, 18), Kind.NORMAL, True),
        (date(2026, 11, 20), Kind.NORMAL, True),  # Friday
        (date(2026, 11, 21), Kind.NORMAL, False),
        (date(2026, 11, 22), Kind.NORMAL, False),
    ],
)
def test_a_days_kind_decides_whether_it_is_a_working_day(day, kind, working):
    assert WorkCalendarDay(date=day, kind=kind).is_working_day() is working


def test_a_day_reads_with_its_kind_and_name():
    assert str(WorkCalendarDay(date=date(2026, 10, 1), kind=Kind.HOLIDAY, name="国庆节")) == (
        "2026-10-01 法定节假日（休息） 国庆节"
    )


# --- the calendar in force -----------------------------------------------------------------
def test_the_calendar_in_force_follows_the_table(db):
    WorkCalendarDay.objects.create(date=date(2026, 11, 18), kind=Kind.HOLIDAY)
    WorkCalendarDay.objects.create(date=date(2026, 11, 21), kind=Kind.WORKDAY)
    WorkCalendarDay.objects.create(date=date(2026, 11, 19), kind=Kind.NORMAL)

    calendar = get_work_calendar()

    assert not calendar.is_working_day(date(2026, 11, 18))
    assert calendar.is_working_day(date(2026, 11, 19))
    assert calendar.is_working_day(date(2026, 11, 21))


def test_an_admin_edit_changes_deadlines_at_once(db):
    sync_work_calendar(years=[2026])
    dispatched = at(2026, 11, 17, 16, 30)
    assert get_work_calendar().add_working_days(dispatched, 1) == at(2026, 11, 18, 16, 30)

    day = WorkCalendarDay.objects.create(date=date(2026, 11, 18), kind=Kind.HOLIDAY, name="停电检修")
    assert get_work_calendar().add_working_days(dispatched, 1) == at(2026, 11, 19, 16, 30)

    day.kind = Kind.NORMAL
    day.save()
    assert get_work_calendar().add_working_days(dispatched, 1) == at(2026, 11, 18, 16, 30)

    WorkCalendarDay.objects.create(date=date(2026, 11, 21), kind=Kind.WORKDAY)
    assert get_work_calendar().is_working_day(date(2026, 11, 21))
    WorkCalendarDay.objects.filter(date=date(2026, 11, 21)).delete()
    assert not get_work_calendar().is_working_day(date(2026, 11, 21))


def test_a_calendar_read_during_the_saving_transaction_is_not_kept_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        WorkCalendarDay.objects.create(date=date(2026, 11, 18), kind=Kind.HOLIDAY)
        read_before_commit = get_work_calendar()

    assert get_work_calendar() is not read_before_commit


def test_a_year_without_rows_follows_the_monday_to_friday_rule(db):
    sync_work_calendar(years=[2026])
    calendar = get_work_calendar()

    assert calendar.is_working_day(date(2027, 1, 1))  # a Friday; 2027 is not entered yet
    assert not calendar.is_working_day(date(2027, 1, 2))
    assert calendar.add_working_hours(at(2027, 1, 1, 17), 1) == at(2027, 1, 4, 9)


def test_an_empty_table_follows_the_monday_to_friday_rule(db):
    calendar = get_work_calendar()

    assert calendar.is_working_day(date(2026, 10, 1))  # a Thursday
    assert calendar.add_working_hours(at(2026, 11, 20, 17), 1) == at(2026, 11, 23, 9)


# --- admin -------------------------------------------------------------------------------------
def test_the_admin_lists_the_calendar(admin_client):
    sync_work_calendar(years=[2026])

    response = admin_client.get(reverse("admin:org_workcalendarday_changelist"), {"date__year": "2026"})

    assert response.status_code == 200
    assert "春节" in response.text
    assert "国庆节" in response.text


def test_the_admin_warns_when_next_year_is_not_entered(admin_client):
    response = admin_client.get(reverse("admin:org_workcalendarday_changelist"))

    next_year = date.today().year + 1
    assert f"{next_year} 年的节假日和调休尚未录入" in response.text


def test_a_day_added_in_the_admin_is_marked_as_the_admins_and_applies_at_once(admin_client):
    assert get_work_calendar().is_working_day(date(2026, 11, 18))

    response = admin_client.post(
        reverse("admin:org_workcalendarday_add"),
        {"date": "2026-11-18", "kind": Kind.HOLIDAY, "name": "停电检修", "source": Source.SEED},
    )

    assert response.status_code == 302
    added = row(date(2026, 11, 18))
    assert (added.kind, added.name, added.source) == (Kind.HOLIDAY, "停电检修", Source.ADMIN)
    assert not get_work_calendar().is_working_day(date(2026, 11, 18))
    sync_work_calendar(years=[2026])
    assert row(date(2026, 11, 18)).source == Source.ADMIN


def test_the_admin_sync_action_fills_the_calendar(admin_client):
    kept = WorkCalendarDay.objects.create(date=date(2026, 10, 7), kind=Kind.WORKDAY, name="防汛值守")
    years = chinese_calendar_years()

    response = admin_client.post(
        reverse("admin:org_workcalendarday_changelist"),
        {"action": "sync_from_package", "_selected_action": [kept.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"已同步 {years[0]}–{years[-1]} 年" in response.text
    assert row(date(2026, 2, 15)).name == "春节"
    assert row(date(2026, 10, 10)).kind == Kind.WORKDAY
    kept.refresh_from_db()
    assert (kept.kind, kept.name, kept.source) == (Kind.WORKDAY, "防汛值守", Source.ADMIN)
    assert not get_work_calendar().is_working_day(date(2026, 10, 1))
