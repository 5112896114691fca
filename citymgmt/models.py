"""Models of the citymgmt app itself: the outbox of background work."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task that could not be handed to the broker (Redis down): kept here and
    sent when the broker is back (citymgmt/outbox.py). Task arguments are ids, never
    personal data."""

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    options = models.JSONField(_("发送选项"), default=dict, blank=True)
    # One waiting message per key: a thousand refresh requests made while Redis was down
    # are one refresh when it is back.
    dedupe_key = models.CharField(_("去重键"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("发送尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
