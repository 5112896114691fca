"""Field-work figures for a period (issue 5, DOMAIN.md §7, §8): by inspector and
by grid, for the planners (PLANNER_ROLES) and leaders.

The numbers are ``patrols.selectors.figures_by_inspector`` / ``figures_by_grid``
(aggregate queries, a fixed number whatever the rows); this view only reads
the period and the district. A leader of a region sees that region only.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from cases import clock
from org.models import Region
from org.roles import Role
from org.selectors import user_roles
from patrols.selectors import FIGURE_ROLES, figures_by_grid, figures_by_inspector, leader_region
from patrols.services import PLANNER_ROLES

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_GRIDS = 50


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def percent(value: float | None) -> str:
    """ "93.72 %", or "—" for no value (a zero denominator, DOMAIN.md §7)."""
    return "—" if value is None else f"{value * 100:.2f} %"


RATES = ["coverage", "valid_rate", "verify_rate", "check_rate"]


def shown(rows):
    """Each row with its rates formatted (``<rate>_pct``) for the template."""
    for row in rows:
        for name in RATES:
            setattr(row, f"{name}_pct", percent(getattr(row, name)))
    return rows


@login_required
def figures(request):
    roles = user_roles(request.user)
    if not roles & FIGURE_ROLES:
        return render(request, "org/no_role.html", {"role": Role(Role.LEADER)}, status=403)
    today = localdate(clock.now())
    errors: dict[str, str] = {}
    end = _day(request.GET.get("to")) if request.GET.get("to") else today
    if end is None:
        errors["to"], end = _("日期格式应为 YYYY-MM-DD。"), today
    start = _day(request.GET.get("from")) if request.GET.get("from") else end - timedelta(days=DEFAULT_DAYS - 1)
    if start is None:
        errors["from"], start = _("日期格式应为 YYYY-MM-DD。"), end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["from"], start = _("开始日期不能晚于结束日期。"), end
    if (end - start).days >= MAX_DAYS:
        errors["from"], start = _("时段最长 %(n)d 天。") % {"n": MAX_DAYS}, end - timedelta(days=MAX_DAYS - 1)

    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).only("code", "name").order_by("code"))
    # A leader of a region sees that region only; planners and the city leader choose.
    fixed = leader_region(request.user) if Role.LEADER in roles and not roles & PLANNER_ROLES else None
    region = fixed
    code = (request.GET.get("district") or "").strip()
    if fixed is None and code:
        region = next((d for d in districts if d.code == code), None)
        if region is None:
            errors["district"] = _("未知的区/县：%(code)s。") % {"code": code}
    context = {
        "start": start,
        "from_text": request.GET.get("from") or start.isoformat(),
        "to_text": request.GET.get("to") or end.isoformat(),
        "end": end,
        "districts": districts,
        "district": region.code if region is not None and fixed is None else "",
        "fixed_region": fixed,
        "errors": errors,
        "inspectors": shown(figures_by_inspector(start, end, region)),
        "grids": shown(figures_by_grid(start, end, region)[:TOP_GRIDS]),
        "top_grids": TOP_GRIDS,
    }
    return render(request, "patrols/figures.html", context)
