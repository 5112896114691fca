"""REST API v1 for sanitation inspections and the monthly sanitation score (DOMAIN.md §9).

Thin like ``cases.api``: who sees which inspections is ``sanitation.selectors``;
recording is ``sanitation.inspections.inspection_record``, whose refusals
(``CaseError``) ``citymgmt.api.api_exception_handler`` turns into 403 / 400.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from citymgmt.api import ANY_SEGMENT, ERROR_RESPONSES, UtcIsoDateTimeFilter, photo_response
from sanitation.access import may_read as can_read
from sanitation.access import parse_month
from sanitation.access import read_scope as leader_region
from sanitation.inspections import inspection_record
from sanitation.models import (
    Inspection,
    InspectionFault,
    InspectionPhoto,
    InspectionTemplate,
    PublicToilet,
    RoadSection,
)
from sanitation.rates import COUNT_FIELDS, LEVELS, rates
from sanitation.selectors import inspections_visible_to, monthly_sanitation_scores
from sanitation.serializers import (
    InspectionCreateSerializer,
    InspectionSerializer,
    ScoresSerializer,
    SortingRatesSerializer,
)


class CanRead(BasePermission):
    message = gettext_lazy("你没有查看环卫考评的权限。")

    def has_permission(self, request, view):
        return can_read(request.user)


class InspectionFilter(django_filters.FilterSet):
    template = django_filters.CharFilter(field_name="template__code")
    district = django_filters.CharFilter(field_name="district__code")
    inspected_after = UtcIsoDateTimeFilter(field_name="inspected_at", lookup_expr="gte")
    inspected_before = UtcIsoDateTimeFilter(field_name="inspected_at", lookup_expr="lt")
    score_below = django_filters.NumberFilter(field_name="score", lookup_expr="lt")

    class Meta:
        model = Inspection
        fields = ["template", "district", "inspected_after", "inspected_before", "score_below"]


@extend_schema_view(
    list=extend_schema(
        tags=["sanitation"],
        summary="环卫考评列表",
        description="考评员、管理员、派遣员、值班长看到全部；领导看到其辖区的考评。最近的在前。",
        responses={200: InspectionSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["sanitation"], summary="一次考评", responses={200: InspectionSerializer, **ERROR_RESPONSES}
    ),
    create=extend_schema(
        tags=["sanitation"],
        summary="录入考评",
        description="考评员录入（JSON 或带照片的 multipart，counts 可为 JSON 文本）；得分由服务器按考评表计算。",
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer, **ERROR_RESPONSES},
    ),
)
class InspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ANY_SEGMENT
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    permission_classes = [CanRead]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        faults = InspectionFault.objects.select_related("item").annotate(case_number=F("case__number"))
        return (
            inspections_visible_to(self.request.user)
            .select_related("template", "road", "toilet", "inspector")
            .prefetch_related(Prefetch("faults", queryset=faults.order_by("item__position")), "photos")
            .order_by("-inspected_at", "-id")
        )

    def create(self, request):
        body = InspectionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = InspectionTemplate.objects.filter(code=data["template"]).first()
        if template is None:
            raise ValidationError({"template": [_("未知的考评表：%(code)s。") % {"code": data["template"]}]})
        road = toilet = None
        if data.get("road"):
            road = RoadSection.objects.filter(code=data["road"]).first()
            if road is None:
                raise ValidationError({"road": [_("未知的路段：%(code)s。") % {"code": data["road"]}]})
        if data.get("toilet"):
            toilet = PublicToilet.objects.filter(code=data["toilet"]).first()
            if toilet is None:
                raise ValidationError({"toilet": [_("未知的公厕：%(code)s。") % {"code": data["toilet"]}]})
        inspection = inspection_record(
            by=request.user,
            template=template,
            road=road,
            toilet=toilet,
            counts=data["counts"],
            note=data["note"],
            photos=data["photos"],
        )
        fresh = self.get_queryset().get(pk=inspection.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["sanitation"],
    summary="考评照片",
    description="考评现场照片文件本身；只有能看到该次考评的用户可以取得（页面与 API 同一地址）。",
    responses={(200, "image/*"): OpenApiResponse(description="照片"), **ERROR_RESPONSES},
)
class InspectionPhotoView(GenericAPIView):
    """An inspection photo, for whoever may read its inspection (sessions and tokens
    alike), like ``cases.api.PhotoView``: uploads are never public files, so a
    guessed number outside the reader's scope is a 404."""

    permission_classes = [CanRead]

    def get_queryset(self):
        return InspectionPhoto.objects.filter(inspection__in=inspections_visible_to(self.request.user))

    def get(self, request, pk: int):
        photo = get_object_or_404(self.get_queryset(), pk=pk)
        return photo_response(photo.file, photo.content_type)


def month_and_level(request, levels, level_message: str):
    """``?month=YYYY-MM&level=…`` read, or a 400 naming each bad parameter."""
    month = parse_month(request.query_params.get("month", ""))
    level = request.query_params.get("level", "district")
    errors = {}
    if month is None:
        errors["month"] = [_("月份格式应为 YYYY-MM。")]
    if level not in levels:
        errors["level"] = [level_message]
    if errors:
        raise ValidationError(errors)
    return month, level


class SanitationScoresView(APIView):
    """Monthly sanitation score per district or street: mean of the month's inspection scores."""

    permission_classes = [CanRead]

    @extend_schema(
        tags=["sanitation"],
        summary="月度环卫得分",
        description="每个区/县（或街道）当月考评得分的平均值；当月没有考评时 score 为 null。领导只看到其辖区。",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM", required=True),
            OpenApiParameter("level", str, enum=["district", "street"], description="默认 district"),
        ],
        responses={200: ScoresSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        month, level = month_and_level(request, ("district", "street"), _("level 应为 district 或 street。"))
        rows = monthly_sanitation_scores(month, level=level, within=leader_region(request.user))
        body = {"month": f"{month:%Y-%m}", "level": level, "results": rows}
        return Response(ScoresSerializer(body).data)


def _rate_row(row) -> dict:
    """A Rates as the API shows it: the counts, and the rates as fractions 0–1 (null when undefined)."""

    def fraction(percent):
        return None if percent is None else (percent / 100).quantize(Decimal("0.001"))

    region = row.region
    return {
        "code": region.code if region else None,
        "name": region.name if region else None,
        **{name: getattr(row, name) for name in ("communities", "sorting", *COUNT_FIELDS)},
        **{name: fraction(getattr(row, name)) for name in ("coverage", "awareness", "participation", "accuracy")},
    }


class SortingRatesView(APIView):
    """The four waste-sorting rates of DOMAIN.md §9 for a month, per community, street, district or city."""

    permission_classes = [CanRead]

    @extend_schema(
        tags=["sanitation"],
        summary="垃圾分类四率",
        description=(
            "覆盖率、知晓率、参与率、投放正确率（0–1），按社区、街道、区/县或全市汇总；汇总按户数等计数加权"
            "（分子之和 / 分母之和），分母为零时为 null。领导只看到其辖区。"
        ),
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM", required=True),
            OpenApiParameter("level", str, enum=list(LEVELS), description="默认 district"),
        ],
        responses={200: SortingRatesSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        month, level = month_and_level(request, LEVELS, _("level 应为 community、street、district 或 city。"))
        rows, total = rates(month, level=level, within=leader_region(request.user))
        body = {
            "month": f"{month:%Y-%m}",
            "level": level,
            "results": [_rate_row(row) for row in rows],
            "total": _rate_row(total),
        }
        return Response(SortingRatesSerializer(body).data)
