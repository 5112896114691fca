from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from org.models import Department, Region, UnitGrid, WorkCalendarDay
from org.worktime import forget_work_calendar


@receiver([post_save, post_delete], sender=WorkCalendarDay, dispatch_uid="org.calendar_changed")
def _calendar_changed(**kwargs) -> None:
    forget_work_calendar()


@receiver([post_save, post_delete], sender=UnitGrid, dispatch_uid="org.grid_changed")
@receiver([post_save, post_delete], sender=Region, dispatch_uid="org.region_changed")
def _territory_changed(**kwargs) -> None:
    from org.selectors import forget_grid_index

    # Now for this process (which sees its own transaction), and again once
    # committed, so another process cannot rebuild from the old rows and keep them.
    forget_grid_index()
    transaction.on_commit(forget_grid_index)


@receiver([post_save, post_delete], sender=Department, dispatch_uid="org.department_changed")
def _departments_changed(**kwargs) -> None:
    from org.selectors import forget_departments

    forget_departments()
    transaction.on_commit(forget_departments)
