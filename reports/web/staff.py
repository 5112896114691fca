"""Role scores of inspectors and dispatchers for a month (DOMAIN.md §7)."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import clock
from org.roles import Role
from reports.access import may_read
from reports.roles import DISPATCHER_WEIGHTS, INSPECTOR_WEIGHTS, role_scores
from sanitation.access import parse_month


@login_required
@require_GET
def staff_scores(request):
    if not may_read(request.user):
        return render(request, "org/no_role.html", {"role": Role(Role.LEADER)}, status=403)
    today = clock.now().astimezone(timezone.get_current_timezone()).date()
    month_text = request.GET.get("month", "").strip()
    month = parse_month(month_text) if month_text else date(today.year, today.month, 1)
    error = "" if month else _("月份格式应为 YYYY-MM。")
    month = month or date(today.year, today.month, 1)
    context = {
        **role_scores(month),
        "month": month,
        "month_text": f"{month:%Y-%m}",
        "error": error,
        "inspector_weights": INSPECTOR_WEIGHTS,
        "dispatcher_weights": DISPATCHER_WEIGHTS,
    }
    return render(request, "reports/staff.html", context)
