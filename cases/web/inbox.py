"""The department inbox (专业部门) and notifications (issue 4).

A handler works from their phone as often as from a desk: one card per case,
the actions they may take now (``cases.selectors.available_actions``), each a
small form posting to ``work:case_action`` (which runs the service) and coming
back here. Which cases are theirs is ``Case.objects.visible_to``; what a tab
holds is read from the case's state and counters (DOMAIN.md §4), never from a
rule of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cases import clock
from cases.api import CasePaginator, case_queryset
from cases.catalogue import category_by_id
from cases.filters import order_cases
from cases.models import Case, CaseRequest, Notification, overdue_q
from cases.privacy import can_see_caller, mask_phone
from cases.web.actions import row_action_forms
from cases.web.common import LIGHT_CLASSES, remaining_label
from org.selectors import department_by_id, user_roles

PAGE_SIZE = 20
NOTIFICATIONS_PAGE_SIZE = 30

# The actions a handler takes from the inbox, in the order a card offers them;
# anything else a person may do (they may hold more roles) is on the case page.
INBOX_ACTIONS = ["sign", "contact-caller", "feedback", "request-delay", "request-return", "request-suspend"]
# Acted on with one click: no inputs to fill.
ONE_CLICK = {"sign"}


# Readable labels where the API body's help text names the field or speaks to
# API clients (see the report: better fixed once in cases.web.actions.action_inputs).
@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    help: str


TABS = [
    Tab("sign", _("待签收"), _("已派遣到本部门，等待签收")),
    Tab("doing", _("处置中"), _("已签收，正在处置（含返工、重办）")),
    Tab("rework", _("返工"), _("核查不通过退回返工的案件")),
    Tab("overdue", _("超期"), _("已超过处置期限")),
    Tab("requests", _("申请中"), _("延期、回退或挂账申请待审批")),
    Tab("suspended", _("挂账"), _("已批准挂账，暂停计时")),
    Tab("handled", _("已反馈"), _("已反馈，等待核查与结案")),
]
TAB_KEYS = [t.key for t in TABS]


def _tab_conditions(now) -> dict[str, Q]:
    """What each tab holds, from the state machine of DOMAIN.md §4: a rework is
    a check-fail (返工, ``rework_count`` + 1) back in progress; 超期 is
    ``CaseQuerySet.overdue``."""
    pending = CaseRequest.objects.filter(state=CaseRequest.State.PENDING).values("case_id")
    return {
        "sign": Q(status="dispatched"),
        "doing": Q(status="in_progress"),
        "rework": Q(status="in_progress", rework_count__gt=0),
        "overdue": overdue_q(now),
        "requests": Q(status__in=["dispatched", "in_progress"], pk__in=pending),
        "suspended": Q(status="suspended"),
        "handled": Q(status__in=["handled", "checking", "checked"]),
    }


def is_handler(user) -> bool:
    profile = getattr(user, "profile", None)
    return "handler" in user_roles(user) and bool(profile and profile.department_id)


# --- notifications -------------------------------------------------------------------------


def my_notifications(user):
    """The notifications addressed to the user or to their department (督办 and
    reminders go to the department, escalations to leaders by name)."""
    profile = getattr(user, "profile", None)
    scope = Q(user_id=user.pk)
    if profile is not None and profile.department_id:
        scope |= Q(department_id=profile.department_id)
    return Notification.objects.filter(scope)


def unread_count(user) -> int:
    return my_notifications(user).filter(read_at__isnull=True).count()


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """GET /work/notifications/: newest first, paged; ``?unread=1`` only the
    unread; ``?badge=1`` only the navbar badge (polled by htmx)."""
    if not user_roles(request.user):
        raise PermissionDenied
    if request.GET.get("badge"):
        return render(request, "cases/_notifications_badge.html", {"unread": unread_count(request.user)})
    only_unread = request.GET.get("unread") == "1"
    rows = (
        my_notifications(request.user)
        .select_related("case")
        .only("kind", "text", "created_at", "read_at", "case__number", "department_id", "user_id")
    )
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.order_by("-created_at", "-id"), NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "unread": unread_count(request.user),
        "only_unread": only_unread,
        "next": request.get_full_path(),
    }
    return render(request, "cases/notifications.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read: only the user's own or their department's
    (anyone else's is a 404, as if it did not exist). A department notice read
    by one handler is read for the department: it is one shared to-do."""
    notification = get_object_or_404(my_notifications(request.user).select_related("case"), pk=pk)
    if notification.read_at is None:
        notification.read_at = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    if request.headers.get("HX-Request"):
        context = {"n": notification, "next": request.POST.get("next", ""), "unread": unread_count(request.user)}
        return render(request, "cases/_notifications_item.html", context)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "work:notifications"
    return redirect(target)


# --- the inbox ------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """GET /work/inbox/?tab=sign|doing|…: the department's cases by tab, soonest deadline first."""
    user = request.user
    if not is_handler(user):
        raise PermissionDenied
    now = clock.now()
    tab = request.GET.get("tab") or "sign"
    if tab not in TAB_KEYS:
        tab = "sign"
    conditions = _tab_conditions(now)
    mine = Case.objects.visible_to(user)
    # Every tab's count in one pass over the department's open cases.
    counts = mine.filter(status__in=["dispatched", "in_progress", "suspended", "handled", "checking", "checked"])
    counts = counts.aggregate(**{key: Count("pk", filter=q) for key, q in conditions.items()})
    cases = order_cases(case_queryset(user).filter(conditions[tab]), "deadline")
    page = CasePaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    next_url = request.get_full_path()
    context = {
        "tabs": [{"key": t.key, "label": t.label, "help": t.help, "count": counts[t.key]} for t in TABS],
        "tab": tab,
        "current_tab": next(t for t in TABS if t.key == tab),
        "page_obj": page,
        "rows": inbox_rows(page.object_list, user, now, next_url),
        "unread": unread_count(user),
        "department": department_by_id(user.profile.department_id),
        "next": next_url,
        "current_role": "handler",
    }
    return render(request, "cases/inbox.html", context)


def inbox_rows(cases, user, now, next_url: str) -> list[dict]:
    """What a card shows, read from the page's cases and the process's
    reference copies (no query per row)."""
    show_caller = can_see_caller(user)
    inputs_of: dict[str, list] = {}
    rows = []
    for case in cases:
        pending = list(getattr(case, "pending_requests", []))
        actions = row_action_forms(
            case, user, INBOX_ACTIONS, pending_request=bool(pending), one_click=ONE_CLICK, inputs_of=inputs_of
        )
        category = category_by_id(case.category_id)
        rows.append(
            {
                "case": case,
                "category": category.name,
                "light": case.light,
                "light_class": LIGHT_CLASSES.get(case.light or "", "secondary"),
                "remaining": remaining_label(case, now),
                "pending": pending[0] if pending else None,
                "caller_phone": case.caller_phone if show_caller else mask_phone(case.caller_phone),
                "actions": actions,
                "next": next_url,
            }
        )
    return rows
