"""Reference data for API clients (DOMAIN.md §11): regions, departments, grids."""

from __future__ import annotations

from rest_framework import serializers

from org.models import Department, Region, UnitGrid


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="上级区划代码；市为空"
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    street = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="街道办负责的街道代码；市级部门为空"
    )

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "street", "phone", "is_active"]


class GridSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="code", read_only=True)
    street = serializers.SlugRelatedField(slug_field="code", read_only=True)
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lat = serializers.FloatField(source="centroid_lat", read_only=True, help_text="中心点纬度（WGS-84）")
    lng = serializers.FloatField(source="centroid_lng", read_only=True, help_text="中心点经度（WGS-84）")

    class Meta:
        model = UnitGrid
        fields = ["code", "name", "community", "street", "district", "lat", "lng", "area_m2"]


class LocateQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="纬度（WGS-84）")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="经度（WGS-84）")


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    """The grid holding a point and the regions above it."""

    lat = serializers.FloatField()
    lng = serializers.FloatField()
    grid = PlaceSerializer()
    community = PlaceSerializer()
    street = PlaceSerializer()
    district = PlaceSerializer()
