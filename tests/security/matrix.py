"""The access matrix: who may open which route of the project (DOMAIN.md §2, §10).

``routes()`` walks the URL resolver, so a route added later shows up here and the
matrix test fails until the route has its row. ``build_scene`` makes one real
object for every URL parameter (a case, a photo, a patrol, a notice, a ledger row,
a bulletin day …), all in district 339901 and department 市政 (handler_a's), so the
handler of 环卫 and the leader of 339902 are the people "of another department /
district" who must not reach them by guessing a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import road_section

# --- the people --------------------------------------------------------------------------

# Column order of the tables: anonymous, then every demo role, then the people of
# another department / district, then a signed-in user with no role.
COLUMNS = ("anon", "op", "sl", "dp", "hA", "hB", "in", "as", "ld", "ldB", "cl", "ad", "out")
WHO = {
    "anon": "anonymous",
    "op": "operator 受理员",
    "sl": "shift leader 值班长",
    "dp": "dispatcher 派遣员",
    "hA": "handler of 市政 (the objects' department)",
    "hB": "handler of 环卫 (another department)",
    "in": "inspector 监督员 (grids of district 339901)",
    "as": "assessor 环卫考评员",
    "ld": "leader of district 339901 (the objects' district)",
    "ldB": "leader of district 339902 (another district)",
    "cl": "city leader",
    "ad": "admin",
    "out": "signed in, no role",
}


def person(scene, column: str):
    return {
        "anon": None,
        "op": scene.operator,
        "sl": scene.shift_leader,
        "dp": scene.dispatcher,
        "hA": scene.handler_a,
        "hB": scene.handler_b,
        "in": scene.inspector,
        "as": scene.assessor,
        "ld": scene.leader,
        "ldB": scene.leader_b,
        "cl": scene.city_leader,
        "ad": scene.admin,
        "out": scene.outsider,
    }[column]


# --- the routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern itself for an unnamed route
    pattern: str  # the full pattern, for messages
    converters: tuple[str, ...]  # the names of its parameters


def routes() -> list[Route]:
    """Every URL pattern of the project, includes walked."""
    found: list[Route] = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or pattern)
                params = tuple(entry.pattern.regex.groupindex)
                found.append(Route(name=name, pattern=pattern, converters=params))

    walk(get_resolver(), "", "")
    return found


# --- the objects ---------------------------------------------------------------------------


def build_scene(world) -> SimpleNamespace:
    """One of everything, made through the real services where there is one."""
    from django.core.cache import cache

    from cases import clock
    from cases.models import Attachment, Category, Notification, Status
    from org.worktime import get_work_calendar
    from patrols.enforcement import notice_issue, subject_find_or_create
    from patrols.models import PatrolTask, Route, RouteGrid
    from patrols.services import patrol_start
    from reports.bulletins import generate_daily
    from sanitation import tasks as sanitation_tasks
    from sanitation.inspections import inspection_record, load_starter_templates
    from sanitation.models import FrontageLetter, InspectionTemplate
    from tests.cases.conftest import at, case_in, photo
    from tests.factories import make_person

    cache.clear()  # rate-limit counters and cached pages of an earlier run (our own Redis db)
    s = world
    city = s.city
    s.assessor = make_person("assessor", ["assessor"])
    s.leader_b = make_person("leader-339902", ["leader"], region=city.districts[1])
    s.inspector_b = make_person("inspector-339902", ["inspector"])
    for grid in city.grids[4:]:
        grid.inspectors.add(s.inspector_b)

    # Cases: one in progress with 市政 (the actions' target, a hotline case with a
    # caller), one closed with photos at every stage (photos, the public pages).
    s.case = case_in(Status.IN_PROGRESS, world, grid=1, department="sz")
    s.closed = case_in(Status.CLOSED, world, grid=1, department="sz", source="patrol")
    s.photo = Attachment.objects.filter(case=s.closed, stage=Attachment.Stage.REPORT).first()
    s.after_photo = Attachment.objects.filter(case=s.closed, stage=Attachment.Stage.AFTER).first()
    s.case_b = case_in(Status.IN_PROGRESS, world, grid=5, department="hw")
    s.notification = Notification.objects.create(
        kind=Notification.Kind.REMINDER, case=s.case, department=s.dept_a, text="到期提醒", created_at=clock.now()
    )

    # Patrols: a route of district 339901, today's task, the inspector's patrol,
    # a subject and its notice.
    s.route = Route.objects.create(code="R-SEC", name="安全测试路线", district=city.districts[0])
    for position, grid in enumerate(city.grids[:3], start=1):
        RouteGrid.objects.create(route=s.route, grid=grid, position=position)
    today = clock.now().astimezone(get_work_calendar().tz).date()
    s.task = PatrolTask.objects.create(route=s.route, inspector=s.inspector, date=today)
    s.patrol = patrol_start(by=s.inspector)
    s.subject = subject_find_or_create(name="好味面馆", address="人民路 8 号", grid=city.grids[1])
    s.category = Category.objects.get(code="01001")
    s.notice = notice_issue(by=s.inspector, subject=s.subject, category=s.category, description="占道经营")

    # Sanitation: a road section and a 门前三包 letter of district 339901, an
    # inspection with a fault, an import job of the assessor.
    s.road = road_section(city, "LD-SEC", name="安全测试路")
    s.letter = FrontageLetter.objects.create(
        shop_name="好味面馆",
        address="人民路 8 号",
        responsible="王五",
        signed_on="2026-03-01",
        district=city.districts[0],
    )
    load_starter_templates()
    template = InspectionTemplate.objects.get(code="road-cleaning")
    item = template.items.order_by("position").first()
    with clock.acting_at(at("2026-11-18 10:00")):
        s.inspection = inspection_record(
            by=s.assessor, template=template, road=s.road, counts={item.id: 1}, photos=[photo()]
        )
    s.fault = s.inspection.faults.get()
    s.job = "secjob1"
    sanitation_tasks.set_progress(s.job, user=s.assessor.id, total=10, done=5, state="running")

    # Reports: yesterday's daily bulletin.
    with clock.acting_at(at("2026-11-19 06:30")):
        s.bulletin = generate_daily()
    s.photo_file = photo  # for forms that need one
    return s


def url_kwargs(route: Route, scene) -> dict:
    """Real values for a route's parameters, the objects of ``build_scene``."""
    fill = {
        "number": scene.case.number,
        "pk": None,
        "action": "sign",
        "role": "operator",
        "part": "ranking",
        "day": scene.bulletin.day.isoformat(),
        "ledger": "roads",
        "job": scene.job,
        "fault_pk": scene.fault.pk,
        "fmt": "json",
        "code": None,
        "token": "nope",
        "rest": "nope",
    }
    pk_of = {
        "api:photo": scene.photo.pk,
        "public:photo": scene.after_photo.pk,
        "work:notification_read": scene.notification.pk,
        "api:route-detail": scene.route.pk,
        "api:patrol-detail": scene.patrol.pk,
        "api:patrol-end": scene.patrol.pk,
        "api:patrol-points": scene.patrol.pk,
        "api:patrol-reports": scene.patrol.pk,
        "api:patrol-task-detail": scene.task.pk,
        "api:notice-detail": scene.notice.pk,
        "api:subject-detail": scene.subject.pk,
        "api:sanitation-inspection-detail": scene.inspection.pk,
        "api:sanitation-photo": scene.inspection.photos.first().pk,
        "patrols:patrol": scene.patrol.pk,
        "patrols:end": scene.patrol.pk,
        "patrols:points": scene.patrol.pk,
        "patrols:report": scene.patrol.pk,
        "patrols:route_edit": scene.route.pk,
        "patrols:notice": scene.notice.pk,
        "patrols:notice_print": scene.notice.pk,
        "patrols:subject": scene.subject.pk,
        "sanitation:ledger_check_add": scene.letter.pk,
        "sanitation:ledger_detail": scene.road.pk,
        "sanitation:ledger_edit": scene.road.pk,
        "sanitation:inspection_detail": scene.inspection.pk,
        "sanitation:inspection_fault_case": scene.inspection.pk,
    }
    code_of = {
        "api:category-detail": "01001",
        "api:region-detail": scene.city.districts[0].code,
        "api:department-detail": scene.dept_a.code,
        "api:grid-detail": scene.city.grids[1].code,
        "open311:service": "01001",
    }
    kwargs = {}
    for name in route.converters:
        if name == "pk":
            kwargs[name] = pk_of[route.name]
        elif name == "code":
            kwargs[name] = code_of[route.name]
        elif name == "action" and route.name == "api:case-unknown-action":
            kwargs[name] = "nope"
        elif name == "number" and route.name.startswith(("public:", "open311:")):
            kwargs[name] = scene.closed.number
        else:
            kwargs[name] = fill[name]
    return kwargs


