"""Routes and the week plan of patrol tasks (DOMAIN.md §8), for supervisors.

Refusals are ``cases.errors.CaseError`` like every service of citymgmt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.errors import CaseError
from org.roles import Role
from org.selectors import user_roles
from patrols.models import (
    Patrol,
    PatrolTask,
    Route,
    RouteGrid,
)
from patrols.services import PLANNER_ROLES


def _require_planner(user) -> None:
    if not user_roles(user) & PLANNER_ROLES:
        raise CaseError("permission", _("只有派遣员、值班长或管理员可以安排巡查。"))


def _route_errors(
    *, code: str, name: str, district, grid_codes: list[str], route_id: int | None, taken_codes: set[str] = frozenset()
) -> tuple[dict[str, list[str]], list]:
    """The refusals of one route and its grids in order (DOMAIN.md §8: a route is an
    ordered set of grids: each grid exists, once, and lies in the route's district)."""
    from org.models import UnitGrid

    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("请填写路线编号。")]
    elif len(code) > 32:
        errors["code"] = [_("路线编号最多 32 个字符。")]
    elif code in taken_codes or Route.objects.filter(code=code).exclude(pk=route_id).exists():
        errors["code"] = [_("路线编号 %(code)s 已存在。") % {"code": code}]
    if not name:
        errors["name"] = [_("请填写路线名称。")]
    elif len(name) > 100:
        errors["name"] = [_("路线名称最多 100 个字符。")]
    grids = []
    if not grid_codes:
        errors["grids"] = [_("路线至少包含一个网格。")]
        return errors, grids
    repeated = sorted({c for c in grid_codes if grid_codes.count(c) > 1})
    found = {g.code: g for g in UnitGrid.objects.filter(code__in=grid_codes).only("code", "district_id")}
    unknown = [c for c in grid_codes if c not in found]
    problems = []
    if unknown:
        problems.append(_("未知的网格编码：%(codes)s。") % {"codes": "、".join(unknown)})
    if repeated:
        problems.append(_("网格在路线中重复：%(codes)s。") % {"codes": "、".join(repeated)})
    if district is not None:
        outside = [c for c in grid_codes if c in found and found[c].district_id != district.pk]
        if outside:
            problems.append(
                _("网格不在 %(district)s：%(codes)s。") % {"district": district.name, "codes": "、".join(outside)}
            )
    if problems:
        errors["grids"] = problems
    else:
        grids = [found[c] for c in grid_codes]
    return errors, grids


def split_grid_codes(text: str) -> list[str]:
    """Grid codes as typed or imported: separated by commas, spaces or '|', in order."""
    import re

    return [c for c in re.split(r"[\s,，|;；]+", text or "") if c]


def route_save(
    *,
    by,
    route: Route | None = None,
    code: str,
    name: str,
    grid_codes: list[str],
    district=None,
    description: str = "",
    is_active: bool = True,
) -> Route:
    """Create a route (``route=None``) or change one, with its grids in walking order."""
    _require_planner(by)
    code, name, description = (code or "").strip(), (name or "").strip(), (description or "").strip()
    errors, grids = _route_errors(
        code=code, name=name, district=district, grid_codes=grid_codes, route_id=route.pk if route else None
    )
    if len(description) > 2000:
        errors["description"] = [_("说明最多 2000 字。")]
    if errors:
        raise CaseError.invalid(errors)
    route = route or Route()
    route.code, route.name, route.district, route.description, route.is_active = (
        code,
        name,
        district,
        description,
        is_active,
    )
    try:
        with transaction.atomic():
            route.save()
            # Positions are unique per route: drop the old order before writing the new one.
            RouteGrid.objects.filter(route=route).delete()
            RouteGrid.objects.bulk_create(
                [RouteGrid(route=route, grid=grid, position=i) for i, grid in enumerate(grids, start=1)]
            )
    except IntegrityError as exc:  # the same code saved at the same moment by someone else
        raise CaseError.invalid({"code": [_("路线编号 %(code)s 已存在。") % {"code": code}]}) from exc
    return route


@dataclass
class RouteRow:
    """One line of a route import: code, name, district code, grid codes in order."""

    line: int
    code: str
    name: str
    district_code: str
    grid_codes: list[str]


def route_import_check(rows: list[RouteRow]) -> dict[int, list[str]]:
    """Every bad row (line → reasons); empty when all rows can be imported."""
    from org.models import Region

    districts = {
        r.code: r
        for r in Region.objects.filter(level="district", code__in=[row.district_code for row in rows]).only(
            "code", "name"
        )
    }
    bad: dict[int, list[str]] = {}
    seen: set[str] = set()
    for row in rows:
        reasons = []
        district = None
        if row.district_code:
            district = districts.get(row.district_code)
            if district is None:
                reasons.append(_("未知的区/县代码：%(code)s。") % {"code": row.district_code})
        errors, _grids = _route_errors(
            code=row.code, name=row.name, district=district, grid_codes=row.grid_codes, route_id=None, taken_codes=seen
        )
        for messages in errors.values():
            reasons.extend(messages)
        seen.add(row.code)
        if reasons:
            bad[row.line] = reasons
    return bad


