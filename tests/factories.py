"""factory_boy factories and a tiny test territory.

The test city is a 2 × 2 block of districts around (30.2, 120.1); each grid is
a 0.001° square. ``square(lat, lng)`` gives the GeoJSON of the grid whose
south-west corner is (lat, lng).
"""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from org.models import Department, Region, StaffProfile, UnitGrid

CELL = 0.001


def square(lat: float, lng: float, size: float = CELL) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("demo12345")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"区划{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.MUNICIPAL


def make_city() -> dict:
    """City 339900 with districts 339901/339902, one street and community each,
    and four grids per community laid out in a row along the equator of the cell."""
    city = RegionFactory(code="339900", name="示范市", level="city")
    made = {"city": city, "districts": [], "streets": [], "communities": [], "grids": []}
    for d in range(2):
        district = RegionFactory(code=f"33990{d + 1}", name=f"第{d + 1}区", level="district", parent=city)
        street = RegionFactory(code=f"{district.code}001", name=f"第{d + 1}街道", level="street", parent=district)
        community = RegionFactory(code=f"{street.code}001", name=f"第{d + 1}社区", level="community", parent=street)
        made["districts"].append(district)
        made["streets"].append(street)
        made["communities"].append(community)
        for g in range(4):
            grid = UnitGrid(
                code=f"{community.code}{g + 1:03d}",
                community=community,
                geometry=square(30.2, 120.1 + d * 4 * CELL + g * CELL),
            )
            grid.save()
            made["grids"].append(grid)
    return made


def make_person(username: str, roles: list[str], *, department=None, region=None):
    user = UserFactory(username=username, roles=roles)
    StaffProfile.objects.update_or_create(user=user, defaults={"department": department, "region": region})
    return user


def road_section(city, code: str, district: int = 0, grid: int = 1, **extra):
    """A main road (环卫台账) in ``district`` of the test city, on one of its grids."""
    from decimal import Decimal

    from sanitation.models import RoadSection

    values = {
        "code": code,
        "name": f"{code} 路",
        "grade": RoadSection.Grade.MAIN,
        "control_level": RoadSection.Control.STRICT,
        "length_m": Decimal(800),
        "area_m2": Decimal(12000),
        "district": city.districts[district],
        "street": city.streets[district],
        "community": city.communities[district],
        "grid": city.grids[grid + 4 * district],
    }
    return RoadSection.objects.create(**(values | extra))
