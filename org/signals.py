from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from org.models import WorkCalendarDay
from org.worktime import forget_work_calendar


@receiver([post_save, post_delete], sender=WorkCalendarDay, dispatch_uid="org.calendar_changed")
def _calendar_changed(**kwargs) -> None:
    forget_work_calendar()
