"""Admin of the reports: assessment schemes per year, frozen months and their
recomputes (only here, by an admin, with a reason; every recompute is logged)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.assessment import recompute_frozen
from reports.models import AssessmentChange, AssessmentMonth, AssessmentScheme, Ranking


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ("year", *AssessmentScheme.WEIGHTS, "settle_days", "board_size")
    ordering = ("-year",)


class RankingInline(admin.TabularInline):
    model = Ranking
    extra = 0
    fields = ("level", "rank", "code", "name", "score", "rank_change", "red_flag", "board", "filed", "closed")
    readonly_fields = fields
    can_delete = False
    ordering = ("level", "rank", "code")

    def has_add_permission(self, request, obj=None):
        return False


class RecomputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("重算理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, strip=True
    )


@admin.register(AssessmentMonth)
class AssessmentMonthAdmin(admin.ModelAdmin):
    """Read-only: months are frozen by the beat task; an admin may recompute one."""

    list_display = ("month", "as_of", "frozen_at", "scheme_year", "recompute_link")
    readonly_fields = ("month", "as_of", "frozen_at", "scheme_year", "recompute_link")
    inlines = [RankingInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("重算"))
    def recompute_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        url = reverse("admin:reports_assessmentmonth_recompute", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("重算本月排名…"))

    def get_urls(self):
        own = [
            path(
                "<int:pk>/recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="reports_assessmentmonth_recompute",
            )
        ]
        return own + super().get_urls()

    def recompute_view(self, request, pk: int):
        assessment = get_object_or_404(AssessmentMonth, pk=pk)
        if not request.user.is_superuser:
            messages.error(request, _("只有系统管理员可以重算已冻结的月份。"))
            return redirect("admin:reports_assessmentmonth_change", pk)
        form = RecomputeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            change = recompute_frozen(assessment.month, by=request.user, reason=form.cleaned_data["reason"])
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[assessment],
                action_flag=CHANGE,
                change_message=_("重算月度考评：%(n)d 行有变化。理由：%(reason)s")
                % {"n": len(change.differences), "reason": change.reason},
                single_object=True,
            )
            messages.success(request, _("已重算，%(n)d 行有变化，已记录。") % {"n": len(change.differences)})
            return redirect("admin:reports_assessmentmonth_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("重算 %(month)s 月度考评") % {"month": assessment},
            "assessment": assessment,
            "form": form,
            "opts": self.model._meta,
            "changes": assessment.changes.select_related("changed_by")[:20],
        }
        return TemplateResponse(request, "admin/reports/assessmentmonth/recompute.html", context)


@admin.register(AssessmentChange)
class AssessmentChangeAdmin(admin.ModelAdmin):
    list_display = ("assessment", "changed_at", "changed_by", "reason")
    readonly_fields = ("assessment", "changed_at", "changed_by", "reason", "differences")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
