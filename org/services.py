"""Writes to territory, organisation and calendar data that carry a rule."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from django.db import transaction

from org.models import WorkCalendarDay

# chinesecalendar names holidays in English; the calendar shows them in Chinese.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def chinese_calendar_years() -> range:
    """The years the installed chinesecalendar package has official data for."""
    known = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return range(min(known).year, max(known).year + 1)


def _official_days(year: int) -> dict[date, tuple[str, str]]:
    """date -> (kind, name) for the holidays and make-up working days of a year."""
    days = {}
    day = date(year, 1, 1)
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            kind = WorkCalendarDay.Kind.HOLIDAY if is_holiday else WorkCalendarDay.Kind.WORKDAY
            days[day] = (kind, HOLIDAY_NAMES_ZH.get(name, name))
        day += timedelta(days=1)
    return days


@transaction.atomic
def sync_work_calendar(*, years: list[int] | None = None) -> int:
    """Bring the seeded calendar days in line with chinesecalendar.

    Rows an admin made or edited (source "admin") are left as they are: the
    admin's word wins over the package. Returns the number of rows written or
    removed.
    """
    known = chinese_calendar_years()
    # None means every year the package knows; an empty list means none.
    years = [y for y in (known if years is None else years) if y in known]
    changed = 0
    for year in years:
        official = _official_days(year)
        existing = {d.date: d for d in WorkCalendarDay.objects.filter(date__year=year)}
        for day, (kind, name) in official.items():
            row = existing.get(day)
            if row is None:
                WorkCalendarDay.objects.create(date=day, kind=kind, name=name, source=WorkCalendarDay.Source.SEED)
                changed += 1
            elif row.source == WorkCalendarDay.Source.SEED and (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name"])
                changed += 1
        stale = [
            row.pk for day, row in existing.items() if row.source == WorkCalendarDay.Source.SEED and day not in official
        ]
        if stale:
            changed += WorkCalendarDay.objects.filter(pk__in=stale).delete()[0]
    return changed
