"""What inspectors and supervisors do with patrols and notices (DOMAIN.md §8).

Every change goes through a function here; pages and the API only read the
request and call them. Refusals are ``cases.errors.CaseError`` (state /
permission / input), which the API maps to 409 / 403 / 400 like the case API.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from cases import clock
from cases.catalogue import active_category
from cases.errors import CaseError
from cases.models import Case, Source
from cases.services import case_report
from org.roles import Role
from org.selectors import OutsideManagedArea, locate_point, user_roles
from patrols.models import (
    EnforcementNotice,
    EnforcementSubject,
    Patrol,
    PatrolFinding,
    PatrolTask,
    PatrolVisit,
    TrackPoint,
)

NOTICE_WINDOW_DAYS = 90
COLOURS = [EnforcementNotice.Colour.BLUE, EnforcementNotice.Colour.YELLOW, EnforcementNotice.Colour.RED]
LADDER = [
    EnforcementNotice.Step.PERSUADE,
    EnforcementNotice.Step.ADMONISH,
    EnforcementNotice.Step.PENALTY,
    EnforcementNotice.Step.BAN,
]
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
    if patrol.status != Patrol.Status.ACTIVE:
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
            recorded_at = raw.get("recorded_at") or clock.now()
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
    with transaction.atomic():
        case = case_report(by=by, source=Source.PATROL, self_handled=self_handled, **fields)
        PatrolFinding.objects.create(patrol=patrol, case=case, client_id=client_id)
    return case


# --- coverage --------------------------------------------------------------------------


def route_coverage(patrol: Patrol) -> tuple[int, int]:
    """(grids of the route visited, grids on the route); (0, 0) without a route."""
    if patrol.route_id is None:
        return 0, 0
    on_route = set(patrol.route.stops.values_list("grid_id", flat=True))
    visited = set(patrol.visits.values_list("grid_id", flat=True))
    return len(on_route & visited), len(on_route)


# --- 三色单 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLevel:
    sequence: int  # this notice is the n-th within the window
    colour: str  # blue / yellow / red, or "" beyond
    step: str  # the escalation step beyond red, else ""


def next_notice_level(subject: EnforcementSubject, category, at: datetime) -> NoticeLevel:
    """Which notice the next one is for this subject and violation within 90
    days: 1st blue, 2nd yellow, 3rd red; after that the ladder 劝导 → 告诫 →
    处罚 → 取缔 (staying at 取缔)."""
    since = at - timedelta(days=NOTICE_WINDOW_DAYS)
    earlier = EnforcementNotice.objects.filter(
        subject=subject, category=category, issued_at__gt=since, issued_at__lte=at
    ).count()
    sequence = earlier + 1
    if sequence <= len(COLOURS):
        return NoticeLevel(sequence, COLOURS[sequence - 1], "")
    return NoticeLevel(sequence, "", LADDER[min(sequence - len(COLOURS), len(LADDER)) - 1])


def notice_issue(
    *,
    by,
    subject: EnforcementSubject,
    category,
    description: str,
    decision: str = "",
    penalty_amount=None,
    patrol: Patrol | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> EnforcementNotice:
    """Record a notice; its colour or escalation step follows from the subject's
    notices for the same violation in the last 90 days."""
    roles = user_roles(by)
    if not roles & {Role.INSPECTOR, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN}:
        raise CaseError("permission", _("你没有开具三色单的权限。"))
    errors: dict[str, list[str]] = {}
    if isinstance(category, str):
        found = active_category(category.strip())
        if found is None:
            errors["category"] = [_("未知或已停用的违规类别：%(code)s。") % {"code": category}]
        category = found
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写违规情况。")]
    elif len(description) > 2000:
        errors["description"] = [_("违规情况最多 2000 字。")]
    amount = None
    if penalty_amount not in (None, ""):
        try:
            amount = Decimal(str(penalty_amount))
            if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
                raise InvalidOperation
        except InvalidOperation:
            errors["penalty_amount"] = [_("罚款金额应为 0 到 10,000,000 之间的数字。")]
    if errors:
        raise CaseError.invalid(errors)
    now = clock.now()
    with transaction.atomic():
        # Two notices for one subject at once must not both be "the first".
        EnforcementSubject.objects.select_for_update().filter(pk=subject.pk).first()
        level = next_notice_level(subject, category, now)
        if level.step == EnforcementNotice.Step.PENALTY and amount is None:
            raise CaseError.invalid({"penalty_amount": [_("处罚须填写罚款金额。")]})
        if level.step and not decision.strip():
            raise CaseError.invalid({"decision": [_("升级处置须填写处理决定。")]})
        notice = EnforcementNotice.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:16]}",
            subject=subject,
            category=category,
            sequence=level.sequence,
            colour=level.colour,
            step=level.step,
            decision=decision.strip(),
            penalty_amount=amount,
            description=description,
            issued_at=now,
            issued_by=by,
            patrol=patrol,
            lat=lat,
            lng=lng,
        )
        # Unique without a counter to contend for: the day and the row's id.
        notice.number = f"ZF{now.astimezone(clock.now().tzinfo):%Y%m%d}{notice.pk:06d}"
        notice.save(update_fields=["number"])
        return notice


def subject_history(subject: EnforcementSubject):
    return subject.notices.select_related("category", "issued_by").order_by("-issued_at")


def notices_by_category(subject: EnforcementSubject) -> dict[int, int]:
    return dict(subject.notices.values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
