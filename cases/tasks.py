from celery import shared_task

from cases.services import supervision_scan as _scan


@shared_task(acks_late=True)
def supervision_scan() -> dict[str, int]:
    """Reminders, 督办 and escalations for cases turning yellow/red; idempotent."""
    return _scan()
