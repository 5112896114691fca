"""Shared fixtures: the test city and the people of STYLE.md's access matrix."""

import os
from types import SimpleNamespace

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run while one is active unless told this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process():
    """Tests run tasks in-process unless a test starts a real worker itself."""
    from citymgmt.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's million rounds cost half a second a user; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_work_calendar():
    """Rolled-back calendar, grid, category and department rows send no signal:
    drop the process's copies around each test."""
    from cases.catalogue import forget_categories
    from org.selectors import forget_departments, forget_grid_index
    from org.worktime import forget_work_calendar

    everything = (forget_work_calendar, forget_grid_index, forget_categories, forget_departments)
    for forget in everything:
        forget()
    yield
    for forget in everything:
        forget()


@pytest.fixture
def city(db):
    from tests.factories import make_city

    return SimpleNamespace(**make_city())


@pytest.fixture
def people(city):
    """operator, shift_leader, dispatcher, handler_a/handler_b (two departments),
    inspector (the first district's grids), leader (district 1), city_leader,
    admin, outsider (no role)."""
    from org.models import Department
    from tests.factories import DepartmentFactory, make_person

    dept_a = DepartmentFactory(code="sz", name="市政", kind=Department.Kind.MUNICIPAL)
    dept_b = DepartmentFactory(code="hw", name="环卫", kind=Department.Kind.SANITATION)
    inspector = make_person("inspector", ["inspector"])
    for grid in city.grids[:4]:
        grid.inspectors.add(inspector)
    admin = make_person("admin", ["admin"])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return SimpleNamespace(
        operator=make_person("operator", ["operator"]),
        shift_leader=make_person("shiftleader", ["shift_leader"]),
        dispatcher=make_person("dispatcher", ["dispatcher"]),
        handler_a=make_person("handler-sz", ["handler"], department=dept_a),
        handler_b=make_person("handler-hw", ["handler"], department=dept_b),
        inspector=inspector,
        leader=make_person("leader-339901", ["leader"], region=city.districts[0]),
        city_leader=make_person("leader", ["leader"], region=None),
        admin=admin,
        outsider=make_person("outsider", []),
        dept_a=dept_a,
        dept_b=dept_b,
    )
