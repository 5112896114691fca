"""API shapes of sanitation inspections and monthly scores (DOMAIN.md §9, §11 style)."""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org.selectors import region_by_id
from sanitation.models import Inspection, InspectionFault


class FaultSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")
    item_name = serializers.CharField(source="item.name")
    case = serializers.CharField(source="case_number", allow_null=True, default=None, help_text="转为的案件编号")

    class Meta:
        model = InspectionFault
        fields = ["id", "item", "item_name", "count", "deduction", "case"]


class InspectionSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="template.code")
    template_name = serializers.CharField(source="template.name")
    target = serializers.CharField(source="template.target", help_text="road | toilet")
    road = serializers.SerializerMethodField()
    toilet = serializers.SerializerMethodField()
    district = serializers.SerializerMethodField()
    inspector = serializers.CharField(source="inspector.username")
    faults = FaultSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "template",
            "template_name",
            "target",
            "road",
            "toilet",
            "district",
            "inspected_at",
            "inspector",
            "score",
            "note",
            "faults",
            "photos",
        ]

    def get_road(self, obj) -> str | None:
        return obj.road.code if obj.road_id else None

    def get_toilet(self, obj) -> str | None:
        return obj.toilet.code if obj.toilet_id else None

    def get_district(self, obj) -> str:
        return region_by_id(obj.district_id).code

    def get_photos(self, obj) -> list[str]:
        """The permission-checked addresses (sanitation.api.InspectionPhotoView), never the stored files'."""
        request = self.context.get("request")
        urls = [reverse("api:sanitation-photo", kwargs={"pk": photo.pk}) for photo in obj.photos.all()]
        return [request.build_absolute_uri(url) for url in urls] if request else urls


@extend_schema_field(OpenApiTypes.OBJECT)
class CountsField(serializers.Field):
    """``{item id: faults}`` as a JSON object, or (multipart) as its JSON text."""

    default_error_messages = {"invalid": _("counts 应为 {考评项目 id: 问题处数} 的 JSON 对象。")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                data = None
        if not isinstance(data, dict):
            # Not self.fail(): it runs str.format on the message, whose braces are text.
            raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")
        return data

    def to_representation(self, value):
        return value


class InspectionCreateSerializer(serializers.Serializer):
    template = serializers.CharField(help_text="考评表编号")
    road = serializers.CharField(required=False, allow_blank=True, help_text="路段编号（道路保洁考评表）")
    toilet = serializers.CharField(required=False, allow_blank=True, help_text="公厕编号（公厕考评表）")
    counts = CountsField(required=False, default=dict, help_text="{考评项目 id: 问题处数}")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class ScoreRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="当月考评得分均值")
    count = serializers.IntegerField(help_text="当月考评次数")


class ScoresSerializer(serializers.Serializer):
    month = serializers.CharField()
    level = serializers.CharField()
    results = ScoreRowSerializer(many=True)


class SortingRateRowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="区域代码（社区、街道、区/县或市）")
    name = serializers.CharField(allow_null=True)
    communities = serializers.IntegerField(help_text="社区数")
    sorting = serializers.IntegerField(help_text="已开展分类的社区数")
    households = serializers.IntegerField()
    participating = serializers.IntegerField()
    surveyed = serializers.IntegerField()
    aware = serializers.IntegerField()
    checked = serializers.IntegerField()
    correct = serializers.IntegerField()
    coverage = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True, help_text="覆盖率（0–1）")
    awareness = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True, help_text="知晓率（0–1）")
    participation = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True, help_text="参与率（0–1）")
    accuracy = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True, help_text="投放正确率（0–1）")


class SortingRatesSerializer(serializers.Serializer):
    month = serializers.CharField()
    level = serializers.CharField()
    results = SortingRateRowSerializer(many=True)
    total = SortingRateRowSerializer()
