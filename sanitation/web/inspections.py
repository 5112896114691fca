"""Sanitation inspection pages (issue 6): the list, the phone form, the detail
with "转为案件" per fault, and the monthly scores.

The pages read the request and call ``sanitation.inspections`` (writes) and
``sanitation.selectors`` (scoping, monthly scores); the score shown live in the
form is a preview computed in the page, the stored one is the server's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import clock
from cases.errors import CaseError
from cases.models import Category
from org.models import Region
from org.roles import Role
from org.selectors import region_by_id
from sanitation.access import may_read as can_read
from sanitation.access import parse_month
from sanitation.access import read_scope as leader_region
from sanitation.inspections import can_record, fault_to_case, inspection_record
from sanitation.models import Inspection, InspectionFault, InspectionTemplate, PublicToilet, RoadSection
from sanitation.selectors import inspections_visible_to, monthly_sanitation_scores

PAGE_SIZE = 25
TARGET_RESULTS = 10
DEFAULT_CASE_CATEGORY = "06010"  # 暴露垃圾: the most common fault of a road inspection


def _no_role(request, role=Role.ASSESSOR) -> HttpResponse:
    return render(request, "org/no_role.html", {"role": Role(role)}, status=403)


def _districts(request) -> list[Region]:
    districts = Region.objects.filter(level=Region.Level.DISTRICT).only("code", "name").order_by("code")
    region = leader_region(request.user)
    if region is not None and region.level != Region.Level.CITY:
        while region.level != Region.Level.DISTRICT:
            region = region.parent
        districts = districts.filter(id=region.id)
    return list(districts)


def _filtered(request, inspections):
    """Apply the list filters; returns (queryset, filter values, errors by field)."""
    values = {name: request.GET.get(name, "").strip() for name in ("template", "district", "since", "until", "below")}
    errors: dict[str, str] = {}
    if values["template"].isdigit():
        inspections = inspections.filter(template_id=int(values["template"]))
    if values["district"]:
        inspections = inspections.filter(district__code=values["district"])
    tz = timezone.get_current_timezone()
    for name, op in (("since", "gte"), ("until", "lt")):
        if not values[name]:
            continue
        day = parse_date(values[name]) if len(values[name]) == 10 else None
        if day is None:
            errors[name] = _("日期格式应为 YYYY-MM-DD。")
            continue
        moment = datetime.combine(day + timedelta(days=1 if name == "until" else 0), time(), tzinfo=tz)
        inspections = inspections.filter(**{f"inspected_at__{op}": moment})
    if values["below"]:
        try:
            inspections = inspections.filter(score__lt=Decimal(values["below"]))
        except InvalidOperation:
            errors["below"] = _("请输入数字。")
    return inspections, values, errors


@login_required
def inspection_list(request):
    """Inspections the user may read, newest first, filtered, 25 a page."""
    if not can_read(request.user):
        return _no_role(request)
    inspections, values, errors = _filtered(request, inspections_visible_to(request.user))
    inspections = inspections.select_related("template", "road", "toilet", "inspector").order_by("-inspected_at", "-id")
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    for inspection in page.object_list:
        inspection.district_label = region_by_id(inspection.district_id).name
    return render(
        request,
        "sanitation/inspections.html",
        {
            "page_obj": page,
            "values": values,
            "errors": errors,
            "templates": InspectionTemplate.objects.order_by("code"),
            "districts": _districts(request),
            "can_record": can_record(request.user),
        },
    )


def _template_of(request, data) -> InspectionTemplate | None:
    templates = InspectionTemplate.objects.filter(is_active=True).order_by("code")
    wanted = data.get("template", "")
    if wanted.isdigit():
        return templates.filter(pk=int(wanted)).first()
    return templates.first()


def _target(template: InspectionTemplate | None, value: str):
    if template is None or not value.isdigit():
        return None
    model = RoadSection if template.target == InspectionTemplate.Target.ROAD else PublicToilet
    return model.objects.filter(pk=int(value)).first()


@login_required
def inspection_new(request):
    """The phone form: pick the template and the road section or toilet, count the
    faults per item, photos from the camera. POST records through ``inspection_record``."""
    if not can_record(request.user):
        return _no_role(request)
    data = request.POST if request.method == "POST" else request.GET
    template = _template_of(request, data)
    items = list(template.items.all()) if template else []
    target = _target(template, data.get("target", ""))
    counts = {item.id: data.get(f"count_{item.id}", "0") for item in items}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            inspection = inspection_record(
                by=request.user,
                template=template,
                road=target if isinstance(target, RoadSection) else None,
                toilet=target if isinstance(target, PublicToilet) else None,
                counts=counts,
                note=data.get("note", ""),
                photos=request.FILES.getlist("photos"),
            )
        except CaseError as error:
            errors = error.fields or {"form": [error.message]}
        else:
            messages.success(request, _("考评已保存，得分 %(score)s。") % {"score": inspection.score})
            return redirect("sanitation:inspection_detail", pk=inspection.pk)
    for item in items:
        item.count_value = counts[item.id]
        item.errors = errors.get(f"count_{item.id}", [])
    return render(
        request,
        "sanitation/inspection_form.html",
        {
            "templates": InspectionTemplate.objects.filter(is_active=True).order_by("code"),
            "template": template,
            "items": items,
            "target": target,
            "note": data.get("note", ""),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def inspection_targets(request):
    """htmx: road sections or toilets matching the typed code, name or address (10 at most)."""
    if not can_record(request.user):
        return _no_role(request)
    template = _template_of(request, request.GET)
    text = request.GET.get("q", "").strip()
    rows = []
    if template is not None:
        if template.target == InspectionTemplate.Target.ROAD:
            found = RoadSection.objects.all()
            match = Q(code__icontains=text) | Q(name__icontains=text)
        else:
            found = PublicToilet.objects.all()
            match = Q(code__icontains=text) | Q(name__icontains=text) | Q(address__icontains=text)
        rows = list((found.filter(match) if text else found).order_by("code")[:TARGET_RESULTS])
    for row in rows:
        row.district_label = region_by_id(row.district_id).name
    return render(request, "sanitation/_inspection_targets.html", {"rows": rows, "q": text})


def _visible_inspection(request, pk: int) -> Inspection:
    inspection = (
        inspections_visible_to(request.user).select_related("template", "road", "toilet", "inspector").filter(pk=pk)
    ).first()
    if inspection is None:
        raise Http404
    return inspection


def _case_point(inspection: Inspection) -> tuple[str, str]:
    """Where a fault's case defaults to: the toilet's point, else the road's grid centroid."""
    target = inspection.toilet or inspection.road
    lat, lng = getattr(target, "lat", None), getattr(target, "lng", None)
    if (lat is None or lng is None) and target.grid_id:
        grid = target.grid
        lat, lng = grid.centroid_lat, grid.centroid_lng
    return ("" if lat is None else f"{lat:.6f}", "" if lng is None else f"{lng:.6f}")