# Query strings a GET needs to be a real request rather than a 400 for a missing parameter.
QUERY = {
    "reports-api:monthly": "?month=2026-11&level=district",
    "reports-api:trend": "?month=2026-11",
    "reports-api:breakdown": "?month=2026-11&by=channel",
    "api:sanitation-scores": "?month=2026-11&level=district",
    "api:sanitation-sorting-rates": "?month=2026-11&level=district",
    "api:locate": "?lat=30.2005&lng=120.1015",
    "work:intake_locate": "?lat=30.2005&lng=120.1015",
    "public:locate": "?lat=30.2005&lng=120.1015",
}


def path_of(route: Route, kwargs: dict) -> str:
    """The route's path with its parameters put in."""
    if route.name != route.pattern:  # named
        return reverse(route.name, kwargs=kwargs) + QUERY.get(route.name, "")
    text = route.pattern
    for name, value in kwargs.items():
        text = re.sub(r"<(?:\w+:)?" + name + ">", str(value), text)
    return "/" + text


# --- asking --------------------------------------------------------------------------------

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def outcome(response) -> str:
    """What a response means for access: ok (2xx), in (sent to a login page), → (sent
    elsewhere: allowed, e.g. home to the start page), or the status code."""
    code = response.status_code
    if 200 <= code < 300:
        return "ok"
    if code in (301, 302, 303):
        target = response.headers.get("Location", "")
        if target.startswith((LOGIN, ADMIN_LOGIN)):
            return "in"
        return "→"
    return str(code)


