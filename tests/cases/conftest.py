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
