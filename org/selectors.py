"""Reads about territory and staff that other apps rely on."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
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


def locate_point(*, lat: float, lng: float) -> Location:
    """The unit grid (and so community, street, district) holding a WGS-84 point.

    The bounding-box columns are indexed, so the database hands back the one to
    four grids whose box holds the point and shapely decides which polygon does.
    A point on a shared edge belongs to the grid with the lower code, so the
    answer never depends on row order. Raises OutsideManagedArea.
    """
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise OutsideManagedArea(lat, lng)
    point = Point(lng, lat)
    candidates = (
        UnitGrid.objects.containing_bbox(lat, lng).select_related("community", "street", "district").order_by("code")
    )
    for grid in candidates:
        if shape(grid.geometry).covers(point):
            return Location(grid=grid, community=grid.community, street=grid.street, district=grid.district)
    raise OutsideManagedArea(lat, lng)


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
