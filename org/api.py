"""Reference lists, point location and API tokens (DOMAIN.md §11).

Read-only for every authenticated user: the intake page, the map and other
systems need codes and names, none of which is personal data.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from citymgmt.api import ANY_SEGMENT, ERROR_RESPONSES, ValidationErrorSerializer
from org.models import Department, Region, UnitGrid
from org.selectors import OutsideManagedArea, locate_point
from org.serializers import (
    DepartmentSerializer,
    GridSerializer,
    LocateQuerySerializer,
    LocationSerializer,
    RegionSerializer,
)


class CodeInFilter(filters.BaseInFilter, filters.CharFilter):
    """One code or several, comma-separated: ``?district=339901,339902``."""


# --- auth ---------------------------------------------------------------------------


@extend_schema(
    tags=["auth"],
    summary="用户名和密码换取 API 令牌",
    description="之后的请求带上 `Authorization: Token <token>`。同一用户多次获取得到同一个令牌。",
    request=AuthTokenSerializer,
    responses={
        200: inline_serializer("Token", {"token": serializers.CharField()}),
        400: ValidationErrorSerializer,
    },
)
class TokenView(ObtainAuthToken):
    # No session here: a logged-in browser must not need a CSRF token to ask.
    authentication_classes = ()


# --- reference lists --------------------------------------------------------------------


class RegionFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Region.Level.choices, help_text="层级")
    parent = CodeInFilter(field_name="parent__code", help_text="上级区划代码，可用逗号分隔多个")

    class Meta:
        model = Region
        fields = ["level", "parent"]


@extend_schema_view(
    list=extend_schema(tags=["reference"], summary="行政区划", responses={200: RegionSerializer, **ERROR_RESPONSES}),
    retrieve=extend_schema(
        tags=["reference"], summary="一个行政区划", responses={200: RegionSerializer, **ERROR_RESPONSES}
    ),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.select_related("parent").order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = ANY_SEGMENT


class DepartmentFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Department.Kind.choices, help_text="部门类型")
    street = CodeInFilter(field_name="street__code", help_text="街道代码（街道办），可用逗号分隔多个")
    is_active = filters.BooleanFilter(help_text="是否在用")

    class Meta:
        model = Department
        fields = ["kind", "street", "is_active"]


@extend_schema_view(
    list=extend_schema(
        tags=["reference"], summary="处置部门", responses={200: DepartmentSerializer, **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(
        tags=["reference"], summary="一个处置部门", responses={200: DepartmentSerializer, **ERROR_RESPONSES}
    ),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.select_related("street").order_by("code")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    lookup_field = "code"
    lookup_value_regex = ANY_SEGMENT


class GridFilter(filters.FilterSet):
    community = CodeInFilter(field_name="community__code", help_text="社区代码，可用逗号分隔多个")
    street = CodeInFilter(field_name="street__code", help_text="街道代码，可用逗号分隔多个")
    district = CodeInFilter(field_name="district__code", help_text="区/县代码，可用逗号分隔多个")

    class Meta:
        model = UnitGrid
        fields = ["community", "street", "district"]


@extend_schema_view(
    list=extend_schema(
        tags=["reference"], summary="单元网格（中心点坐标）", responses={200: GridSerializer, **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(
        tags=["reference"], summary="一个单元网格", responses={200: GridSerializer, **ERROR_RESPONSES}
    ),
)
class GridViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = UnitGrid.objects.select_related("community", "street", "district").order_by("code")
    serializer_class = GridSerializer
    filterset_class = GridFilter
    lookup_field = "code"
    lookup_value_regex = ANY_SEGMENT


# --- where is this point ----------------------------------------------------------------


class LocateView(APIView):
    """The grid holding a WGS-84 point, with its community, street and district."""

    @extend_schema(
        tags=["reference"],
        summary="坐标定位到单元网格",
        parameters=[
            OpenApiParameter("lat", float, required=True, description="纬度（WGS-84）"),
            OpenApiParameter("lng", float, required=True, description="经度（WGS-84）"),
        ],
        responses={200: LocationSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lat, lng = query.validated_data["lat"], query.validated_data["lng"]
        try:
            location = locate_point(lat=lat, lng=lng)
        except OutsideManagedArea as exc:
            # Same field as case intake, so a page shows the message in one place.
            raise ValidationError({"lat": [str(exc)]}) from None
        places = {
            name: {"code": place.code, "name": place.name}
            for name, place in [
                ("grid", location.grid),
                ("community", location.community),
                ("street", location.street),
                ("district", location.district),
            ]
        }
        return Response(LocationSerializer({"lat": lat, "lng": lng, **places}).data)
