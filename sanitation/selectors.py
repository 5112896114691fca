"""Reads of sanitation inspections that need scoping or span relations.

Who sees which inspections is decided here only (pages and the API call
``inspections_visible_to``): assessors, admins, dispatchers and shift leaders
see every inspection; a leader sees those of the region they are scoped to.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from org.models import Region
from org.selectors import user_roles
from sanitation.access import READ_ROLES as READER_ROLES
from sanitation.access import read_scope as leader_region
from sanitation.models import Inspection

LEVELS = ("district", "street")


def _region_q(region: Region, prefix: str = "") -> Q:
    """Rows of inspections inside ``region`` (by the district stored on the row,
    or the street/community of the road or toilet for the lower levels)."""
    if region.level == Region.Level.CITY:
        return Q(**{f"{prefix}district__parent_id": region.id})
    if region.level == Region.Level.DISTRICT:
        return Q(**{f"{prefix}district_id": region.id})
    field = "street_id" if region.level == Region.Level.STREET else "community_id"
    return Q(**{f"{prefix}road__{field}": region.id}) | Q(**{f"{prefix}toilet__{field}": region.id})


def inspections_visible_to(user) -> QuerySet[Inspection]:
    """The inspections ``user`` may read: none without a reading role."""
    roles = user_roles(user)
    if not roles & READER_ROLES:
        return Inspection.objects.none()
    region = leader_region(user)
    if region is None:
        return Inspection.objects.all()
    return Inspection.objects.filter(_region_q(region))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) in the city's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_sanitation_scores(month: date, level: str = "district", within: Region | None = None) -> list[dict]:
    """Per district (or street) the monthly sanitation score: the mean of the
    inspection scores of that month (DOMAIN.md §9), with the number of
    inspections. Every region of the level is listed; ``score`` is None for one
    without inspections, so a report can leave the component out rather than
    count it as 0. ``within`` keeps the regions inside one region (a leader's).

    Rows: ``{"region": Region, "code", "name", "score": Decimal | None, "count": int}``,
    in region code order; the score is rounded to 0.1.
    """
    if level not in LEVELS:
        raise ValueError(level)
    start, end = month_bounds(month)
    inspections = Inspection.objects.filter(inspected_at__gte=start, inspected_at__lt=end)
    regions = Region.objects.filter(level=level)
    if level == "district":
        key = "district_id"
    else:
        inspections = inspections.annotate(street_key=Coalesce("road__street_id", "toilet__street_id"))
        key = "street_key"
    if within is not None:
        inspections = inspections.filter(_region_q(within))
        regions = regions.filter(_within(within, level))
    figures = {
        row[key]: row
        for row in inspections.order_by().values(key).annotate(mean=Avg("score"), count=Count("id"))
        if row[key] is not None
    }
    rows = []
    for region in regions.only("code", "name", "level", "parent_id").order_by("code"):
        found = figures.get(region.id)
        mean = found["mean"] if found else None
        rows.append(
            {
                "region": region,
                "code": region.code,
                "name": region.name,
                "score": Decimal(mean).quantize(Decimal("0.1")) if mean is not None else None,
                "count": found["count"] if found else 0,
            }
        )
    return rows


def _within(region: Region, level: str) -> Q:
    if region.level == Region.Level.CITY:
        return Q(parent_id=region.id) if level == "district" else Q(parent__parent_id=region.id)
    if region.level == Region.Level.DISTRICT:
        return Q(id=region.id) if level == "district" else Q(parent_id=region.id)
    if region.level == Region.Level.STREET:
        return Q(id=region.parent_id) if level == "district" else Q(id=region.id)
    return Q(id=region.parent.parent_id) if level == "district" else Q(id=region.parent_id)
