from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from org.models import Region, UnitGrid, WorkCalendarDay
from org.worktime import forget_work_calendar


@receiver([post_save, post_delete], sender=WorkCalendarDay, dispatch_uid="org.calendar_changed")
def _calendar_changed(**kwargs) -> None:
    forget_work_calendar()


@receiver([post_save, post_delete], sender=UnitGrid, dispatch_uid="org.grid_changed")
@receiver([post_save, post_delete], sender=Region, dispatch_uid="org.region_changed")
def _territory_changed(**kwargs) -> None:
    from org.selectors import forget_grid_index

    forget_grid_index()
