"""How cases look in the API (DOMAIN.md §11), and the shapes of request bodies.

The input serializers only read and type the body; every rule (what a field
must hold, who may act, in which state) is the service's, so its messages are
the ones a client sees.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.catalogue import category_by_id
from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseRequest,
    Category,
    HotlineType,
    Light,
    Satisfaction,
    Source,
    Status,
    Urgency,
)
from cases.privacy import can_see_caller, mask_name, mask_phone
from cases.rules import RULES, action_label, step_label
from cases.selectors import available_actions
from citymgmt.serializers import BuiltOnceFieldsMixin
from org.selectors import department_by_id, grid_by_id, region_by_id
from org.worktime import TimeUnit

# --- reference --------------------------------------------------------------------------


class CategorySerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    major_code = serializers.CharField(source="major.code", read_only=True)
    major_name = serializers.CharField(source="major.name", read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "major_code",
            "major_name",
            "limit_value",
            "limit_unit",
            "urgent_limit_hours",
            "owner_department_kind",
            "after_photo_required",
            "is_active",
        ]


# --- the case ---------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class ReferenceField(serializers.Field):
    """The code (or name) of a reference row (region, grid, category,
    department) found by its id in this process's copy of that table, so a
    list of cases needs neither a join nor a query for them."""

    def __init__(self, lookup, attribute: str = "code", **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.lookup, self.attribute = lookup, attribute

    def to_representation(self, value):
        return getattr(self.lookup(value), self.attribute)


class PendingRequestSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseRequest
        fields = ["kind", "reason", "extra_value", "extra_unit", "requested_by", "requested_at"]


class CaseSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    """A case as in lists. Expects the queryset of ``cases.api.case_queryset``
    (``light`` annotated, the duplicate's number and the pending request
    prefetched); codes come from the per-process reference copies."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = ReferenceField(category_by_id, source="category_id", help_text="小类代码")
    category_name = ReferenceField(category_by_id, "name", source="category_id")
    district = ReferenceField(region_by_id, source="district_id", help_text="区/县代码")
    street = ReferenceField(region_by_id, source="street_id", help_text="街道代码")
    community = ReferenceField(region_by_id, source="community_id", help_text="社区代码")
    grid = ReferenceField(grid_by_id, source="grid_id", help_text="单元网格编码")
    department = ReferenceField(department_by_id, source="department_id", allow_null=True, help_text="处置部门编码")
    department_name = ReferenceField(department_by_id, "name", source="department_id", allow_null=True)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="重复件所关联的原案件编号"
    )
    step_label = serializers.SerializerMethodField()
    light = serializers.ChoiceField(choices=Light.choices, read_only=True, allow_null=True)
    caller_name = serializers.SerializerMethodField(help_text="诉求人姓名；无权查看者得到脱敏值（张*）")
    caller_phone = serializers.SerializerMethodField(help_text="诉求人电话；无权查看者得到脱敏值（138****5678）")
    allowed_actions = serializers.SerializerMethodField(help_text="当前用户现在可以执行的动作")
    pending_request = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "status",
            "status_label",
            "source",
            "category",
            "category_name",
            "urgency",
            "description",
            "address",
            "lat",
            "lng",
            "district",
            "street",
            "community",
            "grid",
            "department",
            "department_name",
            "reported_at",
            "filed_at",
            "dispatched_at",
            "signed_at",
            "handled_at",
            "closed_at",
            "deadline",
            "step",
            "step_label",
            "step_deadline",
            "light",
            "rework_count",
            "delay_count",
            "return_count",
            "duplicate_of",
            "supervision_level",
            "hotline_ticket_no",
            "hotline_type",
            "caller_name",
            "caller_phone",
            "satisfaction",
            "resolved",
            "allowed_actions",
            "pending_request",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_step_label(self, case: Case) -> str:
        return step_label(case.step) if case.step else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_caller_name(self, case: Case) -> str:
        return case.caller_name if can_see_caller(self._user()) else mask_name(case.caller_name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_caller_phone(self, case: Case) -> str:
        return case.caller_phone if can_see_caller(self._user()) else mask_phone(case.caller_phone)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=sorted(RULES))))
    def get_allowed_actions(self, case: Case) -> list[str]:
        pending = getattr(case, "pending_requests", None)
        return available_actions(case, self._user(), pending_request=None if pending is None else bool(pending))

    @extend_schema_field(PendingRequestSerializer(allow_null=True))
    def get_pending_request(self, case: Case):
        pending = getattr(case, "pending_requests", None)
        return PendingRequestSerializer(pending[0]).data if pending else None


class AttachmentSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["url", "stage", "content_type", "size", "created_at"]

    def get_url(self, attachment: Attachment) -> str:
        """The permission-checked address (cases.api.PhotoView), never the stored file's."""
        request = self.context.get("request")
        url = reverse("api:photo", kwargs={"pk": attachment.pk})
        return request.build_absolute_uri(url) if request else url


class EventSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="操作人；系统动作为空")
    photos = AttachmentSerializer(source="attachments", many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "action",
            "action_label",
            "actor",
            "from_status",
            "to_status",
            "comment",
            "data",
            "step_deadline",
            "created_at",
            "photos",
        ]

    def get_action_label(self, event: CaseEvent) -> str:
        return action_label(event.action)


class CaseDetailSerializer(CaseSerializer):
    events = EventSerializer(many=True, read_only=True, help_text="时间线：每个动作一条，按时间先后")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "attachments"]
        read_only_fields = fields


class DuplicateSerializer(BuiltOnceFieldsMixin, serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    distance_m = serializers.FloatField(allow_null=True, help_text="与新案件的距离（米）；仅因同一来电号码而列出时为空")


class WrittenEventSerializer(EventSerializer):
    photos = AttachmentSerializer(source="written_photos", many=True, read_only=True)


class IntakeResultSerializer(CaseDetailSerializer):
    """The new case plus the possible duplicates to show the operator (DOMAIN.md §6).

    The timeline and photos are the ones ``case_report`` wrote (``cases.api.as_new``)."""

    events = WrittenEventSerializer(
        source="written_events", many=True, read_only=True, help_text="时间线：每个动作一条，按时间先后"
    )
    attachments = AttachmentSerializer(source="written_photos", many=True, read_only=True)
    possible_duplicates = serializers.SerializerMethodField()

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "possible_duplicates"]
        read_only_fields = fields

    @extend_schema_field(DuplicateSerializer(many=True))
    def get_possible_duplicates(self, case: Case):
        return DuplicateSerializer(self.context.get("duplicates", []), many=True).data


# --- request bodies -----------------------------------------------------------------------
#
# An action's body is checked by its service after role, scope and state, so a
# refused action is a 403 or 409 whatever was sent (cases.services._act). The
# fields below therefore only read values; what is missing or out of range is
# left for the service to say, in its words. The schema still shows what is
# required and which values are allowed.


class OptionalBooleanField(serializers.BooleanField):
    """true / false, or no answer (None): a multipart form that leaves it out, or
    a value that is neither, has not said "no"; the service asks for the answer."""

    default_empty_html = serializers.empty

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            return None


