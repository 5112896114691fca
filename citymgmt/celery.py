"""The Celery application, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citymgmt.settings")

app = Celery("citymgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- signals ----------------------------------------------------------------------------
from celery import signals  # noqa: E402


@signals.setup_logging.connect
def _logging_from_django(**kwargs) -> None:
    """Workers and beat log through Django's LOGGING (JSON in production, personal data
    masked, each task's id and name on its lines) instead of Celery's own set-up."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def _drain_outbox_at_start(**kwargs) -> None:
    """Tasks kept in the outbox while the broker was down go out as soon as a worker is
    up (then again by beat every minute, and after any successful send)."""
    import logging

    from django.db import connections

    from citymgmt import outbox

    try:
        outbox.drain()
    except Exception:  # a worker must start even when the database is not there yet
        logging.getLogger("citymgmt.outbox").exception("Outbox drain at worker start failed")
    finally:
        connections.close_all()  # the pool's processes open their own
