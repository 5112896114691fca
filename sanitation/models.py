"""Sanitation (环卫) and waste sorting (垃圾分类), DOMAIN.md §9.

Ledgers (台账) of what the city keeps clean, each tied to its district (and
street, community or grid where it has one); deduction-scored inspections of
road sections and toilets; monthly waste-sorting records per community and
daily tonnage per waste type.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def _region(verbose: str, *, null: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        "org.Region", verbose_name=verbose, null=null, blank=null, on_delete=models.PROTECT, related_name="+"
    )


class Placed(models.Model):
    """Where a ledger entry lies: district always; street, community and grid when known."""

    district = _region(_("区/县"), null=False)
    street = _region(_("街道"))
    community = _region(_("社区"))
    grid = models.ForeignKey(
        "org.UnitGrid", verbose_name=_("单元网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WasteType(models.TextChoices):
    RECYCLABLE = "recyclable", _("可回收物")
    HAZARDOUS = "hazardous", _("有害垃圾")
    KITCHEN = "kitchen", _("厨余垃圾")
    OTHER = "other", _("其他垃圾")


# --- ledgers (台账) ----------------------------------------------------------------------


class RoadSection(Placed):
    class Grade(models.TextChoices):
        MAIN = "main", _("主干道")
        SECONDARY = "secondary", _("次干道")
        LANE = "lane", _("街巷")

    class Control(models.TextChoices):
        FORBIDDEN = "forbidden", _("严禁")
        STRICT = "strict", _("严控")
        REGULATED = "regulated", _("规范")

    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("路段名称"), max_length=100)
    grade = models.CharField(_("道路等级"), max_length=10, choices=Grade.choices)
    control_level = models.CharField(_("管控级别"), max_length=10, choices=Control.choices)
    length_m = models.DecimalField(_("长度（米）"), max_digits=9, decimal_places=1, validators=[MinValueValidator(0)])
    area_m2 = models.DecimalField(
        _("面积（平方米）"), max_digits=11, decimal_places=1, validators=[MinValueValidator(0)]
    )
    cleaning_company = models.CharField(_("保洁单位"), max_length=100, blank=True)
    mechanised = models.BooleanField(_("机械化清扫"), default=False)
    rolling_18h = models.BooleanField(_("18 小时滚动保洁"), default=False)

    class Meta:
        verbose_name = _("道路路段")
        verbose_name_plural = _("道路路段")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PublicToilet(Placed):
    class Grade(models.TextChoices):
        FIRST = "1", _("一类")
        SECOND = "2", _("二类")
        THIRD = "3", _("三类")

    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    toilet_class = models.CharField(_("类别"), max_length=2, choices=Grade.choices)
    address = models.CharField(_("地址"), max_length=200)
    keeper = models.CharField(_("管理人"), max_length=64, blank=True)
    keeper_phone = models.CharField(_("管理人电话"), max_length=20, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("公共厕所")
        verbose_name_plural = _("公共厕所")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TransferStation(Placed):
    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    capacity_t = models.DecimalField(
        _("设计能力（吨/日）"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)]
    )
    operator = models.CharField(_("运营单位"), max_length=100, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("垃圾中转站")
        verbose_name_plural = _("垃圾中转站")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CollectionPoint(Placed):
    """A sorting collection point (分类投放点) with its bins."""

    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类投放点")
        verbose_name_plural = _("分类投放点")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bin(models.Model):
    point = models.ForeignKey(CollectionPoint, verbose_name=_("投放点"), on_delete=models.CASCADE, related_name="bins")
    waste_type = models.CharField(_("类别"), max_length=10, choices=WasteType.choices)
    count = models.PositiveSmallIntegerField(_("桶数"), default=1)
    volume_l = models.PositiveIntegerField(_("容量（升）"), default=240)

    class Meta:
        verbose_name = _("分类垃圾桶")
        verbose_name_plural = _("分类垃圾桶")
        ordering = ["point", "waste_type"]
        constraints = [models.UniqueConstraint(fields=["point", "waste_type"], name="bin_type_once")]

    def __str__(self) -> str:
        return f"{self.point.code} {self.get_waste_type_display()} ×{self.count}"


class SortingCommunity(models.Model):
    """A community (社区) in the waste-sorting programme."""

    community = models.OneToOneField(
        "org.Region", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="sorting"
    )
    households = models.PositiveIntegerField(_("户数"))
    sorting = models.BooleanField(_("已开展分类"), default=True)
    started_on = models.DateField(_("开展日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类小区（社区）")
        verbose_name_plural = _("分类小区（社区）")
        ordering = ["community__code"]

    def __str__(self) -> str:
        return str(self.community)


class MuckCompany(models.Model):
    """A muck (渣土) transport company."""

    name = models.CharField(_("企业名称"), max_length=100)
    licence_no = models.CharField(_("统一社会信用代码"), max_length=32, unique=True)
    contact = models.CharField(_("联系人"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    district = _region(_("区/县"))
    filed = models.BooleanField(_("已备案"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("渣土运输企业")
        verbose_name_plural = _("渣土运输企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MuckVehicle(models.Model):
    company = models.ForeignKey(MuckCompany, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    filed = models.BooleanField(_("已备案"), default=False)
    capacity_t = models.DecimalField(_("核定载重（吨）"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("渣土运输车辆")
        verbose_name_plural = _("渣土运输车辆")
        ordering = ["plate"]

    def __str__(self) -> str:
        return self.plate


class FrontageLetter(Placed):
    """门前三包 responsibility letter signed by a shop."""

    shop_name = models.CharField(_("商户名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    licence_no = models.CharField(_("营业执照号"), max_length=64, blank=True)
    responsible = models.CharField(_("责任人"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    signed_on = models.DateField(_("签订日期"))

    class Meta:
        verbose_name = _("门前三包责任书")
        verbose_name_plural = _("门前三包责任书")
        ordering = ["-signed_on", "shop_name"]

    def __str__(self) -> str:
        return self.shop_name


class FrontageCheck(models.Model):
    letter = models.ForeignKey(
        FrontageLetter, verbose_name=_("责任书"), on_delete=models.CASCADE, related_name="checks"
    )
    checked_on = models.DateField(_("检查日期"))
    compliant = models.BooleanField(_("达标"))
    note = models.CharField(_("情况"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("门前三包检查")
        verbose_name_plural = _("门前三包检查")
        ordering = ["-checked_on"]

    def __str__(self) -> str:
        return f"{self.letter} {self.checked_on}"


# --- inspections (考评，扣分制) ------------------------------------------------------------


class InspectionTemplate(models.Model):
    class Target(models.TextChoices):
        ROAD = "road", _("道路保洁")
        TOILET = "toilet", _("公共厕所")

    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    target = models.CharField(_("考评对象"), max_length=8, choices=Target.choices)
    full_score = models.DecimalField(_("满分"), max_digits=5, decimal_places=1, default=100)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("考评表")
        verbose_name_plural = _("考评表")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class InspectionItem(models.Model):
    template = models.ForeignKey(InspectionTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("考评项目"), max_length=100)
    deduction = models.DecimalField(_("每处扣分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    cap = models.DecimalField(
        _("本项最多扣分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("考评项目")
        verbose_name_plural = _("考评项目")
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="item_position_once")]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    template = models.ForeignKey(InspectionTemplate, verbose_name=_("考评表"), on_delete=models.PROTECT)
    road = models.ForeignKey(
        RoadSection, verbose_name=_("路段"), null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    toilet = models.ForeignKey(
        PublicToilet,
        verbose_name=_("公厕"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    district = _region(_("区/县"), null=False)  # of the road or toilet, for the monthly score
    inspected_at = models.DateTimeField(_("考评时间"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("考评人"), on_delete=models.PROTECT)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    note = models.TextField(_("说明"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("考评")
        verbose_name_plural = _("考评")
        ordering = ["-inspected_at"]
        indexes = [models.Index(fields=["district", "inspected_at"], name="inspection_district_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(road__isnull=False, toilet__isnull=True)
                | models.Q(road__isnull=True, toilet__isnull=False),
                name="inspection_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} {self.inspected_at:%Y-%m-%d} {self.score}"


class InspectionFault(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="faults")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(_("问题处数"))
    deduction = models.DecimalField(_("扣分"), max_digits=5, decimal_places=1)
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="inspection_fault"
    )

    class Meta:
        verbose_name = _("扣分项")
        verbose_name_plural = _("扣分项")
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="fault_item_once")]

    def __str__(self) -> str:
        return f"{self.item} ×{self.count}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("照片"), upload_to="sanitation/%Y/%m/")
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考评照片")
        verbose_name_plural = _("考评照片")

    def __str__(self) -> str:
        return self.file.name


# --- waste sorting (垃圾分类) ------------------------------------------------------------


class SortingMonth(models.Model):
    """One community's waste-sorting survey of a month (§9 rates)."""

    community = models.ForeignKey(
        SortingCommunity, verbose_name=_("社区"), on_delete=models.CASCADE, related_name="months"
    )
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    households = models.PositiveIntegerField(_("户数"))
    participating = models.PositiveIntegerField(_("参与户数"))
    surveyed = models.PositiveIntegerField(_("调查人数"))
    aware = models.PositiveIntegerField(_("知晓人数"))
    checked = models.PositiveIntegerField(_("抽查样本"))
    correct = models.PositiveIntegerField(_("投放正确样本"))

    class Meta:
        verbose_name = _("分类月度数据")
        verbose_name_plural = _("分类月度数据")
        ordering = ["-month", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="sorting_month_once"),
            models.CheckConstraint(condition=models.Q(participating__lte=models.F("households")), name="part_le_hh"),
            models.CheckConstraint(condition=models.Q(aware__lte=models.F("surveyed")), name="aware_le_surveyed"),
            models.CheckConstraint(condition=models.Q(correct__lte=models.F("checked")), name="correct_le_checked"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.month:%Y-%m}"


class DailyTonnage(models.Model):
    """Tonnes of one waste type collected in a street on a day."""

    street = models.ForeignKey("org.Region", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    waste_type = models.CharField(_("类别"), max_length=10, choices=WasteType.choices)
    tonnes = models.DecimalField(_("吨数"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("日清运量")
        verbose_name_plural = _("日清运量")
        ordering = ["-day", "street", "waste_type"]
        constraints = [models.UniqueConstraint(fields=["street", "day", "waste_type"], name="tonnage_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_waste_type_display()} {self.tonnes}"
