"""The demo city: sizes, codes, logins, and idempotence."""

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from cases.models import Category
from org.models import Department, Region, UnitGrid, WorkCalendarDay
from org.selectors import locate_point, user_roles


def seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out, cases=0)  # the case history has its own tests
    return out.getvalue()


def counts() -> dict:
    return {
        "regions": Region.objects.count(),
        "grids": UnitGrid.objects.count(),
        "departments": Department.objects.count(),
        "categories": Category.objects.count(),
        "users": get_user_model().objects.count(),
        "calendar": WorkCalendarDay.objects.count(),
        "assignments": UnitGrid.inspectors.through.objects.count(),
    }


def test_it_builds_the_demo_city(db):
    seed()
    assert Region.objects.filter(level="city").count() == 1
    assert Region.objects.filter(level="district").count() == 6
    assert Region.objects.filter(level="street").count() == 40
    assert Region.objects.filter(level="community").count() == 200
    assert UnitGrid.objects.count() == 2000
    assert Category.objects.count() == 29
    assert Department.objects.filter(kind="街道").count() == 40
    assert Department.objects.exclude(kind="街道").count() == 10


def test_every_grid_code_extends_its_community_and_every_grid_is_about_a_hectare(db):
    seed()
    for grid in UnitGrid.objects.select_related("community", "street", "district"):
        assert len(grid.code) == 15
        assert grid.code.startswith(grid.community.code)
        assert grid.community.code.startswith(grid.street.code)
        assert grid.street.code.startswith(grid.district.code)
        assert 9_000 < grid.area_m2 < 11_000


def test_the_grids_tile_the_city_so_every_centroid_locates_to_its_own_grid(db):
    seed()
    for grid in UnitGrid.objects.all()[::37]:
        assert locate_point(lat=grid.centroid_lat, lng=grid.centroid_lng).grid.code == grid.code


def test_running_it_twice_changes_nothing(db):
    seed()
    before = counts()
    seed()
    assert counts() == before


def test_every_demo_login_works_with_the_demo_password(db):
    output = seed()
    for username in ["operator", "shiftleader", "dispatcher", "inspector", "assessor", "leader", "admin"]:
        assert username in output
        assert authenticate(username=username, password="demo12345") is not None, username
    for district in Region.objects.filter(level="district"):
        assert authenticate(username=f"leader-{district.code}", password="demo12345")
    for department in Department.objects.all():
        user = authenticate(username=f"handler-{department.code}", password="demo12345")
        assert user is not None and user.profile.department == department


def test_demo_users_hold_their_roles_and_scopes(db):
    seed()
    User = get_user_model()
    assert user_roles(User.objects.get(username="duty")) == {"operator", "shift_leader", "dispatcher"}
    assert User.objects.get(username="leader").profile.region is None
    assert User.objects.get(username="leader-339902").profile.region.code == "339902"
    inspector = User.objects.get(username="inspector")
    assert inspector.grids.count() == UnitGrid.objects.filter(district__code="339901").count() == 400
    assert user_roles(User.objects.get(username="admin")) >= {"admin"}
    assert UnitGrid.objects.filter(inspectors=None).count() == 0


def test_the_printed_open311_key_reports_to_the_demo_city(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    output = seed()
    key = next(line.split()[-1] for line in output.splitlines() if "Open311 demo api_key" in line)
    grid = UnitGrid.objects.order_by("code").first()
    category = Category.objects.filter(is_active=True).order_by("code").first()

    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": category.code,
            "lat": grid.centroid_lat,
            "long": grid.centroid_lng,
            "description": "路灯不亮",
        },
    )

    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    from cases.models import Case

    assert Case.objects.get(number=number).source == "public"
