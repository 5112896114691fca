"""REST API v1 for cases and the category catalogue (DOMAIN.md §11).

Thin on purpose: a view reads the request, calls the one service function of
``cases.services`` and shows the result. Who may see a case is
``Case.objects.visible_to`` (a case outside it is a 404 before any rule); who
may act and when is the service's, raised as ``CaseError`` and turned into
409 / 403 / 400 by ``citymgmt.api.api_exception_handler``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from cases import clock, services
from cases.filters import CaseFilter, order_cases
from cases.models import ALL_CASES_ROLES, Attachment, Case, CaseEvent, CaseRequest, Category, CategoryKind
from cases.rules import RULES
from cases.selectors import duplicate_candidates
from cases.serializers import (
    CallbackSerializer,
    CaseDetailSerializer,
    CaseIntakeSerializer,
    CaseSerializer,
    CategorySerializer,
    CheckFailSerializer,
    CheckPassSerializer,
    CommentSerializer,
    ContactCallerSerializer,
    DecisionSerializer,
    DelaySerializer,
    DispatchSerializer,
    FeedbackSerializer,
    FileSerializer,
    InspectorSerializer,
    IntakeResultSerializer,
    LinkDuplicateSerializer,
    ReasonSerializer,
    SuperviseSerializer,
    VerifyReplySerializer,
)
from citymgmt.api import ANY_SEGMENT, ERROR_RESPONSES, ApiPagination, ErrorSerializer, photo_response
from org.api import CodeInFilter
from org.roles import Role
from org.selectors import user_roles

# --- the category catalogue -------------------------------------------------------------


class CategoryFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CategoryKind.choices, help_text="部件或事件")
    major = CodeInFilter(field_name="major__code", help_text="大类代码，可用逗号分隔多个")
    is_active = filters.BooleanFilter(help_text="是否在用")

    class Meta:
        model = Category
        fields = ["kind", "major", "is_active"]


@extend_schema_view(
    list=extend_schema(
        tags=["reference"], summary="案件类别（小类）", responses={200: CategorySerializer, **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(
        tags=["reference"], summary="一个案件类别", responses={200: CategorySerializer, **ERROR_RESPONSES}
    ),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.select_related("major").order_by("code")
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    lookup_field = "code"
    lookup_value_regex = ANY_SEGMENT


# --- cases -------------------------------------------------------------------------------


def case_queryset(user, *, scoped: bool = True):
    """The cases a user may see, ready for CaseSerializer: ``light`` annotated,
    and the duplicate's number and the pending request fetched for the whole
    page in one small query each, so a page of 100 costs what a page of 5 does.

    Nothing is joined: planning a join of cases with the small reference
    tables cost PostgreSQL tens of milliseconds per request. Region, grid,
    category and department codes come from each process's copy of those
    tables (``cases.serializers.ReferenceField``)."""
    base = Case.objects.visible_to(user) if scoped else Case.objects.all()
    pending = CaseRequest.objects.filter(state=CaseRequest.State.PENDING).select_related("requested_by")
    return base.with_light(clock.now()).prefetch_related(
        Prefetch("duplicate_of", queryset=Case.objects.only("number")),
        Prefetch("requests", queryset=pending, to_attr="pending_requests"),
    )


class CasePaginator(Paginator):
    """Counts first (``CaseQuerySet.capped_count``), then lets the queryset plan
    the page for that many matches (``CaseQuerySet.for_count``)."""

    capped = False

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "capped_count"):
            return super().count
        count, self.capped = self.object_list.capped_count()
        return count

    def page(self, number):
        number = self.validate_number(number)  # counts
        cases = self.object_list
        if not hasattr(cases, "for_count"):
            return super().page(number)
        # More than the cap: many, as far as planning goes.
        sorted_after_filter = cases.for_count(self.count if not self.capped else 10**9)
        if sorted_after_filter is cases:
            return super().page(number)
        # Sort only the numbers (an index can hold them with the filter and
        # order columns), then read the page's 20 cases by number.
        bottom = (number - 1) * self.per_page
        top = self.count if bottom + self.per_page + self.orphans >= self.count else bottom + self.per_page
        numbers = list(sorted_after_filter.values_list("number", flat=True)[bottom:top])
        by_number = {case.number: case for case in cases.order_by().filter(number__in=numbers)}
        return self._get_page([by_number[n] for n in numbers if n in by_number], number, self)


class CasePagination(ApiPagination):
    """The page shape of DOMAIN.md §11 plus ``count_capped``: true when a text
    search matched more cases than it counts (``count`` is then that cap)."""

    django_paginator_class = CasePaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "为 true 时，文字搜索命中的案件多于 count（此时 count 为计数上限）",
            "example": False,
        }
        return schema


def with_timeline(queryset):
    events = CaseEvent.objects.select_related("actor").prefetch_related("attachments")
    return queryset.prefetch_related(Prefetch("events", queryset=events), "attachments")


@extend_schema_view(
    list=extend_schema(
        tags=["cases"],
        summary="案件列表",
        description="只列出当前用户可见的案件；默认按处置期限升序（无期限的在后）。",
        responses={200: CaseSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        tags=["cases"],
        summary="案件详情与时间线",
        responses={200: CaseDetailSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        tags=["cases"],
        summary="登记案件（上报/受理）",
        description=(
            "JSON 或 multipart；照片放在 `photos`，自处理的处置后照片放在 `after_photos`。"
            "返回新案件以及可能的重复件 `possible_duplicates`（同类 50 米内、同一来电号码 30 天内）。"
        ),
        request=CaseIntakeSerializer,
        responses={201: IntakeResultSerializer, **ERROR_RESPONSES},
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = ANY_SEGMENT
    filterset_class = CaseFilter
    pagination_class = CasePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Case.objects.none()
        queryset = case_queryset(self.request.user)
        if self.action == "retrieve":
            return with_timeline(queryset)
        return order_cases(queryset)

    def get_serializer_class(self):
        return {"retrieve": CaseDetailSerializer, "create": CaseIntakeSerializer}.get(self.action, CaseSerializer)

    def create(self, request):
        body = CaseIntakeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_report(by=request.user, **body.validated_data)
        context = {**self.get_serializer_context(), "duplicates": possible_duplicates(case, request.user)}
        return Response(IntakeResultSerializer(as_new(case), context=context).data, status=status.HTTP_201_CREATED)


def as_new(case: Case) -> Case:
    """A case ``case_report`` just stored, ready for IntakeResultSerializer
    without reading it back: its codes are the objects the service set, its
    timeline and photos what the service wrote, and it has no request yet."""
    case.light = case.light_at(clock.now())
    case.pending_requests = []
    case.written_photos = [photo for event in case.written_events for photo in event.written_photos]
    return case


def possible_duplicates(case: Case, user) -> list[dict]:
    """Duplicate candidates of a new case (DOMAIN.md §6) that the user may see;
    read after the case is stored, so it is excluded from its own list."""
    candidates = duplicate_candidates(
        category=case.category,
        lat=case.lat,
        lng=case.lng,
        caller_phone=case.caller_phone,
        at=case.reported_at,
        exclude=case,
    )
    ids = [c.case.pk for c in candidates]
    if ids and not user_roles(user) & ALL_CASES_ROLES:
        ids = Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    visible = set(ids)
    return [
        {
            "number": c.case.number,
            "status": c.case.status,
            "reasons": [str(r) for r in c.reasons],
            "distance_m": None if c.distance_m is None else round(c.distance_m, 1),
        }
        for c in candidates
        if c.case.pk in visible
    ]


# --- photos: GET /api/v1/photos/{id}/ ------------------------------------------------------


@extend_schema(
    tags=["cases"],
    summary="案件照片",
    description="照片文件本身；只有能看到该案件的用户可以取得（页面与 API 同一地址）。",
    responses={(200, "image/*"): OpenApiResponse(description="照片"), **ERROR_RESPONSES},
)
class PhotoView(GenericAPIView):
    """A case photo, for whoever may see its case: pages (session) and API
    clients (token) alike. Photos are never served as public files, so a
    guessed address shows nothing (DOMAIN.md §10)."""

    def get_queryset(self):
        return Attachment.objects.filter(case__in=Case.objects.visible_to(self.request.user))

    def get(self, request, pk: int):
        attachment = get_object_or_404(self.get_queryset(), pk=pk)
        return photo_response(attachment.file, attachment.content_type)


# --- actions: POST /api/v1/cases/{number}/{action}/ -----------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """How the body of one action maps onto its service function."""

    service: Callable[..., Case]
    body: type[serializers.Serializer] | None


ACTIONS: dict[str, ActionSpec] = {
    "verify-request": ActionSpec(services.case_verify_request, InspectorSerializer),
    "verify-reply": ActionSpec(services.case_verify_reply, VerifyReplySerializer),
    "file": ActionSpec(services.case_file, FileSerializer),
    "reject": ActionSpec(services.case_reject, ReasonSerializer),
    "void": ActionSpec(services.case_void, ReasonSerializer),
    "dispatch": ActionSpec(services.case_dispatch, DispatchSerializer),
    "sign": ActionSpec(services.case_sign, None),
    "request-return": ActionSpec(services.case_request_return, ReasonSerializer),
    "request-delay": ActionSpec(services.case_request_delay, DelaySerializer),
    "request-suspend": ActionSpec(services.case_request_suspend, ReasonSerializer),
    "decide-request": ActionSpec(services.case_decide_request, DecisionSerializer),
    "resume": ActionSpec(services.case_resume, CommentSerializer),
    "contact-caller": ActionSpec(services.case_contact_caller, ContactCallerSerializer),
    "feedback": ActionSpec(services.case_feedback, FeedbackSerializer),
    "check-request": ActionSpec(services.case_check_request, InspectorSerializer),
    "check-pass": ActionSpec(services.case_check_pass, CheckPassSerializer),
    "check-fail": ActionSpec(services.case_check_fail, CheckFailSerializer),
    "close": ActionSpec(services.case_close, CommentSerializer),
    "callback": ActionSpec(services.case_callback, CallbackSerializer),
    "reopen": ActionSpec(services.case_reopen, ReasonSerializer),
    "link-duplicate": ActionSpec(services.case_link_duplicate, LinkDuplicateSerializer),
    "supervise": ActionSpec(services.case_supervise, SuperviseSerializer),
}
assert set(ACTIONS) == set(RULES), "every action of cases.rules.RULES needs an API endpoint"


class CaseActionView(GenericAPIView):
    """Base of the one view per action (``action_views`` makes them)."""

    action_name = ""
    spec: ActionSpec
    lookup_field = "number"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return Case.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        return self.spec.body or CommentSerializer

    def post(self, request, number: str):
        case = self.get_object()  # 404 for a case the user may not see, before any rule
        data = {}
        if self.spec.body is not None:
            body = self.spec.body(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = body.validated_data
        self.spec.service(case=case, by=request.user, **data)
        # The actor may no longer see the case (e.g. it left their department);
        # they were allowed to act on it, so they see the outcome.
        fresh = with_timeline(case_queryset(request.user, scoped=False)).get(pk=case.pk)
        return Response(CaseDetailSerializer(fresh, context=self.get_serializer_context()).data)


def _action_view(name: str, spec: ActionSpec) -> type[CaseActionView]:
    rule = RULES[name]
    roles = "、".join(f"{Role(r).label}（{r}）" for r in sorted(rule.roles))
    sources = "、".join(sorted(rule.sources))

    @extend_schema(
        tags=["case actions"],
        operation_id=f"cases_{name.replace('-', '_')}",
        summary=f"{name}：{rule.label}",
        description=f"角色：{roles}。允许的状态：{sources}。"
        + (f"成功后状态变为 {rule.to}。" if rule.to else "状态不变。"),
        request=spec.body,
        responses={
            200: CaseDetailSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(ErrorSerializer, description="当前状态不允许此动作"),
        },
    )
    def post(self, request, number: str):
        return CaseActionView.post(self, request, number)

    camel = "".join(part.capitalize() for part in name.split("-"))
    return type(f"Case{camel}View", (CaseActionView,), {"action_name": name, "spec": spec, "post": post})


action_views: dict[str, type[CaseActionView]] = {name: _action_view(name, spec) for name, spec in ACTIONS.items()}


@extend_schema(exclude=True)
class UnknownActionView(GenericAPIView):
    """Any other word after a case number: a JSON 404 naming it."""

    def post(self, request, number: str, action: str):
        raise Http404(_("没有“%(action)s”这个动作。") % {"action": action})

    get = post
