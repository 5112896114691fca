"""Hotline intake (受理): the form an operator fills while the caller is on the line.

The page only reads (``org.selectors.locate_point``, ``cases.selectors``) and
writes through ``cases.services.case_report`` and, for the steps that follow in
the same sitting (file, dispatch), ``cases.web.actions.run_action``. What the
user may do next is ``cases.selectors.available_actions``; nothing of the
workflow is decided here.
"""

from __future__ import annotations

import math
import re

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.catalogue import active_category, category_by_id
from cases.errors import CaseError
from cases.models import Case, Category, HotlineType, Source, Urgency
from cases.rules import RULES
from cases.selectors import available_actions, default_department, duplicate_candidates
from cases.services import INTAKE_ROLES, case_link_duplicate, case_report
from cases.web.actions import department_choices, run_action
from org.models import UnitGrid
from org.roles import Role
from org.selectors import OutsideManagedArea, department_by_id, locate_point, map_settings, user_roles

# Who may open the form: those who register cases from every channel (DOMAIN.md §2), and the admin.
PAGE_ROLES = INTAKE_ROLES | {Role.ADMIN}
# The steps the confirmation offers, when the user holds them (available_actions decides).
NEXT_STEPS = ("file", "dispatch")
# Text fields kept as typed on a re-render (photos cannot be: browsers never refill a file input).
FIELDS = (
    "source", "hotline_ticket_no", "hotline_type", "caller_name", "caller_phone", "address",
    "lat", "lng", "category", "description", "urgency",
)  # fmt: skip
NEARBY_GRID_METRES = 300  # the grids drawn around the pin, so the map is useful without tiles
CODE = re.compile(r"^\s*(\d{5})\b")


def _refused(request) -> HttpResponse | None:
    if user_roles(request.user) & PAGE_ROLES:
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.OPERATOR)}, status=403)


@login_required
def intake(request):
    """GET: a fresh form, or (``?done=<number>``) the confirmation of a new case
    with the next steps. POST: register the case (or link it as a duplicate), or
    take a next step (``step`` = file / dispatch) on the case just registered."""
    refused = _refused(request)
    if refused:
        return refused
    if request.method == "POST" and request.POST.get("step"):
        return _next_step(request)
    if request.method == "POST":
        return _register(request)
    if request.GET.get("done"):
        return _done(request, _visible_case(request.user, request.GET["done"]))
    values = {"source": Source.HOTLINE, "urgency": Urgency.NORMAL}
    return _form(request, values, {})


def _register(request):
    values = {name: request.POST.get(name, "") for name in FIELDS}
    original = request.POST.get("duplicate_of", "").strip()
    fields = {name: values[name] for name in FIELDS if name != "category"}
    fields["category"] = resolve_category(values["category"])
    fields["photos"] = request.FILES.getlist("photos")
    try:
        if original:
            case = _register_as_duplicate(request.user, fields, original)
        else:
            case = case_report(by=request.user, **fields)
    except CaseError as exc:
        errors = exc.fields if exc.kind == "input" else {}
        status = exc.http_status
        return _form(request, values, errors, refusal="" if errors else exc.message, status=status, retry=True)
    return redirect(f"{reverse('work:intake')}?done={case.number}")


def _register_as_duplicate(user, fields: dict, original: str) -> Case:
    """关联重复件 at intake (DOMAIN.md §4, §6): the call is registered as a case
    of its own and at once linked to the original (voided as its duplicate), in
    one transaction, so either both happen or nothing is written: the caller's
    ticket stays on record and appears on the original's timeline, and the
    duplicate never counts in the metrics."""
    if not Case.objects.visible_to(user).filter(number=original).exists():
        raise CaseError.invalid({"duplicate_of": _("找不到案件 %(number)s。") % {"number": original}})
    with transaction.atomic():
        case = case_report(by=user, **fields)
        try:
            return case_link_duplicate(case=case, by=user, original=original)
        except CaseError as exc:
            if exc.kind == "input":  # the only input of linking is the original
                raise CaseError.invalid({"duplicate_of": exc.message}) from exc
            raise


def resolve_category(text: str) -> str:
    """The category code in what was typed: "01001", "01001 井盖破损" (a picked
    suggestion) or an active category's exact name; otherwise the text itself,
    for the service to refuse by name."""
    text = (text or "").strip()
    found = CODE.match(text)
    if found:
        return found.group(1)
    if text:
        codes = list(Category.objects.filter(is_active=True, name=text).values_list("code", flat=True)[:2])
        if len(codes) == 1:
            return codes[0]
    return text


def _form(request, values, errors, *, refusal: str = "", status: int = 200, retry: bool = False):
    context = {
        "values": values,
        "errors": errors,
        "refusal": refusal,
        "retry": retry,
        "sources": Source.choices,
        "hotline_types": HotlineType.choices,
        "urgencies": Urgency.choices,
        "categories": _categories(""),
        "chosen_category": active_category(resolve_category(values.get("category", ""))),
        "can_link": bool(RULES["link-duplicate"].roles & user_roles(request.user)),
        "map": map_settings(),
        "located": _located(values.get("lat"), values.get("lng")) if values.get("lat") else None,
    }
    return render(request, "cases/intake.html", context, status=status)


