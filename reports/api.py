"""REST API of the reports (DOMAIN.md §11): the monthly ranking report.

Reads only the stored figures (``reports.assessment``); who sees which rows is
``reports.access``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from citymgmt.api import ERROR_RESPONSES
from reports import assessment, selectors
from reports.access import may_read, read_scope, region_ids_within
from reports.metrics import RATES
from reports.serializers import MonthlySerializer
from sanitation.access import parse_month
from sanitation.api import month_and_level


class CanRead(BasePermission):
    message = gettext_lazy("你没有查看统计考评的权限。")

    def has_permission(self, request, view):
        return may_read(request.user)


def _float(value):
    return None if value is None else float(value)


def report_row(row: dict, level: str, as_of) -> dict:
    """A ranked row as §11 names its fields."""
    return {
        level: row["code"],
        "name": row["name"],
        "filed": row["filed"],
        "due": row["filed"],
        **{name: row[name] for name in ("closed", "closed_on_time", "handled", "handled_on_time", "rework")},
        **{name: row[name] for name in ("delayed", "dispatched", "returned")},
        **{name: _float(row[name]) for name in RATES},
        "sanitation_score": _float(row["sanitation_score"]),
        "score": _float(row["score"]),
        "rank": row["rank"],
        "rank_change": row["rank_change"],
        "red_flag": row["red_flag"],
        "board": row["board"],
        "reweighted": row["reweighted"],
        "as_of": as_of,
    }


class MonthlyReportView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        tags=["reports"],
        summary="月度考评排名",
        description=(
            "DOMAIN.md §7 的各项数字与比率、综合得分、名次、名次变化、流动红旗与红黑榜。"
            "按立案月份统计（作废件除外）；比率为 0–1 的小数，分母为零时为 null。"
            "月末加结算天数后冻结，as_of 为统计截止时间；未冻结的月份为实时数字。"
            "领导只看到其辖区的区县（或街道）；部门排名为全市。"
        ),
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM", required=True),
            OpenApiParameter("level", str, enum=list(assessment.LEVELS), description="默认 district"),
        ],
        responses={200: MonthlySerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        month, level = month_and_level(request, assessment.LEVELS, _("level 应为 district、street 或 department。"))
        report = assessment.monthly(month, level)
        allowed = region_ids_within(read_scope(request.user), level)
        rows = [r for r in report["rows"] if allowed is None or r["unit_id"] in allowed]
        body = {
            "month": f"{month:%Y-%m}",
            "level": level,
            "as_of": report["as_of"],
            "frozen": report["frozen"],
            "results": [report_row(r, level, report["as_of"]) for r in rows],
        }
        return Response(MonthlySerializer(body).data)


# The dashboard's breakdowns, for other systems (a city's big screen, a report generator).
BREAKDOWNS = {
    "channel": selectors.channels,
    "category": selectors.top_categories,
    "grid": selectors.hot_grids,
    "department": lambda scope, month: selectors.overdue_by_department(scope),
}


def _month_of(request):
    month = parse_month(request.query_params.get("month", ""))
    if month is None:
        raise ValidationError({"month": [_("月份格式应为 YYYY-MM。")]})
    return month


class TrendView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        tags=["reports"],
        summary="近 12 个月结案率趋势",
        description=(
            "读者辖区（领导：其区域；其余：全市）截至 month 的 12 个月：立案、结案、按期结案数，"
            "结案率与按期结案率（0–1，分母为零时为 null）。"
        ),
        parameters=[OpenApiParameter("month", str, description="YYYY-MM", required=True)],
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def get(self, request):
        month = _month_of(request)
        scope = selectors.scope_of(request.user)
        body = {"month": f"{month:%Y-%m}", "scope": scope.key, **selectors.trend(scope, month)}
        return Response(selectors.plain(body))


class BreakdownView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        tags=["reports"],
        summary="分项统计",
        description=(
            "读者辖区当月的分项：by=channel 按来源分组的结案情况；category 高发问题（小类）；"
            "grid 高发网格；department 各部门当前未结、超期与红灯案件（实时）。"
        ),
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM", required=True),
            OpenApiParameter("by", str, enum=list(BREAKDOWNS), required=True),
        ],
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def get(self, request):
        errors = {}
        month = parse_month(request.query_params.get("month", ""))
        by = request.query_params.get("by", "")
        if month is None:
            errors["month"] = [_("月份格式应为 YYYY-MM。")]
        if by not in BREAKDOWNS:
            errors["by"] = [_("by 应为 channel、category、grid 或 department。")]
        if errors:
            raise ValidationError(errors)
        scope = selectors.scope_of(request.user)
        body = {"month": f"{month:%Y-%m}", "scope": scope.key, "by": by, **BREAKDOWNS[by](scope, month)}
        return Response(selectors.plain(body))
