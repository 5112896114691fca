"""Fixtures for the case lifecycle: the catalogue, street offices, photos, a clock."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import clock
from cases.catalogue import load_categories
from org.models import Department
from org.services import sync_work_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def photo(name: str = "photo.png", size=(8, 8), fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


@pytest.fixture
def catalogue(db):
    load_categories()
    sync_work_calendar(years=[2025, 2026])


@pytest.fixture
def offices(city, people):
    """A street office for each test street (event cases are routed there)."""
    return [
        Department.objects.create(code=f"jd-{street.code}", name=f"{street.name}办事处", kind="街道", street=street)
        for street in city.streets
    ]


@pytest.fixture
def world(city, people, catalogue, offices):
    """Everything a case needs; the returned namespace is `people` plus city and offices."""
    people.city = city
    people.offices = offices
    return people


@pytest.fixture
def frozen():
    """Act at a given moment: `with frozen(at("2026-11-18 09:00")): ...`."""
    return clock.acting_at


def grid_point(city, index: int = 0) -> dict:
    grid = city.grids[index]
    return {"lat": grid.centroid_lat, "lng": grid.centroid_lng}


# --- helpers of the lifecycle suite ---------------------------------------------------
# Cases are driven into a state through the real services, never written directly,
# so every state a test starts from is one the platform can actually reach.

BUILT_AT = "2026-11-18 09:00"  # a Wednesday, a working day
GRIDS_WITH_INSPECTOR = 4  # `people.inspector` patrols the first four grids (district 339901)


@pytest.fixture
def media_root(settings, tmp_path):
    """Keep uploaded photos out of the project's media folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


def report_case(world, *, source="hotline", grid=1, category="01001", by=None, **extra):
    """Register a case in grid ``grid`` of the test city (at the clock's moment).

    hotline: by the operator with a ticket and a caller; patrol: by the inspector
    with a photo; any other channel: by the operator.
    """
    from cases import services

    fields = {"source": source, "category": category, "description": "井盖破损", **grid_point(world.city, grid)}
    if source == "hotline":
        fields |= {"hotline_ticket_no": "T-0001", "caller_name": "王五", "caller_phone": "13812345678"}
        by = by or world.operator
    elif source == "patrol":
        fields["photos"] = [photo()]
        by = by or world.inspector
    else:
        by = by or world.operator
    return services.case_report(by=by, **(fields | extra))


def case_in(
    status, world, *, source="hotline", grid=1, category="01001", moment=None, department="sz", reported=None, **report
):
    """A case driven to ``status`` with the real services, all at one moment.

    closed = report → file → dispatch → sign → feedback → check-request →
    check-pass → close; suspended = … → sign → request-suspend → approve.
    The verifying and checking inspector is the grid's own (explicit for grids
    without one). ``report`` overrides intake fields (lat, lng, caller_phone …);
    ``reported`` is a case already registered (by the public, say) to walk on.
    """
    from cases import services
    from cases.models import Status

    p = world
    inspector = {} if grid < GRIDS_WITH_INSPECTOR else {"inspector": p.inspector}
    with clock.acting_at(moment or at(BUILT_AT)):
        case = reported or report_case(p, source=source, grid=grid, category=category, **report)
        if status == Status.REPORTED:
            return case
        if status == Status.VERIFYING:
            return services.case_verify_request(case=case, by=p.operator, **inspector)
        if status == Status.REJECTED:
            return services.case_reject(case=case, by=p.operator, reason="不属于城市管理范围")
        if status == Status.VOIDED:
            return services.case_void(case=case, by=p.shift_leader, reason="误报")
        case = services.case_file(case=case, by=p.shift_leader)
        handler = _handler_of(p, department)
        steps = [
            (Status.DISPATCHED, lambda c: services.case_dispatch(case=c, by=p.dispatcher, department=department)),
            (Status.IN_PROGRESS, lambda c: services.case_sign(case=c, by=handler)),
            (Status.HANDLED, lambda c: services.case_feedback(case=c, by=handler, result="已修复", photos=[photo()])),
            (Status.CHECKING, lambda c: services.case_check_request(case=c, by=p.operator, **inspector)),
            (Status.CHECKED, lambda c: services.case_check_pass(case=c, by=p.inspector, photos=[photo()])),
            (Status.CLOSED, lambda c: services.case_close(case=c, by=p.shift_leader)),
        ]
        for reached, step in steps:
            if case.status == status:
                break
            if status == Status.SUSPENDED and case.status == Status.IN_PROGRESS:
                services.case_request_suspend(case=case, by=handler, reason="雨季施工")
                return services.case_decide_request(case=case, by=p.dispatcher, approve=True)
            case = step(case)
            assert case.status == reached
        assert case.status == status, f"case_in cannot reach {status}"
        return case


def _handler_of(world, department: str):
    return {"sz": world.handler_a, "hw": world.handler_b}[department]


def run_together(*functions, timeout: float = 60):
    """Run each function in its own thread (and so its own database connection),
    released together by a barrier. Returns [("ok", value) | ("error", exception)]."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait(timeout)
            results[index] = ("ok", function())
        except Exception as exc:  # reported to the test, which asserts on it
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return results


def light_of(case, moment):
    """The case's light at ``moment`` by ``with_light``, checked to agree with
    ``with_light_of`` (the annotation and the filter must never disagree)."""
    from cases.models import Case

    annotated = Case.objects.with_light(moment).get(pk=case.pk).light
    filtered = {
        light
        for light in ("green", "yellow", "red")
        if Case.objects.with_light_of(light, moment).filter(pk=case.pk).exists()
    }
    assert filtered == ({annotated} if annotated else set()), (moment, annotated, filtered)
    return annotated
