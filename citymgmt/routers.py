"""Reads of the dashboards and reports from a PostgreSQL read replica (issue 9).

With ``DATABASE_REPLICA_URL`` set, settings_deploy.py adds a database alias
``replica`` and installs ``ReplicaRouter``:

- reads of the stored statistics and reports (``REPLICA_MODELS``: what the
  leader dashboard, the monthly ranking, the bulletins and the reports API read)
  go to the replica, so a month-end crowd of leaders does not load the primary
  that intake and the case actions write to;
- every write goes to the primary, and so does every other read (cases, users,
  sessions, the statistics writer's queue): the case workflow never reads a
  replica that may lag behind what it has just written;
- migrations run on the primary only (the replica follows by replication);
- a read made while the primary has a transaction open on this thread, or
  inside ``primary()``, goes to the primary: the statistics writer and the
  assessment freeze read what they are about to write, at one snapshot.

Without the variable nothing is installed and everything uses ``default``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# What the dashboards and reports read: rewritten by the statistics writer, the freeze and the
# bulletin task only, read by many. Not the writer's own tables (CaseChange, the queue it
# drains; StatsLock) and not AssessmentScheme/AssessmentChange (admin data, read back right
# after an edit).
REPLICA_MODELS = frozenset(
    {
        "reports.cell",
        "reports.categorymonth",
        "reports.gridmonth",
        "reports.figure",
        "reports.opencases",
        "reports.statsmonth",
        "reports.assessmentmonth",
        "reports.ranking",
        "reports.dailybulletin",
    }
)

_primary_depth: ContextVar[int] = ContextVar("citymgmt_read_primary", default=0)


@contextmanager
def primary() -> Iterator[None]:
    """Every read inside reads the primary (this thread or task only).

    Used where what is read decides what is written: the statistics writer
    (reports.stats ``_writing``) and the assessment freeze and recompute.
    Nests; does nothing without a replica.
    """
    token = _primary_depth.set(_primary_depth.get() + 1)
    try:
        yield
    finally:
        _primary_depth.reset(token)


def reading_primary() -> bool:
    """True inside ``primary()`` or while the primary has a transaction open here."""
    return _primary_depth.get() > 0 or connections[DEFAULT_DB_ALIAS].in_atomic_block


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Dashboards and reports read the replica; everything else uses the primary."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.label_lower in REPLICA_MODELS and replica_configured() and not reading_primary():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica is a copy of the primary: a ranking row read there and the region it
        # names (read on the primary) are the same objects.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
