"""The inspector's patrol on the phone: today's tasks, the patrol with its track, problem reports.

Every change goes through ``patrols.services`` (start, end, add points, report);
the views only read the request and show what the services said. The phone
keeps its track points and unsent reports itself (static/js/patrol.js) and
re-sends them with the same ``client_id``, which the services make harmless.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import clock
from cases.errors import CaseError
from cases.models import Category, Urgency
from org.models import UnitGrid
from org.roles import Role
from org.selectors import user_roles
from org.worktime import get_work_calendar
from patrols.models import Patrol, PatrolTask, RouteGrid
from patrols.services import patrol_add_points, patrol_end, patrol_report, patrol_start, route_coverage

# Seconds between two positions asked of the phone (data-interval of the page).
TRACK_INTERVAL_S = 15
# Text fields of the report form, kept as typed when it comes back with errors.
REPORT_FIELDS = ("category", "description", "lat", "lng", "address", "urgency")


def refused(request) -> HttpResponse | None:
    """403 for anyone who is not an inspector (the phone pages are theirs alone)."""
    if Role.INSPECTOR in user_roles(request.user):
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.INSPECTOR)}, status=403)


def _own_patrol(request, pk: int) -> Patrol:
    """The user's own patrol; anyone else's is a 404, as if it did not exist."""
    return get_object_or_404(Patrol.objects.select_related("route"), pk=pk, inspector=request.user)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- today --------------------------------------------------------------------------------


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """GET /patrols/: today's tasks of the inspector, the patrol under way, and a free start."""
    no = refused(request)
    if no:
        return no
    day = clock.now().astimezone(get_work_calendar().tz).date()
    tasks = PatrolTask.objects.filter(inspector=request.user, date=day).select_related("route").order_by("shift_start")
    active = Patrol.objects.filter(inspector=request.user, status=Patrol.Status.ACTIVE).select_related("route").first()
    recent = Patrol.objects.filter(inspector=request.user, status=Patrol.Status.ENDED).select_related("route")[:5]
    context = {"day": day, "tasks": tasks, "active": active, "recent": recent, "current_role": Role.INSPECTOR}
    return render(request, "patrols/today.html", context)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """POST /patrols/patrol/start/ (``task`` optional): start, then the patrol page; a refusal is a message."""
    no = refused(request)
    if no:
        return no
    task = None
    if request.POST.get("task"):
        task = get_object_or_404(PatrolTask, pk=_int(request.POST["task"]), inspector=request.user)
    try:
        patrol = patrol_start(by=request.user, task=task)
    except CaseError as exc:
        messages.error(request, exc.message)
        return redirect("patrols:today")
    messages.success(request, _("巡查已开始。"))
    return redirect("patrols:patrol", pk=patrol.pk)


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    no = refused(request)
    if no:
        return no
    patrol = _own_patrol(request, pk)
    try:
        patrol = patrol_end(patrol=patrol, by=request.user)
    except CaseError as exc:
        messages.error(request, exc.message)
        return redirect("patrols:patrol", pk=patrol.pk)
    messages.success(
        request,
        _("巡查已结束：%(n)d 个轨迹点，%(km)s 公里。") % {"n": patrol.point_count, "km": _km(patrol.distance_m)},
    )
    return redirect("patrols:today")


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise Http404 from None


def _km(metres: float) -> str:
    return f"{metres / 1000:.2f}"


# --- the patrol page ----------------------------------------------------------------------


@login_required
@require_GET
def patrol_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /patrols/patrol/<id>/: the route's grids (visited ones marked), the track, the report form."""
    no = refused(request)
    if no:
        return no
    patrol = _own_patrol(request, pk)
    return _render_patrol(request, patrol, {"urgency": Urgency.NORMAL}, {})


def _render_patrol(request, patrol: Patrol, values: dict, errors: dict, *, status: int = 200) -> HttpResponse:
    stops = list(
        RouteGrid.objects.filter(route_id=patrol.route_id)
        .select_related("grid")
        .only("position", "grid__code", "grid__name", "grid__geometry")
        .order_by("position")
    )
    visited = set(patrol.visits.values_list("grid_id", flat=True))
    on_route = {stop.grid_id for stop in stops}
    # Grids walked off the route (or on a free patrol) are drawn too: the inspector was there.
    off_route = UnitGrid.objects.filter(pk__in=visited - on_route).only("code", "name", "geometry")
    grids = [_grid_feature(s.grid, s.position, s.grid_id in visited) for s in stops]
    grids += [_grid_feature(g, None, True) for g in off_route]
    track = [[lat, lng] for lat, lng in patrol.points.order_by("recorded_at", "id").values_list("lat", "lng")]
    done, total = route_coverage(patrol) if patrol.route_id else (0, 0)
    ended = patrol.ended_at or clock.now()
    context = {
        "patrol": patrol,
        "stops": [{"position": s.position, "code": s.grid.code, "visited": s.grid_id in visited} for s in stops],
        "coverage": {"visited": done, "total": total},
        "visited_count": len(visited),
        "elapsed": _elapsed(ended - patrol.started_at),
        "km": _km(patrol.distance_m),
        "map": {
            "grids": grids,
            "track": track,
            "bounds": _area_bounds() if not grids and not track else None,
            "tiles": getattr(settings, "MAP_TILE_URL", ""),
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        },
        "last_point": track[-1] if track else None,
        "interval": TRACK_INTERVAL_S,
        "categories": Category.objects.filter(is_active=True).select_related("major").order_by("code"),
        "urgencies": Urgency.choices,
        "values": values,
        "errors": errors,
        "report_client_id": request.POST.get("client_id") or uuid.uuid4().hex,
        "current_role": Role.INSPECTOR,
    }
    return render(request, "patrols/patrol.html", context, status=status)


