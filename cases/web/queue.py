"""The triage queue (派遣工作台) and the approvals tab of the command centre (issue 4).

The queue lists open cases by stage, with the filters of the case API
(``cases.filters.CaseFilter``) kept in the URL, so a dashboard can link to
``/work/queue/?stage=overdue&district=339901``; ``state=all`` lists closed
(and rejected, voided) cases too, so a month's cohort can be shown whole
(``state=all&status=closed&filed_after=…``). Leaders read the queue of their
region (``Case.objects.visible_to``) without the bulk actions. Rows come from
``cases.api.case_queryset`` (scoped, light annotated, nothing joined) through
``CasePaginator``; names come from the process's reference copies, so a page
costs the same few queries whatever its size. What a row may do is
``available_actions``; doing it is ``run_action``: no rule of the workflow
is repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import clock
from cases.api import CasePaginator, case_queryset
from cases.catalogue import category_by_id
from cases.filters import DEFAULT_ORDERING, CaseFilter, order_cases
from cases.models import (
    ALL_CASES_ROLES,
    OPEN_STATUSES,
    Case,
    CaseRequest,
    Category,
    Light,
    Source,
    Status,
    Urgency,
    overdue_q,
)
from cases.rules import RULES
from cases.selectors import available_actions
from cases.web.actions import action_label, department_choices, inspector_choices, run_action
from cases.web.common import LIGHT_CLASSES, remaining_label
from org.models import Region
from org.roles import Role
from org.selectors import department_by_id, region_by_id, user_roles

# The command-centre roles that work from the queue (DOMAIN.md §2).
QUEUE_ROLES = {Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN}
# Who may read the list: leaders follow a dashboard's figures to the cases behind them.
QUEUE_READ_ROLES = QUEUE_ROLES | {Role.LEADER}
PAGE_SIZE = 20
POLL_SECONDS = 15
# What the queue may do to many rows at once (issue 4); each row still goes
# through its own service call, so one refusal never blocks the others.
BULK_ACTIONS = ("dispatch", "file", "verify-request")


def _pending_requests() -> Q:
    return Q(pk__in=CaseRequest.objects.filter(state=CaseRequest.State.PENDING).values("case_id"))


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    condition: Callable[[datetime], Q]


# The tabs of the queue: who has the next move, read from the state machine
# (DOMAIN.md §4) and the case's current step (cases.deadlines.current_step).
# A reported case is in the "accept" step until an inspector has verified it
# and in the "file" step afterwards, so 待受理 holds what the operator decides
# (verify, reject, or hand on) and 待立案 what comes back verified for the
# shift leader; the two never overlap. 申请待审批 and 超期 cut across the others.
# Every condition applies to open cases only (the queue's base), which the
# status index serves; all counts are one aggregate query (``stage_counts``).
STAGES: list[Stage] = [
    Stage("all", gettext_lazy("全部未结"), lambda now: Q()),
    Stage("accept", gettext_lazy("待受理"), lambda now: Q(status="verifying") | Q(status="reported", step="accept")),
    Stage("file", gettext_lazy("待立案"), lambda now: Q(status="reported") & ~Q(step="accept")),
    Stage("dispatch", gettext_lazy("待派遣"), lambda now: Q(status="filed")),
    Stage("handling", gettext_lazy("处置中"), lambda now: Q(status__in=["dispatched", "in_progress"])),
    Stage("check", gettext_lazy("待核查"), lambda now: Q(status__in=["handled", "checking"])),
    Stage("close", gettext_lazy("待结案"), lambda now: Q(status="checked")),
    Stage("suspended", gettext_lazy("挂账"), lambda now: Q(status="suspended")),
    Stage("requests", gettext_lazy("申请待审批"), lambda now: _pending_requests()),
    Stage("overdue", gettext_lazy("超期"), overdue_q),
]
STAGES_BY_KEY = {stage.key: stage for stage in STAGES}
ALL_CASES_LABEL = gettext_lazy("全部案件")
STEP_ORDERED_STAGES = {"accept", "file", "dispatch"}
DEFAULT_STAGE = "all"
# Filters a link may carry that the filter form has no field for (kept as hidden inputs).
HIDDEN_FILTERS = ("status", "grid", "overdue", "filed_after", "filed_before")
TRUE_VALUES = {"1", "true", "on", "yes"}


def _require_queue_role(user, roles=QUEUE_ROLES) -> None:
    if not user_roles(user) & roles:
        raise PermissionDenied(_("只有受理员、值班长和派遣员可以使用派遣工作台。"))


def _state(data: QueryDict) -> str:
    """state=open (the default): open cases only; state=all: every case the filters select."""
    return "all" if data.get("state") == "all" else "open"


def open_cases(base, data: QueryDict):
    """Open cases of ``base`` (every case with ``state=all``) narrowed by the
    supervision switch, which CaseFilter lacks."""
    queryset = base if _state(data) == "all" else base.filter(status__in=OPEN_STATUSES)
    if data.get("supervision", "").lower() in TRUE_VALUES:
        queryset = queryset.filter(supervision_level__gt=0)
    return queryset


def stage_counts(filterset_qs, now: datetime) -> dict[str, int]:
    """Every tab's count in one query: COUNT(*) FILTER (WHERE …) per stage over
    the open cases the filters leave (a few tens of thousands of a million)."""
    counts = filterset_qs.order_by().aggregate(
        **{stage.key: Count("pk", filter=stage.condition(now)) for stage in STAGES}
    )
    return {key: value or 0 for key, value in counts.items()}


@dataclass
class QueueRow:
    case: Case
    category: str
    district: str
    street: str
    department: str
    light_class: str
    remaining: str
    actions: list[tuple[str, str]]

    @property
    def action_names(self) -> str:
        return " ".join(name for name, _label in self.actions)


def _row(case: Case, user, now: datetime) -> QueueRow:
    actions = available_actions(case, user, pending_request=bool(case.pending_requests))
    return QueueRow(
        case=case,
        category=category_by_id(case.category_id).name,
        district=region_by_id(case.district_id).name,
        street=region_by_id(case.street_id).name,
        department=department_by_id(case.department_id).name if case.department_id else "",
        light_class=LIGHT_CLASSES.get(case.light or "", "secondary"),
        remaining=remaining_label(case, now),
        actions=[(name, action_label(name)) for name in actions],
    )


def _without(data: QueryDict, *names: str) -> str:
    kept = data.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def queue_context(request) -> dict:
    """Everything the rows, the tabs and the pager show, from the GET filters."""
    user, data, now = request.user, request.GET, clock.now()
    stage = STAGES_BY_KEY.get(data.get("stage", ""), STAGES_BY_KEY[DEFAULT_STAGE])
    # Before dispatch a case has no handling deadline yet: those tabs sort by the step's deadline.
    default_order = "step_deadline" if stage.key in STEP_ORDERED_STAGES else DEFAULT_ORDERING
    rows_filter = CaseFilter(data=data, queryset=order_cases(case_queryset(user), default_order), request=request)
    counts_filter = CaseFilter(data=data, queryset=Case.objects.visible_to(user), request=request)
    if rows_filter.is_valid() and counts_filter.is_valid():
        counts = stage_counts(open_cases(counts_filter.qs, data), now)
        cases = open_cases(rows_filter.qs, data).filter(stage.condition(now))
        errors = {}
    else:
        counts = dict.fromkeys(STAGES_BY_KEY, 0)
        cases = Case.objects.none()
        errors = {name: [str(m) for m in messages_] for name, messages_ in rows_filter.errors.items()}
    paginator = CasePaginator(cases, PAGE_SIZE)
    page = paginator.get_page(data.get("page"))
    rows = [_row(case, user, now) for case in page.object_list]
    state = _state(data)
    return {
        "stage": stage,
        "state": state,
        "state_query": _without(data, "state", "stage", "page"),
        "may_act": bool(user_roles(user) & QUEUE_ROLES),
        "tabs": [
            {
                "key": s.key,
                "label": ALL_CASES_LABEL if state == "all" and s.key == "all" else s.label,
                "count": counts[s.key],
                "query": _without(data, "stage", "page"),
            }
            for s in STAGES
        ],
        "rows": rows,
        "page": page,
        "paginator": paginator,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "page_query": _without(data, "page"),
        "query": data.urlencode(),
        "errors": errors,
        "poll_seconds": POLL_SECONDS,
    }


def filter_choices() -> dict:
    """The choices of the filter form: codes with names, from small reference tables."""
    regions = (
        Region.objects.filter(level__in=["district", "street"]).order_by("code").values_list("level", "code", "name")
    )
    regions = list(regions)
    return {
        "district": [(code, name) for level, code, name in regions if level == "district"],
        "street": [(code, name) for level, code, name in regions if level == "street"],
        "category": list(Category.objects.filter(is_active=True).order_by("code").values_list("code", "name")),
        "department": department_choices(),
        "source": Source.choices,
        "urgency": Urgency.choices,
        "light": Light.choices,
        "ordering": [
            ("deadline", _("处置期限（最早在前）")),
            ("step_deadline", _("环节期限（最早在前）")),
            ("-deadline", _("处置期限（最晚在前）")),
            ("-reported_at", _("上报时间（最新在前）")),
            ("reported_at", _("上报时间（最早在前）")),
            ("-filed_at", _("立案时间（最新在前）")),
        ],
    }


def _hidden_filter_notes(data: QueryDict) -> list[tuple[str, str]]:
    """The link's filters the form does not show, said in words above the rows."""
    labels = {
        "status": _("状态"),
        "grid": _("网格"),
        "overdue": _("超期"),
        "filed_after": _("立案不早于"),
        "filed_before": _("立案不晚于"),
    }
    statuses = dict(Status.choices)
    notes = []
    for name in HIDDEN_FILTERS:
        value = data.get(name, "")
        if not value:
            continue
        if name == "status":
            value = "、".join(str(statuses.get(code, code)) for code in value.split(","))
        elif name == "overdue":
            value = _("是") if value == "true" else _("否")
        notes.append((labels[name], value))
    return notes


