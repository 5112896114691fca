"""Waste-sorting records (垃圾分类, DOMAIN.md §9): a community's monthly survey and
a street's daily tonnage per waste type.

Every page and API that writes these goes through the functions here, so the
rules (who may enter them, participating ≤ households, aware ≤ surveyed,
correct ≤ checked, a month is its first day) live in one place. Refusals are
``CaseError`` (kind ``permission`` or ``input`` with messages per field), the
error type pages already turn into messages next to the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import CaseError
from org.models import Region
from sanitation.access import may_edit as may_enter
from sanitation.models import DailyTonnage, SortingCommunity, SortingMonth, WasteType

COUNT_FIELDS = ("households", "participating", "surveyed", "aware", "checked", "correct")
# (part, whole): the part can never exceed the whole; the error goes on the part.
BOUNDS = (("participating", "households"), ("aware", "surveyed"), ("correct", "checked"))
MAX_COUNT = 1_000_000
MAX_TONNES = Decimal("999999.99")


def community_scope_q(region: Region | None, prefix: str = "") -> Q:
    """Q for community regions (``prefix`` leads to one) inside ``region``."""
    if region is None or region.level == Region.Level.CITY:
        return Q()
    path = {
        Region.Level.COMMUNITY: "id",
        Region.Level.STREET: "parent_id",
        Region.Level.DISTRICT: "parent__parent_id",
    }[region.level]
    return Q(**{f"{prefix}{path}": region.id})


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def _count(value, errors: dict, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = [_("请填写。")]
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[name] = [_("请输入整数。")]
        return None
    if number < 0:
        errors[name] = [_("不能为负数。")]
    elif number > MAX_COUNT:
        errors[name] = [_("数值过大（最多 %(n)d）。") % {"n": MAX_COUNT}]
    else:
        return number
    return None


def check_month(*, community: SortingCommunity, month: date | None, counts: Mapping[str, object]) -> dict:
    """The errors of one month's record (field → messages), empty when it may be saved.

    Counts may be typed text (from a form) or numbers.
    """
    errors: dict[str, list[str]] = {}
    if month is None:
        errors["month"] = [_("请选择月份。")]
    elif month.day != 1:
        errors["month"] = [_("月份应记为该月 1 日。")]
    elif month > first_of_month(timezone.localdate()):
        errors["month"] = [_("不能填报未来月份。")]
    if not community.sorting:
        errors["community"] = [_("该社区尚未开展垃圾分类，不能填报。")]
    numbers = {name: _count(counts.get(name), errors, name) for name in COUNT_FIELDS}
    labels = {name: str(SortingMonth._meta.get_field(name).verbose_name) for name in COUNT_FIELDS}
    for part, whole in BOUNDS:
        if numbers[part] is not None and numbers[whole] is not None and numbers[part] > numbers[whole]:
            errors[part] = [
                _("%(part)s（%(p)d）不能大于%(whole)s（%(w)d）。")
                % {"part": labels[part], "p": numbers[part], "whole": labels[whole], "w": numbers[whole]}
            ]
    return errors


def _require_entry(by) -> None:
    if not may_enter(by):
        raise CaseError("permission", _("只有环卫考评员或管理员可以填报垃圾分类数据。"))


@transaction.atomic
def sorting_month_record(
    *, by, community: SortingCommunity, month: date | None, counts: Mapping[str, object]
) -> SortingMonth:
    """Record or update a community's month (one row per community and month).

    Rules (DOMAIN.md §9): 参与户数 ≤ 户数, 知晓人数 ≤ 调查人数, 投放正确样本 ≤ 抽查样本;
    the month is stored as its first day.
    """
    _require_entry(by)
    errors = check_month(community=community, month=month, counts=counts)
    if errors:
        raise CaseError.invalid(errors)
    values = {name: int(str(counts[name]).strip()) for name in COUNT_FIELDS}
    record, _created = SortingMonth.objects.update_or_create(community=community, month=month, defaults=values)
    return record


def sorting_months_record(
    *, by, month: date | None, rows: Mapping[SortingCommunity, Mapping[str, object]]
) -> list[SortingMonth]:
    """Record a street's communities in one go: all rows or none.

    A row whose counts are all blank is skipped (not surveyed yet). Raises
    CaseError whose ``fields`` are keyed ``"<community id>-<field>"``.
    """
    _require_entry(by)
    errors: dict[str, list[str]] = {}
    wanted = []
    for community, counts in rows.items():
        if all(not str(counts.get(name) or "").strip() for name in COUNT_FIELDS):
            continue
        row_errors = check_month(community=community, month=month, counts=counts)
        if "month" in row_errors:
            errors["month"] = row_errors.pop("month")
        errors |= {f"{community.id}-{name}": messages for name, messages in row_errors.items()}
        wanted.append((community, counts))
    if not wanted and "month" not in errors:
        errors["form"] = [_("没有填写任何社区的数据。")]
    if errors:
        raise CaseError.invalid(errors)
    with transaction.atomic():
        return [sorting_month_record(by=by, community=c, month=month, counts=counts) for c, counts in wanted]


# --- daily tonnage ------------------------------------------------------------------------


def _tonnes(value, errors: dict, name: str) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors[name] = [_("请输入数字，如 12.5。")]
        return None
    if not number.is_finite():
        errors[name] = [_("请输入数字，如 12.5。")]
    elif number < 0:
        errors[name] = [_("不能为负数。")]
    elif number > MAX_TONNES:
        errors[name] = [_("数值过大。")]
    elif number.as_tuple().exponent < -2:
        errors[name] = [_("最多保留两位小数。")]
    else:
        return number
    return None


@transaction.atomic
def tonnage_record(*, by, street: Region | None, day: date | None, tonnes: Mapping[str, object]) -> list[DailyTonnage]:
    """Record or update a street's tonnage of a day, per waste type (DOMAIN.md §9).

    ``tonnes`` maps a WasteType value to the tonnes (text or number); a blank
    type is left as it was. Returns the rows written.
    """
    _require_entry(by)
    errors: dict[str, list[str]] = {}
    if street is None or street.level != Region.Level.STREET:
        errors["street"] = [_("请选择街道。")]
    if day is None:
        errors["day"] = [_("请选择日期。")]
    elif day > timezone.localdate():
        errors["day"] = [_("日期不能晚于今天。")]
    numbers = {kind: _tonnes(tonnes.get(kind), errors, kind) for kind in WasteType.values}
    if not errors and all(n is None for n in numbers.values()):
        errors["form"] = [_("请至少填写一类垃圾的吨数。")]
    if errors:
        raise CaseError.invalid(errors)
    written = []
    for kind, number in numbers.items():
        if number is None:
            continue
        row, _created = DailyTonnage.objects.update_or_create(
            street=street, day=day, waste_type=kind, defaults={"tonnes": number}
        )
        written.append(row)
    return written
