"""Demo patrols (issue 5): routes, three weeks of patrols with tracks, findings and 三色单.

Made through patrols.services with the clock set to each moment
(``cases.clock.acting_at``), like the case history of cases.demo, so tracks,
visits, coverage, findings and notice colours come out as if people had
walked them. A second run leaves existing demo patrols alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cases import clock
from cases.demo import _png
from cases.models import Category
from org.models import Region, UnitGrid
from org.worktime import get_work_calendar
from patrols import enforcement, services
from patrols.models import EnforcementSubject, Patrol, PatrolTask, Route, RouteGrid

ROUTE_PREFIX = "XL-"
GRIDS_PER_ROUTE = 8
PATROL_DAYS = 21
FINDING_CATEGORIES = ["06010", "09005", "09006", "01001"]
SHOPS = [
    ("老王水果店", "示范路 12 号"),
    ("好再来餐馆", "建设路 88 号"),
    ("便民早餐车", "幸福巷口"),
    ("鑫源五金", "人民路 203 号"),
    ("小李烧烤", "夜市街 5 号"),
    ("阳光花店", "解放路 17 号"),
    ("红星便利店", "中山路 66 号"),
    ("惠民菜摊", "菜场东门"),
]
NOTICE_CATEGORIES = ["09006", "09005"]


def seed_patrols(*, seed: int = 339900, end: datetime | None = None) -> str:
    if Route.objects.filter(code__startswith=ROUTE_PREFIX).exists():
        return "demo patrols already there"
    rng = random.Random(seed)
    end = end or timezone.localtime()
    routes = _routes()
    inspectors = _inspectors_by_district()
    counts = {"routes": sum(len(r) for r in routes.values()), "patrols": 0, "points": 0, "findings": 0, "notices": 0}
    calendar = get_work_calendar()
    today = end.date()
    for offset in range(PATROL_DAYS, -7, -1):  # three weeks back, and next week planned
        day = today - timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for district_id, inspector in inspectors.items():
            choices = routes.get(district_id, [])
            if not choices:
                continue
            route = choices[day.toordinal() % len(choices)]
            task, _created = PatrolTask.objects.get_or_create(
                inspector=inspector, date=day, shift_start=time(7, 30), defaults={"route": route}
            )
            if day >= today:
                continue  # planned
            _patrol, points, findings = _walk(task, route, inspector, day, rng)
            counts["patrols"] += 1
            counts["points"] += points
            counts["findings"] += findings
    counts["notices"] = _notices(inspectors, today, rng)
    return str(counts)


def _routes() -> dict[int, list[Route]]:
    """Two routes per district through neighbouring grids."""
    made: dict[int, list[Route]] = {}
    for district in Region.objects.filter(level="district").order_by("code"):
        grids = list(UnitGrid.objects.filter(district=district).order_by("code").values_list("id", flat=True))
        for index in range(2):
            stop = grids[index * GRIDS_PER_ROUTE : (index + 1) * GRIDS_PER_ROUTE]
            if len(stop) < 2:
                continue
            route = Route.objects.create(
                code=f"{ROUTE_PREFIX}{district.code}-{index + 1}",
                name=f"{district.name}{'东西'[index]}线",
                district=district,
                description="演示路线",
            )
            RouteGrid.objects.bulk_create(
                [RouteGrid(route=route, grid_id=g, position=n + 1) for n, g in enumerate(stop)]
            )
            made.setdefault(district.id, []).append(route)
    return made


def _inspectors_by_district() -> dict[int, object]:
    users = get_user_model().objects.filter(groups__name="inspector", is_active=True)
    by_district = {}
    for user in users.select_related("profile"):
        region_id = getattr(getattr(user, "profile", None), "region_id", None)
        grid = UnitGrid.objects.filter(inspectors=user).order_by("code").first()
        district_id = grid.district_id if grid else region_id
        if district_id and district_id not in by_district:
            by_district[district_id] = user
    return by_district


def _walk(task: PatrolTask, route: Route, inspector, day: date, rng: random.Random) -> tuple[Patrol, int, int]:
    tz = get_work_calendar().tz
    moment = datetime.combine(day, time(8, rng.randint(0, 40)), tzinfo=tz)
    stops = list(route.stops.select_related("grid").order_by("position"))
    walked = stops if rng.random() < 0.7 else stops[: max(2, len(stops) - rng.randint(1, 3))]
    with clock.acting_at(moment):
        patrol = services.patrol_start(by=inspector, task=task)
    points, findings = [], 0
    for stop in walked:
        grid = stop.grid
        for _ in range(3):
            moment += timedelta(minutes=rng.randint(3, 8))
            points.append(
                {
                    "client_id": f"demo-{patrol.pk}-{len(points)}",
                    "lat": rng.uniform(grid.min_lat, grid.max_lat),
                    "lng": rng.uniform(grid.min_lng, grid.max_lng),
                    "recorded_at": moment,
                    "accuracy_m": round(rng.uniform(4, 20), 1),
                }
            )
    with clock.acting_at(moment):
        services.patrol_add_points(patrol=patrol, by=inspector, points=points)
    if rng.random() < 0.4:
        point = rng.choice(points)
        self_handled = rng.random() < 0.35
        photos = [SimpleUploadedFile("before.png", _png((150, 60, 40)), content_type="image/png")]
        after = [SimpleUploadedFile("after.png", _png((40, 150, 60)), content_type="image/png")] if self_handled else []
        with clock.acting_at(point["recorded_at"] + timedelta(minutes=1)):
            services.patrol_report(
                patrol=patrol,
                by=inspector,
                client_id=f"demo-finding-{patrol.pk}",
                category=rng.choice(FINDING_CATEGORIES),
                description="巡查发现：路面问题需要处理" if not self_handled else "巡查中发现并当场处理",
                lat=point["lat"],
                lng=point["lng"],
                address="",
                photos=photos,
                after_photos=after,
                self_handled=self_handled,
            )
        findings = 1
    with clock.acting_at(moment + timedelta(minutes=10)):
        services.patrol_end(patrol=patrol, by=inspector)
    return patrol, len(points), findings


@transaction.atomic
def _notices(inspectors: dict, today: date, rng: random.Random) -> int:
    if not inspectors:
        return 0
    categories = {c.code: c for c in Category.objects.filter(code__in=NOTICE_CATEGORIES)}
    if not categories:
        return 0
    tz = get_work_calendar().tz
    issued = 0
    officers = list(inspectors.values())
    for index, (name, address) in enumerate(SHOPS):
        subject = EnforcementSubject.objects.create(name=name, address=address, licence_no=f"9133{index:014d}")
        officer = officers[index % len(officers)]
        category = categories[NOTICE_CATEGORIES[index % len(NOTICE_CATEGORIES)]]
        count = 1 + index % 6  # from a first blue notice to the escalation ladder
        for n in range(count):
            day = today - timedelta(days=80 - n * 12 - rng.randint(0, 3))
            with clock.acting_at(datetime.combine(day, time(10, rng.randint(0, 59)), tzinfo=tz)):
                level = enforcement.next_notice_level(subject, category, clock.now())
                enforcement.notice_issue(
                    by=officer,
                    subject=subject,
                    category=category,
                    description=f"{name}存在{category.name}行为",
                    decision="责令立即改正" if level.step else "",
                    penalty_amount=200 if level.step == "penalty" else None,
                )
            issued += 1
    return issued