class Asker:
    """One test client per person, signed in once."""

    def __init__(self, scene):
        self.scene = scene
        self.clients: dict[str, Client] = {}

    def client(self, column: str) -> Client:
        if column not in self.clients:
            client = Client()
            user = person(self.scene, column)
            if user is not None:
                client.force_login(user)
            self.clients[column] = client
        return self.clients[column]

    def address(self, column: str) -> str:
        # One address per person, as if each sat at their own desk: the public
        # pages' per-address rate limits count each person apart.
        return f"10.9.0.{COLUMNS.index(column) + 1}"

    def get(self, column: str, path: str) -> str:
        return outcome(self.client(column).get(path, REMOTE_ADDR=self.address(column)))

    def post(self, column: str, path: str, data=None) -> str:
        client = self.client(column)
        response = client.post(path, data or {}, REMOTE_ADDR=self.address(column))
        result = outcome(response)
        user = person(self.scene, column)
        if user is not None and "_auth_user_id" not in client.session:  # signed out by the request
            client.force_login(user)
        return result


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """``name | anon op sl …`` rows into {name: {column: expected}}."""
    table: dict[str, dict[str, str]] = {}
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "|" not in line:
            continue
        name, cells = (part.strip() for part in line.split("|", 1))
        if name == "route":
            continue
        values = cells.split()
        assert len(values) == len(COLUMNS), f"row {name!r} has {len(values)} cells, not {len(COLUMNS)}"
        assert name not in table, f"row {name!r} twice"
        table[name] = dict(zip(COLUMNS, values, strict=True))
    return table
