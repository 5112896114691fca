"""The API fuzzing world: the test city with cases in every state, a pending
delay request, a route, a walked patrol, a notice and an inspection, so detail
and action endpoints reach real objects, not only 404s.

Built once per module through the real services (as tests/cases/conftest.py's
``case_in`` does) inside a transaction that is rolled back at the end of the
module; each test runs in a savepoint of it (pytest-django's ``db``), and the
fuzzing test rolls each request back too, so every example meets this same
world and nothing is left for the tests that run after.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from rest_framework.authtoken.models import Token

from cases import clock, services
from cases.catalogue import forget_categories, load_categories
from cases.models import Attachment, Category, Status
from org.models import Department, Region, UnitGrid
from org.selectors import forget_departments, forget_grid_index
from org.services import sync_work_calendar
from org.worktime import forget_work_calendar
from patrols.enforcement import notice_issue, subject_find_or_create
from patrols.models import EnforcementNotice, EnforcementSubject, Patrol, PatrolTask, Route, RouteGrid
from patrols.services import patrol_end, patrol_start
from sanitation.inspections import inspection_record, load_starter_templates
from sanitation.models import Inspection, InspectionPhoto, InspectionTemplate
from tests.cases.conftest import BUILT_AT, at, case_in, photo
from tests.factories import DepartmentFactory, make_city, make_person, road_section

# Cases walked to each state (hotline, department sz: handler_a's), plus one in hw
# (handler_b's, out of handler_a's scope), one in the second district (out of the
# leader's), a filed patrol report and a pending delay request.
STATES = [
    Status.REPORTED,
    Status.VERIFYING,
    Status.REJECTED,
    Status.VOIDED,
    Status.FILED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.SUSPENDED,
    Status.HANDLED,
    Status.CHECKING,
    Status.CHECKED,
    Status.CLOSED,
]


def _forget_process_copies():
    for forget in (forget_work_calendar, forget_grid_index, forget_categories, forget_departments):
        forget()


def build_people(city) -> SimpleNamespace:
    """The people of tests/conftest.py's ``people``, plus the duty officer of the
    demo (operator + shift leader + dispatcher) and an assessor."""
    dept_a = DepartmentFactory(code="sz", name="市政", kind=Department.Kind.MUNICIPAL)
    dept_b = DepartmentFactory(code="hw", name="环卫", kind=Department.Kind.SANITATION)
    inspector = make_person("inspector", ["inspector"])
    for grid in city.grids[:4]:
        grid.inspectors.add(inspector)
    return SimpleNamespace(
        operator=make_person("operator", ["operator"]),
        shift_leader=make_person("shiftleader", ["shift_leader"]),
        dispatcher=make_person("dispatcher", ["dispatcher"]),
        duty=make_person("duty", ["operator", "shift_leader", "dispatcher"]),
        handler_a=make_person("handler-sz", ["handler"], department=dept_a),
        handler_b=make_person("handler-hw", ["handler"], department=dept_b),
        inspector=inspector,
        assessor=make_person("assessor", ["assessor"]),
        leader=make_person("leader-339901", ["leader"], region=city.districts[0]),
        dept_a=dept_a,
        dept_b=dept_b,
    )


def build_world() -> SimpleNamespace:
    city = SimpleNamespace(**make_city())
    w = build_people(city)
    w.city = city
    load_categories()
    sync_work_calendar(years=[2025, 2026, 2027])
    w.offices = [
        Department.objects.create(code=f"jd-{s.code}", name=f"{s.name}办事处", kind="街道", street=s)
        for s in city.streets
    ]
    w.cases = [case_in(status, w) for status in STATES]
    w.cases.append(case_in(Status.IN_PROGRESS, w, department="hw", grid=5))
    w.cases.append(case_in(Status.DISPATCHED, w, grid=6))
    w.cases.append(case_in(Status.FILED, w, source="patrol", grid=2))
    with clock.acting_at(at(BUILT_AT)):
        delayed = case_in(Status.IN_PROGRESS, w)
        w.cases.append(services.case_request_delay(case=delayed, by=w.handler_a, reason="材料未到", extra_value=1))

    route = Route.objects.create(code="R1", name="示范线", district=city.districts[0])
    for position, index in enumerate([0, 1, 2]):
        RouteGrid.objects.create(route=route, grid=city.grids[index], position=position)
    task = PatrolTask.objects.create(route=route, inspector=w.inspector, date=date(2026, 11, 18))
    with clock.acting_at(at(BUILT_AT)):
        patrol = patrol_end(patrol=patrol_start(by=w.inspector, task=task), by=w.inspector)
        subject = subject_find_or_create(name="好运来小吃店", address="人民路 3 号", grid=city.grids[0])
        notice_issue(
            by=w.inspector,
            subject=subject,
            category=Category.objects.get(code="01001"),
            description="占道经营",
            patrol=patrol,
        )

    load_starter_templates()
    road_template = InspectionTemplate.objects.get(code="road-cleaning")
    road = road_section(city, "LD-001", name="人民路")
    first_item = road_template.items.order_by("position").first()
    with clock.acting_at(at(BUILT_AT)):
        inspection_record(by=w.assessor, template=road_template, road=road, counts={first_item.id: 1}, photos=[photo()])
    w.tokens = {
        name: Token.objects.get_or_create(user=getattr(w, name))[0].key for name in ("duty", "handler_a", "leader")
    }
    return w


def real_values(world) -> dict[str, dict[str, list[str]]]:
    """Path parameter values that name real objects, by path prefix and name."""

    def strings(values):
        return [str(v) for v in values]

    return {
        "/api/v1/cases/": {"number": [case.number for case in world.cases]},
        "/api/v1/categories/": {"code": strings(Category.objects.values_list("code", flat=True)[:20])},
        "/api/v1/regions/": {"code": strings(Region.objects.values_list("code", flat=True))},
        "/api/v1/departments/": {"code": strings(Department.objects.values_list("code", flat=True))},
        "/api/v1/grids/": {"code": strings(UnitGrid.objects.values_list("code", flat=True))},
        "/api/v1/photos/": {"id": strings(Attachment.objects.values_list("pk", flat=True))},
        "/api/v1/routes/": {"id": strings(Route.objects.values_list("pk", flat=True))},
        "/api/v1/patrols/": {"id": strings(Patrol.objects.values_list("pk", flat=True))},
        "/api/v1/tasks/": {"id": strings(PatrolTask.objects.values_list("pk", flat=True))},
        "/api/v1/notices/": {"id": strings(EnforcementNotice.objects.values_list("pk", flat=True))},
        "/api/v1/subjects/": {"id": strings(EnforcementSubject.objects.values_list("pk", flat=True))},
        "/api/v1/sanitation/inspections/": {"id": strings(Inspection.objects.values_list("pk", flat=True))},
        "/api/v1/sanitation/photos/": {"id": strings(InspectionPhoto.objects.values_list("pk", flat=True))},
    }


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module in a transaction rolled back after it.

    Photos go to a temporary folder; passwords use a fast hasher (as
    tests/conftest.py's ``_fast_password_hashing`` does for each test)."""
    media = tmp_path_factory.mktemp("fuzz-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast):
        _forget_process_copies()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            world.real = real_values(world)
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            _forget_process_copies()
