"""Demo sanitation data (issue 6) for the demo city of org.demo.

Ledgers for every street and district (road sections, toilets, transfer
stations, collection points with their four bins, sorting communities with one
in ten not sorting yet, muck companies and vehicles, 门前三包 letters with a
few checks), then four months of waste-sorting surveys and daily tonnage.

Everything is bulk-written from a seeded random generator, so it takes about a
second. Each part is skipped when its rows are already there: a second run
leaves the data (and whatever people changed since) alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from org.models import Region, UnitGrid
from sanitation.models import (
    Bin,
    CollectionPoint,
    DailyTonnage,
    FrontageCheck,
    FrontageLetter,
    Inspection,
    InspectionTemplate,
    MuckCompany,
    MuckVehicle,
    PublicToilet,
    RoadSection,
    SortingCommunity,
    SortingMonth,
    TransferStation,
    WasteType,
)

SORTING_MONTHS = 4
COMPANIES = ["城洁环境", "绿源保洁", "洁美物业", "清风环卫"]
MUCK_NAMES = ["宏达土方运输有限公司", "顺通渣土运输有限公司", "鑫盛运输有限公司", "通达建材运输有限公司"]
SHOPS = ["便利店", "水果店", "小吃店", "五金店", "理发店", "药店", "面馆", "花店"]
# Average tonnes a street collects per day by type (kitchen and other dominate).
TONNES_PER_DAY = {WasteType.RECYCLABLE: 3.0, WasteType.HAZARDOUS: 0.05, WasteType.KITCHEN: 9.0, WasteType.OTHER: 14.0}


def _months_back(today: date, count: int) -> list[date]:
    """The first days of the ``count`` complete months before ``today``'s, oldest first."""
    months, month = [], today.replace(day=1)
    for _step in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


@transaction.atomic
def seed_sanitation(*, seed: int = 339906, today: date | None = None) -> str:
    """Seed what is missing; returns the rows written per part."""
    if not Region.objects.filter(level="street").exists():
        return "no territory"
    rng = random.Random(seed)
    today = today or timezone.localdate()
    streets = list(Region.objects.filter(level="street").order_by("code"))
    communities = list(Region.objects.filter(level="community").order_by("code"))
    grids = {}
    for grid in UnitGrid.objects.order_by("code").only("id", "community_id", "centroid_lat", "centroid_lng"):
        grids.setdefault(grid.community_id, grid)
    parent = {r.id: r.parent_id for r in [*streets, *communities]}
    counts = {}
    parts = [
        ("roads", RoadSection, lambda: _roads(streets, communities, grids, rng)),
        ("toilets", PublicToilet, lambda: _toilets(streets, communities, grids, rng)),
        ("stations", TransferStation, lambda: _stations(streets, grids, communities, rng)),
        ("points", CollectionPoint, lambda: _points(communities, parent, grids, rng)),
        ("sorting", SortingCommunity, lambda: _sorting(communities, today, rng)),
        ("muck", MuckCompany, lambda: _muck(rng)),
        ("letters", FrontageLetter, lambda: _letters(streets, communities, parent, today, rng)),
        ("months", SortingMonth, lambda: _sorting_months(today, rng)),
        ("tonnage", DailyTonnage, lambda: _tonnage(streets, today, rng)),
        ("inspections", Inspection, lambda: _inspections(today, rng)),
    ]
    for label, model, make in parts:
        counts[label] = 0 if model.objects.exists() else make()
    return str(counts)


def _placed(community: Region, parent: dict[int, int], grids: dict) -> dict:
    street_id = parent[community.id]
    grid = grids.get(community.id)
    return {
        "district_id": parent[street_id],
        "street_id": street_id,
        "community_id": community.id,
        "grid_id": grid.id if grid else None,
    }


def _by_street(communities: list[Region]) -> dict[int, list[Region]]:
    found: dict[int, list[Region]] = {}
    for community in communities:
        found.setdefault(community.parent_id, []).append(community)
    return found


