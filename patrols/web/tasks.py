"""The inspector's verification (核实) and check (核查) tasks, answered on site.

Which cases are theirs is what the services accept (``cases.services._guard_scope``
for the inspector actions): a case in ``verifying`` or ``checking`` asked of them
by name, or asked of nobody by name in one of their grids; always within
``Case.objects.visible_to``. What they may do is ``available_actions`` (via
``row_action_forms``); each answer is the shared action form posting to
``work:case_action`` and coming back here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import clock
from cases.api import CasePaginator, case_queryset
from cases.catalogue import category_by_id
from cases.filters import order_cases
from cases.models import Status
from cases.selectors import inspector_scope_q
from cases.web.actions import row_action_forms
from cases.web.common import LIGHT_CLASSES, remaining_label
from org.roles import Role
from org.selectors import grid_by_id
from patrols.web.patrol import refused

PAGE_SIZE = 20
TASK_ACTIONS = ["verify-reply", "check-pass", "check-fail"]
KINDS = {"verify": Status.VERIFYING, "check": Status.CHECKING}


def inspector_task_q(user) -> Q:
    """The verify/check cases that are the inspector's to answer (the services' own scope)."""
    return Q(status__in=list(KINDS.values())) & inspector_scope_q(user)


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    """GET /patrols/tasks/?kind=verify|check: soonest deadline first, paged."""
    no = refused(request)
    if no:
        return no
    user = request.user
    now = clock.now()
    kind = request.GET.get("kind", "")
    cases = case_queryset(user).filter(inspector_task_q(user))
    if kind in KINDS:
        cases = cases.filter(status=KINDS[kind])
    page = CasePaginator(order_cases(cases, "step_deadline"), PAGE_SIZE).get_page(request.GET.get("page"))
    next_url = request.get_full_path()
    inputs_of: dict[str, list] = {}
    rows = []
    for case in page.object_list:
        rows.append(
            {
                "case": case,
                "category": category_by_id(case.category_id).name,
                "grid": grid_by_id(case.grid_id).code if case.grid_id else "",
                "light": case.light,
                "light_class": LIGHT_CLASSES.get(case.light or "", "secondary"),
                "remaining": remaining_label(case, now),
                "actions": row_action_forms(
                    case,
                    user,
                    TASK_ACTIONS,
                    pending_request=bool(getattr(case, "pending_requests", [])),
                    inputs_of=inputs_of,
                ),
            }
        )
    context = {
        "rows": rows,
        "page_obj": page,
        "kind": kind,
        "next": next_url,
        "current_role": Role.INSPECTOR,
    }
    return render(request, "patrols/tasks.html", context)
