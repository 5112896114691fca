"""Cases, their timeline (events), photos, requests and notifications, and the
category catalogue (GB/T 47678.5 部件/事项). DOMAIN.md §3–§6.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import Case as DbCase
from django.db.models import ExpressionWrapper, F, Q, Value, When
from django.db.models.expressions import OrderBy
from django.utils import timezone
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


# --- the case ------------------------------------------------------------------


class Source(models.TextChoices):
    """案件来源 (DOMAIN.md §3)."""

    HOTLINE = "hotline", _("12345热线")
    PATROL = "patrol", _("巡查上报")
    VIDEO = "video", _("视频抓拍")
    PUBLIC = "public", _("公众上报")
    LEADER = "leader", _("领导交办")
    MEDIA = "media", _("媒体曝光")


class Status(models.TextChoices):
    """Case states (DOMAIN.md §4)."""

    REPORTED = "reported", _("上报待受理")
    VERIFYING = "verifying", _("核实中")
    FILED = "filed", _("已立案")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    SUSPENDED = "suspended", _("挂账")
    HANDLED = "handled", _("已反馈")
    CHECKING = "checking", _("核查中")
    CHECKED = "checked", _("核查通过待结案")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予受理")
    VOIDED = "voided", _("已作废")


TERMINAL_STATUSES = {Status.CLOSED, Status.REJECTED, Status.VOIDED}
OPEN_STATUSES = [s for s in Status if s not in TERMINAL_STATUSES]
# What the workspace lists read of an open case, held by the index case_open_stage.
OPEN_CASE_COLUMNS = [
    "id", "step", "deadline", "step_deadline", "step_yellow_at", "suspended_at", "handled_at", "supervision_level",
    "filed_at", "reported_at", "number", "source", "urgency", "category", "district", "street", "department", "grid",
]  # fmt: skip


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class HotlineType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉举报")
    SUGGESTION = "suggestion", _("意见建议")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


# Roles that see every case (DOMAIN.md §2, §10); others see a scoped part.
ALL_CASES_ROLES = {"operator", "shift_leader", "dispatcher", "admin"}


class CaseQuerySet(models.QuerySet):
    # How many matches a page may sort after filtering (see ``for_count``);
    # a filter whose matches bunch at one end of the order raises it.
    explicit_sort_max = 20_000
    # Count no further than this (see ``capped_count``); None counts all.
    count_cap: int | None = None

    def _clone(self):
        clone = super()._clone()
        clone.explicit_sort_max = self.explicit_sort_max
        clone.count_cap = self.count_cap
        return clone

    def count_up_to(self, cap: int) -> CaseQuerySet:
        """Let ``capped_count`` stop at ``cap`` matches."""
        clone = self._chain()
        clone.count_cap = cap
        return clone

    def capped_count(self) -> tuple[int, bool]:
        """``(count, capped)``: the exact count, or ``count_cap`` and True when
        there are more. A text search over a million descriptions must look at
        every matching row to count it; a person needs "more than 1,000"."""
        if self.count_cap is None:
            return self.count(), False
        seen = self.order_by().values("pk")[: self.count_cap + 1].count()
        return min(seen, self.count_cap), seen > self.count_cap

    def sort_after_filter_up_to(self, rows: int) -> CaseQuerySet:
        """Let ``for_count`` sort up to ``rows`` matches after filtering."""
        clone = self._chain()
        clone.explicit_sort_max = max(clone.explicit_sort_max, rows)
        return clone

    def for_count(self, count: int) -> CaseQuerySet:
        """The same rows in the same order, planned for ``count`` matches.

        PostgreSQL answers ``ORDER BY deadline LIMIT 20`` by walking the index on
        the order and dropping the rows the filter rejects: ideal when matches
        are many and spread out, a walk through most of a million rows when they
        are few, or bunched at the far end (cases filed this month have this
        month's deadlines). Once the count is known (a page needs it anyway) and
        it is small enough to sort, each time column of the order is wrapped in
        ``+ interval '0'``, which no index serves, so the planner finds the
        matches by the filter's own index and sorts them. Other databases, and
        orders that are not plain columns, are left alone.
        """
        if connections[self.db].vendor != "postgresql":
            return self
        if count > self.explicit_sort_max or not self.query.order_by:
            return self
        orderings = []
        for ordering in self.query.order_by:
            if isinstance(ordering, str):  # a tie-breaker such as "number"
                orderings.append(ordering)
                continue
            if not (isinstance(ordering, OrderBy) and isinstance(ordering.expression, F)):
                return self
            field = self.model._meta.get_field(ordering.expression.name)
            expression = ordering.expression
            if isinstance(field, models.DateTimeField):
                expression = ExpressionWrapper(expression + Value(timedelta(0)), output_field=field)
            orderings.append(
                OrderBy(
                    expression,
                    descending=ordering.descending,
                    nulls_first=ordering.nulls_first,
                    nulls_last=ordering.nulls_last,
                )
            )
        return self.order_by(*orderings)

    def visible_to(self, user) -> CaseQuerySet:
        """The cases a user may see; the only place scoping is decided.

        Command-centre roles see all; a handler the cases currently with their
        department; a leader those in their region (none: the whole city); an
        inspector what they reported, what they are asked to verify or check,
        and what lies in their grids; an assessor what they reported.
        """
        from org.selectors import user_roles

        roles = user_roles(user)
        if not roles:
            return self.none()
        if roles & ALL_CASES_ROLES:
            return self
        profile = getattr(user, "profile", None)
        scope = Q(pk__in=[])
        if "handler" in roles and profile and profile.department_id:
            scope |= Q(department_id=profile.department_id)
        if "leader" in roles:
            region = profile.region if profile else None
            if region is None:
                return self
            scope |= {
                "city": Q(district__parent_id=region.id),
                "district": Q(district_id=region.id),
                "street": Q(street_id=region.id),
                "community": Q(community_id=region.id),
            }[region.level]
        if "inspector" in roles:
            from org.models import UnitGrid

            grids = UnitGrid.objects.filter(inspectors=user).values("id")
            scope |= Q(reporter=user) | Q(inspector=user) | Q(grid_id__in=grids)
        if "assessor" in roles:
            scope |= Q(reporter=user)
        return self.filter(scope)

    def with_light(self, now: datetime | None = None) -> CaseQuerySet:
        """Annotate ``light``: red past the step deadline, yellow past 80 %, else green.

        A suspended case is judged at the moment it was suspended (it does not
        age); closed, rejected and voided cases have no light.
        """
        now = now or timezone.now()
        frozen = Q(status="suspended", suspended_at__isnull=False)
        return self.annotate(
            light=DbCase(
                When(status__in=["closed", "rejected", "voided"], then=Value(None)),
                When(step_deadline__isnull=True, then=Value(None)),
                When(frozen & Q(step_deadline__lt=F("suspended_at")), then=Value("red")),
                When(frozen & Q(step_yellow_at__lte=F("suspended_at")), then=Value("yellow")),
                When(frozen, then=Value("green")),
                When(step_deadline__lt=now, then=Value("red")),
                When(step_yellow_at__lte=now, then=Value("yellow")),
                default=Value("green"),
                output_field=models.CharField(),
            )
        )

    def with_light_of(self, light: str, now: datetime | None = None) -> CaseQuerySet:
        """Filter by light with conditions an index on step_deadline can serve."""
        now = now or timezone.now()
        running = Q(status__in=[s for s in OPEN_STATUSES if s != "suspended"])
        frozen = Q(status="suspended", suspended_at__isnull=False)
        conditions = {
            "red": (running & Q(step_deadline__lt=now)) | (frozen & Q(step_deadline__lt=F("suspended_at"))),
            "yellow": (running & Q(step_deadline__gte=now, step_yellow_at__lte=now))
            | (frozen & Q(step_deadline__gte=F("suspended_at"), step_yellow_at__lte=F("suspended_at"))),
            "green": (running & Q(step_yellow_at__gt=now)) | (frozen & Q(step_yellow_at__gt=F("suspended_at"))),
        }
        return self.filter(conditions[light])

    def overdue(self, now: datetime | None = None) -> CaseQuerySet:
        """Open cases past their handling deadline (超期, DOMAIN.md §5, §7).

        Still with the department (dispatched, in progress) and past the deadline;
        suspended ones judged when they were suspended; or fed back after the
        deadline and not yet closed. A case fed back in time (按期处置) is not
        overdue while it waits for check and close.
        """
        return self.filter(overdue_q(now or timezone.now()))


def overdue_q(now: datetime) -> Q:
    """The condition of ``CaseQuerySet.overdue``."""
    handling = Q(status__in=["dispatched", "in_progress"], deadline__lt=now)
    frozen = Q(status="suspended", deadline__lt=F("suspended_at"))
    late = Q(status__in=["handled", "checking", "checked"], handled_at__gt=F("deadline"))
    return handling | frozen | late


class CaseNumberSequence(models.Model):
    """The last case number handed out on a day (numbers are date + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号序列")
        verbose_name_plural = _("案件编号序列")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=13, unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    # The FKs led by a (column, deadline) index below need no index of their own.
    category = models.ForeignKey(
        Category, verbose_name=_("小类"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("问题描述"), max_length=4000)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    grid = models.ForeignKey(
        "org.UnitGrid", verbose_name=_("单元网格"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community = models.ForeignKey("org.Region", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "org.Region", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    district = models.ForeignKey(
        "org.Region", verbose_name=_("区/县"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("处置部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实/核查监督员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_cases",
    )
    self_handled = models.BooleanField(_("自处理"), default=False)
    verified = models.BooleanField(_("已核实"), null=True, blank=True, help_text=_("核实结果：属实/不属实"))

    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系诉求人时间"), null=True, blank=True)
    # For the hotline 响应率 (DOMAIN.md §7): judged when they happen, by the step
    # limits of that moment, so that reports need no working-time arithmetic.
    signed_in_time = models.BooleanField(_("按时签收"), null=True, blank=True, editable=False)
    responded_in_time = models.BooleanField(
        _("按时响应"), null=True, blank=True, editable=False, help_text=_("按时签收且 24 小时内联系诉求人")
    )
    handled_at = models.DateTimeField(_("处置反馈时间"), null=True, blank=True, help_text=_("最近一次反馈"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("挂账时间"), null=True, blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    deadline = models.DateTimeField(_("处置期限"), null=True, blank=True, help_text=_("含已批准的延期"))
    deadline_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    step = models.CharField(_("当前环节"), max_length=16, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    step_yellow_at = models.DateTimeField(null=True, blank=True, editable=False)
    step_deadline = models.DateTimeField(_("环节期限"), null=True, blank=True)
    # The step deadline for which the yellow reminder / red 督办 was already written,
    # so the periodic scan writes each exactly once per step.
    yellow_noticed_for = models.DateTimeField(null=True, blank=True, editable=False)
    red_noticed_for = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_for = models.DateTimeField(null=True, blank=True, editable=False)

    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    delay_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("回退次数"), default=0)
    supervision_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    hotline_ticket_no = models.CharField(_("12345工单号"), max_length=32, blank=True)
    hotline_type = models.CharField(_("工单类型"), max_length=12, choices=HotlineType.choices, blank=True)
    caller_name = models.CharField(_("诉求人姓名"), max_length=64, blank=True)
    caller_phone = models.CharField(_("诉求人电话"), max_length=20, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("问题已解决"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="case_status_deadline"),
            models.Index(fields=["district", "deadline"], name="case_district_deadline"),
            models.Index(fields=["street", "deadline"], name="case_street_deadline"),
            models.Index(fields=["department", "deadline"], name="case_department_deadline"),
            models.Index(fields=["category", "deadline"], name="case_category_deadline"),
            models.Index(fields=["grid", "deadline"], name="case_grid_deadline"),
            models.Index(fields=["source", "deadline"], name="case_source_deadline"),
            models.Index(fields=["urgency", "deadline"], name="case_urgency_deadline"),
            models.Index(fields=["deadline"], name="case_deadline"),
            # A filing window sorted by deadline, from the index alone (CaseQuerySet.for_count).
            models.Index(fields=["filed_at"], include=["deadline", "number"], name="case_filed_window"),
            models.Index(fields=["step_deadline"], name="case_step_deadline"),
            models.Index(fields=["step_yellow_at"], name="case_step_yellow"),
            # Duplicate suggestions (DOMAIN.md §6): the same category near a point.
            models.Index(fields=["category", "lat", "lng"], name="case_category_position"),
            # Equality only: one plain index each (db_index would add a LIKE one on PostgreSQL).
            models.Index(fields=["caller_phone"], name="case_caller_phone"),
            models.Index(fields=["hotline_ticket_no"], name="case_hotline_ticket"),
            # The workspace lists open cases only (a few percent of all): this index holds them with
            # every column their stage counts, filters and order read, so the queue's counts and page
            # numbers come from it alone, whatever the filter (except text).
            models.Index(
                fields=["status"],
                include=OPEN_CASE_COLUMNS,
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_stage",
            ),
            # The callback list (回访): closed citizen cases not called back since closing, oldest first;
            # and the dissatisfied ones that may be reopened.
            models.Index(
                fields=["closed_at"],
                condition=Q(status="closed", source__in=["hotline", "public"])
                & (Q(callback_at__isnull=True) | Q(callback_at__lt=F("closed_at"))),
                name="case_awaiting_callback",
            ),
            models.Index(fields=["closed_at"], condition=Q(satisfaction="dissatisfied"), name="case_dissatisfied"),
        ]

    def __str__(self) -> str:
        return self.number

    def light_at(self, now: datetime) -> str | None:
        """The light ``CaseQuerySet.with_light`` gives, for a case in memory."""
        if self.status in ("closed", "rejected", "voided") or self.step_deadline is None:
            return None
        if self.status == "suspended" and self.suspended_at is not None:
            now = self.suspended_at
        if self.step_deadline < now:
            return "red"
        if self.step_yellow_at is not None and self.step_yellow_at <= now:
            return "yellow"
        return "green"

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL_STATUSES

    @property
    def is_citizen_case(self) -> bool:
        return self.source in (Source.HOTLINE, Source.PUBLIC)


class CaseEvent(models.Model):
    """One immutable row per action on a case: the timeline and the audit trail."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices, blank=True)
    comment = models.TextField(_("意见"), max_length=2000, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    step_deadline = models.DateTimeField(_("环节期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("案件流转记录")
        verbose_name_plural = _("案件流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("case events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case events are immutable")


class Attachment(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("上报")
        VERIFY = "verify", _("核实")
        BEFORE = "before", _("处置前")
        AFTER = "after", _("处置后")
        CHECK = "check", _("核查")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, verbose_name=_("流转记录"), null=True, on_delete=models.PROTECT, related_name="attachments"
    )
    stage = models.CharField(_("阶段"), max_length=8, choices=Stage.choices)
    file = models.ImageField(_("照片"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=32, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class CaseRequest(models.Model):
    """A handler's request (delay / return / suspend) and its decision."""

    class Kind(models.TextChoices):
        DELAY = "delay", _("延期")
        RETURN = "return", _("回退")
        SUSPEND = "suspend", _("挂账")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        DENIED = "denied", _("未批准")
        WITHDRAWN = "withdrawn", _("已撤回（已反馈）")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    state = models.CharField(_("审批状态"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(_("申请理由"), max_length=2000)
    extra_value = models.DecimalField(_("延期时长"), max_digits=6, decimal_places=2, null=True, blank=True)
    extra_unit = models.CharField(_("延期单位"), max_length=16, choices=TimeUnit.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(state="pending"), name="one_pending_request_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.get_state_display()}"


class Notification(models.Model):
    """An in-app reminder or 督办 notice to a department or a person."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        SUPERVISION = "supervision", _("督办")
        ESCALATION = "escalation", _("超期升级")
        REQUEST = "request", _("待审批申请")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="notifications")
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("内容"), max_length=200)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text


def new_api_key() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def new_public_token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


class Open311Client(models.Model):
    """A system that reports through Open311 (POST needs its ``api_key``)."""

    name = models.CharField(_("客户端名称"), max_length=100, unique=True)
    contact = models.CharField(_("联系人/联系方式"), max_length=200, blank=True)
    api_key = models.CharField(_("API 密钥"), max_length=64, unique=True, default=new_api_key, editable=False)
    is_active = models.BooleanField(_("启用"), default=True, help_text=_("停用（吊销）后该密钥不能再提交诉求"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PublicReport(models.Model):
    """What a case reported by the public (web page or Open311) carries besides
    the case: who sent it, the token that tracks it, the reporter's e-mail."""

    class Via(models.TextChoices):
        WEB = "web", _("公众上报页面")
        OPEN311 = "open311", _("Open311")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="public_report", verbose_name=_("案件"))
    via = models.CharField(_("途径"), max_length=8, choices=Via.choices)
    client = models.ForeignKey(
        Open311Client, null=True, blank=True, on_delete=models.PROTECT, related_name="reports", verbose_name=_("客户端")
    )
    # Open311 tokens/{token}, and the tracking link's proof that the reader reported the case.
    token = models.CharField(_("跟踪令牌"), max_length=32, unique=True, default=new_public_token, editable=False)
    email = models.EmailField(_("诉求人邮箱"), blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("来源 IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("公众上报")
        verbose_name_plural = _("公众上报")

    def __str__(self) -> str:
        return f"{self.case_id} {self.via}"
