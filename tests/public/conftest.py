"""Fixtures of the public pages: the lifecycle world, a clean rate-limit count,
and public cases walked through the real services."""

import io
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from cases import clock, services
from cases.web.public import issue_stamp
from tests.cases import conftest as lifecycle
from tests.cases.conftest import at, grid_point, photo

# The lifecycle suite's fixtures: people, the test city, the catalogue, street offices.
catalogue, offices, media_root, world = lifecycle.catalogue, lifecycle.offices, lifecycle.media_root, lifecycle.world

REPORTED_AT = "2026-11-18 09:00"  # a Wednesday; the real clock is later (the figures' as_of)


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Rate-limit counters live in the shared cache (this run's own Redis db):
    every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def old_stamp(seconds: float = 30) -> str:
    """A form stamp as if the form had been rendered ``seconds`` ago."""
    return issue_stamp(time.time() - seconds)


def report_form(world, grid: int = 1, **extra) -> dict:
    point = grid_point(world.city, grid)
    return {
        "category": "06010",
        "lat": f"{point['lat']:.6f}",
        "lng": f"{point['lng']:.6f}",
        "address": "示范路 1 号门口",
        "description": "小区门口垃圾堆放三天无人清理",
        "caller_name": "王先生",
        "caller_phone": "13812345678",
        "email": "wang@example.org",
        "stamp": old_stamp(),
        "website": "",
        **extra,
    }


def gps_jpeg(name: str = "after.jpg", size=(64, 48)) -> SimpleUploadedFile:
    """A JPEG carrying EXIF with a camera, a GPS position and orientation 6
    (shown rotated by 90°)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "CityCam"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (30.0, 12.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (120.0, 6.0, 0.0),
    }
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def public_case(world, *, grid: int = 1, **extra):
    with clock.acting_at(at(REPORTED_AT)):
        fields = {
            "via": "web",
            "category": "01001",
            "description": "人行道井盖缺失",
            **grid_point(world.city, grid),
            "caller_name": "王先生",
            "caller_phone": "13812345678",
            **extra,
        }
        return services.case_report_public(**fields)


def walk_to_closed(world, case, *, after_photo=None):
    """file → dispatch → sign → feedback (with ``after_photo``) → check → close,
    all at the report's moment, through the services."""
    p = world
    with clock.acting_at(at(REPORTED_AT)):
        case = services.case_file(case=case, by=p.shift_leader)
        case = services.case_dispatch(case=case, by=p.dispatcher, department="sz")
        case = services.case_sign(case=case, by=p.handler_a)
        case = services.case_feedback(case=case, by=p.handler_a, result="已修复", photos=[after_photo or photo()])
        case = services.case_check_request(case=case, by=p.operator, inspector=p.inspector)
        case = services.case_check_pass(case=case, by=p.inspector, photos=[photo()])
        return services.case_close(case=case, by=p.shift_leader)


@pytest.fixture
def closed_public(world, media_root):
    """A public case closed with an after-photo carrying GPS EXIF."""
    return walk_to_closed(world, public_case(world), after_photo=gps_jpeg())
