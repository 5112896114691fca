"""A case change goes on the statistics queue in its own transaction (an outbox:
it cannot be lost between the change and the broker), with what the case
counted for before the change, and a refresh is asked for once it commits.

What a case counted for is taken when it is loaded (post_init) and again after
each save, from the fields the figures read (``reports.stats.FACT_FIELDS``).
An instance loaded without one of them (``only()``/``defer()``) records the
change as unknown; the refresh then recomputes its filing month × street.
"""

from django.db import transaction
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

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
    if before is _UNKNOWN:
        CaseChange.objects.create(case_id=instance.pk, old=None, known=False)
    else:
        CaseChange.objects.create(case_id=instance.pk, old=contribution(before) if before else None)
    instance._counted_facts = _facts(instance)
    from reports.tasks import request_refresh

    transaction.on_commit(request_refresh)
