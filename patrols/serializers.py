"""How routes, patrols, tasks and 三色单 notices look in the API (DOMAIN.md §8, §11).

As in ``cases.serializers``: input serializers only read and type the body;
every rule (who may, in which state, what a value must hold) is the service's
(``patrols.services``), so its messages are the ones a client sees. Grid and
category codes come from the per-process reference copies, not joins.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.catalogue import category_by_id
from cases.serializers import CaseIntakeSerializer, ReferenceField
from citymgmt.serializers import BuiltOnceFieldsMixin, LocalTimeField
from org.selectors import grid_by_id, region_by_id
from patrols.models import EnforcementNotice, EnforcementSubject, Patrol, PatrolTask, Route, TrackPoint

# --- routes -------------------------------------------------------------------------------


class RouteSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    """A route with its grids in walking order (``stops`` prefetched)."""

    district = ReferenceField(region_by_id, source="district_id", allow_null=True, help_text="区/县代码")
    grids = serializers.SerializerMethodField(help_text="按巡查顺序排列的单元网格编码")

    class Meta:
        model = Route
        fields = ["id", "code", "name", "district", "description", "is_active", "grids"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_grids(self, route: Route) -> list[str]:
        return [grid_by_id(stop.grid_id).code for stop in route.stops.all()]


# --- tasks and patrols -------------------------------------------------------------------------


class TaskSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    inspector = serializers.SlugRelatedField(slug_field="username", read_only=True)
    route_code = serializers.CharField(source="route.code", read_only=True)
    route_name = serializers.CharField(source="route.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    shift_start = LocalTimeField(read_only=True)
    shift_end = LocalTimeField(read_only=True)

    class Meta:
        model = PatrolTask
        fields = [
            "id",
            "date",
            "shift_start",
            "shift_end",
            "inspector",
            "route",
            "route_code",
            "route_name",
            "status",
            "status_label",
            "note",
        ]
        read_only_fields = fields


class PatrolSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    inspector = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    route_code = serializers.SerializerMethodField()
    visited_grids = serializers.SerializerMethodField(help_text="轨迹点落入过的网格编码")

    class Meta:
        model = Patrol
        fields = [
            "id",
            "inspector",
            "task",
            "route",
            "route_code",
            "status",
            "status_label",
            "started_at",
            "ended_at",
            "distance_m",
            "point_count",
            "visited_grids",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_route_code(self, patrol: Patrol):
        return patrol.route.code if patrol.route_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_visited_grids(self, patrol: Patrol) -> list[str]:
        return [grid_by_id(visit.grid_id).code for visit in patrol.visits.all()]


class PatrolStartSerializer(serializers.Serializer):
    task = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="巡查任务编号；可不填")


class TrackPointSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text="gps（定位）或 manual（手动）")
    grid = ReferenceField(grid_by_id, source="grid_id", allow_null=True, help_text="所在网格编码；管理区外为空")

    class Meta:
        model = TrackPoint
        fields = ["client_id", "lat", "lng", "recorded_at", "accuracy_m", "source", "grid"]
        read_only_fields = fields


class PointInSerializer(serializers.Serializer):
    """One point of a batch: documented here, read and checked by the service
    point by point, so one bad point is rejected alone (``rejected``)."""

    client_id = serializers.CharField(help_text="客户端生成的唯一编号；重传时不重复记录")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    recorded_at = serializers.DateTimeField(required=False, help_text="默认收到的时间")
    accuracy_m = serializers.FloatField(required=False, allow_null=True)
    source = serializers.CharField(required=False, default="gps", help_text="gps（定位）或 manual（手动）")


@extend_schema_field(PointInSerializer(many=True))
class PointsField(serializers.ListField):
    """Documented as PointIn items; each read by the service so one bad point is rejected alone."""

    child = serializers.DictField()


class PointsBatchSerializer(serializers.Serializer):
    points = PointsField(help_text="轨迹点（最多 500 个）")


class PointsResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="新记录的点数")
    duplicates = serializers.IntegerField(help_text="已记录过（client_id 相同）而跳过的点数")
    rejected = serializers.DictField(child=serializers.CharField(), help_text="批次中的序号 → 拒收原因")


class PatrolReportSerializer(CaseIntakeSerializer):
    """The case intake body minus ``source`` (always ``patrol``), plus ``client_id``."""

    source = None
    client_id = serializers.CharField(help_text="客户端生成的唯一编号；重传返回同一案件")


# --- 三色单 ---------------------------------------------------------------------------------


class SubjectSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    grid = ReferenceField(grid_by_id, source="grid_id", allow_null=True, help_text="网格编码")

    class Meta:
        model = EnforcementSubject
        fields = ["id", "name", "address", "licence_no", "grid", "created_at"]
        read_only_fields = fields


class NoticeSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    subject = SubjectSerializer(read_only=True)
    category = ReferenceField(category_by_id, source="category_id", help_text="违规类别（小类代码）")
    category_name = ReferenceField(category_by_id, "name", source="category_id")
    colour_label = serializers.CharField(source="get_colour_display", read_only=True)
    step_label = serializers.CharField(source="get_step_display", read_only=True)
    issued_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EnforcementNotice
        fields = [
            "id",
            "number",
            "subject",
            "category",
            "category_name",
            "sequence",
            "colour",
            "colour_label",
            "step",
            "step_label",
            "decision",
            "penalty_amount",
            "description",
            "issued_at",
            "issued_by",
            "patrol",
            "lat",
            "lng",
        ]
        read_only_fields = fields


class SubjectHistoryNoticeSerializer(NoticeSerializer):
    class Meta(NoticeSerializer.Meta):
        fields = [f for f in NoticeSerializer.Meta.fields if f != "subject"]
        read_only_fields = fields


class SubjectDetailSerializer(SubjectSerializer):
    notices = serializers.SerializerMethodField(help_text="该对象的全部三色单，最近的在前")

    class Meta(SubjectSerializer.Meta):
        fields = [*SubjectSerializer.Meta.fields, "notices"]
        read_only_fields = fields

    @extend_schema_field(SubjectHistoryNoticeSerializer(many=True))
    def get_notices(self, subject: EnforcementSubject):
        return SubjectHistoryNoticeSerializer(self.context.get("history", []), many=True, context=self.context).data


class NewSubjectSerializer(serializers.Serializer):
    """A subject by what is typed; the service checks it (name, and address or licence)."""

    name = serializers.CharField(required=False, allow_blank=True, default="", help_text="店名或摊主")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    licence_no = serializers.CharField(required=False, allow_blank=True, default="", help_text="营业执照号")


class NoticeIssueSerializer(serializers.Serializer):
    subject_id = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="已有对象的编号")
    subject = NewSubjectSerializer(
        required=False, allow_null=True, default=None, help_text="新对象（或按执照号/名称+地址找到已有的）"
    )
    category = serializers.CharField(help_text="违规类别（小类代码）")
    description = serializers.CharField(allow_blank=True, help_text="违规情况")
    decision = serializers.CharField(required=False, allow_blank=True, default="", help_text="处理决定（升级处置必填）")
    penalty_amount = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, help_text="罚款金额（元），处罚时必填"
    )
    patrol = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="所在巡查编号")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["subject_id"] is None and attrs["subject"] is None:
            raise serializers.ValidationError(
                {"subject": [_("请指定对象：subject_id，或 subject 的名称和地址/执照号。")]}
            )
        return attrs
