"""Reads about cases that span relations or need rules."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from cases import clock
from cases.models import Case, Category, CategoryKind, Status
from org.models import Department

DUPLICATE_DAYS = 30
DUPLICATE_METRES = 50
METRES_PER_DEGREE_LAT = 111_320
# What a suggestion shows and sorts by; callers wanting more load the case.
CANDIDATE_FIELDS = (
    "id", "number", "status", "category_id", "lat", "lng", "reported_at", "closed_at", "caller_phone"
)  # fmt: skip


@dataclass
class DuplicateCandidate:
    case: Case
    reasons: list[str] = field(default_factory=list)
    distance_m: float | None = None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def duplicate_candidates(
    *,
    category: Category,
    lat: float,
    lng: float,
    caller_phone: str = "",
    at: datetime | None = None,
    exclude: Case | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Possible duplicates at intake (DOMAIN.md §6): the same category within 50 m
    that is open or was closed within 30 days, and (hotline) the same caller
    phone within 30 days. Nearest first, then newest."""
    at = at or clock.now()
    since = at - timedelta(days=DUPLICATE_DAYS)
    dlat = DUPLICATE_METRES / METRES_PER_DEGREE_LAT
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    open_statuses = [s for s in Status if s not in (Status.CLOSED, Status.REJECTED, Status.VOIDED)]
    near = Q(
        Q(status__in=open_statuses) | Q(status=Status.CLOSED, closed_at__gte=since),
        category=category,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    same_caller = Q(caller_phone=caller_phone, reported_at__gte=since) & ~Q(status=Status.VOIDED)
    # One query for both reasons (an index each, OR-ed by the database); each
    # row is then told apart by the same conditions in Python.
    rows = (
        Case.objects.filter(near | same_caller if caller_phone else near)
        .only(*CANDIDATE_FIELDS)
        .order_by("-reported_at")[:250]
    )
    found: dict[int, DuplicateCandidate] = {}
    for case in rows:
        candidate = DuplicateCandidate(case)
        if case.category_id == category.id:
            metres = distance_m(lat, lng, case.lat, case.lng)
            alive = case.status in open_statuses or (
                case.status == Status.CLOSED and case.closed_at is not None and case.closed_at >= since
            )
            if alive and metres <= DUPLICATE_METRES:
                candidate.reasons.append(_("%(m)d 米内的同类案件") % {"m": round(metres)})
                candidate.distance_m = metres
        same = caller_phone and case.caller_phone == caller_phone and case.reported_at >= since
        if same and case.status != Status.VOIDED:
            candidate.reasons.append(_("同一来电号码 30 天内的案件"))
        if candidate.reasons:
            found[case.id] = candidate
    if exclude is not None:
        found.pop(exclude.id, None)
    ordered = sorted(
        found.values(), key=lambda c: (c.distance_m is None, c.distance_m or 0, -c.case.reported_at.timestamp())
    )
    return ordered[:limit]


def default_department(case: Case) -> Department | None:
    """Default routing (DOMAIN.md §1): a component goes to its owner department
    first, then the locality (先属主后属地); an event to the street office of
    its grid first, then the owner (先属地后属主)."""
    category = case.category
    owners = Department.objects.filter(kind=category.owner_department_kind, is_active=True)
    if category.owner_department_kind == Department.Kind.STREET_OFFICE:
        owners = owners.filter(street_id=case.street_id)
    owner = owners.order_by("code").first()
    locality = Department.objects.filter(
        kind=Department.Kind.STREET_OFFICE, street_id=case.street_id, is_active=True
    ).first()
    order = [owner, locality] if category.kind == CategoryKind.COMPONENT else [locality, owner]
    return next((d for d in order if d is not None), None)


def inspector_scope_q(user) -> Q:
    """Cases an inspector may verify or check: assigned to them by name, or
    assigned to nobody by name and lying in one of their grids (DOMAIN.md §8).
    The services' guard and the inspector's task list both use it."""
    from org.models import UnitGrid

    grids = UnitGrid.objects.filter(inspectors=user).values("id")
    return Q(inspector_id=user.pk) | Q(inspector__isnull=True, grid_id__in=grids)


def grid_inspector(case: Case):
    """The inspector assigned to the case's grid (the first by username), if any."""
    return case.grid.inspectors.filter(is_active=True).order_by("username").first()


def available_actions(case: Case, user, *, pending_request: bool | None = None) -> list[str]:
    """The actions the user can take on the case now, for pages and the API.

    The same conditions the services check (role, state, department or
    inspector scope, and each action's precondition), read from the case as
    loaded, so a list asks no extra query per row. ``pending_request`` is
    whether a request awaits a decision (prefetch it; None asks the database).
    Grid-based inspector scope is taken as given for inspectors, so the service
    may still refuse an inspector outside the case's grids.
    """
    from cases.models import Satisfaction, Source
    from cases.rules import DEPARTMENT_ACTIONS, INSPECTOR_ACTIONS, RULES
    from org.selectors import user_roles

    roles = user_roles(user)
    if not roles:
        return []
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    if pending_request is None:
        pending_request = case.requests.filter(state="pending").exists()
    now = clock.now()
    preconditions = {
        "contact-caller": case.source == Source.HOTLINE,
        "callback": case.is_citizen_case
        and not (case.callback_at and case.closed_at and case.callback_at >= case.closed_at),
        "decide-request": pending_request,
        "request-return": not pending_request,
        "request-delay": not pending_request,
        "request-suspend": not pending_request,
        "reopen": case.satisfaction == Satisfaction.DISSATISFIED
        and case.department_id is not None
        and case.closed_at is not None
        and now - case.closed_at <= timedelta(days=30),
    }
    allowed = []
    for name, rule in RULES.items():
        if not (rule.roles & roles and case.status in rule.sources and preconditions.get(name, True)):
            continue
        if name in DEPARTMENT_ACTIONS and not (department_id and department_id == case.department_id):
            continue
        if name in INSPECTOR_ACTIONS and case.inspector_id not in (None, user.pk):
            continue
        allowed.append(name)
    return allowed
