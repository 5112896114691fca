"""Filters of the patrol API lists (DOMAIN.md §8, §11).

Codes and usernames rather than ids where people say them; every filter is
served by an index (patrol (inspector, started_at), task (date, inspector),
route code, subject licence number / (name, address)). A value that cannot
mean anything is a 400 naming the parameter, as for cases.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from cases.filters import _start_of
from org.api import CodeInFilter
from patrols.models import EnforcementNotice, EnforcementSubject, Patrol, PatrolTask, Route


class RouteFilter(filters.FilterSet):
    district = CodeInFilter(field_name="district__code", help_text="区/县代码，可用逗号分隔多个")
    active = filters.BooleanFilter(field_name="is_active", help_text="是否在用")

    class Meta:
        model = Route
        fields = ["district", "active"]


class PatrolFilter(filters.FilterSet):
    inspector = CodeInFilter(field_name="inspector__username", help_text="监督员用户名，可用逗号分隔多个")
    route = CodeInFilter(field_name="route__code", help_text="路线编号，可用逗号分隔多个")
    status = filters.ChoiceFilter(choices=Patrol.Status.choices, help_text="状态")
    date_from = filters.DateFilter(method="filter_from", help_text="开始日期不早于（含当天，北京时间）")
    date_to = filters.DateFilter(method="filter_to", help_text="开始日期不晚于（含当天，北京时间）")

    class Meta:
        model = Patrol
        fields = ["inspector", "route", "status", "date_from", "date_to"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(started_at__gte=_start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(started_at__lt=_start_of(value + timedelta(days=1)))


class TaskFilter(filters.FilterSet):
    date = filters.DateFilter(help_text="日期")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="日期不早于")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="日期不晚于")
    inspector = CodeInFilter(field_name="inspector__username", help_text="监督员用户名，可用逗号分隔多个")
    status = filters.ChoiceFilter(choices=PatrolTask.Status.choices, help_text="状态")

    class Meta:
        model = PatrolTask
        fields = ["date", "date_from", "date_to", "inspector", "status"]


class NoticeFilter(filters.FilterSet):
    subject = filters.NumberFilter(field_name="subject_id", help_text="对象编号")
    category = CodeInFilter(field_name="category__code", help_text="违规类别代码，可用逗号分隔多个")
    colour = filters.ChoiceFilter(
        choices=[c for c in EnforcementNotice.Colour.choices if c[0]], help_text="颜色：blue、yellow、red"
    )
    step = filters.ChoiceFilter(choices=EnforcementNotice.Step.choices, help_text="升级步骤")
    issued_from = filters.DateFilter(method="filter_from", help_text="开具日期不早于（北京时间）")
    issued_to = filters.DateFilter(method="filter_to", help_text="开具日期不晚于（含当天，北京时间）")

    class Meta:
        model = EnforcementNotice
        fields = ["subject", "category", "colour", "step", "issued_from", "issued_to"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(issued_at__gte=_start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(issued_at__lt=_start_of(value + timedelta(days=1)))


class SubjectFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", help_text=_("执照号（完整）或名称开头"))
    licence_no = filters.CharFilter(help_text="营业执照号（完整）")

    class Meta:
        model = EnforcementSubject
        fields = ["q", "licence_no"]

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        # Prefix, not contains: the (name, address) and licence indexes serve both.
        return queryset.filter(Q(licence_no=text) | Q(name__startswith=text))
