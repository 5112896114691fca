"""What inspectors do on patrol (DOMAIN.md §8): start, track, report, end.

Routes and the week plan are in ``patrols.planning``, 三色单 in
``patrols.enforcement``.

Every change goes through a function here; pages and the API only read the
request and call them. Refusals are ``cases.errors.CaseError`` (state /
permission / input), which the API maps to 409 / 403 / 400 like the case API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases import clock
from cases.errors import CaseError
from cases.models import Case, Source
from cases.services import case_report
from org.roles import Role
from org.selectors import OutsideManagedArea, locate_point, user_roles
from patrols.models import (
    Patrol,
    PatrolFinding,
    PatrolTask,
    PatrolVisit,
    TrackPoint,
)

MAX_POINTS_PER_BATCH = 500
PLANNER_ROLES = {Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN}


def _require_inspector(user) -> None:
    if Role.INSPECTOR not in user_roles(user):
        raise CaseError("permission", _("只有监督员可以巡查。"))


# --- patrols ---------------------------------------------------------------------------


def patrol_start(*, by, task: PatrolTask | None = None) -> Patrol:
    """Start a patrol (of a task of theirs, or a free one). One at a time."""
    _require_inspector(by)
    if task is not None and task.inspector_id != by.pk:
        raise CaseError("permission", _("这不是你的巡查任务。"))
    if task is not None and task.status != PatrolTask.Status.PLANNED:
        raise CaseError("state", _("这个巡查任务已经开始或结束。"))
    now = clock.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(inspector=by, task=task, route=task.route if task else None, started_at=now)
            if task is not None:
                task.status = PatrolTask.Status.STARTED
                task.save(update_fields=["status"])
    except IntegrityError as exc:
        raise CaseError("state", _("你已有一次巡查正在进行，请先结束它。")) from exc
    return patrol


def patrol_end(*, patrol: Patrol, by) -> Patrol:
    if patrol.inspector_id != by.pk:
        raise CaseError("permission", _("这不是你的巡查。"))
    with transaction.atomic():
        locked = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if locked.status != Patrol.Status.ACTIVE:
            raise CaseError("state", _("这次巡查已经结束。"))
        locked.status = Patrol.Status.ENDED
        locked.ended_at = clock.now()
        locked.save(update_fields=["status", "ended_at"])
        if locked.task_id:
            PatrolTask.objects.filter(pk=locked.task_id).update(status=PatrolTask.Status.DONE)
    return locked


@dataclass
class PointsResult:
    added: int
    duplicates: int
    rejected: dict[int, str]  # index in the batch -> why


def patrol_add_points(*, patrol: Patrol, by, points: list[dict]) -> PointsResult:
    """Add track points (a batch from the phone). Each point carries a
    ``client_id``; one already stored is skipped, so a retried upload never
    duplicates points. A point outside every grid is kept (the inspector was
    there) but visits no grid; a point without usable numbers is rejected."""
    if patrol.inspector_id != by.pk:
        raise CaseError("permission", _("这不是你的巡查。"))
    if not _still_active(patrol):
        raise CaseError("state", _("这次巡查已经结束，不能再记录轨迹。"))
    if len(points) > MAX_POINTS_PER_BATCH:
        raise CaseError.invalid({"points": _("一次最多上传 %(n)d 个点。") % {"n": MAX_POINTS_PER_BATCH}})
    rejected: dict[int, str] = {}
    fresh: list[TrackPoint] = []
    seen = set(
        TrackPoint.objects.filter(
            patrol=patrol, client_id__in=[str(p.get("client_id", "")) for p in points]
        ).values_list("client_id", flat=True)
    )
    duplicates = 0
    for index, raw in enumerate(points):
        client_id = str(raw.get("client_id") or "").strip()[:64]
        try:
            lat, lng = float(raw["lat"]), float(raw["lng"])
            recorded_at = _moment(raw.get("recorded_at"))
            if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            rejected[index] = _("经纬度无效。")
            continue
        if not client_id:
            rejected[index] = _("缺少客户端编号（client_id）。")
            continue
        if client_id in seen:
            duplicates += 1
            continue
        seen.add(client_id)
        try:
            grid = locate_point(lat=lat, lng=lng).grid
        except OutsideManagedArea:
            grid = None
        fresh.append(
            TrackPoint(
                patrol=patrol,
                lat=lat,
                lng=lng,
                recorded_at=recorded_at,
                accuracy_m=raw.get("accuracy_m"),
                source=raw.get("source") if raw.get("source") in TrackPoint.Source.values else "gps",
                grid_id=grid.id if grid else None,
                client_id=client_id,
            )
        )
    with transaction.atomic():
        TrackPoint.objects.bulk_create(fresh, ignore_conflicts=True)
        visits = {}
        for point in fresh:
            if point.grid_id and (point.grid_id not in visits or point.recorded_at < visits[point.grid_id]):
                visits[point.grid_id] = point.recorded_at
        PatrolVisit.objects.bulk_create(
            [PatrolVisit(patrol=patrol, grid_id=g, first_at=t) for g, t in visits.items()], ignore_conflicts=True
        )
        _refresh_totals(patrol)
    return PointsResult(added=len(fresh), duplicates=duplicates, rejected=rejected)


def _still_active(patrol: Patrol) -> bool:
    """Read from the database: the page or phone may hold a patrol ended meanwhile."""
    return Patrol.objects.filter(pk=patrol.pk, status=Patrol.Status.ACTIVE).exists()


def _moment(value) -> datetime:
    """A point's time: a datetime, or ISO 8601 text (Shanghai time without an offset); now when absent."""
    if value in (None, ""):
        return clock.now()
    if isinstance(value, datetime):
        moment = value
    else:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise ValueError(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _refresh_totals(patrol: Patrol) -> None:
    points = list(patrol.points.order_by("recorded_at", "id").values_list("lat", "lng"))
    distance = sum(_metres(a, b) for a, b in pairwise(points))
    Patrol.objects.filter(pk=patrol.pk).update(distance_m=distance, point_count=len(points))
    patrol.distance_m, patrol.point_count = distance, len(points)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    from cases.selectors import distance_m

    return distance_m(a[0], a[1], b[0], b[1])


def patrol_report(*, patrol: Patrol, by, client_id: str, self_handled: bool = False, **fields) -> Case:
    """A problem found on patrol: a case with channel ``patrol`` through the
    case services (at least one photo; self-handled needs an after-photo).
    ``client_id`` makes a retried upload return the case already made."""
    if patrol.inspector_id != by.pk:
        raise CaseError("permission", _("这不是你的巡查。"))
    client_id = (client_id or "").strip()[:64]
    if not client_id:
        raise CaseError.invalid({"client_id": _("缺少客户端编号（client_id）。")})
    existing = PatrolFinding.objects.filter(patrol=patrol, client_id=client_id).select_related("case").first()
    if existing:
        return existing.case
    if not _still_active(patrol):
        raise CaseError("state", _("这次巡查已经结束，请在新的巡查中上报。"))
    try:
        with transaction.atomic():
            case = case_report(by=by, source=Source.PATROL, self_handled=self_handled, **fields)
            PatrolFinding.objects.create(patrol=patrol, case=case, client_id=client_id)
    except IntegrityError:
        # The same report sent twice at once: the other request made the case.
        return PatrolFinding.objects.select_related("case").get(patrol=patrol, client_id=client_id).case
    return case


# --- coverage --------------------------------------------------------------------------


def route_coverage(patrol: Patrol) -> tuple[int, int]:
    """(grids of the route visited, grids on the route); (0, 0) without a route."""
    if patrol.route_id is None:
        return 0, 0
    on_route = set(patrol.route.stops.values_list("grid_id", flat=True))
    visited = set(patrol.visits.values_list("grid_id", flat=True))
    return len(on_route & visited), len(on_route)