@login_required
@require_GET
def queue(request):
    _require_queue_role(request.user, QUEUE_READ_ROLES)
    context = queue_context(request)
    context |= {
        "choices": filter_choices(),
        "values": request.GET,
        "hidden_filters": [(name, request.GET[name]) for name in HIDDEN_FILTERS if request.GET.get(name)],
        "hidden_filter_notes": _hidden_filter_notes(request.GET),
        "bulk_actions": [(name, action_label(name)) for name in BULK_ACTIONS],
        "inspectors": inspector_choices(),
    }
    return render(request, "cases/queue.html", context)


@login_required
@require_GET
def queue_rows(request):
    """The rows and pager, with the tab counts swapped out of band (htmx polling)."""
    _require_queue_role(request.user, QUEUE_READ_ROLES)
    return render(request, "cases/_queue_rows.html", queue_context(request) | {"oob": True})


@dataclass
class BulkResult:
    number: str
    ok: bool
    message: str


def _bulk_one(action: str, number: str, user, post: QueryDict) -> BulkResult:
    case = Case.objects.visible_to(user).filter(number=number).first()
    if case is None:
        return BulkResult(number, False, _("找不到该案件，或你无权查看。"))
    if action not in available_actions(case, user):
        return BulkResult(
            number,
            False,
            _("已跳过：该案件当前（%(status)s）不能“%(action)s”。")
            % {"status": case.get_status_display(), "action": action_label(action)},
        )
    outcome = run_action(action, case, user, post)
    if outcome.ok:
        return BulkResult(
            number,
            True,
            _("已完成“%(action)s”，当前状态：%(status)s。")
            % {"action": action_label(action), "status": outcome.case.get_status_display()},
        )
    return BulkResult(number, False, outcome.message or _("未能完成。"))


