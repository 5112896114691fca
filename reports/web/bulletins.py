"""Bulletin pages under /reports/bulletins/: 每日一通报 (list, one day, .xlsx,
generate now) and 每月一汇总 (printable page, .xlsx).

Leaders (their region's rows), shift leaders, dispatchers and admins read;
shift leaders and admins may generate a missing daily bulletin; everyone
else gets 403.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import clock
from reports import bulletins, excel
from reports.access import may_read, read_scope
from reports.models import DailyBulletin
from sanitation.access import parse_month

PAGE_SIZE = 30


def _refused(request, *, generate: bool = False) -> HttpResponse | None:
    allowed = bulletins.may_generate(request.user) if generate else may_read(request.user)
    if allowed:
        return None
    return render(request, "reports/bulletin_forbidden.html", {"generate": generate}, status=403)


def _xlsx(content: bytes, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


# --- 每日一通报 ---------------------------------------------------------------------------


@login_required
@require_GET
def bulletin_list(request):
    if response := _refused(request):
        return response
    rows = DailyBulletin.objects.values("day", "generated_at", "content__totals")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localtime(clock.now()).date()
    missing = []
    if bulletins.may_generate(request.user):
        have = set(
            DailyBulletin.objects.filter(day__in=[today, today - timedelta(days=1)]).values_list("day", flat=True)
        )
        missing = [
            (key, label)
            for key, day, label in (
                ("yesterday", today - timedelta(days=1), _("昨日")),
                ("today", today, _("今日（截至现在）")),
            )
            if day not in have
        ]
    context = {
        "page": page,
        "scoped": read_scope(request.user) is not None,
        "missing": missing,
        "may_generate": bulletins.may_generate(request.user),
        "last_month": bulletins.last_month(),
    }
    return render(request, "reports/bulletin_list.html", context)


@login_required
@require_GET
def bulletin_daily(request, day: str):
    if response := _refused(request):
        return response
    bulletin = get_object_or_404(DailyBulletin, day=_day(day))
    view = bulletins.daily_view(bulletin, request.user)
    return render(request, "reports/bulletin_daily.html", {"view": view, "bulletin": bulletin})


@login_required
@require_GET
def bulletin_daily_xlsx(request, day: str):
    if response := _refused(request):
        return response
    bulletin = get_object_or_404(DailyBulletin, day=_day(day))
    content = excel.daily_workbook(bulletins.daily_view(bulletin, request.user))
    return _xlsx(content, f"daily-{bulletin.day:%Y%m%d}.xlsx", _("每日通报-%(day)s.xlsx") % {"day": bulletin.day})


@login_required
@require_POST
def bulletin_generate(request):
    """Generate (or regenerate: it is idempotent) yesterday's or today's bulletin."""
    if response := _refused(request, generate=True):
        return response
    today = timezone.localtime(clock.now()).date()
    choices = {"yesterday": today - timedelta(days=1), "today": today}
    day = choices.get(request.POST.get("day", "yesterday"))
    if day is None:
        return HttpResponseBadRequest(_("day 应为 yesterday 或 today。"))
    bulletin = bulletins.generate_daily(day)
    messages.success(request, _("已生成 %(day)s 的每日通报。") % {"day": bulletin.day.isoformat()})
    return redirect("reports:bulletin_daily", day=bulletin.day.isoformat())


# --- 每月一汇总 ---------------------------------------------------------------------------


def _month(request) -> date | None:
    text = request.GET.get("month")
    if not text:
        return bulletins.last_month()
    return parse_month(text)


@login_required
@require_GET
def bulletin_monthly(request):
    if response := _refused(request):
        return response
    month = _month(request)
    if month is None:
        return HttpResponseBadRequest(_("month 应为 YYYY-MM 格式。"))
    levels = bulletins.monthly_levels(month, request.user, levels=("district", "department"))
    charts = {level["level"]: bulletins.chart_data(level) for level in levels}
    context = {
        "month": month,
        "levels": levels,
        "charts": charts,
        "as_of": levels[0]["as_of"],
        "frozen": levels[0]["frozen"],
        "scope": read_scope(request.user),
        "previous": (month - timedelta(days=1)).replace(day=1),
        "next": (month + timedelta(days=32)).replace(day=1),
    }
    return render(request, "reports/bulletin_monthly.html", context)


@login_required
@require_GET
def bulletin_monthly_xlsx(request):
    if response := _refused(request):
        return response
    month = _month(request)
    if month is None:
        return HttpResponseBadRequest(_("month 应为 YYYY-MM 格式。"))
    levels = bulletins.monthly_levels(month, request.user)
    content = excel.monthly_workbook(month, levels)
    return _xlsx(content, f"monthly-{month:%Y%m}.xlsx", _("月度考评汇总-%(month)s.xlsx") % {"month": f"{month:%Y-%m}"})