# --- the confirmation and the steps that follow -------------------------------------


def _visible_case(user, number: str) -> Case:
    case = Case.objects.visible_to(user).filter(number=number).first()
    if case is None:
        raise Http404(_("找不到案件 %(number)s。") % {"number": number})
    case.category = category_by_id(case.category_id)  # no query: the process's catalogue
    return case


def _done(request, case: Case, *, step_errors=None, refusal: str = "", status: int = 200):
    actions = [a for a in available_actions(case, request.user) if a in NEXT_STEPS]
    default = default_department(case) if "dispatch" in actions else None
    context = {
        "case": case,
        "actions": actions,
        "departments": department_choices() if "dispatch" in actions else (),
        "default_department": default,
        "chosen_department": request.POST.get("department") or (default.code if default else ""),
        "step_errors": step_errors or {},
        "refusal": refusal,
        "original": Case.objects.get(pk=case.duplicate_of_id).number if case.duplicate_of_id else "",
        "department": department_by_id(case.department_id) if case.department_id else None,
    }
    return render(request, "cases/intake.html", {"done": context}, status=status)


def _next_step(request):
    step = request.POST["step"]
    case = _visible_case(request.user, request.POST.get("case", ""))
    if step not in NEXT_STEPS:
        raise Http404
    outcome = run_action(step, case, request.user, request.POST)
    if outcome.ok:
        return redirect(f"{reverse('work:intake')}?done={case.number}")
    status = 400 if outcome.errors else 409
    return _done(request, case, step_errors=outcome.errors, refusal=outcome.refusal, status=status)


# --- htmx helpers ---------------------------------------------------------------------


def _point(request) -> tuple[float, float] | None:
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        return None
    return (lat, lng) if math.isfinite(lat) and math.isfinite(lng) else None


def _located(lat, lng) -> dict:
    """The grid, community, street and district of a point, or why there is none."""
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return {"message": _("请输入有效的纬度和经度（数字）。")}
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return {"message": _("请输入有效的纬度和经度（数字）。")}
    try:
        location = locate_point(lat=lat, lng=lng)
    except OutsideManagedArea as exc:
        return {"message": str(exc), "grids": _nearby_grids(lat, lng, None)}
    return {"location": location, "grids": _nearby_grids(lat, lng, location.grid.code)}


def _nearby_grids(lat: float, lng: float, current: str | None) -> dict:
    """The grids around the point as GeoJSON (one query on the grid_bbox index)."""
    dlat = NEARBY_GRID_METRES / 111_320
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = UnitGrid.objects.filter(
        min_lat__lte=lat + dlat, max_lat__gte=lat - dlat, min_lng__lte=lng + dlng, max_lng__gte=lng - dlng
    ).values_list("code", "geometry")[:200]
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "current": code == current}}
        for code, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@login_required
def locate(request):
    """htmx: where the pin is (grid / community / street / district), live."""
    refused = _refused(request)
    if refused:
        return refused
    if not request.GET.get("lat") and not request.GET.get("lng"):
        return render(request, "cases/_intake_locate.html", {"located": None})
    return render(
        request, "cases/_intake_locate.html", {"located": _located(request.GET.get("lat"), request.GET.get("lng"))}
    )


@login_required
def categories(request):
    """htmx: active categories whose code starts with, or whose name holds, the
    typed text, as the options of the category input's datalist."""
    refused = _refused(request)
    if refused:
        return refused
    typed = request.GET.get("category", request.GET.get("q", "")).strip()
    code = resolve_category(typed) if CODE.match(typed) else ""
    context = {"categories": _categories(typed), "chosen_category": active_category(code) if code else None}
    return render(request, "cases/_intake_categories.html", context)


def _categories(typed: str) -> list[Category]:
    found = CODE.match(typed)
    query = found.group(1) if found else typed
    rows = Category.objects.filter(is_active=True).select_related("major").order_by("code")
    if query:
        rows = rows.filter(Q(code__startswith=query) | Q(name__icontains=query) | Q(name_en__icontains=query))
    return list(rows[:30])


@login_required
def duplicates(request):
    """htmx: possible duplicates (DOMAIN.md §6) of what is being typed: the same
    category within 50 m, and the same caller phone within 30 days; only the
    cases the user may see."""
    refused = _refused(request)
    if refused:
        return refused
    category = active_category(resolve_category(request.GET.get("category", "")))
    point = _point(request)
    candidates = []
    if category is not None and point is not None:
        phone = re.sub(r"[\s-]", "", request.GET.get("caller_phone", ""))
        candidates = duplicate_candidates(category=category, lat=point[0], lng=point[1], caller_phone=phone)
    if candidates:
        visible = set(
            Case.objects.visible_to(request.user)
            .filter(pk__in=[c.case.pk for c in candidates])
            .values_list("pk", flat=True)
        )
        candidates = [c for c in candidates if c.case.pk in visible]
    context = {
        "candidates": candidates,
        "asked": category is not None and point is not None,
        "can_link": bool(RULES["link-duplicate"].roles & user_roles(request.user)),
    }
    return render(request, "cases/_intake_duplicates.html", context)
