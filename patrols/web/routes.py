"""Patrol routes for supervisors (issue 5): the list, the map editor and the CSV import.

A route is an ordered set of grids (DOMAIN.md §8). Every rule of a route (grids
exist, once each, inside the district; the code is unique; who may change
routes) lives in ``patrols.planning.route_save`` / ``route_import``; the pages
read the request, call those and show their refusals next to the fields.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.errors import CaseError
from org.models import Region, UnitGrid
from org.roles import Role
from org.selectors import region_by_id, user_roles
from patrols.models import Route, RouteGrid
from patrols.planning import RouteRow, route_import_check, route_save, split_grid_codes
from patrols.planning import route_import as import_routes
from patrols.services import PLANNER_ROLES

PAGE_SIZE = 25
MAX_IMPORT_BYTES = 2 * 1024 * 1024
FIELDS = ("code", "name", "district", "description", "grids")


def refused(request) -> HttpResponse | None:
    """403 for anyone who does not plan patrols (the service refuses them too)."""
    if user_roles(request.user) & PLANNER_ROLES:
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.DISPATCHER)}, status=403)


def _districts() -> list[Region]:
    return list(Region.objects.filter(level=Region.Level.DISTRICT).only("code", "name").order_by("code"))


@login_required
def route_list(request):
    """Routes with their number of grids, filtered by district and text, paged."""
    if response := refused(request):
        return response
    routes = Route.objects.annotate(grid_count=Count("stops")).order_by("code")
    district = request.GET.get("district", "").strip()
    text = request.GET.get("q", "").strip()
    if district:
        routes = routes.filter(district__code=district)
    if text:
        routes = routes.filter(Q(code__icontains=text) | Q(name__icontains=text))
    page = Paginator(routes, PAGE_SIZE).get_page(request.GET.get("page"))
    for route in page.object_list:
        route.district_label = region_by_id(route.district_id).name if route.district_id else "—"
    return render(
        request,
        "patrols/routes.html",
        {"page_obj": page, "districts": _districts(), "district": district, "q": text},
    )


@login_required
def route_edit(request, pk: int | None = None):
    """GET: the editor (``?district=<id>&geojson=1``: that district's grids for the
    map). POST: save through ``route_save``; refusals shown next to the fields."""
    if response := refused(request):
        return response
    route = get_object_or_404(Route, pk=pk) if pk else None
    if request.GET.get("geojson"):
        return JsonResponse(_grid_features(request.GET.get("district"), request.GET.get("codes", "")))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in FIELDS}
        values["is_active"] = request.POST.get("is_active") == "on"
        district = None
        if values["district"]:
            district = Region.objects.filter(level=Region.Level.DISTRICT, pk=values["district"]).first()
            if district is None:
                errors["district"] = [_("请选择区/县。")]
        if not errors:
            try:
                saved = route_save(
                    by=request.user,
                    route=route,
                    code=values["code"],
                    name=values["name"],
                    district=district,
                    description=values["description"],
                    is_active=values["is_active"],
                    grid_codes=split_grid_codes(values["grids"]),
                )
            except CaseError as error:
                errors = error.fields or {"form": [error.message]}
            else:
                messages.success(request, _("路线 %(code)s 已保存。") % {"code": saved.code})
                return redirect("patrols:route_edit", pk=saved.pk)
    elif route is not None:
        codes = RouteGrid.objects.filter(route=route).order_by("position").values_list("grid__code", flat=True)
        values = {
            "code": route.code,
            "name": route.name,
            "district": str(route.district_id or ""),
            "description": route.description,
            "grids": ",".join(codes),
            "is_active": route.is_active,
        }
    else:
        values = {"code": "", "name": "", "district": "", "description": "", "grids": "", "is_active": True}
    status = 400 if errors else 200
    return render(
        request,
        "patrols/route_edit.html",
        {
            "route": route,
            "values": values,
            "errors": errors,
            "districts": _districts(),
            "map": {
                "tiles": getattr(settings, "MAP_TILE_URL", "") or "",
                "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
                "url": request.path,
            },
        },
        status=status,
    )


def _grid_features(district_id: str | None, codes: str) -> dict:
    """The grids of a district (and those already on the route) as GeoJSON, so
    the editor's map works without tiles: the grids are the map."""
    wanted = Q(code__in=split_grid_codes(codes)[:500])
    if district_id and district_id.isdigit():
        wanted |= Q(district_id=int(district_id))
    rows = UnitGrid.objects.filter(wanted).order_by("code").values_list("code", "name", "geometry")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
            for code, name, geometry in rows
        ],
    }


# --- CSV import -------------------------------------------------------------------------


def parse_routes_csv(text: str) -> tuple[list[RouteRow], dict[int, list[str]]]:
    """Rows of ``code,name,district code,grid codes`` (grid codes separated by
    spaces or '|', in order); a first line naming the columns is skipped. Returns
    the rows and the lines too short to be rows."""
    rows: list[RouteRow] = []
    bad: dict[int, list[str]] = {}
    reader = csv.reader(io.StringIO(text))
    for line, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if line == 1 and cells[0].lower() in ("code", "路线编号", "编号"):
            continue
        if len(cells) < 4:
            bad[line] = [
                _("应有 4 列（路线编号、名称、区/县代码、网格编码），这一行只有 %(n)d 列。") % {"n": len(cells)}
            ]
            continue
        rows.append(RouteRow(line, cells[0], cells[1], cells[2], split_grid_codes(cells[3])))
    return rows, bad


def _read_upload(request) -> tuple[str, str | None]:
    upload = request.FILES.get("file")
    if upload is None:
        return "", _("请选择一个 CSV 文件。")
    if upload.size > MAX_IMPORT_BYTES:
        return "", _("文件太大（最多 2 MB）。")
    raw = upload.read()
    if b"\x00" in raw:  # checked by content, not name: a picture or a workbook renamed .csv
        return "", _("这不是 CSV 文本文件，请另存为 UTF-8 的 CSV。")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return raw.decode(encoding), None
        except UnicodeDecodeError:
            continue
    return "", _("无法识别文件编码，请另存为 UTF-8 的 CSV。")


@login_required
def route_import(request):
    """Upload → check every row → preview (nothing written) → confirm → import all
    or nothing. The confirmed CSV travels back in the form, so nothing is stored
    between the two steps."""
    if response := refused(request):
        return response
    context: dict = {"text": "", "rows": [], "bad": [], "error": ""}
    if request.method == "POST":
        if request.POST.get("step") == "import":
            text = request.POST.get("text", "")
        else:
            text, context["error"] = _read_upload(request)
        context["text"] = text
        if text and not context["error"]:
            rows, bad = parse_routes_csv(text)
            bad |= route_import_check(rows) if rows else {}
            if not rows and not bad:
                context["error"] = _("文件中没有路线。")
            context["rows"], context["bad"] = rows, sorted(bad.items())
            if not bad and rows and request.POST.get("step") == "import":
                try:
                    made = import_routes(by=request.user, rows=rows)
                except CaseError as error:
                    context["error"] = error.message
                    context["bad"] = sorted((int(k), v) for k, v in error.fields.items() if k.isdigit())
                else:
                    messages.success(
                        request,
                        ngettext("已导入 %(n)d 条路线。", "已导入 %(n)d 条路线。", len(made)) % {"n": len(made)},
                    )
                    return redirect("patrols:routes")
    status = 400 if context["bad"] or context["error"] else 200
    return render(request, "patrols/route_import.html", context, status=status)
