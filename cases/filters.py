"""Filters of the case list (DOMAIN.md §11).

Codes, not ids, so links and other systems can say ``?district=339901``;
several values are comma-separated. A value that cannot mean anything (an
unknown status, a bad date, a light that is not green/yellow/red) is a 400
naming the parameter rather than a silently ignored filter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from cases import clock
from cases.models import Case, Light, Source, Status, Urgency, overdue_q
from cases.privacy import can_see_caller
from citymgmt.api import as_utc
from org.api import CodeInFilter

ORDERINGS = ["deadline", "step_deadline", "filed_at", "reported_at"]
DEFAULT_ORDERING = "deadline"
YES_NO = [("true", "true"), ("false", "false")]
# Cases filed in a window have deadlines in about the same window, so walking
# the deadline index finds them late; sort a window's matches after filtering
# up to this many (CaseQuerySet.for_count).
DATE_WINDOW_SORT_MAX = 400_000
# A text search counts its matches up to this many (CaseQuerySet.capped_count).
TEXT_SEARCH_COUNT_CAP = 1_000


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """One choice or several, comma-separated; each must be a known value."""


class DateOrDateTimeField(forms.Field):
    """An ISO date (a whole day, Asia/Shanghai) or an ISO date-time (a moment;
    without an offset it is Shanghai time). Cleans to ``(value, is_day)``."""

    default_error_messages = {
        "invalid": _("请使用 ISO 日期（如 2026-11-18）或日期时间（如 2026-11-18T09:00:00+08:00）。"),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        # An unencoded "+08:00" in a query string arrives as " 08:00".
        text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", text)
        try:  # OverflowError: the day after 9999-12-31
            day = parse_date(text)
            if day is not None:
                _start_of(day + timedelta(days=1))  # the whole day is representable
                return day, True
            moment = parse_datetime(text)
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        try:
            return as_utc(moment), False
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DateOrDateTimeFilter(filters.Filter):
    field_class = DateOrDateTimeField


def date_or_datetime_filter(method: str, help_text: str) -> DateOrDateTimeFilter:
    # The schema cannot guess the type of a custom field; say it, with the text.
    schema = {"type": "string", "description": help_text, "example": "2026-11-18"}
    return extend_schema_field(schema)(DateOrDateTimeFilter(method=method, help_text=help_text))


class CaseFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Status.choices, help_text="状态，可用逗号分隔多个")
    source = ChoiceInFilter(choices=Source.choices, help_text="来源，可用逗号分隔多个")
    district = CodeInFilter(field_name="district__code", help_text="区/县代码，可用逗号分隔多个")
    street = CodeInFilter(field_name="street__code", help_text="街道代码，可用逗号分隔多个")
    grid = CodeInFilter(field_name="grid__code", help_text="单元网格编码，可用逗号分隔多个")
    category = CodeInFilter(field_name="category__code", help_text="小类代码，可用逗号分隔多个")
    department = CodeInFilter(field_name="department__code", help_text="处置部门编码，可用逗号分隔多个")
    urgency = filters.ChoiceFilter(choices=Urgency.choices, help_text="紧急程度")
    light = filters.ChoiceFilter(choices=Light.choices, method="filter_light", help_text="当前环节的计时灯")
    overdue = filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", help_text="true：已超过处置期限的未结案件；false：其余案件"
    )
    filed_after = date_or_datetime_filter(
        "filter_filed_after", "立案时间不早于：ISO 日期（当天 0 点起，北京时间）或带时区的日期时间"
    )
    filed_before = date_or_datetime_filter(
        "filter_filed_before", "立案时间不晚于：ISO 日期（含当天，北京时间）或带时区的日期时间"
    )
    q = filters.CharFilter(
        method="filter_q",
        help_text="案件编号（完整或前缀）、地址或描述中的文字；有权查看诉求人的用户还可按完整电话号码查找",
    )
    ordering = filters.ChoiceFilter(
        choices=[(o, o) for name in ORDERINGS for o in (name, f"-{name}")],
        method="filter_ordering",
        help_text="排序：deadline（处置期限）、step_deadline（当前环节期限）、filed_at、reported_at，前加 - 为倒序；"
        "默认 deadline（无期限的在后）",
    )

    class Meta:
        model = Case
        fields = []

    def get_form_class(self):
        """The form is built once per class and language, not per request: every
        filter here is the same for every request (none takes the request's
        queryset or user), and each form instance still deep-copies its fields.
        django-filter writes the labels out in the language of the moment, hence
        one form per language. Building it cost a list or case request about
        1 ms of CPU."""
        cls = type(self)
        built = cls.__dict__.get("_form_classes")
        if built is None:
            built = cls._form_classes = {}
        language = get_language()
        if language not in built:
            built[language] = super().get_form_class()
        return built[language]

    def _now(self) -> datetime:
        # The clock services act at: tests (and seed_demo) can set the moment.
        return clock.now()

    def filter_light(self, queryset, name, value):
        return queryset.with_light_of(value, self._now())

    def filter_overdue(self, queryset, name, value):
        if value == "true":
            return queryset.filter(overdue_q(self._now()))
        # Not exclude(condition): a case without a deadline must count as not overdue, not vanish.
        return queryset.exclude(pk__in=Case.objects.overdue(self._now()).values("pk"))

    def filter_filed_after(self, queryset, name, value):
        moment, is_day = value
        queryset = queryset.sort_after_filter_up_to(DATE_WINDOW_SORT_MAX)
        return queryset.filter(filed_at__gte=_start_of(moment) if is_day else moment)

    def filter_filed_before(self, queryset, name, value):
        moment, is_day = value
        queryset = queryset.sort_after_filter_up_to(DATE_WINDOW_SORT_MAX)
        if is_day:
            return queryset.filter(filed_at__lt=_start_of(moment + timedelta(days=1)))
        return queryset.filter(filed_at__lte=moment)

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        # Only someone who may read phone numbers may look cases up by one;
        # otherwise the search would tell a masked user whose number it is.
        phone = re.sub(r"[\s-]", "", text)
        by_phone = Q(caller_phone=phone) if phone and can_see_caller(self.request.user) else Q(pk__in=[])
        if phone.lstrip("+").isdigit() and len(phone) >= 5:
            # A case number or a phone: index lookups only, no text scan.
            return queryset.filter(Q(number__startswith=phone) | by_phone)
        # contains, not icontains: Chinese has no case, and LIKE (unlike
        # UPPER(…) LIKE UPPER(…)) can use the trigram indexes on PostgreSQL.
        clause = Q(number__startswith=text) | Q(address__contains=text) | Q(description__contains=text)
        return queryset.filter(clause | by_phone).count_up_to(TEXT_SEARCH_COUNT_CAP)

    def filter_ordering(self, queryset, name, value):
        return order_cases(queryset, value)


def order_cases(queryset, ordering: str = DEFAULT_ORDERING):
    """Order by one of ORDERINGS; cases without that time come last either way,
    and the number breaks ties so pages never overlap."""
    field = ordering.lstrip("-")
    column = F(field).desc(nulls_last=True) if ordering.startswith("-") else F(field).asc(nulls_last=True)
    return queryset.order_by(column, "-number" if ordering.startswith("-") else "number")
