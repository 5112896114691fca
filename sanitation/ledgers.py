"""The ledgers (台账) of sanitation, described once for pages, forms, admin and Excel.

Each ``Ledger`` says which model it keeps, how people find rows (list columns,
filters, text search), what the form edits and how each Excel column maps onto
a field. The pages, the import/export and the admin all read this registry, so a
new ledger (or a new column) is one entry here rather than five edits.

Excel cells are parsed by ``Column.kind`` (see ``sanitation.excel.parse_cell``):

- ``text`` / ``int`` / ``decimal`` / ``float`` / ``date``: the value as typed
  (numbers may be text cells; dates ``YYYY-MM-DD`` or an Excel date);
- ``bool``: 是/否 (also 1/0, true/false, y/n);
- ``choice``: a choice's Chinese label or its code;
- ``district`` / ``street`` / ``community``: a region code of that level, the
  street inside the district and the community inside the street;
- ``grid``: a unit-grid code; it fills district/street/community left blank and
  must agree with those given;
- ``company``: a muck company's 统一社会信用代码;
- ``bin``: the number of bins of the waste type in ``Column.extra``.

A row whose key (``Ledger.key``) already exists updates that row; a key twice in
one file is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Region
from org.selectors import region_by_id, user_roles
from sanitation.access import CITYWIDE_READERS as READ_ALL_ROLES
from sanitation.models import (
    CollectionPoint,
    FrontageLetter,
    MuckCompany,
    MuckVehicle,
    PublicToilet,
    RoadSection,
    SortingCommunity,
    TransferStation,
    WasteType,
)


@dataclass(frozen=True)
class Column:
    """One Excel column: the model field (or pseudo field), its header and how a cell is read."""

    name: str
    header: Promise | str
    kind: str = "text"
    required: bool = False
    extra: str = ""  # the waste type of a ``bin`` column

    @property
    def title(self) -> str:
        return str(self.header)


@dataclass(frozen=True)
class Ledger:
    slug: str
    model: type[Model]
    title: Promise | str
    key: tuple[str, ...]  # the fields naming a row in a file: same key → update
    list_columns: tuple[str, ...]
    form_fields: tuple[str, ...]
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()  # the ledger's own choice / boolean fields
    search: tuple[str, ...] = ()  # text search (icontains) over these fields
    # Lookup paths to the row's district / street / community Region ('' = none).
    district_path: str = "district"
    street_path: str = "street"
    community_path: str = "community"
    placed: bool = True  # has district/street/community/grid of its own (sanitation.models.Placed)
    inline: str = ""  # "bins" | "vehicles": edited inline on the form
    order: tuple[str, ...] = field(default=())

    @property
    def verbose(self) -> str:
        return str(self.title)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def base_queryset(self) -> QuerySet:
        queryset = self.model.objects.all()
        if self.slug == "muck-vehicles":
            queryset = queryset.select_related("company")
        return queryset.order_by(*(self.order or self.model._meta.ordering or ["pk"]), "pk")


def _placed_columns(*, required_district: bool = True) -> tuple[Column, ...]:
    return (
        Column("district", _("区/县代码"), "district", required=required_district),
        Column("street", _("街道代码"), "street"),
        Column("community", _("社区代码"), "community"),
        Column("grid", _("网格编码"), "grid"),
    )


PLACED_FORM = ("district", "street", "community", "grid")

LEDGERS: dict[str, Ledger] = {
    ledger.slug: ledger
    for ledger in (
        Ledger(
            slug="roads",
            model=RoadSection,
            title=_("道路路段"),
            key=("code",),
            list_columns=("code", "name", "district", "street", "grade", "control_level", "length_m", "mechanised"),
            form_fields=(
                "code",
                "name",
                "grade",
                "control_level",
                "length_m",
                "area_m2",
                "cleaning_company",
                "mechanised",
                "rolling_18h",
                *PLACED_FORM,
            ),
            columns=(
                Column("code", _("编号"), required=True),
                Column("name", _("路段名称"), required=True),
                *_placed_columns(),
                Column("grade", _("道路等级"), "choice", required=True),
                Column("control_level", _("管控级别"), "choice", required=True),
                Column("length_m", _("长度（米）"), "decimal", required=True),
                Column("area_m2", _("面积（平方米）"), "decimal", required=True),
                Column("cleaning_company", _("保洁单位")),
                Column("mechanised", _("机械化清扫"), "bool"),
                Column("rolling_18h", _("18 小时滚动保洁"), "bool"),
            ),
            filters=("grade", "control_level", "mechanised", "rolling_18h"),
            search=("code", "name", "cleaning_company"),
        ),
        Ledger(
            slug="toilets",
            model=PublicToilet,
            title=_("公共厕所"),
            key=("code",),
            list_columns=("code", "name", "district", "street", "toilet_class", "address", "keeper"),
            form_fields=(
                "code",
                "name",
                "toilet_class",
                "address",
                "keeper",
                "keeper_phone",
                "lat",
                "lng",
                *PLACED_FORM,
            ),
            columns=(
                Column("code", _("编号"), required=True),
                Column("name", _("名称"), required=True),
                *_placed_columns(),
                Column("toilet_class", _("类别"), "choice", required=True),
                Column("address", _("地址"), required=True),
                Column("keeper", _("管理人")),
                Column("keeper_phone", _("管理人电话")),
                Column("lat", _("纬度"), "float"),
                Column("lng", _("经度"), "float"),
            ),
            filters=("toilet_class",),
            search=("code", "name", "address"),
        ),
        Ledger(
            slug="stations",
            model=TransferStation,
            title=_("垃圾中转站"),
            key=("code",),
            list_columns=("code", "name", "district", "street", "address", "capacity_t", "operator"),
            form_fields=("code", "name", "address", "capacity_t", "operator", "lat", "lng", *PLACED_FORM),
            columns=(
                Column("code", _("编号"), required=True),
                Column("name", _("名称"), required=True),
                *_placed_columns(),
                Column("address", _("地址"), required=True),
                Column("capacity_t", _("设计能力（吨/日）"), "decimal", required=True),
                Column("operator", _("运营单位")),
                Column("lat", _("纬度"), "float"),
                Column("lng", _("经度"), "float"),
            ),
            search=("code", "name", "address"),
        ),
        Ledger(
            slug="points",
            model=CollectionPoint,
            title=_("分类投放点"),
            key=("code",),
            list_columns=("code", "name", "district", "street", "community", "address"),
            form_fields=("code", "name", "address", "lat", "lng", *PLACED_FORM),
            columns=(
                Column("code", _("编号"), required=True),
                Column("name", _("名称"), required=True),
                *_placed_columns(),
                Column("address", _("地址"), required=True),
                Column("lat", _("纬度"), "float"),
                Column("lng", _("经度"), "float"),
                *(
                    Column(f"bin_{wt.value}", _("%(type)s桶数") % {"type": wt.label}, "bin", extra=wt.value)
                    for wt in WasteType
                ),
            ),
            search=("code", "name", "address"),
            inline="bins",
        ),
        Ledger(
            slug="sorting-communities",
            model=SortingCommunity,
            title=_("分类小区（社区）"),
            key=("community",),
            list_columns=("community", "district", "street", "households", "sorting", "started_on"),
            form_fields=("community", "households", "sorting", "started_on"),
            columns=(
                Column("community", _("社区代码"), "community", required=True),
                Column("households", _("户数"), "int", required=True),
                Column("sorting", _("已开展分类"), "bool"),
                Column("started_on", _("开展日期"), "date"),
            ),
            filters=("sorting",),
            search=("community__code", "community__name"),
            district_path="community__parent__parent",
            street_path="community__parent",
            community_path="community",
            placed=False,
            order=("community__code",),
        ),
        Ledger(
            slug="muck-companies",
            model=MuckCompany,
            title=_("渣土运输企业"),
            key=("licence_no",),
            list_columns=("name", "licence_no", "district", "contact", "phone", "filed"),
            form_fields=("name", "licence_no", "contact", "phone", "district", "filed"),
            columns=(
                Column("licence_no", _("统一社会信用代码"), required=True),
                Column("name", _("企业名称"), required=True),
                Column("district", _("区/县代码"), "district", required=True),
                Column("contact", _("联系人")),
                Column("phone", _("联系电话")),
                Column("filed", _("已备案"), "bool"),
            ),
            filters=("filed",),
            search=("licence_no", "name", "contact"),
            street_path="",
            community_path="",
            placed=False,
            inline="vehicles",
        ),
        Ledger(
            slug="muck-vehicles",
            model=MuckVehicle,
            title=_("渣土运输车辆"),
            key=("plate",),
            list_columns=("plate", "company", "district", "filed", "capacity_t"),
            form_fields=("company", "plate", "filed", "capacity_t"),
            columns=(
                Column("plate", _("车牌号"), required=True),
                Column("company", _("企业统一社会信用代码"), "company", required=True),
                Column("filed", _("已备案"), "bool"),
                Column("capacity_t", _("核定载重（吨）"), "decimal"),
            ),
            filters=("filed",),
            search=("plate", "company__name", "company__licence_no"),
            district_path="company__district",
            street_path="",
            community_path="",
            placed=False,
        ),
        Ledger(
            slug="frontage",
            model=FrontageLetter,
            title=_("门前三包责任书"),
            key=("shop_name", "address"),
            list_columns=("shop_name", "address", "district", "street", "responsible", "signed_on"),
            form_fields=("shop_name", "address", "licence_no", "responsible", "phone", "signed_on", *PLACED_FORM),
            columns=(
                Column("shop_name", _("商户名称"), required=True),
                Column("address", _("地址"), required=True),
                *_placed_columns(),
                Column("licence_no", _("营业执照号")),
                Column("responsible", _("责任人"), required=True),
                Column("phone", _("联系电话")),
                Column("signed_on", _("签订日期"), "date", required=True),
            ),
            search=("shop_name", "address", "licence_no", "responsible"),
        ),
    )
}


def get_ledger(slug: str) -> Ledger | None:
    return LEDGERS.get(slug)


# --- who sees what ------------------------------------------------------------------------


def _leader_region(user) -> Region | None:
    profile = getattr(user, "profile", None)
    return profile.region if profile is not None else None


def scope_q(ledger: Ledger, user) -> Q | None:
    """The rows a user may read: everything for assessors, admins, dispatchers and
    shift leaders; a leader's region only (None region = the whole city); nothing
    for anyone else. A region finer than the ledger knows (a street leader on the
    muck companies, which only have a district) reads its enclosing district."""
    roles = user_roles(user)
    if roles & READ_ALL_ROLES:
        return Q()
    if "leader" not in roles:
        return None
    region = _leader_region(user)
    if region is None:
        return Q()
    paths = {"district": ledger.district_path, "street": ledger.street_path, "community": ledger.community_path}
    while region.level != "city" and not paths.get(region.level):
        region = region_by_id(region.parent_id)
    if region.level == "city":
        return Q(**{f"{ledger.district_path}__parent_id": region.id})
    return Q(**{f"{paths[region.level]}_id": region.id})


def scoped(ledger: Ledger, user) -> QuerySet:
    q = scope_q(ledger, user)
    queryset = ledger.base_queryset()
    return queryset.none() if q is None else queryset.filter(q)


def filter_rows(ledger: Ledger, queryset: QuerySet, params) -> QuerySet:
    """Apply the list's filters (the same for the page and the export): district and
    street by code, the ledger's own choices/booleans, and ``q`` text search."""
    district = (params.get("district") or "").strip()
    street = (params.get("street") or "").strip()
    if district:
        queryset = queryset.filter(**{f"{ledger.district_path}__code": district})
    if street and ledger.street_path:
        queryset = queryset.filter(**{f"{ledger.street_path}__code": street})
    for name in ledger.filters:
        value = (params.get(name) or "").strip()
        if not value:
            continue
        model_field = ledger.model._meta.get_field(name)
        if model_field.get_internal_type() == "BooleanField":
            if value in ("1", "0"):
                queryset = queryset.filter(**{name: value == "1"})
        elif value in dict(model_field.choices):
            queryset = queryset.filter(**{name: value})
    text = (params.get("q") or "").strip()
    if text and ledger.search:
        query = Q()
        for name in ledger.search:
            query |= Q(**{f"{name}__icontains": text})
        queryset = queryset.filter(query)
    return queryset


