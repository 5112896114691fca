"""Territory, organisation and the work calendar (DOMAIN.md §1, §2, §5)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Region code lengths by level (GB/T 2260 six digits, +3 street, +3 community).
REGION_CODE_LENGTH = {"city": 6, "district": 6, "street": 9, "community": 12}
GRID_CODE_LENGTH = 15
PARENT_LEVEL = {"district": "city", "street": "district", "community": "street"}


class Region(models.Model):
    """行政区划: city → district → street → community."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区/县")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        errors = {}
        length = REGION_CODE_LENGTH.get(self.level)
        if length and not re.fullmatch(rf"\d{{{length}}}", self.code or ""):
            errors["code"] = _("%(level)s代码应为 %(n)d 位数字。") % {
                "level": self.get_level_display(),
                "n": length,
            }
        expected_parent = PARENT_LEVEL.get(self.level)
        if expected_parent and (self.parent is None or self.parent.level != expected_parent):
            errors["parent"] = _("上级区划应为%(level)s。") % {
                "level": Region.Level(expected_parent).label,
            }
        elif self.parent and self.code and self.level in ("street", "community"):
            prefix = self.parent.code
            if not self.code.startswith(prefix):
                errors["code"] = _("代码应以上级区划代码 %(prefix)s 开头。") % {"prefix": prefix}
        if errors:
            raise ValidationError(errors)


class UnitGridQuerySet(models.QuerySet):
    def containing_bbox(self, lat: float, lng: float) -> UnitGridQuerySet:
        """Grids whose bounding box holds the point (the cheap prefilter)."""
        return self.filter(min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng)


class UnitGrid(models.Model):
    """单元网格: the basic management cell, about 10,000 m²."""

    code = models.CharField(_("网格编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    community = models.ForeignKey(
        Region,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": Region.Level.COMMUNITY},
    )
    # Denormalised from the community so lists filter by street or district
    # without joining up the region tree.
    street = models.ForeignKey(
        Region, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    district = models.ForeignKey(
        Region, verbose_name=_("区/县"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    geometry = models.JSONField(_("边界（GeoJSON）"), help_text=_("WGS-84 的 Polygon 或 MultiPolygon。"))
    centroid_lat = models.FloatField(_("中心纬度"))
    centroid_lng = models.FloatField(_("中心经度"))
    min_lat = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    min_lng = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    area_m2 = models.FloatField(_("面积（平方米）"), default=0)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监督员"),
        blank=True,
        related_name="grids",
    )

    objects = UnitGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")
        ordering = ["code"]
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lng", "max_lng"], name="grid_bbox")]

    def __str__(self) -> str:
        return self.code if not self.name else f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from org.geometry import GeometryError, grid_shape_facts

        errors = {}
        if not re.fullmatch(r"\d{15}", self.code or ""):
            errors["code"] = _("网格编码应为 15 位数字（社区代码 + 3 位序号）。")
        elif self.community_id and not self.code.startswith(self.community.code):
            errors["code"] = _("网格编码应以所属社区代码 %(prefix)s 开头。") % {"prefix": self.community.code}
        if self.community_id and self.community.level != Region.Level.COMMUNITY:
            errors["community"] = _("所属区划应为社区/村。")
        try:
            grid_shape_facts(self.geometry)
        except GeometryError as exc:
            errors["geometry"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def fill_derived(self) -> None:
        """Set centroid, bounding box, area, street and district from the
        geometry and community (``community.parent`` must be loaded)."""
        from org.geometry import grid_shape_facts

        facts = grid_shape_facts(self.geometry)
        self.centroid_lat, self.centroid_lng = facts.centroid_lat, facts.centroid_lng
        self.min_lat, self.max_lat = facts.min_lat, facts.max_lat
        self.min_lng, self.max_lng = facts.min_lng, facts.max_lng
        self.area_m2 = facts.area_m2
        self.street_id = self.community.parent_id
        self.district_id = self.community.parent.parent_id


class Department(models.Model):
    """专业部门 / 处置部门, including each street office (街道办) as locality unit."""

    class Kind(models.TextChoices):
        MUNICIPAL = "市政", _("市政")
        SANITATION = "环卫", _("环卫")
        LANDSCAPING = "园林", _("园林")
        ENFORCEMENT = "城管执法", _("城管执法")
        TRAFFIC_POLICE = "交警", _("交警")
        WATER_SUPPLY = "供水", _("供水")
        DRAINAGE = "排水", _("排水")
        POWER = "供电", _("供电")
        GAS = "燃气", _("燃气")
        HOUSING = "住建", _("住建")
        STREET_OFFICE = "街道", _("街道")

    code = models.CharField(
        _("部门编码"),
        max_length=32,
        unique=True,
        help_text=_("字母、数字或连字符，用于登录名 handler-<部门编码>。"),
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, db_index=True)
    street = models.OneToOneField(
        Region,
        verbose_name=_("所在街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="street_office",
        limit_choices_to={"level": Region.Level.STREET},
        help_text=_("仅街道办填写：其负责的街道。"),
    )
    phone = models.CharField(_("值班电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("处置部门")
        verbose_name_plural = _("处置部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.code or ""):
            errors["code"] = _("部门编码只能包含小写字母、数字和连字符。")
        if self.kind == self.Kind.STREET_OFFICE and self.street is None:
            errors["street"] = _("街道办必须指定所在街道。")
        if self.kind != self.Kind.STREET_OFFICE and self.street is not None:
            errors["street"] = _("只有街道办才指定所在街道。")
        if self.street is not None and self.street.level != Region.Level.STREET:
            errors["street"] = _("所在街道必须是街道级区划。")
        if errors:
            raise ValidationError(errors)


class StaffProfile(models.Model):
    """Ties a user to the department they work in or the region they oversee.

    Roles themselves are Django groups (org.roles); a user may hold several.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="profile"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("处置人员必填。"),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("管辖区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("领导的查看范围；留空表示全市。"),
    )
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("人员档案")
        verbose_name_plural = _("人员档案")

    def __str__(self) -> str:
        return str(self.user)


class WorkCalendarDay(models.Model):
    """A day that departs from the Monday–Friday rule, or is named.

    A day with no row follows the weekday rule. The table is seeded from the
    chinesecalendar package (source "seed"); rows an admin creates or edits
    carry source "admin" and are never overwritten by the seed.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班日")
        NORMAL = "normal", _("按周历（周一至周五上班）")

    class Source(models.TextChoices):
        SEED = "seed", _("chinesecalendar 导入")
        ADMIN = "admin", _("管理员维护")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("如：春节、国庆节"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    def is_working_day(self) -> bool:
        if self.kind == self.Kind.HOLIDAY:
            return False
        if self.kind == self.Kind.WORKDAY:
            return True
        return self.date.weekday() < 5
