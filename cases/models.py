"""Case reference data: the category catalogue (GB/T 47678.5 部件/事项).

The case itself, its events and requests come with the case lifecycle.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Department
from org.worktime import TimeUnit


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")


class MajorCategory(models.Model):
    """大类, e.g. 01 公用设施."""

    code = models.CharField(_("大类代码"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("案件大类")
        verbose_name_plural = _("案件大类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Category(models.Model):
    """小类: what a case is about, with its default handling limit and owner."""

    code = models.CharField(_("小类代码"), max_length=5, unique=True, help_text=_("2 位大类 + 3 位小类"))
    major = models.ForeignKey(
        MajorCategory, verbose_name=_("大类"), on_delete=models.PROTECT, related_name="categories"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=CategoryKind.choices)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    limit_value = models.DecimalField(_("处置时限"), max_digits=6, decimal_places=2)
    limit_unit = models.CharField(_("时限单位"), max_length=16, choices=TimeUnit.choices)
    urgent_limit_hours = models.DecimalField(
        _("紧急时限（自然小时）"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空：紧急案件与一般案件时限相同。"),
    )
    owner_department_kind = models.CharField(
        _("权属部门类型"), max_length=8, choices=Department.Kind.choices, help_text=_("默认派遣的主管部门类型")
    )
    after_photo_required = models.BooleanField(_("反馈须附处置后照片"), default=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("案件小类")
        verbose_name_plural = _("案件小类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