def _roads(streets, communities, grids, rng) -> int:
    parent = {c.id: c.parent_id for c in communities} | {s.id: s.parent_id for s in streets}
    in_street = _by_street(communities)
    rows = []
    plan = [
        (RoadSection.Grade.MAIN, RoadSection.Control.FORBIDDEN, "大道"),
        (RoadSection.Grade.SECONDARY, RoadSection.Control.STRICT, "路"),
        (RoadSection.Grade.LANE, RoadSection.Control.REGULATED, "巷"),
    ]
    for street in streets:
        base = street.name.removesuffix("街道")
        for n, (grade, control, suffix) in enumerate(plan):
            community = in_street[street.id][n % len(in_street[street.id])]
            length = Decimal(rng.randrange(300, 2500))
            width = {RoadSection.Grade.MAIN: 30, RoadSection.Grade.SECONDARY: 18, RoadSection.Grade.LANE: 8}[grade]
            rows.append(
                RoadSection(
                    code=f"DL-{street.code}-{n + 1}",
                    name=f"{base}{suffix}",
                    grade=grade,
                    control_level=control,
                    length_m=length,
                    area_m2=length * width,
                    cleaning_company=rng.choice(COMPANIES),
                    mechanised=grade != RoadSection.Grade.LANE or rng.random() < 0.3,
                    rolling_18h=grade == RoadSection.Grade.MAIN,
                    **_placed(community, parent, grids),
                )
            )
    RoadSection.objects.bulk_create(rows)
    return len(rows)


def _toilets(streets, communities, grids, rng) -> int:
    parent = {c.id: c.parent_id for c in communities} | {s.id: s.parent_id for s in streets}
    in_street = _by_street(communities)
    rows = []
    for street in streets:
        community = in_street[street.id][rng.randrange(len(in_street[street.id]))]
        grid = grids.get(community.id)
        rows.append(
            PublicToilet(
                code=f"GC-{street.code}",
                name=f"{community.name}公厕",
                toilet_class=rng.choice(PublicToilet.Grade.values),
                address=f"{street.name.removesuffix('街道')}路 {rng.randrange(1, 300)} 号旁",
                keeper=rng.choice(["张", "李", "王", "赵"]) + "师傅",
                lat=grid.centroid_lat if grid else None,
                lng=grid.centroid_lng if grid else None,
                **_placed(community, parent, grids),
            )
        )
    PublicToilet.objects.bulk_create(rows)
    return len(rows)


def _stations(streets, grids, communities, rng) -> int:
    first_street: dict[int, Region] = {}
    for street in streets:
        first_street.setdefault(street.parent_id, street)
    first_community = {c.parent_id: c for c in reversed(communities)}
    rows = []
    for district_id, street in first_street.items():
        community = first_community[street.id]
        grid = grids.get(community.id)
        rows.append(
            TransferStation(
                code=f"ZZ-{street.code[:6]}",
                name=f"{street.name.removesuffix('街道')}垃圾中转站",
                address=f"{street.name}{rng.randrange(1, 99)} 号",
                capacity_t=Decimal(rng.choice([80, 120, 150, 200])),
                operator=rng.choice(COMPANIES),
                lat=grid.centroid_lat if grid else None,
                lng=grid.centroid_lng if grid else None,
                district_id=district_id,
                street_id=street.id,
                community_id=community.id,
                grid_id=grid.id if grid else None,
            )
        )
    TransferStation.objects.bulk_create(rows)
    return len(rows)


def _points(communities, parent, grids, rng) -> int:
    points = []
    for community in communities:
        grid = grids.get(community.id)
        points.append(
            CollectionPoint(
                code=f"TF-{community.code}",
                name=f"{community.name}分类投放点",
                address=f"{community.name}{rng.randrange(1, 40)} 幢旁",
                lat=grid.centroid_lat if grid else None,
                lng=grid.centroid_lng if grid else None,
                **_placed(community, parent, grids),
            )
        )
    CollectionPoint.objects.bulk_create(points)
    saved = CollectionPoint.objects.filter(code__in=[p.code for p in points])
    bins = [
        Bin(point=point, waste_type=kind, count=rng.randint(1, 4) if kind != WasteType.HAZARDOUS else 1)
        for point in saved
        for kind in WasteType.values
    ]
    Bin.objects.bulk_create(bins)
    return len(points)


def _sorting(communities, today: date, rng) -> int:
    rows = []
    for community in communities:
        sorting = rng.random() >= 0.12  # about one in eight has not started, unevenly across districts
        rows.append(
            SortingCommunity(
                community=community,
                households=rng.randrange(600, 3200),
                sorting=sorting,
                started_on=today.replace(year=today.year - 1, month=1, day=1) if sorting else None,
            )
        )
    SortingCommunity.objects.bulk_create(rows)
    return len(rows)


def _muck(rng) -> int:
    districts = list(Region.objects.filter(level="district").order_by("code"))
    vehicles = []
    for n, district in enumerate(districts):
        company = MuckCompany.objects.create(
            name=f"{district.name}{MUCK_NAMES[n % len(MUCK_NAMES)]}",
            licence_no=f"91339900MA{n + 1:08d}",
            contact=rng.choice(["陈经理", "周经理", "吴经理"]),
            district=district,
            filed=n % 4 != 3,
        )
        for v in range(rng.randint(2, 4)):
            vehicles.append(
                MuckVehicle(
                    company=company,
                    plate=f"浙A{n + 1}{v + 1}D{rng.randrange(100, 999)}",
                    filed=company.filed and v != 3,
                    capacity_t=Decimal(rng.choice([15, 18, 25, 31])),
                )
            )
    MuckVehicle.objects.bulk_create(vehicles)
    return len(districts)


