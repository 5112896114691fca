"""A case change goes on the statistics queue in its own transaction (an outbox:
it cannot be lost between the change and the broker), with what the case
counted for before the change, and a refresh is asked for once it commits.

What a case counted for is taken when it is loaded (post_init) and again after
each save, from the fields the figures read (``reports.stats.FACT_FIELDS``).
An instance loaded without one of them (``only()``/``defer()``) records the
change as unknown; the refresh then recomputes its filing month × street.
"""

import json

from django.db import connection, transaction
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.utils import timezone

from cases.models import Case
from reports.models import CaseChange
from reports.stats import FACT_FIELDS, contribution

_UNKNOWN = object()


def _facts(instance: Case):
    loaded = instance.__dict__
    if any(name not in loaded for name in FACT_FIELDS):
        return _UNKNOWN
    return {name: loaded[name] for name in FACT_FIELDS}


@receiver(post_init, sender=Case, dispatch_uid="reports.case_loaded")
def _case_loaded(instance: Case, **kwargs) -> None:
    # A new, unsaved case counts for nothing yet.
    instance._counted_facts = _facts(instance) if instance.pk is not None else None


@receiver(post_save, sender=Case, dispatch_uid="reports.case_changed")
def _case_changed(instance: Case, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata
        return
    before = None if created else getattr(instance, "_counted_facts", _UNKNOWN)
    known = before is not _UNKNOWN
    old = contribution(before) if known and before else None
    # One plain INSERT: this runs on every case write, intake included.
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CaseChange._meta.db_table} (case_id, changed_at, old, known) VALUES (%s, %s, %s{cast}, %s)",
            [instance.pk, timezone.now(), None if old is None else json.dumps(old), known],
        )
    instance._counted_facts = _facts(instance)
    from reports.tasks import request_refresh

    transaction.on_commit(request_refresh)
