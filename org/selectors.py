"""Reads about territory and staff that other apps rely on."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import Max, Min, OuterRef
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape

from citymgmt.processcache import ProcessCache
from org.models import Department, Region, UnitGrid


class OutsideManagedArea(ValueError):
    """The point lies in no unit grid of the managed area."""

    def __init__(self, lat: float, lng: float):
        self.lat, self.lng = lat, lng
        super().__init__(
            _("位置（纬度 %(lat).6f，经度 %(lng).6f）不在本平台管理的网格范围内。") % {"lat": lat, "lng": lng}
        )


@dataclass(frozen=True)
class Location:
    grid: UnitGrid
    community: Region
    street: Region
    district: Region


class _GridIndex:
    """Every grid's polygon in an STRtree, with the codes and names around it.

    Locating happens on every intake; building the ORM query alone cost more
    than the whole answer, and grids change a few times a year. The model
    instances handed out are built from the index (no query); they carry id,
    code and name, enough for foreign keys and display.
    """

    def __init__(self) -> None:
        regions = {
            r["id"]: Region(id=r["id"], code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_id"])
            for r in Region.objects.filter(level__in=["district", "street", "community"]).values(
                "id", "code", "name", "level", "parent_id"
            )
        }
        self.grids: list[UnitGrid] = []
        shapes = []
        fields = ("id", "code", "name", "geometry", "community_id", "street_id", "district_id")
        for row in UnitGrid.objects.order_by("code").values(*fields):
            geometry = row.pop("geometry")
            grid = UnitGrid(**row)
            self.grids.append(grid)
            shapes.append(shape(geometry))
        self.regions = regions
        self.grids_by_id = {grid.id: grid for grid in self.grids}
        self.tree = STRtree(shapes)
        # A point surely inside each grid (a centroid may fall outside a concave one).
        self.inside = [(p.y, p.x) for p in (s.representative_point() for s in shapes)]
        # Place names to a point inside: a grid's own, else its community's or street's
        # first grid (by code). Longest names first, so that the most specific one wins.
        names: dict[str, tuple[float, float]] = {}
        for index, grid in enumerate(self.grids):
            for name in (grid.name, regions[grid.community_id].name, regions[grid.street_id].name):
                if name and len(name) >= 2:
                    names.setdefault(name, self.inside[index])
        self.places = sorted(names.items(), key=lambda item: -len(item[0]))

    def find(self, lat: float, lng: float) -> Location | None:
        hits = self.tree.query(Point(lng, lat), predicate="covered_by")
        if len(hits) == 0:
            return None
        grid = self.grids[int(min(hits))]  # grids are in code order: a shared edge goes to the lower code
        return Location(
            grid=grid,
            community=self.regions[grid.community_id],
            street=self.regions[grid.street_id],
            district=self.regions[grid.district_id],
        )


_GRID_INDEX: ProcessCache[_GridIndex] = ProcessCache("org:grid-index-version", _GridIndex)


def _grid_index() -> _GridIndex:
    return _GRID_INDEX.get()


def forget_grid_index() -> None:
    """Call after grids or regions change: every process rebuilds its index."""
    _GRID_INDEX.forget()


def region_by_id(region_id: int) -> Region:
    """A district, street or community (code, name, level) without a query."""
    found = _grid_index().regions.get(region_id)
    return found if found is not None else Region.objects.only("code", "name", "level").get(pk=region_id)


def grid_by_id(grid_id: int) -> UnitGrid:
    """A unit grid (code, name and its regions' ids) without a query."""
    found = _grid_index().grids_by_id.get(grid_id)
    return found if found is not None else UnitGrid.objects.only("code", "name").get(pk=grid_id)


def _departments() -> dict[object, Department]:
    """Every department by id and by code."""
    departments = list(Department.objects.only("code", "name", "kind", "street_id", "is_active"))
    return {**{d.id: d for d in departments}, **{d.code: d for d in departments}}


_DEPARTMENTS: ProcessCache[dict[object, Department]] = ProcessCache("org:departments-version", _departments)


def department_by_id(department_id: int) -> Department:
    """A department (code, name, kind) without a query."""
    found = _DEPARTMENTS.get().get(department_id)
    return found if found is not None else Department.objects.get(pk=department_id)


def department_by_code(code: str) -> Department | None:
    """A department by its code without a query; None for an unknown code."""
    found = _DEPARTMENTS.get().get(code)
    return found if found is not None else Department.objects.filter(code=code).first()


def forget_departments() -> None:
    """Call after departments change: every process reads them again."""
    _DEPARTMENTS.forget()


def locate_address(text: str) -> tuple[float, float, str] | None:
    """A point for an address given as text (Open311 ``address_string``, the
    public page without a map pin), from the names of the city's own grids,
    communities and streets: (lat, lng, the name matched), the most specific
    name the text contains; None when it names none of them. No outside
    geocoder: the platform runs without internet."""
    text = (text or "").strip()
    if not text:
        return None
    for name, (lat, lng) in _grid_index().places:
        if name in text:
            return lat, lng, name
    return None


def locate_point(*, lat: float, lng: float) -> Location:
    """The unit grid (and so community, street, district) holding a WGS-84 point.

    A point on a shared edge belongs to the grid with the lower code, so the
    answer never depends on row order. Raises OutsideManagedArea.
    """
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise OutsideManagedArea(lat, lng)
    found = _grid_index().find(lat, lng)
    if found is None:
        raise OutsideManagedArea(lat, lng)
    return found


def user_roles(user) -> set[str]:
    """The role codes (org.roles.Role) a user holds; cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_citymgmt_roles", None)
    if cached is None:
        cached = remember_roles(user, user.groups.values_list("name", flat=True))
    return cached


def with_staff(queryset, user_path: str = ""):
    """Read each user's staff profile and (on PostgreSQL) role names with the
    row, for the query that authenticates a request: nearly every answer reads
    both (scope, allowed actions). ``user_path`` leads from the queryset's model
    to the user ("user" for tokens); pass the rows to ``remember_staff``."""
    prefix = f"{user_path}__" if user_path else ""
    queryset = queryset.select_related(*([user_path] if user_path else []), f"{prefix}profile")
    if connections[queryset.db].vendor == "postgresql":
        # A subquery, not an aggregate: no GROUP BY over every column of the row.
        user_id = f"{prefix}id" if user_path else "pk"
        groups = Group.objects.filter(user=OuterRef(user_id)).order_by().values("name")
        queryset = queryset.annotate(role_names=ArraySubquery(groups))
    return queryset


def remember_staff(row, user) -> None:
    """Keep the role names ``with_staff`` read on the user object."""
    names = getattr(row, "role_names", None)
    if names is not None:
        remember_roles(user, [name for name in names if name])


def remember_roles(user, group_names) -> set[str]:
    """Keep on the user object the roles of these group names (read with the user)."""
    roles = set(group_names)
    if user.is_superuser:
        roles.add("admin")
    user._citymgmt_roles = roles
    return roles


def map_settings() -> dict:
    """Where a map of the city opens: the managed area's bounds (drawn as its outline
    when there are no tiles) and the tile URL, empty when the city has no tile server."""
    bounds = UnitGrid.objects.aggregate(
        south=Min("min_lat"), north=Max("max_lat"), west=Min("min_lng"), east=Max("max_lng")
    )
    return {
        "tile_url": getattr(settings, "MAP_TILE_URL", ""),
        "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        "bounds": bounds if bounds["south"] is not None else None,
    }
