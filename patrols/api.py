"""REST API v1 for patrols: routes, patrol shifts with track points, problem
reports, patrol tasks and 三色单 notices (DOMAIN.md §8, §11).

Thin like ``cases.api``: a view reads the request, calls the one function of
``patrols.services`` and shows the result. Who sees which patrols and tasks is
``patrols.selectors`` (outside it: 404 before any rule); who may act and when
is the service's, raised as ``CaseError`` and turned into 409 / 403 / 400 by
``citymgmt.api.api_exception_handler``.
"""

from __future__ import annotations

import math

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from cases.api import as_new, case_queryset, possible_duplicates, with_timeline
from cases.catalogue import active_category
from cases.serializers import CaseDetailSerializer, IntakeResultSerializer
from citymgmt.api import ANY_SEGMENT, ERROR_RESPONSES, ApiPagination, ErrorSerializer
from org.roles import Role
from org.selectors import user_roles
from patrols import enforcement, services
from patrols.filters import NoticeFilter, PatrolFilter, RouteFilter, SubjectFilter, TaskFilter
from patrols.models import EnforcementNotice, EnforcementSubject, Patrol, PatrolTask, Route, RouteGrid, TrackPoint
from patrols.selectors import PATROL_READER_ROLES, patrols_visible_to, tasks_visible_to
from patrols.serializers import (
    NoticeIssueSerializer,
    NoticeSerializer,
    PatrolReportSerializer,
    PatrolSerializer,
    PatrolStartSerializer,
    PointsBatchSerializer,
    PointsResultSerializer,
    RouteSerializer,
    SubjectDetailSerializer,
    SubjectSerializer,
    TaskSerializer,
    TrackPointSerializer,
)

NOTICE_ROLES = {Role.INSPECTOR, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN, Role.LEADER}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="当前状态不允许此动作")}


def has_role(roles: set[str] | None = None) -> type[BasePermission]:
    """Signed in and holding one of ``roles`` (any role when None), else 403."""

    class HasRole(BasePermission):
        message = gettext_lazy("你没有查看此内容的权限。")

        def has_permission(self, request, view):
            held = user_roles(request.user)
            return bool(held & roles) if roles is not None else bool(held)

    return HasRole


# --- routes -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=["patrols"],
        summary="巡查路线",
        description="每条路线带按巡查顺序排列的网格编码。有任一角色的用户可读。",
        responses={200: RouteSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["patrols"], summary="一条巡查路线", responses={200: RouteSerializer, **ERROR_RESPONSES}
    ),
)
class RouteViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ANY_SEGMENT
    serializer_class = RouteSerializer
    filterset_class = RouteFilter
    permission_classes = [has_role()]
    queryset = Route.objects.prefetch_related(
        Prefetch("stops", queryset=RouteGrid.objects.order_by("position").only("route_id", "grid_id", "position"))
    ).order_by("code")


# --- patrols ----------------------------------------------------------------------------------


class TrackPagination(ApiPagination):
    """A shift's track is long: up to 1000 points a page."""

    page_size = 500
    max_page_size = 1000