# --- display ------------------------------------------------------------------------------


def regions_of(ledger: Ledger, obj) -> dict[str, Region | None]:
    """District, street and community of a row, read from the process's region index."""
    if ledger.slug == "sorting-communities":
        community = region_by_id(obj.community_id)
        street = region_by_id(community.parent_id)
        return {"community": community, "street": street, "district": region_by_id(street.parent_id)}
    if ledger.slug == "muck-vehicles":
        district_id = obj.company.district_id
        return {"district": region_by_id(district_id) if district_id else None, "street": None, "community": None}
    return {
        name: (region_by_id(getattr(obj, f"{name}_id")) if getattr(obj, f"{name}_id", None) else None)
        for name in ("district", "street", "community")
    }


def label(ledger: Ledger, name: str) -> str:
    if name in ("district", "street", "community") and name not in ledger.form_fields:
        return {"district": gettext("区/县"), "street": gettext("街道"), "community": gettext("社区")}[name]
    return str(ledger.model._meta.get_field(name).verbose_name)


def display(ledger: Ledger, obj, name: str, regions: dict | None = None) -> Any:
    """A cell of the list or detail as text: region names, choice labels, 是/否."""
    if name in ("district", "street", "community"):
        regions = regions if regions is not None else regions_of(ledger, obj)
        region = regions.get(name)
        return region.name if region is not None else "—"
    if name == "grid":
        from org.selectors import grid_by_id

        return grid_by_id(obj.grid_id).code if obj.grid_id else "—"
    if name == "company":
        return obj.company.name
    model_field = ledger.model._meta.get_field(name)
    value = getattr(obj, name)
    if model_field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return "—" if value in (None, "") else value


def rows_for(ledger: Ledger, objects) -> list[dict]:
    """The list page's rows: the object and its cells, without a query per row."""
    rows = []
    for obj in objects:
        regions = regions_of(ledger, obj)
        rows.append({"obj": obj, "cells": [display(ledger, obj, name, regions) for name in ledger.list_columns]})
    return rows


def filter_choices(ledger: Ledger) -> list[dict]:
    """The ledger's own filters for the page: name, label and (value, label) options."""
    found = []
    for name in ledger.filters:
        model_field = ledger.model._meta.get_field(name)
        if model_field.get_internal_type() == "BooleanField":
            options = [("1", gettext("是")), ("0", gettext("否"))]
        else:
            options = [(value, str(text)) for value, text in model_field.choices]
        found.append({"name": name, "label": str(model_field.verbose_name), "options": options})
    return found