def _area_bounds() -> list | None:
    """Where a free patrol's map opens before the first point: the managed area."""
    box = UnitGrid.objects.aggregate(s=Min("min_lat"), n=Max("max_lat"), w=Min("min_lng"), e=Max("max_lng"))
    return [[box["s"], box["w"]], [box["n"], box["e"]]] if box["s"] is not None else None


def _grid_feature(grid: UnitGrid, position: int | None, visited: bool) -> dict:
    return {
        "type": "Feature",
        "geometry": grid.geometry,
        "properties": {"code": grid.code, "name": grid.name, "position": position, "visited": visited},
    }


def _elapsed(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    return _("%(h)d 小时 %(m)d 分") % {"h": minutes // 60, "m": minutes % 60}


# --- track points -------------------------------------------------------------------------


@login_required
@require_POST
def points(request: HttpRequest, pk: int) -> HttpResponse:
    """POST JSON ``{"points": [{client_id, lat, lng, recorded_at, accuracy_m, source}, …]}``.

    Answers ``added``, ``duplicates`` (already stored: a re-sent batch), ``rejected``
    (index → why), the grids visited (all, and new with this batch) and the coverage,
    so the phone can drop the batch from its queue and colour the map."""
    no = refused(request)
    if no:
        return JsonResponse({"message": _("只有监督员可以巡查。")}, status=403)
    patrol = _own_patrol(request, pk)
    try:
        body = json.loads(request.body or b"{}")
        batch = body["points"] if isinstance(body, dict) else body
        if not isinstance(batch, list) or not all(isinstance(p, dict) for p in batch):
            raise ValueError
    except (ValueError, KeyError, UnicodeDecodeError):
        return JsonResponse({"message": _('请求体应为 JSON：{"points": [...]}。')}, status=400)
    before = set(patrol.visits.values_list("grid_id", flat=True))
    try:
        result = patrol_add_points(patrol=patrol, by=request.user, points=[_point(p) for p in batch])
    except CaseError as exc:
        return JsonResponse({"message": exc.message, "errors": exc.fields}, status=exc.http_status)
    visited = dict(patrol.visits.values_list("grid_id", "grid__code"))
    done, total = route_coverage(patrol)
    return JsonResponse(
        {
            "added": result.added,
            "duplicates": result.duplicates,
            "rejected": {str(i): m for i, m in result.rejected.items()},
            "visited": sorted(visited.values()),
            "new_visited": sorted(code for grid_id, code in visited.items() if grid_id not in before),
            "coverage": {"visited": done, "total": total},
            "point_count": patrol.point_count,
            "distance_km": _km(patrol.distance_m),
        }
    )


def _point(raw: dict) -> dict:
    """The phone's point with its time read as a moment (ISO 8601); an unreadable
    or missing time is left out, so the service takes the time of arrival."""
    point = dict(raw)
    moment = parse_datetime(str(raw.get("recorded_at") or "")) if raw.get("recorded_at") else None
    if moment is None or moment.tzinfo is None:
        point.pop("recorded_at", None)
    else:
        point["recorded_at"] = moment
    accuracy = raw.get("accuracy_m")
    point["accuracy_m"] = float(accuracy) if isinstance(accuracy, int | float) else None
    return point


# --- problem reports ----------------------------------------------------------------------


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """POST multipart: a problem found on this patrol (上报), or fixed on the spot
    (自处理, ``self_handled`` with ``after_photos``). ``client_id`` makes a re-sent
    report return the case already made. JSON for fetch() (Accept: application/json),
    else a redirect back to the patrol page (or the form again with its messages)."""
    no = refused(request)
    if no:
        return no
    patrol = _own_patrol(request, pk)
    values = {name: request.POST.get(name, "").strip() for name in REPORT_FIELDS}
    self_handled = request.POST.get("self_handled", "") in ("1", "true", "on")
    try:
        case = patrol_report(
            patrol=patrol,
            by=request.user,
            client_id=request.POST.get("client_id", ""),
            self_handled=self_handled,
            category=values["category"],
            description=values["description"],
            lat=values["lat"] or None,
            lng=values["lng"] or None,
            address=values["address"],
            urgency=values["urgency"] or Urgency.NORMAL,
            photos=request.FILES.getlist("photos"),
            after_photos=request.FILES.getlist("after_photos") if self_handled else [],
        )
    except CaseError as exc:
        if _wants_json(request):
            return JsonResponse({"message": exc.message, "errors": exc.fields}, status=exc.http_status)
        if exc.kind != "input":
            messages.error(request, exc.message)
            return redirect("patrols:patrol", pk=patrol.pk)
        return _render_patrol(request, patrol, values, exc.fields, status=400)
    url = reverse("work:case", kwargs={"number": case.number})
    if _wants_json(request):
        return JsonResponse(
            {"number": case.number, "url": url, "status": case.status, "status_label": case.get_status_display()}
        )
    messages.success(request, _("已上报，案件编号 %(number)s。") % {"number": case.number})
    return redirect("patrols:patrol", pk=patrol.pk)