@extend_schema_view(
    list=extend_schema(
        tags=["patrols"],
        summary="巡查列表",
        description="监督员只看到自己的巡查；派遣员、值班长、管理员看到全部；领导看到其辖区监督员的巡查。最近的在前。",
        responses={200: PatrolSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(tags=["patrols"], summary="一次巡查", responses={200: PatrolSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        tags=["patrols"],
        summary="开始巡查",
        description="监督员开始一次巡查（可指定自己的巡查任务）；同一时间只能有一次进行中的巡查。",
        request=PatrolStartSerializer,
        responses={201: PatrolSerializer, **ERROR_RESPONSES, **CONFLICT},
    ),
)
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ANY_SEGMENT
    serializer_class = PatrolSerializer
    filterset_class = PatrolFilter
    permission_classes = [has_role(PATROL_READER_ROLES)]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patrol.objects.none()
        return (
            patrols_visible_to(self.request.user)
            .select_related("inspector", "route")
            .prefetch_related("visits")
            .order_by("-started_at", "-id")
        )

    def get_serializer_class(self):
        return {"create": PatrolStartSerializer, "points": PointsBatchSerializer}.get(self.action, PatrolSerializer)

    def _shown(self, patrol: Patrol, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=patrol.pk).first() or patrol
        return Response(PatrolSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        body = PatrolStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = None
        if body.validated_data["task"] is not None:
            task = tasks_visible_to(request.user).filter(pk=body.validated_data["task"]).first()
            if task is None:
                raise ValidationError({"task": [_("找不到这个巡查任务。")]})
        patrol = services.patrol_start(by=request.user, task=task)
        return self._shown(patrol, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["patrols"],
        summary="结束巡查",
        request=None,
        responses={200: PatrolSerializer, **ERROR_RESPONSES, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        patrol = services.patrol_end(patrol=self.get_object(), by=request.user)
        return self._shown(patrol)

    @extend_schema(
        methods=["GET"],
        tags=["patrols"],
        summary="巡查轨迹",
        description="轨迹点按时间先后，每页最多 1000 个。",
        responses={200: TrackPointSerializer(many=True), **ERROR_RESPONSES},
    )
    @extend_schema(
        methods=["POST"],
        tags=["patrols"],
        summary="上传轨迹点（批量）",
        description=(
            "`points`: [{client_id, lat, lng, recorded_at, accuracy_m, source}]，最多 500 个。"
            "client_id 已记录过的点跳过（重传不重复），无效的点逐个拒收并说明原因，其余照常记录。"
        ),
        request=PointsBatchSerializer,
        responses={200: PointsResultSerializer, **ERROR_RESPONSES, **CONFLICT},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=TrackPagination)
    def points(self, request, pk=None):
        patrol = self.get_object()
        if request.method == "GET":
            track = TrackPoint.objects.filter(patrol=patrol).order_by("recorded_at", "id")
            page = self.paginate_queryset(track)
            return self.get_paginated_response(TrackPointSerializer(page, many=True).data)
        body = PointsBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        points, indexes, rejected = read_points(body.validated_data["points"])
        result = services.patrol_add_points(patrol=patrol, by=request.user, points=points)
        rejected |= {indexes[i]: message for i, message in result.rejected.items()}
        answer = {"added": result.added, "duplicates": result.duplicates, "rejected": dict(sorted(rejected.items()))}
        return Response(PointsResultSerializer(answer).data)

    @extend_schema(
        tags=["patrols"],
        summary="巡查上报问题",
        description=(
            "与案件登记相同的 multipart 表单（不含 source，渠道总是巡查上报），至少一张照片；"
            "`self_handled=true` 为自处理，须附 `after_photos`。带 `client_id`：重传返回已建的同一案件（200）。"
        ),
        request={"multipart/form-data": PatrolReportSerializer, "application/json": PatrolReportSerializer},
        responses={
            201: IntakeResultSerializer,
            200: OpenApiResponse(CaseDetailSerializer, description="重传：已建的案件"),
            **ERROR_RESPONSES,
            **CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def reports(self, request, pk=None):
        patrol = self.get_object()
        body = PatrolReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        client_id = fields.pop("client_id")
        case = services.patrol_report(patrol=patrol, by=request.user, client_id=client_id, **fields)
        context = self.get_serializer_context()
        if not hasattr(case, "written_events"):  # a retry: the case made the first time
            fresh = with_timeline(case_queryset(request.user, scoped=False)).get(pk=case.pk)
            return Response(CaseDetailSerializer(fresh, context=context).data)
        context["duplicates"] = possible_duplicates(case, request.user)
        return Response(IntakeResultSerializer(as_new(case), context=context).data, status=status.HTTP_201_CREATED)


# --- tasks ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=["patrols"],
        summary="巡查任务",
        description="监督员只看到自己的任务；派遣员、值班长、管理员看到全部；领导看到其辖区监督员的任务。",
        responses={200: TaskSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["patrols"], summary="一个巡查任务", responses={200: TaskSerializer, **ERROR_RESPONSES}
    ),
)
class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ANY_SEGMENT
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    permission_classes = [has_role(PATROL_READER_ROLES)]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PatrolTask.objects.none()
        return (
            tasks_visible_to(self.request.user)
            .select_related("inspector", "route")
            .order_by("date", "shift_start", "inspector_id", "id")
        )


# --- 三色单 ---------------------------------------------------------------------------------


def subject_for(data: dict) -> EnforcementSubject:
    """The subject a notice is for: by id, else the one on record for the name,
    address and licence number given, else a new one (enforcement.subject_find_or_create).
    Called inside the notice's transaction: a refused notice leaves no new subject."""
    if data["subject_id"] is not None:
        found = EnforcementSubject.objects.filter(pk=data["subject_id"]).first()
        if found is None:
            raise ValidationError({"subject_id": [_("找不到这个对象。")]})
        return found
    return enforcement.subject_find_or_create(**data["subject"])


def read_points(batch: list[dict]) -> tuple[list[dict], list[int], dict[int, str]]:
    """The batch's points with their times read as moments (ISO 8601; without an
    offset, site time) and accuracy as a number, for ``patrol_add_points``.
    Returns (points passed on, their indexes in the batch, rejected here): a
    point whose time cannot be read is rejected alone, like a bad position."""
    passed, indexes, rejected = [], [], {}
    for index, raw in enumerate(batch):
        point = dict(raw)
        text = raw.get("recorded_at")
        if text not in (None, ""):
            try:
                moment = parse_datetime(str(text))
            except ValueError:
                moment = None
            if moment is None:
                rejected[index] = _("时间无效：请用 ISO 8601（如 2026-11-18T09:00:00+08:00）。")
                continue
            point["recorded_at"] = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        else:
            point.pop("recorded_at", None)
        accuracy = raw.get("accuracy_m")
        point["accuracy_m"] = float(accuracy) if isinstance(accuracy, int | float) and math.isfinite(accuracy) else None
        passed.append(point)
        indexes.append(index)
    return passed, indexes, rejected


ISSUER_ROLES = {Role.INSPECTOR, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN}
SUPERVISOR_ROLES = {Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN}


def _in_leader_region(user, grid_path: str) -> Q:
    """The objects whose grid lies in a leader's region (all for a city leader),
    and those with no known place (no grid: their region cannot be told);
    nothing for a user who is not a leader."""
    if Role.LEADER not in user_roles(user):
        return Q(pk__in=[])
    profile = getattr(user, "profile", None)
    region = profile.region if profile is not None else None
    if region is None or region.level == "city":
        return Q()
    return Q(**{f"{grid_path}{region.level}": region}) | Q(**{f"{grid_path[:-2]}__isnull": True})


def notices_visible_to(user, notices):
    """As the notice pages (``patrols.web.notices.visible_notices``): supervisors
    see every notice, an inspector the ones they issued; and a leader those of
    their region. Nobody reaches another's notice by guessing its id."""
    if user_roles(user) & SUPERVISOR_ROLES:
        return notices
    scope = _in_leader_region(user, "subject__grid__")
    if Role.INSPECTOR in user_roles(user):
        scope |= Q(issued_by=user)
    return notices.filter(scope)


@extend_schema_view(
    list=extend_schema(
        tags=["notices"],
        summary="三色单列表",
        description="最近开具的在前。",
        responses={200: NoticeSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["notices"], summary="一张三色单", responses={200: NoticeSerializer, **ERROR_RESPONSES}
    ),
    create=extend_schema(
        tags=["notices"],
        summary="开具三色单",
        description=(
            "对象用 `subject_id`，或 `subject`: {name, address, licence_no}"
            "（按执照号或名称+地址找到已有对象，否则新建）。"
            "颜色与升级步骤由系统按同一对象同一违规类别 90 天内的次数决定：第 1 次蓝、第 2 次黄、第 3 次红，"
            "之后依次 劝导 → 告诫 → 处罚 → 取缔（须填处理决定，处罚须填罚款金额）。"
        ),
        request=NoticeIssueSerializer,
        responses={201: NoticeSerializer, **ERROR_RESPONSES},
    ),
)
class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ANY_SEGMENT
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    permission_classes = [has_role(NOTICE_ROLES)]
    queryset = EnforcementNotice.objects.select_related("subject", "issued_by").order_by("-issued_at", "-id")

    def get_queryset(self):
        return notices_visible_to(self.request.user, super().get_queryset())

    def get_serializer_class(self):
        return NoticeIssueSerializer if self.action == "create" else NoticeSerializer

    def create(self, request):
        body = NoticeIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patrol = None
        if data["patrol"] is not None:
            patrol = patrols_visible_to(request.user).filter(pk=data["patrol"]).first()
            if patrol is None:
                raise ValidationError({"patrol": [_("找不到这次巡查。")]})
        category = active_category(data["category"].strip())
        with transaction.atomic():
            subject = subject_for(data)
            notice = enforcement.notice_issue(
                by=request.user,
                subject=subject,
                category=category if category is not None else data["category"],
                description=data["description"],
                decision=data["decision"],
                penalty_amount=data["penalty_amount"],
                patrol=patrol,
                lat=data["lat"],
                lng=data["lng"],
            )
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(
            NoticeSerializer(notice, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        tags=["notices"],
        summary="执法对象",
        description="`q`：完整执照号或名称开头。",
        responses={200: SubjectSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["notices"],
        summary="执法对象及其三色单记录",
        responses={200: SubjectDetailSerializer, **ERROR_RESPONSES},
    ),
)
class SubjectViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ANY_SEGMENT
    filterset_class = SubjectFilter
    permission_classes = [has_role(NOTICE_ROLES)]
    queryset = EnforcementSubject.objects.order_by("name", "id")

    def get_queryset(self):
        subjects = super().get_queryset()
        if user_roles(self.request.user) & ISSUER_ROLES:
            return subjects  # issuing needs any subject's ladder of notices
        return subjects.filter(_in_leader_region(self.request.user, "grid__"))

    def get_serializer_class(self):
        return SubjectDetailSerializer if self.action == "retrieve" else SubjectSerializer

    def retrieve(self, request, pk=None):
        subject = get_object_or_404(self.get_queryset(), pk=pk)
        context = {**self.get_serializer_context(), "history": enforcement.subject_history(subject)}
        return Response(SubjectDetailSerializer(subject, context=context).data)
