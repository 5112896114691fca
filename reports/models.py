"""Stored statistics of DOMAIN.md §7.

The case table is read only by the Celery tasks that keep these tables up to
date (``reports.stats``); every page and API of the reports app reads them.

- ``CaseChange`` is the queue of changed case ids, written in the transaction of
  the change itself (a transactional outbox), drained by ``refresh_stats``.
- ``StatsLock`` is the row a refresh or rebuild locks, so that two workers
  never write the figures at once.
- ``Cell`` holds the counts of one month × street × department × channel group
  × category; ``CategoryMonth`` and ``GridMonth`` the top categories and the
  grid heat; ``Figure`` the roll-ups a page reads (city, district, street and
  department × all, channel group and major class).
- ``OpenCases`` is the count of open cases now by grid × department × light.
- ``AssessmentScheme`` the weights per year; ``AssessmentMonth`` and
  ``Ranking`` a frozen month; ``AssessmentChange`` the log of recomputes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Counts of DOMAIN.md §7 (and §11's report row), in the order reports show them.
COUNTS = [
    "filed",
    "closed",
    "closed_on_time",
    "handled",
    "handled_on_time",
    "rework",
    "delayed",
    "dispatched",
    "returned",
    "hotline_dispatched",
    "hotline_responded",
    "callbacks",
    "callbacks_resolved",
    "callbacks_satisfied",
]


class ChannelGroup(models.TextChoices):
    """Closure figures are reported per channel group (DOMAIN.md §3)."""

    CITIZEN = "citizen", _("市民投诉")
    PATROL = "patrol", _("巡查上报")
    VIDEO = "video", _("视频抓拍及巡检发现")
    OTHER = "other", _("其他")


# Case source -> channel group (DOMAIN.md §3).
CHANNEL_GROUP_OF = {
    "hotline": ChannelGroup.CITIZEN,
    "public": ChannelGroup.CITIZEN,
    "patrol": ChannelGroup.PATROL,
    "video": ChannelGroup.VIDEO,
    "leader": ChannelGroup.OTHER,
    "media": ChannelGroup.OTHER,
}


class Counts(models.Model):
    """The §7 counts, shared by every table that holds them. Plain integers:
    the refresh adds differences by upsert, and PostgreSQL checks a CHECK
    constraint on the proposed row (a negative difference) before the conflict."""

    filed = models.IntegerField(_("立案数"), default=0)
    closed = models.IntegerField(_("结案数"), default=0)
    closed_on_time = models.IntegerField(_("按期结案数"), default=0)
    handled = models.IntegerField(_("处置数"), default=0)
    handled_on_time = models.IntegerField(_("按期处置数"), default=0)
    rework = models.IntegerField(_("返工数"), default=0)
    delayed = models.IntegerField(_("延期案件数"), default=0)
    dispatched = models.IntegerField(_("派遣数"), default=0)
    returned = models.IntegerField(_("回退数"), default=0)
    hotline_dispatched = models.IntegerField(_("热线派遣数"), default=0)
    hotline_responded = models.IntegerField(_("热线按时响应数"), default=0)
    callbacks = models.IntegerField(_("回访数"), default=0)
    callbacks_resolved = models.IntegerField(_("回访已解决数"), default=0)
    callbacks_satisfied = models.IntegerField(_("回访满意数"), default=0)

    class Meta:
        abstract = True

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


class CaseChange(models.Model):
    """A case that changed since the statistics last read it (the queue)."""

    id = models.BigAutoField(primary_key=True)
    # No foreign key: the queue must never block or be blocked by case writes.
    case_id = models.BigIntegerField()
    changed_at = models.DateTimeField(auto_now_add=True)
    # What the case counted for before this change (``reports.stats.contribution``,
    # null: nothing, as an unfiled case), so the refresh applies the difference.
    # ``known`` is false when the writer did not have the old values: the refresh
    # then recomputes the case's filing month × street from the cases.
    old = models.JSONField(null=True)
    known = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"case {self.case_id}"


class StatsLock(models.Model):
    """The row a refresh or rebuild locks: one writer of the figures at a time."""

    name = models.CharField(max_length=16, primary_key=True)

    def __str__(self) -> str:
        return self.name


class StatsMonth(models.Model):
    """A month of figures: when they were last computed (the as_of of live figures)."""

    month = models.DateField(primary_key=True)
    computed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Cell(Counts):
    # Derived rows, rewritten by the refresh and the rebuild: no foreign-key
    # constraints to check on every write (they cost more than the writes), and
    # no index but the unique key (every read is by month, and street).
    month = models.DateField()
    district = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    street = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    # A department id, 0 for none (not dispatched): part of the unique key, which
    # a NULL would not be.
    department_id = models.IntegerField(default=0)
    channel_group = models.CharField(max_length=8, choices=ChannelGroup.choices)
    category = models.ForeignKey(
        "cases.Category", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    major = models.ForeignKey(
        "cases.MajorCategory", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "street", "department_id", "channel_group", "category"], name="report_cell_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} street {self.street_id} department {self.department_id}"


class CategoryMonth(models.Model):
    month = models.DateField()
    district = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    street = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    category = models.ForeignKey(
        "cases.Category", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    filed = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "street", "category"], name="report_category_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} street {self.street_id} category {self.category_id}"


class GridMonth(models.Model):
    # Read by month only (then the reader's region among a month's grids).
    month = models.DateField()
    district = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    street = models.ForeignKey(
        "org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    grid = models.ForeignKey(
        "org.UnitGrid", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    filed = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "grid"], name="report_grid_key")]
        indexes = [models.Index(fields=["month", "-filed"], name="report_grid_hot")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} grid {self.grid_id}"


class Figure(Counts):
    """A roll-up of ``Cell``: one unit of one level in one month, overall or for
    one channel group or major class."""

    class Level(models.TextChoices):
        CITY = "city", _("全市")
        DISTRICT = "district", _("区县")
        STREET = "street", _("街道")
        DEPARTMENT = "department", _("部门")

    class Dimension(models.TextChoices):
        ALL = "all", _("合计")
        CHANNEL = "channel", _("来源分组")
        MAJOR = "major", _("大类")

    month = models.DateField()
    level = models.CharField(max_length=10, choices=Level.choices)
    # A region id (city, district, street) or a department id; 0 for the city.
    unit_id = models.IntegerField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices, default=Dimension.ALL)
    key = models.CharField(max_length=8, blank=True, help_text="channel group or major class code")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "level", "unit_id", "dimension", "key"], name="report_figure_key")
        ]
        indexes = [models.Index(fields=["level", "unit_id", "dimension", "month"], name="report_figure_trend")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.level} {self.unit_id} {self.dimension} {self.key}"


class OpenCases(models.Model):
    """Open cases now, by grid × department × light (for the overdue chart and the map)."""

    district = models.ForeignKey("org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    street = models.ForeignKey("org.Region", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    grid = models.ForeignKey("org.UnitGrid", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    department = models.ForeignKey(
        "org.Department", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    light = models.CharField(max_length=6, blank=True)
    open = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"grid {self.grid_id} department {self.department_id} {self.light}"


def _weight(name: str, default: int) -> models.DecimalField:
    return models.DecimalField(
        name, max_digits=5, decimal_places=2, default=Decimal(default), validators=[MinValueValidator(0)]
    )


class AssessmentScheme(models.Model):
    """综合考评方案 of one year (DOMAIN.md §7): the weights, the settle period and
    the size of the red and black boards. A year without a scheme uses the
    latest earlier one, else the default."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True, validators=[MinValueValidator(2000)])
    on_time_closure = _weight(_("按期结案率权重"), 40)
    closure = _weight(_("结案率权重"), 20)
    rework = _weight(_("(1 − 返工率)权重"), 10)
    satisfaction = _weight(_("热线满意率权重"), 10)
    sanitation = _weight(_("环卫考评得分权重"), 20)
    settle_days = models.PositiveSmallIntegerField(
        _("结算天数"), default=3, validators=[MaxValueValidator(28)], help_text=_("月末后再等几天冻结当月排名")
    )
    board_size = models.PositiveSmallIntegerField(
        _("红黑榜名额"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    class Meta:
        verbose_name = _("考评方案")
        verbose_name_plural = _("考评方案")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    WEIGHTS = ("on_time_closure", "closure", "rework", "satisfaction", "sanitation")

    def weights(self) -> dict[str, Decimal]:
        return {name: Decimal(getattr(self, name)) for name in self.WEIGHTS}

    def clean(self) -> None:
        total = sum((Decimal(getattr(self, name) or 0) for name in self.WEIGHTS), Decimal(0))
        if total != 100:
            raise ValidationError(_("各项权重之和应为 100，现为 %(total)s。") % {"total": total})


class AssessmentMonth(models.Model):
    """A month whose ranking is frozen (month end + settle days)."""

    month = models.DateField(_("月份"), unique=True)
    as_of = models.DateTimeField(_("统计截止"))
    frozen_at = models.DateTimeField(_("冻结时间"))
    scheme_year = models.PositiveSmallIntegerField(_("考评方案年度"))

    class Meta:
        verbose_name = _("已冻结的月度考评")
        verbose_name_plural = _("已冻结的月度考评")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class Ranking(Counts):
    """One ranked row of a frozen month: as §11's monthly report row."""

    assessment = models.ForeignKey(AssessmentMonth, on_delete=models.CASCADE, related_name="rows")
    level = models.CharField(max_length=10)
    unit_id = models.IntegerField()
    code = models.CharField(max_length=12)
    name = models.CharField(max_length=64)
    sanitation_score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveSmallIntegerField(null=True)
    rank_change = models.SmallIntegerField(null=True)
    red_flag = models.BooleanField(default=False)
    board = models.CharField(max_length=5, blank=True)
    reweighted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "level", "unit_id"], name="report_ranking_unique")]
        ordering = ["level", "rank", "code"]

    def __str__(self) -> str:
        return f"{self.level} {self.code} #{self.rank}"


class AssessmentChange(models.Model):
    """An admin's recompute of a frozen month, with what changed."""

    assessment = models.ForeignKey(AssessmentMonth, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("理由"), max_length=2000)
    differences = models.JSONField(_("变化"), default=list)

    class Meta:
        verbose_name = _("考评重算记录")
        verbose_name_plural = _("考评重算记录")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.assessment} {self.changed_at:%Y-%m-%d %H:%M}"


class DailyBulletin(models.Model):
    """每日一通报 of one day (DOMAIN.md §7): generated each morning for yesterday."""

    day = models.DateField(_("日期"), unique=True)
    generated_at = models.DateTimeField(_("生成时间"))
    content = models.JSONField(_("内容"), default=dict)

    class Meta:
        verbose_name = _("每日通报")
        verbose_name_plural = _("每日通报")
        ordering = ["-day"]

    def __str__(self) -> str:
        return self.day.isoformat()
