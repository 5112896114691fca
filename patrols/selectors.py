"""Reads of the patrols app: who sees which patrols and tasks, and the figures
of field work per inspector and per grid (DOMAIN.md §7, §8).

Scoping lives here once and the API and pages use it: an inspector sees their
own patrols and tasks; the planners (``PLANNER_ROLES``) see all; a leader those
of the inspectors who patrol grids in their region (no region: the city).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, CaseEvent, Source, Status
from org.models import Region, UnitGrid
from org.roles import Role
from org.selectors import user_roles
from patrols.models import Patrol, PatrolTask, PatrolVisit, RouteGrid
from patrols.services import PLANNER_ROLES

FIGURE_ROLES = PLANNER_ROLES | {Role.LEADER}
PATROL_READER_ROLES = FIGURE_ROLES | {Role.INSPECTOR}


def region_q(region: Region | None, prefix: str = "") -> Q:
    """Rows (grids or cases: both carry district/street/community) inside a region."""
    if region is None:
        return Q()
    column = {"city": "district__parent_id", "district": "district_id", "street": "street_id"}.get(
        region.level, "community_id"
    )
    return Q(**{f"{prefix}{column}": region.id})


def inspectors_in(region: Region | None):
    """Ids of the users who patrol a grid in the region (a subquery)."""
    through = UnitGrid.inspectors.through.objects
    if region is not None:
        through = through.filter(unitgrid__in=UnitGrid.objects.filter(region_q(region)))
    return through.values("user_id")


def leader_region(user) -> Region | None:
    profile = getattr(user, "profile", None)
    return profile.region if profile else None


def _inspector_scope(queryset, user):
    roles = user_roles(user)
    if roles & PLANNER_ROLES:
        return queryset
    scope = Q(pk__in=[])
    if Role.LEADER in roles:
        region = leader_region(user)
        if region is None:
            return queryset
        scope |= Q(inspector_id__in=inspectors_in(region))
    if Role.INSPECTOR in roles:
        scope |= Q(inspector_id=user.pk)
    return queryset.filter(scope)


def patrols_visible_to(user):
    """Patrols the user may see (served by the index on (inspector, started_at))."""
    return _inspector_scope(Patrol.objects.all(), user)


def tasks_visible_to(user):
    return _inspector_scope(PatrolTask.objects.all(), user)


# --- figures ---------------------------------------------------------------------------------


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def rate(numerator: int, denominator: int) -> float | None:
    """A share, or None ("—") for a zero denominator (DOMAIN.md §7)."""
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """One row of the figures; every rate is None when its denominator is 0."""

    key: int
    patrols: int = 0
    route_grids: int = 0  # grids on the routes, summed over the patrols with a route
    route_grids_visited: int = 0
    reports: int = 0
    reports_decided: int = 0  # reports no longer pending (not reported/verifying)
    reports_valid: int = 0
    self_handled: int = 0
    verify_replies: int = 0
    verify_on_time: int = 0
    check_answers: int = 0
    check_on_time: int = 0
    label: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def coverage(self) -> float | None:
        return rate(self.route_grids_visited, self.route_grids)

    @property
    def valid_rate(self) -> float | None:
        return rate(self.reports_valid, self.reports_decided)

    @property
    def verify_rate(self) -> float | None:
        return rate(self.verify_on_time, self.verify_replies)

    @property
    def check_rate(self) -> float | None:
        return rate(self.check_on_time, self.check_answers)


def _on_route():
    """A visit to a grid that is on the visiting patrol's route."""
    return Exists(RouteGrid.objects.filter(route_id=OuterRef("patrol__route_id"), grid_id=OuterRef("grid_id")))


def _answered_on_time(request_action: str):
    """An answer given no later than the step deadline recorded on the latest
    request event of the same case before it (CaseEvent.step_deadline is the
    case's step deadline right after the request, cases/deadlines.py). A
    request without a deadline cannot be late."""
    deadline = Subquery(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), action=request_action, created_at__lte=OuterRef("created_at")
        )
        .order_by("-created_at", "-id")
        .values("step_deadline")[:1]
    )
    return Q(created_at__lte=Coalesce(deadline, F("created_at")))


VALID_REPORT = (Q(filed_at__isnull=False) | Q(self_handled=True)) & ~Q(status=Status.VOIDED)
PENDING_REPORT = Q(status__in=[Status.REPORTED, Status.VERIFYING])


def _case_counts(cases, key: str) -> dict:
    return {
        row[key]: row
        for row in cases.values(key).annotate(
            reports=Count("id"),
            reports_decided=Count("id", filter=~PENDING_REPORT),
            reports_valid=Count("id", filter=VALID_REPORT & ~PENDING_REPORT),
            self_handled=Count("id", filter=Q(self_handled=True)),
        )
    }


def _answer_counts(events, key: str) -> dict:
    verify = Q(action="verify-reply")
    check = Q(action__in=["check-pass", "check-fail"])
    return {
        row[key]: row
        for row in events.filter(verify | check)
        .values(key)
        .annotate(
            verify_replies=Count("id", filter=verify),
            verify_on_time=Count("id", filter=verify & _answered_on_time("verify-request")),
            check_answers=Count("id", filter=check),
            check_on_time=Count("id", filter=check & _answered_on_time("check-request")),
        )
    }


