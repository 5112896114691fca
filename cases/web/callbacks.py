"""The callback list (回访, issue 4): closed citizen cases waiting for a call.

Which cases need a callback is the precondition of the ``callback`` action
(``cases.selectors.available_actions``): a hotline or public case, closed, and
not called back since it was closed. The list shows exactly those, oldest
closure first (the caller who has waited longest); the forms post to
``work:case_action`` which runs the service. A dissatisfied answer makes the
case eligible for 重办 (reopen) for 30 days: the second tab lists those.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases import clock
from cases.api import CasePaginator, case_queryset
from cases.catalogue import category_by_id
from cases.filters import CaseFilter
from cases.models import Satisfaction, Source, Status
from cases.privacy import can_see_caller, mask_name, mask_phone
from cases.services import REOPEN_DAYS
from cases.web.actions import row_action_forms
from org.models import Region
from org.selectors import department_by_id, region_by_id, user_roles

PAGE_SIZE = 20
# The command centre keeps the callback list; a handler or inspector does not.
CALLBACK_ROLES = {"operator", "shift_leader", "dispatcher", "admin"}
CITIZEN_SOURCES = [Source.HOTLINE, Source.PUBLIC]
TABS = [("pending", _("待回访")), ("dissatisfied", _("不满意待重办"))]


class ClosedRangeForm(forms.Form):
    """The filters CaseFilter does not have: the day range of closure (Shanghai days)."""

    closed_from = forms.DateField(label=_("结案日期自"), required=False)
    closed_to = forms.DateField(label=_("至"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("closed_from"), data.get("closed_to")
        if start and end and start > end:
            self.add_error("closed_to", _("结束日期不能早于开始日期。"))
        return data


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def awaiting_callback(queryset):
    """Closed citizen cases not called back since closing (the ``callback``
    precondition of available_actions, as a query)."""
    return queryset.filter(status=Status.CLOSED, source__in=CITIZEN_SOURCES).filter(
        Q(callback_at__isnull=True) | Q(callback_at__lt=F("closed_at"))
    )


def dissatisfied_recently(queryset, now):
    """Closed citizen cases called back dissatisfied within the reopen window."""
    return queryset.filter(
        status=Status.CLOSED,
        source__in=CITIZEN_SOURCES,
        satisfaction=Satisfaction.DISSATISFIED,
        closed_at__gte=now - timedelta(days=REOPEN_DAYS),
    )


@login_required
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    """GET /work/callbacks/?tab=pending|dissatisfied&district=&source=&q=&closed_from=&closed_to="""
    user = request.user
    if not user_roles(user) & CALLBACK_ROLES:
        raise PermissionDenied
    now = clock.now()
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "pending"
    base = case_queryset(user)
    # Only the filters this page offers (district, source, text); codes as in the API.
    offered = {k: v for k, v in request.GET.items() if k in ("district", "source", "q")}
    case_filter = CaseFilter(data=offered, queryset=base, request=request)
    cases = case_filter.qs
    dates = ClosedRangeForm(request.GET)
    if dates.is_valid():
        if dates.cleaned_data["closed_from"]:
            cases = cases.filter(closed_at__gte=_start_of(dates.cleaned_data["closed_from"]))
        if dates.cleaned_data["closed_to"]:
            cases = cases.filter(closed_at__lt=_start_of(dates.cleaned_data["closed_to"] + timedelta(days=1)))
    pending = awaiting_callback(cases).order_by(F("closed_at").asc(nulls_last=True), "number")
    dissatisfied = dissatisfied_recently(cases, now).order_by(F("closed_at").desc(nulls_last=True), "-number")
    shown = pending if tab == "pending" else dissatisfied
    page = CasePaginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    other = dissatisfied if tab == "pending" else pending
    counts = {tab: page.paginator.count, ("dissatisfied" if tab == "pending" else "pending"): other.count()}
    next_url = request.get_full_path()
    context = {
        "tabs": [{"key": k, "label": label, "count": counts[k]} for k, label in TABS],
        "tab": tab,
        "page_obj": page,
        "rows": callback_rows(page.object_list, user, next_url),
        "filter_errors": {**case_filter.errors, **dates.errors},
        "values": request.GET,
        "districts": Region.objects.filter(level=Region.Level.DISTRICT).order_by("code").values_list("code", "name"),
        "sources": [(s.value, s.label) for s in CITIZEN_SOURCES],
        "current_role": next((r for r in ("operator", "dispatcher", "shift_leader") if r in user_roles(user)), ""),
    }
    return render(request, "cases/callbacks.html", context)


def callback_rows(cases, user, next_url: str) -> list[dict]:
    """What a row shows; codes and names from the process's reference copies."""
    show_caller = can_see_caller(user)
    inputs_of: dict[str, list] = {}
    rows = []
    for case in cases:
        actions = row_action_forms(case, user, ("callback", "reopen"), pending_request=False, inputs_of=inputs_of)
        rows.append(
            {
                "case": case,
                "category": category_by_id(case.category_id).name,
                "district": region_by_id(case.district_id).name,
                "department": department_by_id(case.department_id).name if case.department_id else "—",
                "caller_name": case.caller_name if show_caller else mask_name(case.caller_name),
                "caller_phone": case.caller_phone if show_caller else mask_phone(case.caller_phone),
                "actions": actions,
                "next": next_url,
            }
        )
    return rows
