"""A case change goes on the statistics queue in its own transaction (an outbox:
it cannot be lost between the change and the broker), and a refresh is asked
for once it commits."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import Case
from reports.models import CaseChange


@receiver(post_save, sender=Case, dispatch_uid="reports.case_changed")
def _case_changed(instance: Case, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata
        return
    CaseChange.objects.create(case_id=instance.pk)
    from reports.tasks import request_refresh

    transaction.on_commit(request_refresh)
