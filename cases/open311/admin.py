"""Admin of Open311 clients: one API key per client system, revocable (吊销).

Imported by cases/admin.py (Django's autodiscovery reads only ``<app>.admin``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "contact", "is_active", "created_at", "last_used_at", "revoked_at", "report_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_total=Count("reports"))

    def get_fields(self, request, obj=None):
        if obj is None:  # the key is generated when the client is saved
            return ["name", "contact"]
        return ["name", "contact", "api_key", "is_active", "revoked_at", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Revoking is final: a revoked key stays revoked (issue a new client for a new key).
        revoked = obj.revoked_at is not None
        return ["api_key", "revoked_at", "created_at", "last_used_at", *(["is_active"] if revoked else [])]

    @admin.display(description=gettext_lazy("上报数"), ordering="report_total")
    def report_count(self, obj) -> int:
        return obj.report_total

    def save_model(self, request, obj, form, change):
        # Unticking 启用 is a revocation too: record when it happened.
        if change and not obj.is_active and obj.revoked_at is None:
            obj.revoked_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("吊销所选客户端的 API 密钥"), permissions=["change"])
    def revoke(self, request, queryset):
        chosen = Open311Client.objects.filter(pk__in=[client.pk for client in queryset], revoked_at__isnull=True)
        revoked = chosen.update(is_active=False, revoked_at=timezone.now())
        message = ngettext("已吊销 %(n)d 个客户端的密钥。", "已吊销 %(n)d 个客户端的密钥。", revoked) % {"n": revoked}
        self.message_user(request, message, messages.SUCCESS)
        if revoked == 0:
            self.message_user(request, _("所选客户端都已被吊销。"), messages.WARNING)
