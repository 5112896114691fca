"""One case in the workspace (案件详情): what it is, where, what happened, and the
actions the person may take on it now.

The page reads the case with ``cases.api.case_queryset`` + ``with_timeline`` (codes
without joins, the timeline and photos in one query each), so its query count does
not grow with the number of events or photos. It offers exactly the actions of
``cases.selectors.available_actions`` and takes them with
``cases.web.actions.run_action``: no rule of the workflow lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import clock
from cases.api import ACTIONS, case_queryset, with_timeline
from cases.catalogue import category_by_id
from cases.models import ALL_CASES_ROLES, Attachment, Case, Satisfaction
from cases.privacy import can_see_caller, mask_name, mask_phone
from cases.rules import RULES, action_label, step_label
from cases.selectors import available_actions, default_department, duplicate_candidates
from cases.web.actions import action_inputs, run_action
from cases.web.common import LIGHT_CLASSES, remaining_label
from org.models import UnitGrid
from org.selectors import department_by_code, department_by_id, grid_by_id, region_by_id, user_roles

# Actions that move the case on in its normal course: shown first and open.
SIDE_ACTIONS = {"void", "reject", "link-duplicate", "supervise", "reopen"}
# Decided in the pending-request block, not in the list of actions.
REQUEST_ACTIONS = {"decide-request"}


@dataclass
class ActionForm:
    """What ``cases/_action_form.html`` needs for one action, and whether it is open."""

    action: str
    label: str
    inputs: list
    errors: dict = field(default_factory=dict)
    values: object = field(default_factory=dict)
    is_open: bool = False
    primary: bool = True
    starts_side: bool = False  # the first side action: the page puts a divider above it

    @property
    def form_id(self) -> str:
        return f"act-{self.action}"


@login_required
def case_page(request, number: str):
    case = _load(request.user, number)
    return render(request, "cases/case.html", page_context(request, case))


@login_required
@require_POST
def case_action(request, number: str, action: str):
    """Take one action from the page: back to the page (or ``next``) when done,
    the page again with the form's messages on bad input (400), and back with the
    service's words when it refuses (someone else acted first, not your role)."""
    if action not in ACTIONS:
        raise Http404
    case = Case.objects.visible_to(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    outcome = run_action(action, case, request.user, request.POST, request.FILES)
    page_url = reverse("work:case", kwargs={"number": case.number})
    if outcome.ok:
        messages.success(
            request, _("%(action)s：案件 %(number)s 已办理。") % {"action": action_label(action), "number": case.number}
        )
        return HttpResponseRedirect(_next_url(request) or _after(request.user, case, page_url))
    if outcome.refusal:
        messages.error(request, outcome.refusal)
        return HttpResponseRedirect(page_url)
    fresh = _load(request.user, number)
    context = page_context(request, fresh, failed=action, errors=outcome.errors, values=request.POST)
    return render(request, "cases/case.html", context, status=400)


def _next_url(request) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _after(user, case: Case, page_url: str) -> str:
    """The case page, unless the action took the case out of the person's sight."""
    if Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return page_url
    return reverse("home")


def _load(user, number: str) -> Case:
    case = with_timeline(case_queryset(user)).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def page_context(request, case: Case, *, failed: str = "", errors=None, values=None) -> dict:
    user = request.user
    now = clock.now()
    pending = case.pending_requests[0] if case.pending_requests else None
    allowed = available_actions(case, user, pending_request=pending is not None)
    forms = _action_forms(allowed, failed, errors or {}, values if values is not None else {})
    category = category_by_id(case.category_id)
    light = getattr(case, "light", None)
    duplicates = list(case.duplicates.only("number", "status", "reported_at").order_by("reported_at"))
    return {
        "case": case,
        "now": now,
        "light": light,
        "light_class": LIGHT_CLASSES.get(light or "", "secondary"),
        "remaining": remaining_label(case, now) if light else "",
        "step_label": step_label(case.step) if case.step else "",
        "category": category,
        "department": department_by_id(case.department_id) if case.department_id else None,
        "places": _places(case),
        "map": _map_data(case),
        "photo_groups": _photo_groups(case),
        "events": _timeline(case),
        "duplicates": duplicates,
        "candidates": _candidates(case, category, user, duplicates),
        "caller": _caller(case, user),
        "pending": pending,
        "pending_by": _person(pending.requested_by) if pending else "",
        "forms": [f for f in forms if f.action not in REQUEST_ACTIONS],
        "decide_form": next((f for f in forms if f.action in REQUEST_ACTIONS), None),
        "can_link": "link-duplicate" in allowed,
        "default_department": _default_department(case, category) if "dispatch" in allowed else None,
        "failed": failed,
    }


def _action_forms(allowed: list[str], failed: str, errors: dict, values) -> list[ActionForm]:
    forms = [
        ActionForm(
            action=name,
            label=action_label(name),
            inputs=action_inputs(name),
            errors=errors if name == failed else {},
            values=values if name == failed else {},
            primary=name not in SIDE_ACTIONS,
        )
        for name in allowed
    ]
    # Forward steps first (in the order of the workflow table), side actions after.
    forms.sort(key=lambda f: (not f.primary, list(RULES).index(f.action)))
    side = next((f for f in forms if not f.primary), None)
    if side is not None and side is not forms[0]:
        side.starts_side = True
    opened = next((f for f in forms if f.action == failed), None) or next((f for f in forms if f.primary), None)
    if opened is not None:
        opened.is_open = True
    return forms


def _places(case: Case) -> list[tuple[str, str]]:
    grid = grid_by_id(case.grid_id)
    rows = [
        (_("区/县"), region_by_id(case.district_id)),
        (_("街道"), region_by_id(case.street_id)),
        (_("社区"), region_by_id(case.community_id)),
    ]
    places = [(label, f"{region.name}（{region.code}）") for label, region in rows]
    places.append((_("单元网格"), f"{grid.name}（{grid.code}）" if grid.name else grid.code))
    return places


def _map_data(case: Case) -> dict:
    """The point, its grid's outline and the tile layer (none configured: the map
    still shows the grid and the point, as it must without internet)."""
    geometry = UnitGrid.objects.values_list("geometry", flat=True).get(pk=case.grid_id)
    return {
        "lat": case.lat,
        "lng": case.lng,
        "grid": geometry,
        "tiles": getattr(settings, "MAP_TILE_URL", "") or "",
        "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
    }


def _photo_groups(case: Case) -> list[tuple[str, list[Attachment]]]:
    photos = list(case.attachments.all())
    return [
        (label, [p for p in photos if p.stage == stage])
        for stage, label in Attachment.Stage.choices
        if any(p.stage == stage for p in photos)
    ]


@dataclass
class TimelineEntry:
    event: object
    label: str
    actor: str
    details: list[tuple[str, str]]
    photos: list


def _timeline(case: Case) -> list[TimelineEntry]:
    entries = []
    for event in case.events.all():
        actor = _person(event.actor) if event.actor else _("系统")
        entries.append(
            TimelineEntry(
                event=event,
                label=action_label(event.action),
                actor=actor,
                details=_event_details(event.data or {}),
                photos=list(event.attachments.all()),
            )
        )
    return entries


def _person(user) -> str:
    return (user.last_name + user.first_name).strip() or user.username


def _event_details(data: dict) -> list[tuple[str, str]]:
    """The few facts of an event's data a person reads (the rest is for the audit)."""
    known = {
        "department": _("处置部门"),
        "original": _("原案件"),
        "duplicate": _("重复件"),
        "satisfaction": _("满意度"),
    }
    return [(label, _readable(key, data[key])) for key, label in known.items() if data.get(key)]


def _readable(key: str, value) -> str:
    """A stored code as a person reads it: the department's name, the satisfaction's label."""
    if key == "department":
        department = department_by_code(str(value))
        return department.name if department else str(value)
    if key == "satisfaction" and value in Satisfaction.values:
        return str(Satisfaction(value).label)
    return str(value)


def _candidates(case: Case, category, user, duplicates: list[Case]) -> list:
    """Live duplicate suggestions (DOMAIN.md §6) for an open case that is not
    itself a duplicate, limited to the cases the person may see."""
    if not case.is_open or case.duplicate_of_id:
        return []
    found = duplicate_candidates(
        category=category, lat=case.lat, lng=case.lng, caller_phone=case.caller_phone, exclude=case
    )
    linked = {c.pk for c in duplicates}
    found = [c for c in found if c.case.pk not in linked]
    if found and not user_roles(user) & ALL_CASES_ROLES:
        visible = set(
            Case.objects.visible_to(user).filter(pk__in=[c.case.pk for c in found]).values_list("pk", flat=True)
        )
        found = [c for c in found if c.case.pk in visible]
    return found


def _caller(case: Case, user) -> dict | None:
    if not (case.hotline_ticket_no or case.caller_name or case.caller_phone or case.is_citizen_case):
        return None
    full = can_see_caller(user)
    return {
        "name": case.caller_name if full else mask_name(case.caller_name),
        "phone": case.caller_phone if full else mask_phone(case.caller_phone),
        "full": full,
    }


def _default_department(case: Case, category):
    # default_department reads case.category; the process's catalogue saves the query.
    case.category = category
    return default_department(case)
