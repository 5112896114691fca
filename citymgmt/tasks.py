from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task
def ping() -> str:
    """Answers "pong": the smallest proof that a worker takes tasks."""
    return "pong"


@shared_task
def heartbeat() -> str:
    """Records when beat last reached a worker (read by the health check)."""
    now = timezone.now().isoformat()
    cache.set("celery:heartbeat", now, timeout=None)
    return now


@shared_task(acks_late=True)
def drain_outbox() -> int:
    """Sends the tasks kept in the outbox table while the broker was down
    (citymgmt/outbox.py); the number sent."""
    from citymgmt import outbox

    return outbox.drain()
