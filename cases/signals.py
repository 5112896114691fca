from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.catalogue import forget_categories
from cases.models import Category, MajorCategory


@receiver([post_save, post_delete], sender=Category, dispatch_uid="cases.category_changed")
@receiver([post_save, post_delete], sender=MajorCategory, dispatch_uid="cases.major_category_changed")
def _catalogue_changed(**kwargs) -> None:
    # Now for this process (which sees its own transaction), and again once
    # committed, so another process cannot rebuild from the old rows and keep them.
    forget_categories()
    transaction.on_commit(forget_categories)
