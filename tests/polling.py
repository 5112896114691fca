"""Waiting in tests that drive real processes (workers, servers, other connections)."""

import time

from django.db import connection


def wait_for(condition, timeout: float = 60, what: str = ""):
    """Polls ``condition`` every 0.1 s until it returns something true, and returns that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def other_backends() -> list[tuple]:
    """Connections to the test database other than this one: (pid, state, wait_event_type)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
        cursor.execute(
            "SELECT pid, state, wait_event_type FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchall()
