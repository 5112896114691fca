"""Waste-sorting pages (垃圾分类, issue 6): monthly entry per street, the four
rates at any level, daily tonnage entry and its summary by type.

The rules (who enters, the bounds between counts, month = first day) are in
``sanitation.sorting``; the numbers in ``sanitation.rates``. Pages read the
request, call those and put refusals next to the fields, keeping what was typed.
Assessors and admins enter; leaders read their region; dispatchers and shift
leaders read the city; anyone else gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.errors import CaseError
from org.models import Region
from org.roles import Role
from sanitation import rates as figures
from sanitation.access import may_edit as may_enter
from sanitation.access import may_read, parse_month, read_scope
from sanitation.models import DailyTonnage, SortingCommunity, SortingMonth, WasteType
from sanitation.sorting import COUNT_FIELDS, sorting_months_record, tonnage_record

PAGE_SIZE = 50
LEVEL_LABELS = {
    "city": gettext_lazy("市"),
    "district": gettext_lazy("区/县"),
    "street": gettext_lazy("街道"),
    "community": gettext_lazy("社区"),
}
LEVEL_RANK = {"city": 0, "district": 1, "street": 2, "community": 3}


def _refused(request, *, enter: bool) -> HttpResponse | None:
    allowed = may_enter(request.user) if enter else may_read(request.user)
    if allowed:
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.ASSESSOR)}, status=403)


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_from(request, default: date) -> date:
    month = parse_month(request.GET.get("month", ""))
    return month.replace(day=1) if month else default


def _regions_in(scope: Region | None) -> list[Region]:
    """Districts and streets a reader may pick, in code order."""
    regions = Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET])
    if scope is not None and scope.level != Region.Level.CITY:
        regions = regions.filter(code__startswith=scope.code)
    return list(regions.only("code", "name", "level").order_by("code"))


def _chosen_region(code: str, scope: Region | None, choices: list[Region]) -> Region | None:
    """The picked district or street if the reader may see it, else their scope."""
    for region in choices:
        if code and region.code == code:
            return region
    return scope


# --- rates ---------------------------------------------------------------------------------


@login_required
def sorting_rates(request):
    """The four rates of a month per community, street, district or city, with the counts behind them."""
    if response := _refused(request, enter=False):
        return response
    scope = read_scope(request.user)
    default_month = figures.latest_month() or _previous_month(timezone.localdate())
    month = _month_from(request, default_month)
    choices = _regions_in(scope)
    within = _chosen_region(request.GET.get("region", "").strip(), scope, choices)
    within_rank = LEVEL_RANK[within.level] if within is not None else -1
    levels = [(code, label) for code, label in LEVEL_LABELS.items() if LEVEL_RANK[code] > within_rank]
    level = request.GET.get("level", "district")
    if level not in dict(levels):
        level = levels[min(1, len(levels) - 1)][0] if within is None else levels[0][0]
    rows, total = figures.rates(month, level, within)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sanitation/sorting_rates.html",
        {
            "nav": "rates",
            "may_enter": may_enter(request.user),
            "month": month,
            "level": level,
            "levels": levels,
            "regions": choices,
            "region": within.code if within is not None and within != scope else "",
            "within": within,
            "page_obj": page,
            "total": total,
        },
    )


# --- monthly entry -------------------------------------------------------------------------


@dataclass
class Cell:
    name: str
    label: str
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class EntryRow:
    community: SortingCommunity
    cells: list[Cell]
    errors: list[str]


def _labels() -> dict[str, str]:
    return {name: str(SortingMonth._meta.get_field(name).verbose_name) for name in COUNT_FIELDS}


def _street_from(code: str) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(level=Region.Level.STREET, code=code).first()


@login_required
def sorting_entry(request):
    """A street's sorting communities for one month in one table; saved all or nothing."""
    if response := _refused(request, enter=True):
        return response
    source = request.POST if request.method == "POST" else request.GET
    street = _street_from(source.get("street", "").strip())
    month_text = source.get("month", "").strip()
    month = parse_month(month_text) if month_text else _previous_month(timezone.localdate())
    communities = []
    if street is not None:
        communities = list(SortingCommunity.objects.filter(community__parent=street).select_related("community"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = {c.id: {name: request.POST.get(f"{c.id}-{name}", "") for name in COUNT_FIELDS} for c in communities}
        if street is None:
            errors["street"] = [_("请选择街道。")]
        else:
            try:
                saved = sorting_months_record(
                    by=request.user, month=month, rows={c: typed[c.id] for c in communities if c.sorting}
                )
            except CaseError as error:
                errors = error.fields or {"form": [error.message]}
            else:
                messages.success(
                    request,
                    _("已保存 %(street)s %(month)s 的 %(n)d 个社区数据。")
                    % {"street": street.name, "month": f"{month:%Y-%m}", "n": len(saved)},
                )
                query = urlencode({"street": street.code, "month": f"{month:%Y-%m}"})
                return redirect(f"{reverse('sanitation:sorting_entry')}?{query}")
    else:
        typed = _stored(communities, month)
    labels = _labels()
    rows = [
        EntryRow(
            community=c,
            cells=[
                Cell(name, labels[name], typed.get(c.id, {}).get(name, ""), errors.get(f"{c.id}-{name}", []))
                for name in COUNT_FIELDS
            ],
            errors=errors.get(f"{c.id}-community", []),
        )
        for c in communities
    ]
    return render(
        request,
        "sanitation/sorting_entry.html",
        {
            "nav": "entry",
            "may_enter": True,
            "streets": _regions_in(None),
            "street": street,
            "month_text": month_text if request.method == "POST" or not month else f"{month:%Y-%m}",
            "rows": rows,
            "labels": [labels[name] for name in COUNT_FIELDS],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _stored(communities: list[SortingCommunity], month: date | None) -> dict[int, dict[str, str]]:
    """What is on record for the month; a new month starts from the ledger's households."""
    values = {c.id: {"households": str(c.households)} for c in communities if c.sorting}
    if month is None or not communities:
        return values
    records = SortingMonth.objects.filter(community__in=communities, month=month.replace(day=1))
    for record in records.values("community_id", *COUNT_FIELDS):
        values[record.pop("community_id")] = {name: str(number) for name, number in record.items()}
    return values


# --- tonnage -------------------------------------------------------------------------------


@login_required
def tonnage_summary(request):
    """Tonnes per waste type for each day of a month, the month's total, and six months' totals."""
    if response := _refused(request, enter=False):
        return response
    scope = read_scope(request.user)
    today = timezone.localdate()
    month = _month_from(request, today.replace(day=1))
    choices = _regions_in(scope)
    within = _chosen_region(request.GET.get("region", "").strip(), scope, choices)
    days = figures.tonnage(start=month, end=figures.month_end(month), within=within)
    six_back = month
    for _step in range(5):
        six_back = _previous_month(six_back)
    months = figures.tonnage(start=six_back, end=figures.month_end(month), within=within, per="month")
    return render(
        request,
        "sanitation/tonnage.html",
        {
            "nav": "tonnage",
            "may_enter": may_enter(request.user),
            "month": month,
            "regions": choices,
            "region": within.code if within is not None and within != scope else "",
            "within": within,
            "types": WasteType.choices,
            "days": days,
            "total": figures.tonnage_total(days),
            "months": months,
        },
    )


@login_required
def tonnage_entry(request):
    """One street's tonnage of one day, the four types in one form."""
    if response := _refused(request, enter=True):
        return response
    source = request.POST if request.method == "POST" else request.GET
    street_code = source.get("street", "").strip()
    day_text = source.get("day", "").strip() or f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}"
    street = _street_from(street_code)
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        day = None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = {kind: request.POST.get(kind, "") for kind in WasteType.values}
        try:
            tonnage_record(by=request.user, street=street, day=day, tonnes=typed)
        except CaseError as error:
            errors = error.fields or {"form": [error.message]}
            if day is None and "day" in errors:
                errors["day"] = [_("请输入有效日期，如 2026-03-01。")]
        else:
            messages.success(request, _("已保存 %(street)s %(day)s 的清运量。") % {"street": street.name, "day": day})
            query = urlencode({"street": street.code, "day": day.isoformat()})
            return redirect(f"{reverse('sanitation:tonnage_entry')}?{query}")
    else:
        typed = dict.fromkeys(WasteType.values, "")
        if street is not None and day is not None:
            stored = DailyTonnage.objects.filter(street=street, day=day).values_list("waste_type", "tonnes")
            typed |= {kind: str(tonnes) for kind, tonnes in stored}
    return render(
        request,
        "sanitation/tonnage_entry.html",
        {
            "nav": "tonnage_entry",
            "may_enter": True,
            "streets": _regions_in(None),
            "street_code": street_code,
            "day_text": day_text,
            "fields": [(kind, label, typed.get(kind, ""), errors.get(kind, [])) for kind, label in WasteType.choices],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


urlpatterns = [
    path("sorting/", sorting_rates, name="sorting_rates"),
    path("sorting/entry/", sorting_entry, name="sorting_entry"),
    path("tonnage/", tonnage_summary, name="tonnage"),
    path("tonnage/entry/", tonnage_entry, name="tonnage_entry"),
]