def _merge(rows: dict[int, Figures], counts: dict, key: str, names: list[str]) -> None:
    for value, row in counts.items():
        if value is None:
            continue
        figures = rows.setdefault(value, Figures(key=value))
        for name in names:
            setattr(figures, name, getattr(figures, name) + row[name])


CASE_NAMES = ["reports", "reports_decided", "reports_valid", "self_handled"]
ANSWER_NAMES = ["verify_replies", "verify_on_time", "check_answers", "check_on_time"]


def figures_by_inspector(start: date, end: date, region: Region | None = None) -> list[Figures]:
    """Per inspector, for the days [start, end] (DOMAIN.md §7 监督员 figures, §8 coverage):

    - patrols: patrols started in the period;
    - coverage: grids of the route visited / grids on the route, summed over
      the period's patrols that had a route;
    - reports: cases with channel ``patrol`` they reported in the period;
    - valid-report rate (有效上报率): reports filed (立案, even if later closed)
      or self-handled, not voided / reports no longer pending; a report still
      waiting to be accepted or verified is in neither count;
    - self-handled: reports they handled on the spot;
    - on-time verify / check rate (按时核实率 / 按时核查率): their verify-reply /
      check-pass|check-fail events in the period given no later than the step
      deadline recorded on the request event they answer / all such events.

    Inspectors who patrol grids in ``region`` (all inspectors without it), each
    with a row even when idle. Eight queries whatever the number of rows.
    """
    low, high = day_bounds(start, end)
    users = get_user_model().objects.filter(groups__name=Role.INSPECTOR, is_active=True)
    if region is not None:
        users = users.filter(pk__in=inspectors_in(region))
    rows = {u.pk: Figures(key=u.pk, label=u.get_full_name() or u.username) for u in users.order_by("username")}
    patrols = Patrol.objects.filter(started_at__gte=low, started_at__lt=high, inspector_id__in=list(rows))
    for row in patrols.values("inspector_id").annotate(
        n=Count("id", distinct=True), stops=Count("route__stops", filter=Q(route__isnull=False))
    ):
        rows[row["inspector_id"]].patrols = row["n"]
        rows[row["inspector_id"]].route_grids = row["stops"]
    visits = PatrolVisit.objects.filter(patrol__in=patrols, patrol__route__isnull=False).filter(_on_route())
    for row in visits.values("patrol__inspector_id").annotate(n=Count("id")):
        rows[row["patrol__inspector_id"]].route_grids_visited = row["n"]
    cases = Case.objects.filter(
        source=Source.PATROL, reported_at__gte=low, reported_at__lt=high, reporter_id__in=list(rows)
    )
    _merge(rows, _case_counts(cases, "reporter_id"), "reporter_id", CASE_NAMES)
    events = CaseEvent.objects.filter(created_at__gte=low, created_at__lt=high, actor_id__in=list(rows))
    _merge(rows, _answer_counts(events, "actor_id"), "actor_id", ANSWER_NAMES)
    return list(rows.values())


def figures_by_grid(start: date, end: date, region: Region | None = None) -> list[Figures]:
    """Per grid, for the days [start, end], the same figures by place:

    - patrols: patrols started in the period that passed through the grid;
    - coverage: of the period's patrols whose route holds the grid, the share
      that visited it;
    - reports, valid rate, self-handled: patrol cases located in the grid;
    - on-time verify / check: answers on cases in the grid.

    Only grids with something to show; most reports first.
    """
    low, high = day_bounds(start, end)
    in_period = Q(started_at__gte=low, started_at__lt=high)
    patrols = Patrol.objects.filter(in_period)
    grids = UnitGrid.objects.filter(region_q(region)) if region is not None else None
    rows: dict[int, Figures] = {}

    def scoped(queryset, column: str):
        return queryset.filter(**{f"{column}__in": grids}) if grids is not None else queryset

    visits = scoped(PatrolVisit.objects.filter(patrol__in=patrols), "grid_id")
    for row in visits.values("grid_id").annotate(
        n=Count("patrol_id", distinct=True), on_route=Count("id", filter=Q(_on_route()))
    ):
        figures = rows.setdefault(row["grid_id"], Figures(key=row["grid_id"]))
        figures.patrols, figures.route_grids_visited = row["n"], row["on_route"]
    stops = scoped(RouteGrid.objects.filter(route__patrols__in=patrols), "grid_id")
    for row in stops.values("grid_id").annotate(n=Count("route__patrols")):
        rows.setdefault(row["grid_id"], Figures(key=row["grid_id"])).route_grids = row["n"]
    cases = scoped(Case.objects.filter(source=Source.PATROL, reported_at__gte=low, reported_at__lt=high), "grid_id")
    _merge(rows, _case_counts(cases, "grid_id"), "grid_id", CASE_NAMES)
    events = scoped(CaseEvent.objects.filter(created_at__gte=low, created_at__lt=high), "case__grid_id")
    _merge(rows, _answer_counts(events, "case__grid_id"), "case__grid_id", ANSWER_NAMES)
    codes = dict(UnitGrid.objects.filter(pk__in=list(rows)).values_list("pk", "code"))
    for figures in rows.values():
        figures.label = codes.get(figures.key, "")
    return sorted(rows.values(), key=lambda f: (-f.reports, -f.patrols, f.label))
