"""Celery tasks of the reports app: thin, idempotent, safe with two workers."""

from celery import shared_task
from django.core.cache import cache

from reports import assessment, stats

# Changes within this many seconds are taken together by one refresh.
REFRESH_DELAY_SECONDS = 2
_QUEUED_KEY = "reports:refresh-queued"
MAX_ROUNDS = 20
_OPEN_RECOUNTED_KEY = "reports:open-recounted"
OPEN_RECOUNT_SECONDS = 60


def request_refresh() -> None:
    """Asks for a refresh unless one is already on its way (after commit)."""
    if cache.add(_QUEUED_KEY, 1, timeout=REFRESH_DELAY_SECONDS):
        # Through the outbox: with Redis down the request waits in the database (one row,
        # however many changes) and the refresh comes once the broker is back.
        from citymgmt import outbox

        outbox.send(refresh_stats, countdown=REFRESH_DELAY_SECONDS, dedupe_key="reports.tasks.refresh_stats")


@shared_task(acks_late=True)
def refresh_stats() -> dict[str, int]:
    """Drains the queue of changed cases, recomputing only the filing month ×
    street blocks they touch. Run by request after a change and by beat."""
    total = {"changes": 0, "cases": 0, "months": 0}
    # Bounded, so a steady stream of changes cannot keep one task running for
    # ever; whatever is left waits for the next request or beat.
    for _round in range(MAX_ROUNDS):
        done = stats.drain()
        if not done["changes"]:
            break
        for key, value in done.items():
            total[key] += value
    # Open cases by light at most once a minute from here (a full recount of the
    # open cases); beat recounts them every five minutes whatever happens.
    if total["changes"] and cache.add(_OPEN_RECOUNTED_KEY, 1, timeout=OPEN_RECOUNT_SECONDS):
        stats.refresh_open_cases()
    return total


@shared_task(acks_late=True)
def refresh_open_cases() -> int:
    """Open cases by light now: lights change with time, not only with actions."""
    rows = stats.refresh_open_cases()
    stats.bump_version()
    return rows


@shared_task(acks_late=True)
def freeze_assessments() -> list[str]:
    """Freezes the months whose settle period is over (DOMAIN.md §7)."""
    return [month.strftime("%Y-%m") for month in assessment.freeze_due_months()]


@shared_task(acks_late=True)
def daily_bulletin() -> str:
    """每日一通报 for yesterday (idempotent: a rerun rewrites the same day)."""
    from reports.bulletins import generate_daily

    return generate_daily().day.isoformat()
