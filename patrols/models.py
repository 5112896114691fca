"""Patrols and field enforcement (DOMAIN.md §8).

A route is an ordered set of unit grids; a patrol task gives a route to an
inspector for a date and shift; a patrol is the shift as walked, with its
track points and the grids they fell in (visits). Problems found become cases
with channel ``patrol`` (PatrolFinding links them). 三色单 enforcement notices
are recorded per subject (a shop or stall) and violation category.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_SHIFT = (time(7, 30), time(22, 30))  # DOMAIN.md §8: day shifts 07:30–22:30


class Route(models.Model):
    code = models.CharField(_("路线编号"), max_length=32, unique=True)
    name = models.CharField(_("路线名称"), max_length=100)
    district = models.ForeignKey(
        "org.Region", verbose_name=_("区/县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("说明"), blank=True, max_length=2000)
    grids = models.ManyToManyField("org.UnitGrid", through="RouteGrid", related_name="routes", verbose_name=_("网格"))
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("巡查路线")
        verbose_name_plural = _("巡查路线")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RouteGrid(models.Model):
    """A grid on a route, in walking order."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    grid = models.ForeignKey("org.UnitGrid", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("路线网格")
        verbose_name_plural = _("路线网格")
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "grid"], name="route_grid_once"),
            models.UniqueConstraint(fields=["route", "position"], name="route_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id}#{self.position}"


class PatrolTask(models.Model):
    """A route given to an inspector for one date and shift (the week plan)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待巡查")
        STARTED = "started", _("巡查中")
        DONE = "done", _("已完成")
        MISSED = "missed", _("未巡查")

    route = models.ForeignKey(Route, verbose_name=_("路线"), on_delete=models.PROTECT, related_name="tasks")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="patrol_tasks"
    )
    date = models.DateField(_("日期"))
    shift_start = models.TimeField(_("班次开始"), default=DEFAULT_SHIFT[0])
    shift_end = models.TimeField(_("班次结束"), default=DEFAULT_SHIFT[1])
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PLANNED)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("巡查任务")
        verbose_name_plural = _("巡查任务")
        ordering = ["date", "shift_start", "inspector_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "date", "shift_start"], name="patrol_task_one_per_shift"),
            models.CheckConstraint(condition=models.Q(shift_start__lt=models.F("shift_end")), name="shift_in_order"),
        ]
        indexes = [models.Index(fields=["date", "inspector"], name="patrol_task_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.route.name} · {self.inspector}"


class Patrol(models.Model):
    """One patrol as walked: started and ended by the inspector on the phone."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("巡查中")
        ENDED = "ended", _("已结束")

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="patrols"
    )
    task = models.OneToOneField(
        PatrolTask, verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol"
    )
    route = models.ForeignKey(
        Route, verbose_name=_("路线"), null=True, blank=True, on_delete=models.PROTECT, related_name="patrols"
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    distance_m = models.FloatField(_("里程（米）"), default=0)
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["inspector", "started_at"], name="patrol_inspector_time"),
            models.Index(fields=["started_at"], name="patrol_time"),
        ]
        constraints = [
            # One patrol at a time per inspector.
            models.UniqueConstraint(
                fields=["inspector"], condition=models.Q(status="active"), name="one_active_patrol"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.started_at:%Y-%m-%d %H:%M}"


class TrackPoint(models.Model):
    """A position of the patrol; ``client_id`` makes a re-sent batch harmless."""

    class Source(models.TextChoices):
        GPS = "gps", _("定位")
        MANUAL = "manual", _("手动")

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    recorded_at = models.DateTimeField(_("时间"))
    accuracy_m = models.FloatField(_("精度（米）"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.GPS)
    grid = models.ForeignKey("org.UnitGrid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.CharField(_("客户端编号"), max_length=64)

    class Meta:
        verbose_name = _("轨迹点")
        verbose_name_plural = _("轨迹点")
        ordering = ["patrol", "recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="track_point_once")]
        indexes = [models.Index(fields=["patrol", "recorded_at"], name="track_patrol_time")]

    def __str__(self) -> str:
        return f"{self.lat:.6f},{self.lng:.6f}@{self.recorded_at:%H:%M:%S}"


class PatrolVisit(models.Model):
    """A grid the patrol passed through (a track point fell inside it)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="visits")
    grid = models.ForeignKey("org.UnitGrid", on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField(_("首次到达"))

    class Meta:
        verbose_name = _("到访网格")
        verbose_name_plural = _("到访网格")
        constraints = [models.UniqueConstraint(fields=["patrol", "grid"], name="visit_once")]

    def __str__(self) -> str:
        return f"{self.patrol_id}/{self.grid_id}"


class PatrolFinding(models.Model):
    """A case reported (or self-handled) during a patrol."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="findings")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="patrol_finding")
    client_id = models.CharField(_("客户端编号"), max_length=64)

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="finding_once")]

    def __str__(self) -> str:
        return f"{self.patrol_id}/{self.case_id}"


class EnforcementSubject(models.Model):
    """A shop or stall that enforcement notices are given to."""

    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    licence_no = models.CharField(_("营业执照号"), max_length=64, blank=True, db_index=True)
    grid = models.ForeignKey(
        "org.UnitGrid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("执法对象")
        verbose_name_plural = _("执法对象")
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "address"], name="subject_name_address")]

    def __str__(self) -> str:
        return f"{self.name}（{self.licence_no or self.address}）"


class EnforcementNotice(models.Model):
    """One 三色单 notice, or beyond the red one a step of the escalation ladder."""

    class Colour(models.TextChoices):
        BLUE = "blue", _("蓝色 温馨提示单")
        YELLOW = "yellow", _("黄色 提醒警告单")
        RED = "red", _("红色 警告单")
        NONE = "", _("（升级处置）")

    class Step(models.TextChoices):
        PERSUADE = "persuade", _("劝导")
        ADMONISH = "admonish", _("告诫")
        PENALTY = "penalty", _("处罚")
        BAN = "ban", _("取缔")

    number = models.CharField(_("编号"), max_length=20, unique=True)
    subject = models.ForeignKey(
        EnforcementSubject, verbose_name=_("对象"), on_delete=models.PROTECT, related_name="notices"
    )
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("违规类别"), on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveSmallIntegerField(_("90 天内第几次"))
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices, blank=True)
    step = models.CharField(_("升级步骤"), max_length=10, choices=Step.choices, blank=True)
    decision = models.TextField(_("处理决定"), blank=True, max_length=2000)
    penalty_amount = models.DecimalField(_("罚款金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("违规情况"), max_length=2000)
    issued_at = models.DateTimeField(_("开具时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("开具人"), on_delete=models.PROTECT, related_name="+"
    )
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("三色单")
        verbose_name_plural = _("三色单")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["subject", "category", "issued_at"], name="notice_subject_window"),
            models.Index(fields=["issued_at"], name="notice_time"),
            models.Index(fields=["issued_by", "issued_at"], name="notice_officer_time"),
        ]

    def __str__(self) -> str:
        return self.number