def route_import(*, by, rows: list[RouteRow]) -> list[Route]:
    """Import routes all or nothing: one bad row and none is imported
    (``CaseError.fields`` names each bad line)."""
    _require_planner(by)
    if not rows:
        raise CaseError.invalid({"file": [_("文件中没有路线。")]})
    bad = route_import_check(rows)
    if bad:
        raise CaseError.invalid(
            {str(line): reasons for line, reasons in bad.items()},
            _("%(n)d 行有误，未导入任何路线。") % {"n": len(bad)},
        )
    from org.models import Region

    districts = {r.code: r for r in Region.objects.filter(level="district")}
    with transaction.atomic():
        return [
            route_save(
                by=by,
                code=row.code,
                name=row.name,
                district=districts.get(row.district_code),
                grid_codes=row.grid_codes,
            )
            for row in rows
        ]


def task_plan(*, by, route: Route, inspector, date, shift_start=None, shift_end=None, note: str = "") -> PatrolTask:
    """Give a route to an inspector for a date and shift (DOMAIN.md §8, default
    07:30–22:30). An inspector walks one shift at a time, so shifts of one
    inspector on one day may not overlap."""
    from patrols.models import DEFAULT_SHIFT

    _require_planner(by)
    shift_start = shift_start or DEFAULT_SHIFT[0]
    shift_end = shift_end or DEFAULT_SHIFT[1]
    errors: dict[str, list[str]] = {}
    if Role.INSPECTOR not in user_roles(inspector) or not inspector.is_active:
        errors["inspector"] = [_("%(name)s 不是在岗的监督员。") % {"name": inspector.get_username()}]
    if not route.is_active:
        errors["route"] = [_("路线 %(code)s 已停用。") % {"code": route.code}]
    if shift_start >= shift_end:
        errors["shift_end"] = [_("班次结束时间应晚于开始时间。")]
    if errors:
        raise CaseError.invalid(errors)
    try:
        with transaction.atomic():
            clash = (
                PatrolTask.objects.select_for_update()
                .filter(inspector=inspector, date=date, shift_start__lt=shift_end, shift_end__gt=shift_start)
                .select_related("route")
                .first()
            )
            if clash:
                raise CaseError(
                    "state",
                    _("%(name)s 在 %(date)s %(start)s–%(end)s 已有巡查任务（%(route)s）。")
                    % {
                        "name": inspector.get_username(),
                        "date": date,
                        "start": f"{clash.shift_start:%H:%M}",
                        "end": f"{clash.shift_end:%H:%M}",
                        "route": clash.route.name,
                    },
                )
            return PatrolTask.objects.create(
                route=route,
                inspector=inspector,
                date=date,
                shift_start=shift_start,
                shift_end=shift_end,
                note=(note or "").strip()[:200],
                planned_by=by,
            )
    except IntegrityError as exc:  # planned by someone else at the same moment
        raise CaseError("state", _("该监督员在这个班次已有巡查任务。")) from exc


def task_cancel(*, by, task: PatrolTask) -> None:
    """Remove a planned task; one whose patrol has started stays (its track is the record)."""
    _require_planner(by)
    with transaction.atomic():
        locked = PatrolTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:
            return
        if locked.status != PatrolTask.Status.PLANNED or Patrol.objects.filter(task=locked).exists():
            raise CaseError("state", _("巡查已开始或结束的任务不能删除。"))
        locked.delete()


def task_copy_week(*, by, monday, inspectors=None) -> tuple[int, int]:
    """Copy the week before ``monday`` into its week: (copied, skipped because the
    shift is taken or the route or inspector no longer fits)."""
    _require_planner(by)
    earlier = PatrolTask.objects.filter(date__gte=monday - timedelta(days=7), date__lt=monday).select_related(
        "route", "inspector"
    )
    if inspectors is not None:
        earlier = earlier.filter(inspector__in=inspectors)
    copied = skipped = 0
    for task in earlier.order_by("date", "shift_start"):
        try:
            task_plan(
                by=by,
                route=task.route,
                inspector=task.inspector,
                date=task.date + timedelta(days=7),
                shift_start=task.shift_start,
                shift_end=task.shift_end,
                note=task.note,
            )
            copied += 1
        except CaseError:
            skipped += 1
    return copied, skipped