@login_required
@require_POST
def queue_bulk(request):
    """Run one action on each selected case, each on its own: every case is
    reported as done or refused with the service's words (never half-applied
    silently). htmx gets the result list; a plain form post a message per case."""
    _require_queue_role(request.user)
    action = request.POST.get("action", "")
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("cases") if n.strip()))
    problem = ""
    if action not in BULK_ACTIONS:
        problem = _("请选择要执行的批量操作。")
    elif not numbers:
        problem = _("请先勾选案件。")
    results = [] if problem else [_bulk_one(action, n, request.user, request.POST) for n in numbers]
    if request.headers.get("HX-Request"):
        response = render(
            request,
            "cases/_queue_bulk_result.html",
            {"results": results, "problem": problem, "label": action_label(action) if action in RULES else ""},
        )
        if results:
            response["HX-Trigger"] = "queueChanged"
        return response
    if problem:
        messages.error(request, problem)
    for result in results:
        (messages.success if result.ok else messages.warning)(request, f"{result.number}：{result.message}")
    return redirect(_back_to_queue(request))


def _back_to_queue(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("work:queue")


# --- approvals (申请待审批) ----------------------------------------------------------------


@dataclass
class ApprovalRow:
    request: CaseRequest
    department: str
    may_decide: bool


@login_required
@require_GET
def approvals(request):
    """Pending delay / return / suspend requests, oldest first, each with
    approve / deny posting to the case's decide-request action."""
    user = request.user
    _require_queue_role(user)
    pending = CaseRequest.objects.filter(
        state=CaseRequest.State.PENDING, case__status__in=RULES["decide-request"].sources
    ).select_related("case", "requested_by")
    if not user_roles(user) & ALL_CASES_ROLES:
        pending = pending.filter(case__in=Case.objects.visible_to(user))
    page = Paginator(pending.order_by("requested_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        ApprovalRow(
            request=r,
            department=department_by_id(r.case.department_id).name if r.case.department_id else "",
            may_decide="decide-request" in available_actions(r.case, user, pending_request=True),
        )
        for r in page.object_list
    ]
    return render(
        request,
        "cases/approvals.html",
        {"rows": rows, "page": page, "next": request.get_full_path()},
    )