def _categories() -> list:
    categories = Category.objects.filter(is_active=True).only("code", "name").order_by("code")
    # Sanitation faults are mostly 市容环境 (06): list those first.
    return sorted(categories, key=lambda c: (not c.code.startswith("06"), c.code))


def _detail(request, inspection: Inspection, *, open_fault=None, case_values=None, case_errors=None, status=200):
    faults = list(inspection.faults.select_related("item", "case").order_by("item__position"))
    lat, lng = _case_point(inspection)
    target = inspection.road or inspection.toilet
    for fault in faults:
        mine = open_fault is not None and fault.pk == open_fault.pk
        fault.values = (
            case_values
            if mine
            else {
                "category": DEFAULT_CASE_CATEGORY,
                "description": f"{inspection.template.name}：{target.name} {fault.item.name} {fault.count} 处",
                "lat": lat,
                "lng": lng,
                "address": getattr(target, "address", "") or target.name,
            }
        )
        fault.errors = (case_errors or {}) if mine else {}
    return render(
        request,
        "sanitation/inspection_detail.html",
        {
            "inspection": inspection,
            "target": target,
            "district_label": region_by_id(inspection.district_id).name,
            "faults": faults,
            "photos": list(inspection.photos.all()),
            "categories": _categories(),
            "can_record": can_record(request.user),
        },
        status=status,
    )


@login_required
def inspection_detail(request, pk: int):
    if not can_read(request.user):
        return _no_role(request)
    return _detail(request, _visible_inspection(request, pk))


@login_required
@require_POST
def fault_case(request, pk: int, fault_pk: int):
    """ "转为案件": report one fault as a patrol case through ``fault_to_case``."""
    if not can_record(request.user):
        return _no_role(request)
    inspection = _visible_inspection(request, pk)
    fault = get_object_or_404(InspectionFault, pk=fault_pk, inspection=inspection)
    values = {name: request.POST.get(name, "").strip() for name in ("category", "description", "lat", "lng", "address")}
    try:
        case = fault_to_case(
            by=request.user,
            fault=fault,
            category=values["category"],
            description=values["description"],
            lat=values["lat"],
            lng=values["lng"],
            address=values["address"],
            photos=request.FILES.getlist("photos"),
        )
    except CaseError as error:
        status = error.http_status
        fields = error.fields or {"form": [error.message]}
        return _detail(request, inspection, open_fault=fault, case_values=values, case_errors=fields, status=status)
    messages.success(request, _("已转为案件 %(number)s。") % {"number": case.number})
    return redirect("sanitation:inspection_detail", pk=inspection.pk)


@login_required
def scores(request):
    """Monthly sanitation score per district (or street): the mean of the month's inspection scores."""
    if not can_read(request.user):
        return _no_role(request, Role.LEADER)
    today = clock.now().astimezone(timezone.get_current_timezone()).date()
    month_text = request.GET.get("month", "").strip()
    month = parse_month(month_text) if month_text else date(today.year, today.month, 1)
    error = "" if month else _("月份格式应为 YYYY-MM。")
    month = month or date(today.year, today.month, 1)
    level = request.GET.get("level", "district")
    level = level if level in ("district", "street") else "district"
    rows = monthly_sanitation_scores(month, level=level, within=leader_region(request.user))
    return render(
        request,
        "sanitation/scores.html",
        {"rows": rows, "month": month, "month_text": f"{month:%Y-%m}", "level": level, "error": error},
    )


urlpatterns = [
    path("inspections/", inspection_list, name="inspection_list"),
    path("inspections/new/", inspection_new, name="inspection_new"),
    path("inspections/targets/", inspection_targets, name="inspection_targets"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/faults/<int:fault_pk>/case/", fault_case, name="inspection_fault_case"),
    path("scores/", scores, name="scores"),
]