def _letters(streets, communities, parent, today: date, rng) -> int:
    in_street = _by_street(communities)
    assessor = get_user_model().objects.filter(groups__name="assessor").order_by("pk").first()
    letters = []
    for street in streets:
        for n in range(2):
            community = in_street[street.id][n]
            letters.append(
                FrontageLetter(
                    shop_name=f"{street.name.removesuffix('街道')}{SHOPS[(n + len(letters)) % len(SHOPS)]}",
                    address=f"{street.name.removesuffix('街道')}路 {rng.randrange(1, 300)} 号",
                    responsible=rng.choice(["刘", "孙", "钱", "郑"]) + rng.choice(["先生", "女士"]),
                    signed_on=today - timedelta(days=rng.randrange(30, 400)),
                    district_id=parent[street.id],
                    street_id=street.id,
                    community_id=community.id,
                )
            )
    FrontageLetter.objects.bulk_create(letters)
    saved = list(FrontageLetter.objects.order_by("pk"))
    checks = [
        FrontageCheck(
            letter=letter,
            checked_on=today - timedelta(days=rng.randrange(1, 28)),
            compliant=rng.random() < 0.8,
            note="" if rng.random() < 0.7 else "门前有杂物堆放",
            checked_by=assessor,
        )
        for letter in saved[::3]
    ]
    FrontageCheck.objects.bulk_create(checks)
    return len(letters)


def _sorting_months(today: date, rng) -> int:
    ledger = list(SortingCommunity.objects.filter(sorting=True).order_by("community__code"))
    rows = []
    for m, month in enumerate(_months_back(today, SORTING_MONTHS)):
        for community in ledger:
            quality = rng.uniform(0.55, 0.9) + m * 0.02  # a little better every month
            households = community.households
            surveyed = rng.randrange(50, 200)
            checked = rng.randrange(20, 80)
            rows.append(
                SortingMonth(
                    community=community,
                    month=month,
                    households=households,
                    participating=min(households, round(households * quality)),
                    surveyed=surveyed,
                    aware=min(surveyed, round(surveyed * (quality + 0.08))),
                    checked=checked,
                    correct=min(checked, round(checked * (quality - 0.05))),
                )
            )
    SortingMonth.objects.bulk_create(rows)
    return len(rows)


def _tonnage(streets, today: date, rng) -> int:
    start = _months_back(today, SORTING_MONTHS)[0]
    rows = []
    day = start
    while day < today:
        for street in streets:
            for kind, mean in TONNES_PER_DAY.items():
                tonnes = Decimal(str(round(mean * rng.uniform(0.7, 1.3), 2)))
                rows.append(DailyTonnage(street=street, day=day, waste_type=kind, tonnes=tonnes))
        day += timedelta(days=1)
    DailyTonnage.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _inspections(today: date, rng: random.Random) -> int:
    """A few scored inspections of roads and toilets per district and month, by the demo
    assessor through the inspection service (none without that user)."""
    from datetime import datetime, time

    from django.contrib.auth import get_user_model

    from cases import clock
    from org.worktime import get_work_calendar
    from sanitation.inspections import inspection_record, load_starter_templates

    assessor = get_user_model().objects.filter(username="assessor", is_active=True).first()
    if assessor is None:
        return 0
    load_starter_templates()
    templates = {t.target: t for t in InspectionTemplate.objects.filter(is_active=True).prefetch_related("items")}
    roads = list(RoadSection.objects.order_by("code"))
    toilets = list(PublicToilet.objects.order_by("code"))
    tz = get_work_calendar().tz
    made = 0
    for month in _months_back(today, 4):
        for _ in range(36):
            target_kind = "road" if rng.random() < 0.7 else "toilet"
            template = templates.get(target_kind)
            pool = roads if target_kind == "road" else toilets
            if template is None or not pool:
                continue
            target = rng.choice(pool)
            counts = {item.id: rng.choice([0, 0, 0, 1, 1, 2, 3]) for item in template.items.all()}
            moment = datetime.combine(month.replace(day=rng.randint(1, 27)), time(rng.randint(8, 16), 0), tzinfo=tz)
            with clock.acting_at(moment):
                inspection_record(
                    by=assessor,
                    template=template,
                    road=target if target_kind == "road" else None,
                    toilet=target if target_kind == "toilet" else None,
                    counts=counts,
                    note="例行考评",
                )
            made += 1
    return made
