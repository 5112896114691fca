"""Background work that survives a dead broker: send now, or keep it in the database.

``send(task, *args)`` hands a task to the broker. When the broker (Redis) is
unreachable the message goes to the ``OutboxMessage`` table instead of raising, so
intake and case actions keep working; ``drain()`` sends what waits there. It runs
  - after the next successful send from any process (a ``drain_outbox`` task is sent),
  - when a worker starts (citymgmt/celery.py, ``worker_ready``),
  - every minute from beat (citymgmt/schedule.py).
Delivery is at least once: a message sent just before its row is deleted can go twice,
which is safe because every task is idempotent (STYLE.md, Background work).

In the embedded mode (no Redis, tasks run in-process) ``send`` runs the task at once,
as ``apply_async`` does there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from citymgmt.models import OutboxMessage

logger = logging.getLogger("citymgmt.outbox")

# After a failed send, go straight to the table for this long (no connection attempt
# per request while Redis is down); the next send after it tries the broker again.
RETRY_SECONDS = 5.0
CONNECT_TIMEOUT = 0.5  # seconds to reach the broker before the message goes to the table
LOG_EVERY_SECONDS = 60
DRAIN_BATCH = 100
DRAIN_TASK = "citymgmt.tasks.drain_outbox"

_lock = threading.Lock()
_state = {"down_until": 0.0, "logged_at": -LOG_EVERY_SECONDS}


def _app():
    from citymgmt.celery import app

    return app


def _eager() -> bool:
    return bool(_app().conf.task_always_eager)


def _connection():
    """A connection of its own with short timeouts and no reconnect loop: kombu's pooled
    one retries for seconds, and a web request must not wait for a dead broker."""
    app = _app()
    options = {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": 2 * CONNECT_TIMEOUT, "max_retries": 0}
    connection = app.connection_for_write(transport_options=options)
    connection.ensure_connection(max_retries=0, timeout=CONNECT_TIMEOUT)
    return connection


def _publish(connection, name: str, args: Iterable, kwargs: dict, options: dict) -> None:
    # ignore_result: the Redis result backend would subscribe for the result on send
    # and retry for 20 s when Redis is gone; nothing waits for these results.
    _app().send_task(
        name, args=list(args), kwargs=kwargs, connection=connection, retry=False, ignore_result=True, **options
    )


def broker_known_down() -> bool:
    return _state["down_until"] > time.monotonic()


def _went_down(error: BaseException) -> None:
    now = time.monotonic()
    with _lock:
        _state["down_until"] = now + RETRY_SECONDS
        log = now - _state["logged_at"] >= LOG_EVERY_SECONDS
        if log:
            _state["logged_at"] = now
    if log:
        logger.warning("Celery broker unreachable (%s): tasks are kept in the outbox table", type(error).__name__)


def _came_back() -> None:
    with _lock:
        _state["down_until"] = 0.0


def store(name: str, args: Iterable = (), kwargs: dict | None = None, *, dedupe_key: str | None = None, **options):
    """Keeps a message in the table (one per ``dedupe_key``); returns the row, or None
    when one with the same key is already waiting."""
    row = OutboxMessage(task=name, args=list(args), kwargs=kwargs or {}, options=options, dedupe_key=dedupe_key)
    if dedupe_key is None:
        row.save()
        return row
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def send(task, *args, dedupe_key: str | None = None, **options) -> str:
    """Sends ``task(*args)`` (Celery options such as ``countdown`` or ``queue``); returns
    "sent", "stored" (the broker was unreachable: kept in the outbox) or "run" (embedded
    mode: run in-process now). Call it after commit (``transaction.on_commit``)."""
    kwargs = options.pop("kwargs", None) or {}
    if _eager():
        task.apply_async(args, kwargs, **options)
        return "run"
    if not broker_known_down():
        try:
            connection = _connection()
            try:
                _publish(connection, task.name, args, kwargs, options)
                _after_success(connection)
            finally:
                connection.release()
            _came_back()
            return "sent"
        except Exception as error:  # kombu and redis raise many kinds; the table takes it
            _went_down(error)
    store(task.name, args, kwargs, dedupe_key=dedupe_key, **options)
    return "stored"


def _after_success(connection) -> None:
    """The broker answers: if anything waits in the table, have a worker send it."""
    if OutboxMessage.objects.exists():
        _publish(connection, DRAIN_TASK, (), {}, {})


def drain(limit: int = 10 * DRAIN_BATCH) -> int:
    """Sends waiting messages in order, deleting each one sent; stops at the first
    failure (the broker is down again). Two drainers never take the same row (SKIP
    LOCKED). Returns the number sent."""
    if _eager():
        return _drain_eager(limit)
    sent = 0
    try:
        connection = _connection()
    except Exception as error:
        _went_down(error)
        return 0
    try:
        while sent < limit:
            with transaction.atomic():
                rows = list(OutboxMessage.objects.select_for_update(skip_locked=True).order_by("id")[:DRAIN_BATCH])
                if not rows:
                    break
                done, failed = [], None
                for row in rows:
                    try:
                        _publish(connection, row.task, row.args, row.kwargs, row.options)
                    except Exception as error:
                        failed = (row, error)
                        break
                    done.append(row.pk)
                OutboxMessage.objects.filter(pk__in=done).delete()
                sent += len(done)
                if failed:
                    row, error = failed
                    OutboxMessage.objects.filter(pk=row.pk).update(
                        attempts=row.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:300]
                    )
                    _went_down(error)
                    break
    finally:
        connection.release()
    if sent:
        _came_back()
        logger.info("Outbox: %d waiting task(s) sent to the broker", sent)
    return sent


def _drain_eager(limit: int) -> int:
    """Embedded mode: run what waits (left from a time Redis was configured)."""
    app = _app()
    ran = 0
    for row in OutboxMessage.objects.order_by("id")[:limit]:
        task = app.tasks.get(row.task)
        if task is not None:
            task.apply_async(row.args, row.kwargs, **row.options)
        row.delete()
        ran += 1
    return ran


def waiting() -> dict[str, Any]:
    """How much waits, and since when (for the health report)."""
    oldest = OutboxMessage.objects.order_by("id").values_list("created_at", flat=True).first()
    return {"waiting": OutboxMessage.objects.count(), "oldest": oldest}
