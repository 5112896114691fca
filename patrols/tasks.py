from celery import shared_task

from patrols.housekeeping import mark_missed_tasks as _mark


@shared_task(acks_late=True)
def mark_missed_tasks() -> int:
    """Planned patrol tasks whose shift has ended without a patrol become 未巡查; idempotent."""
    return _mark()
