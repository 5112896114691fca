from celery import shared_task

from org.services import sync_work_calendar as _sync


@shared_task
def sync_work_calendar(years: list[int] | None = None) -> int:
    """Sync the work calendar from chinesecalendar; returns rows changed."""
    return _sync(years=years)
