"""Reads about territory and staff that other apps rely on."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape

from org.models import Region, UnitGrid


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
        self.tree = STRtree(shapes)

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


_INDEX_VERSION_KEY = "org:grid-index-version"
_VERSION_CHECK_SECONDS = 5
_index_lock = threading.Lock()
_index: tuple[_GridIndex, object, float] | None = None  # (index, version, checked at)


def _grid_index() -> _GridIndex:
    """This process's grid index, rebuilt when any process changed a grid.

    The version lives in the shared cache (Redis when configured) and is read
    at most every few seconds.
    """
    global _index
    now = time.monotonic()
    with _index_lock:
        if _index is not None and now - _index[2] < _VERSION_CHECK_SECONDS:
            return _index[0]
    version = cache.get(_INDEX_VERSION_KEY, 0)
    with _index_lock:
        if _index is not None and _index[1] == version:
            _index = (_index[0], version, now)
            return _index[0]
    built = _GridIndex()
    with _index_lock:
        _index = (built, version, now)
    return built


def forget_grid_index() -> None:
    """Call after grids or regions change: every process rebuilds its index."""
    global _index
    with _index_lock:
        _index = None
    try:
        cache.incr(_INDEX_VERSION_KEY)
    except ValueError:
        cache.set(_INDEX_VERSION_KEY, 1, timeout=None)


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
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add("admin")
        user._citymgmt_roles = cached
    return cached
