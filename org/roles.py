"""Staff roles (DOMAIN.md §2) as Django groups.

Each role is a group named by its code. ``sync_role_groups`` (run after every
migrate) creates the groups and gives them the permissions listed here, so a
fresh database and an upgraded one end up with the same roles. Later apps add
their permissions to ROLE_PERMISSIONS.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Declared in the order a person holding several roles is most likely to
    # start their day with: the first one they hold picks their start page.
    OPERATOR = "operator", _("受理员")
    SHIFT_LEADER = "shift_leader", _("值班长")
    DISPATCHER = "dispatcher", _("派遣员")
    HANDLER = "handler", _("处置人员")
    INSPECTOR = "inspector", _("监督员")
    ASSESSOR = "assessor", _("环卫考评员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


READ_REFERENCE = [
    "org.view_region",
    "org.view_unitgrid",
    "org.view_department",
    "cases.view_majorcategory",
    "cases.view_category",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: READ_REFERENCE,
    Role.SHIFT_LEADER: READ_REFERENCE,
    Role.DISPATCHER: READ_REFERENCE,
    Role.HANDLER: READ_REFERENCE,
    Role.INSPECTOR: READ_REFERENCE,
    Role.ASSESSOR: READ_REFERENCE,
    Role.LEADER: READ_REFERENCE,
    Role.ADMIN: [
        "org.*",
        "cases.add_majorcategory",
        "cases.change_majorcategory",
        "cases.view_majorcategory",
        "cases.add_category",
        "cases.change_category",
        "cases.view_category",
        "auth.*",
        "authtoken.*",
        "django_celery_beat.*",
    ],
}

# The workspace pages each role opens from its start page: (label, URL name, icon).
WORKSPACE_LINKS: dict[str, list[tuple[str, str, str]]] = {
    Role.OPERATOR: [
        (_("12345 热线受理"), "work:intake", "bi-telephone-inbound"),
        (_("案件队列"), "work:queue", "bi-list-check"),
        (_("回访"), "work:callbacks", "bi-telephone-outbound"),
    ],
    Role.SHIFT_LEADER: [
        (_("案件队列"), "work:queue", "bi-list-check"),
        (_("申请审批"), "work:approvals", "bi-clipboard-check"),
        (_("回访"), "work:callbacks", "bi-telephone-outbound"),
        (_("巡查排班"), "patrols:plan", "bi-calendar-week"),
        (_("每日通报"), "reports:bulletin_list", "bi-newspaper"),
    ],
    Role.DISPATCHER: [
        (_("派遣工作台"), "work:queue", "bi-send"),
        (_("申请审批"), "work:approvals", "bi-clipboard-check"),
        (_("巡查排班"), "patrols:plan", "bi-calendar-week"),
        (_("巡查路线"), "patrols:routes", "bi-signpost-split"),
        (_("巡查统计"), "patrols:figures", "bi-bar-chart"),
        (_("每日通报"), "reports:bulletin_list", "bi-newspaper"),
        (_("岗位考评"), "reports:staff", "bi-person-badge"),
    ],
    Role.INSPECTOR: [
        (_("今日巡查"), "patrols:today", "bi-geo-alt"),
        (_("核实核查任务"), "patrols:tasks", "bi-clipboard-check"),
        (_("三色单"), "patrols:notices", "bi-card-text"),
    ],
    Role.LEADER: [
        (_("领导驾驶舱"), "reports:dashboard", "bi-speedometer2"),
        (_("每日通报"), "reports:bulletin_list", "bi-newspaper"),
        (_("月度考评汇总"), "reports:bulletin_monthly", "bi-trophy"),
        (_("岗位考评"), "reports:staff", "bi-person-badge"),
        (_("巡查统计"), "patrols:figures", "bi-bar-chart"),
        (_("环卫考评月度得分"), "sanitation:scores", "bi-award"),
        (_("垃圾分类"), "sanitation:sorting_rates", "bi-pie-chart"),
    ],
    Role.ASSESSOR: [
        (_("环卫台账"), "sanitation:ledger_index", "bi-journal-text"),
        (_("考评打分"), "sanitation:inspection_new", "bi-clipboard2-check"),
        (_("考评记录"), "sanitation:inspection_list", "bi-list-check"),
        (_("垃圾分类月度填报"), "sanitation:sorting_entry", "bi-pencil-square"),
        (_("垃圾分类"), "sanitation:sorting_rates", "bi-pie-chart"),
        (_("日清运量"), "sanitation:tonnage", "bi-truck"),
    ],
    Role.HANDLER: [
        (_("本部门案件"), "work:inbox", "bi-inbox"),
        (_("提醒与督办通知"), "work:notifications", "bi-bell"),
    ],
    Role.ADMIN: [
        (_("案件队列"), "work:queue", "bi-list-check"),
        (_("申请审批"), "work:approvals", "bi-clipboard-check"),
        (_("领导驾驶舱"), "reports:dashboard", "bi-speedometer2"),
        (_("月度考评汇总"), "reports:bulletin_monthly", "bi-trophy"),
    ],
}

# What each role's start page will hold and is not built yet.
START_PAGES: dict[str, list] = {
    Role.OPERATOR: [],
    Role.SHIFT_LEADER: [_("值班统计")],
    Role.DISPATCHER: [_("督办清单")],
    Role.HANDLER: [],
    Role.INSPECTOR: [],
    Role.ASSESSOR: [],
    Role.LEADER: [],
    Role.ADMIN: [],
}


def sync_role_groups() -> None:
    """Create one group per role and give it exactly the permissions listed."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_resolve(ROLE_PERMISSIONS.get(role, [])))


def _resolve(names: list[str]) -> list[Permission]:
    perms = []
    for name in names:
        app_label, codename = name.split(".", 1)
        qs = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            qs = qs.filter(codename=codename)
        perms.extend(qs)
    return perms