class RequiredText(serializers.CharField):
    """Required free text whose absence the service reports (after its guard)."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, **kwargs)

    def validate_empty_values(self, data):
        if data is serializers.empty or data is None:
            return True, ""
        return super().validate_empty_values(data)


class CheckedChoiceField(serializers.ChoiceField):
    """Documented with its choices; the service checks the value."""

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(choices, **kwargs)

    def validate_empty_values(self, data):
        if (data is serializers.empty or data is None) and self.required:
            return True, ""
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        return str(data).strip()


class CheckedDecimalField(serializers.DecimalField):
    """A number the service parses and bounds (None when absent)."""

    def validate_empty_values(self, data):
        if data is serializers.empty or data is None:
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        return str(data).strip()


def _text(help_text: str, *, required: bool = False) -> serializers.CharField:
    """Free text; blank is let through so the service says what is missing."""
    if required:
        return RequiredText(help_text=help_text)
    return serializers.CharField(required=False, allow_blank=True, default="", help_text=help_text)


def _photos(help_text: str = "照片（multipart，可多张，每张不超过 10 MB）") -> serializers.ListField:
    return serializers.ListField(child=serializers.FileField(), required=False, default=list, help_text=help_text)


class CaseIntakeSerializer(BuiltOnceFieldsMixin, serializers.Serializer):
    source = CheckedChoiceField(Source.choices)
    category = serializers.CharField(help_text="小类代码，如 01001")
    description = _text("问题描述（最多 4000 字）", required=True)
    address = _text("地址")
    lat = serializers.FloatField(help_text="纬度（WGS-84）")
    lng = serializers.FloatField(help_text="经度（WGS-84）")
    urgency = CheckedChoiceField(Urgency.choices, required=False, default=Urgency.NORMAL)
    caller_name = _text("诉求人姓名")
    caller_phone = _text("诉求人电话")
    hotline_ticket_no = _text("12345 工单号（热线案件必填）")
    hotline_type = CheckedChoiceField(HotlineType.choices, required=False, default="")
    self_handled = serializers.BooleanField(default=False, help_text="监督员自处理（须附处置后照片）")
    photos = _photos("现场照片（multipart）")
    after_photos = _photos("处置后照片（multipart，自处理时必填）")


class InspectorField(serializers.CharField):
    """A user by username; the service decides whether they are an inspector."""

    default_error_messages = {"unknown": _("找不到用户：{username}。")}

    def to_internal_value(self, data):
        username = super().to_internal_value(data)
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            self.fail("unknown", username=username)
        return user


class InspectorSerializer(serializers.Serializer):
    inspector = InspectorField(
        required=False, allow_blank=True, default=None, help_text="监督员用户名；留空则为网格的监督员"
    )
    comment = _text("意见")


class VerifyReplySerializer(serializers.Serializer):
    valid = OptionalBooleanField(help_text="属实（true）或不属实（false）")
    comment = _text("核实情况", required=True)
    photos = _photos()


class FileSerializer(serializers.Serializer):
    category = serializers.CharField(
        required=False, allow_blank=True, default=None, help_text="更正后的小类代码；留空则不变"
    )
    urgency = CheckedChoiceField(Urgency.choices, required=False, default=None, help_text="留空则不变")
    comment = _text("意见")


class ReasonSerializer(serializers.Serializer):
    reason = _text("理由", required=True)


class DispatchSerializer(serializers.Serializer):
    department = serializers.CharField(
        required=False, allow_blank=True, default=None, help_text="部门编码；留空则按默认派遣规则"
    )
    comment = _text("派遣意见")


class DelaySerializer(ReasonSerializer):
    extra_value = CheckedDecimalField(max_digits=6, decimal_places=2, help_text="延期时长（大于 0，不超过 365）")
    extra_unit = CheckedChoiceField(TimeUnit.choices, required=False, default=TimeUnit.WORKING_DAYS)


class DecisionSerializer(serializers.Serializer):
    approve = OptionalBooleanField(help_text="批准（true）或不批准（false）")
    comment = _text("审批意见")


class CommentSerializer(serializers.Serializer):
    comment = _text("意见")


class ContactCallerSerializer(serializers.Serializer):
    note = _text("联系情况", required=True)
    contacted_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="默认现在")


class FeedbackSerializer(serializers.Serializer):
    result = _text("处置结果", required=True)
    photos = _photos("处置后照片（multipart）")


class CheckPassSerializer(serializers.Serializer):
    photos = _photos("核查照片（multipart）")
    comment = _text("意见")


class CheckFailSerializer(serializers.Serializer):
    reason = _text("返工理由", required=True)
    photos = _photos("核查照片（multipart）")


class CallbackSerializer(serializers.Serializer):
    satisfaction = CheckedChoiceField(Satisfaction.choices)
    resolved = OptionalBooleanField(help_text="问题是否已解决")
    comment = _text("回访记录")


class LinkDuplicateSerializer(serializers.Serializer):
    original = RequiredText(help_text="原案件编号")


class SuperviseSerializer(serializers.Serializer):
    note = _text("督办意见", required=True)
