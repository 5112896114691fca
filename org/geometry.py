"""Checking grid polygons and deriving what the database keeps about them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8


class GeometryError(ValueError):
    """A grid geometry that cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class ShapeFacts:
    centroid_lat: float
    centroid_lng: float
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float
    area_m2: float


def to_shape(geometry: Any) -> shapely.Geometry:
    """Turn a GeoJSON Polygon/MultiPolygon into a valid shapely geometry, or explain."""
    if not isinstance(geometry, dict):
        raise GeometryError(_("边界必须是 GeoJSON 几何对象。"))
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError(_("边界类型必须是 Polygon 或 MultiPolygon，而不是 %(kind)s。") % {"kind": kind})
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryError(_("边界坐标无法解析：%(error)s") % {"error": exc}) from None
    if geom.is_empty:
        raise GeometryError(_("边界为空。"))
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise GeometryError(_("坐标超出 WGS-84 经纬度范围（经度 -180～180，纬度 -90～90）。"))
    if not geom.is_valid:
        raise GeometryError(_("边界无效：%(reason)s") % {"reason": explain_validity(geom)})
    if geom.area <= 0:
        raise GeometryError(_("边界面积为零。"))
    return geom


def area_m2(geom: shapely.Geometry) -> float:
    """Area in square metres by a local equirectangular projection.

    Grids are ~100 m across, where this is within a fraction of a percent of
    the ellipsoidal area; no projection library needed.
    """
    lat0 = math.radians(geom.centroid.y)
    kx = EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180
    ky = EARTH_RADIUS_M * math.pi / 180
    projected = shapely.transform(geom, lambda xy: xy * [kx, ky])
    return float(projected.area)


def grid_shape_facts(geometry: Any) -> ShapeFacts:
    geom = to_shape(geometry)
    # A representative point is always inside the polygon; the true centroid of
    # an L- or U-shaped grid may not be, and a map pin outside its grid confuses.
    centroid = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    return ShapeFacts(
        centroid_lat=round(centroid.y, 7),
        centroid_lng=round(centroid.x, 7),
        min_lat=min_lat,
        max_lat=max_lat,
        min_lng=min_lng,
        max_lng=max_lng,
        area_m2=round(area_m2(geom), 1),
    )
