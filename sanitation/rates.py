"""Waste-sorting rates and tonnage (DOMAIN.md §9), per community and rolled up.

覆盖率 coverage = sorting communities / all communities; 知晓率 = aware / surveyed;
参与率 = participating households / households; 投放正确率 = correct / checked samples.

A roll-up divides the sum of the numerators by the sum of the denominators, so
a community of 900 households weighs nine times one of 100 (two communities
of 100 households with 10 taking part and 900 with 900: 910 / 1000 = 91 %, not
the mean 55 %). A zero denominator gives None: "no value", never 0 %.

The whole city's communities, sorting ledger and month records are read in
three queries and summed in Python: a city has a few thousand communities at
most, and any level, region or page costs the same.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth

from org.models import Region
from org.selectors import region_by_id
from sanitation.models import DailyTonnage, SortingCommunity, SortingMonth, WasteType
from sanitation.sorting import COUNT_FIELDS, community_scope_q

LEVELS = ("community", "street", "district", "city")


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage with one decimal; None for a zero denominator."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Rates:
    """The counts of a region (or a community) in a month, and the rates they give."""

    region_id: int | None
    communities: int = 0  # all communities in the region
    sorting: int = 0  # of which sorting in the month
    reported: int = 0  # communities with a record for the month
    households: int = 0
    participating: int = 0
    surveyed: int = 0
    aware: int = 0
    checked: int = 0
    correct: int = 0
    sorting_community_id: int | None = field(default=None, repr=False)

    @cached_property
    def region(self) -> Region | None:
        return region_by_id(self.region_id) if self.region_id else None

    @property
    def coverage(self) -> Decimal | None:
        return ratio(self.sorting, self.communities)

    @property
    def awareness(self) -> Decimal | None:
        return ratio(self.aware, self.surveyed)

    @property
    def participation(self) -> Decimal | None:
        return ratio(self.participating, self.households)

    @property
    def accuracy(self) -> Decimal | None:
        return ratio(self.correct, self.checked)

    def add(self, other: Rates) -> None:
        for name in ("communities", "sorting", "reported", *COUNT_FIELDS):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def community_rates(month: date, within: Region | None = None) -> list[Rates]:
    """One Rates per community (in ``within``; None: the city) for ``month``, in code order.

    A community counts as sorting in the month when the ledger says it sorts and
    it started no later than the month's last day.
    """
    scope = community_scope_q(within)
    rows = Region.objects.filter(scope, level=Region.Level.COMMUNITY).order_by("code").values_list("id", flat=True)
    found = {cid: Rates(region_id=cid, communities=1) for cid in rows}
    last_day = month_end(month)
    ledger = SortingCommunity.objects.filter(community_scope_q(within, "community__"), community_id__in=found)
    for sid, cid, sorting, started_on in ledger.values_list("id", "community_id", "sorting", "started_on"):
        found[cid].sorting_community_id = sid
        found[cid].sorting = int(sorting and (started_on is None or started_on <= last_day))
    records = SortingMonth.objects.filter(community_scope_q(within, "community__community__"), month=month)
    for values in records.values("community__community_id", *COUNT_FIELDS):
        rates = found.get(values.pop("community__community_id"))
        if rates is None:
            continue
        rates.reported = 1
        for name, number in values.items():
            setattr(rates, name, number)
    return list(found.values())


def _parent_at(region_id: int, level: str) -> int | None:
    region = region_by_id(region_id)
    while region is not None and region.level != level:
        region = region_by_id(region.parent_id) if region.parent_id else None
    return region.id if region is not None else None


def _city_id() -> int | None:
    return Region.objects.filter(level=Region.Level.CITY).order_by("code").values_list("id", flat=True).first()


def rates(month: date, level: str = "district", within: Region | None = None) -> tuple[list[Rates], Rates]:
    """The rates of ``month`` per region of ``level`` inside ``within``, and the total of them all."""
    if level not in LEVELS:
        raise ValueError(level)
    total = Rates(region_id=within.id if within is not None else None)
    communities = community_rates(month, within)
    if level == "community":
        for row in communities:
            total.add(row)
        return communities, total
    grouped: dict[int | None, Rates] = {}
    city_id = _city_id() if level == "city" else None
    for row in communities:
        key = city_id if level == "city" else _parent_at(row.region_id, level)
        grouped.setdefault(key, Rates(region_id=key)).add(row)
        total.add(row)
    ordered = sorted(grouped.values(), key=lambda r: r.region.code if r.region else "")
    return ordered, total


def latest_month() -> date | None:
    """The most recent month with any record: the page opens on it."""
    return SortingMonth.objects.order_by("-month").values_list("month", flat=True).first()


# --- tonnage ------------------------------------------------------------------------------


def street_scope_q(region: Region | None, prefix: str = "street__") -> Q:
    """Q for street regions (``prefix`` leads to one) covering ``region``; a
    community's tonnage is its street's (tonnage is kept per street)."""
    if region is None or region.level == Region.Level.CITY:
        return Q()
    if region.level == Region.Level.COMMUNITY:
        return Q(**{f"{prefix}id": region.parent_id})
    path = {Region.Level.STREET: "id", Region.Level.DISTRICT: "parent_id"}[region.level]
    return Q(**{f"{prefix}{path}": region.id})


@dataclass
class TonnageRow:
    period: date
    tonnes: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.tonnes.values(), Decimal(0))

    def by_type(self) -> list[Decimal]:
        return [self.tonnes.get(kind, Decimal(0)) for kind in WasteType.values]


def tonnage(*, start: date, end: date, within: Region | None = None, per: str = "day") -> list[TonnageRow]:
    """Tonnes per waste type per day (``per="day"``) or month (``"month"``) from
    ``start`` to ``end`` inclusive, in ``within``; periods without any record are left out."""
    rows = DailyTonnage.objects.filter(street_scope_q(within), day__gte=start, day__lte=end)
    period = F("day") if per == "day" else TruncMonth("day")
    found: dict[date, TonnageRow] = {}
    for when, kind, tonnes in (
        rows.annotate(period=period)
        .values("period", "waste_type")
        .annotate(t=Sum("tonnes"))
        .values_list("period", "waste_type", "t")
    ):
        found.setdefault(when, TonnageRow(when, {})).tonnes[kind] = tonnes
    return [found[key] for key in sorted(found)]


def tonnage_total(rows: list[TonnageRow]) -> TonnageRow | None:
    if not rows:
        return None
    total = TonnageRow(rows[0].period, {})
    for row in rows:
        for kind, tonnes in row.tonnes.items():
            total.tonnes[kind] = total.tonnes.get(kind, Decimal(0)) + tonnes
    return total
