"""The week plan of patrols (issue 5): inspectors × the seven days of an ISO week.

Each cell lists the inspector's tasks of that day and takes new ones; planning,
removing and copying go through ``patrols.planning.task_plan`` / ``task_cancel``
/ ``task_copy_week``, which hold every rule (roles, one shift at a time, a
started task stays). The page costs the same few queries whatever the number
of tasks: inspectors, routes and the week's tasks are one query each.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import clock
from cases.errors import CaseError
from org.models import Region
from org.roles import Role
from patrols.models import DEFAULT_SHIFT, PatrolTask, Route
from patrols.planning import task_cancel, task_copy_week, task_plan
from patrols.web.routes import refused

STATUS_CLASSES = {
    PatrolTask.Status.PLANNED: "secondary",
    PatrolTask.Status.STARTED: "primary",
    PatrolTask.Status.DONE: "success",
    PatrolTask.Status.MISSED: "danger",
}
WEEKDAYS = [gettext_lazy(d) for d in ("周一", "周二", "周三", "周四", "周五", "周六", "周日")]


def monday_of(text: str | None) -> date:
    """The Monday of the ISO week holding ``text`` (YYYY-MM-DD), else of today."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = localdate(clock.now())
    return day - timedelta(days=day.weekday())


def _time(text: str | None, default: time) -> time | None:
    if not text:
        return default
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        return None


def _inspectors(district: str):
    people = get_user_model().objects.filter(is_active=True, groups__name=Role.INSPECTOR)
    if district:
        people = people.filter(grids__district__code=district)
    return list(people.distinct().order_by("username").only("username", "first_name", "last_name"))


def _plan_context(request, monday: date, district: str, error: dict | None = None) -> dict:
    days = [monday + timedelta(days=i) for i in range(7)]
    inspectors = _inspectors(district)
    tasks = (
        PatrolTask.objects.filter(date__gte=days[0], date__lte=days[-1], inspector__in=[p.pk for p in inspectors])
        .select_related("route")
        .order_by("date", "shift_start")
    )
    cells: dict[tuple[int, date], list[PatrolTask]] = {}
    counts = dict.fromkeys(days, 0)
    for task in tasks:
        task.badge = STATUS_CLASSES.get(task.status, "secondary")
        cells.setdefault((task.inspector_id, task.date), []).append(task)
        counts[task.date] += 1
    rows = [
        {
            "inspector": person,
            "name": f"{person.last_name}{person.first_name}".strip() or person.username,
            "cells": [{"day": day, "tasks": cells.get((person.pk, day), [])} for day in days],
        }
        for person in inspectors
    ]
    routes = Route.objects.filter(is_active=True).only("code", "name").order_by("code")
    if district:
        routes = routes.filter(Q(district__code=district) | Q(district__isnull=True))
    return {
        "monday": monday,
        "days": [{"day": day, "label": WEEKDAYS[i], "count": counts[day]} for i, day in enumerate(days)],
        "rows": rows,
        "routes": list(routes),
        "district": district,
        "districts": Region.objects.filter(level=Region.Level.DISTRICT).only("code", "name").order_by("code"),
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "today": localdate(clock.now()),
        "default_start": f"{DEFAULT_SHIFT[0]:%H:%M}",
        "default_end": f"{DEFAULT_SHIFT[1]:%H:%M}",
        "error": error or {},
    }


@login_required
def week(request):
    """GET: the week (``?week=YYYY-MM-DD`` any day of it, ``&district=<code>``).
    POST ``action`` = add / remove / copy through the services; an htmx request
    gets the plan table back, a plain form a redirect to the same week."""
    if response := refused(request):
        return response
    source = request.POST if request.method == "POST" else request.GET
    monday = monday_of(source.get("week"))
    district = source.get("district", "").strip()
    error = None
    if request.method == "POST":
        error = _act(request, monday, district)
        if not request.headers.get("HX-Request"):
            if error:
                messages.error(request, error["message"])
            return redirect(f"{reverse('patrols:plan')}?week={monday:%Y-%m-%d}&district={district}")
    context = _plan_context(request, monday, district, error)
    if request.headers.get("HX-Request"):
        return render(request, "patrols/_plan_table.html", context, status=200)
    return render(request, "patrols/plan.html", context)


def _act(request, monday: date, district: str) -> dict | None:
    """Do what the form asks; on refusal, the message and the cell it belongs to."""
    action = request.POST.get("action")
    inspector_id = request.POST.get("inspector", "")
    day = request.POST.get("date", "")
    try:
        if action == "add":
            return _add(request, inspector_id, day)
        if action == "remove":
            task = PatrolTask.objects.filter(pk=request.POST.get("task") or 0).first()
            if task is not None:
                task_cancel(by=request.user, task=task)
                if not request.headers.get("HX-Request"):
                    messages.success(request, _("已删除巡查任务。"))
            return None
        if action == "copy":
            inspectors = _inspectors(district)
            copied, skipped = task_copy_week(by=request.user, monday=monday, inspectors=inspectors)
            messages.success(
                request,
                _("已从上周复制 %(copied)d 个任务，跳过 %(skipped)d 个。") % {"copied": copied, "skipped": skipped},
            )
            return None
    except CaseError as refusal:
        return {"message": refusal.message, "inspector": inspector_id, "date": day}
    return {"message": _("未知的操作。"), "inspector": inspector_id, "date": day}


def _add(request, inspector_id: str, day: str) -> dict | None:
    form = request.POST
    where = {"inspector": inspector_id, "date": day}
    inspector = get_user_model().objects.filter(pk=inspector_id if inspector_id.isdigit() else 0).first()
    route = Route.objects.filter(pk=form.get("route") if (form.get("route") or "").isdigit() else 0).first()
    try:
        on = date.fromisoformat(day)
    except ValueError:
        on = None
    start, end = _time(form.get("shift_start"), DEFAULT_SHIFT[0]), _time(form.get("shift_end"), DEFAULT_SHIFT[1])
    if inspector is None or on is None:
        return {"message": _("请选择监督员和日期。"), **where}
    if route is None:
        return {"message": _("请选择路线。"), **where}
    if start is None or end is None:
        return {"message": _("班次时间格式应为 HH:MM。"), **where}
    task_plan(by=request.user, route=route, inspector=inspector, date=on, shift_start=start, shift_end=end)
    return None
