"""The case state machine of DOMAIN.md §4, as data.

Each action names the states it is allowed from, the state it leads to (None:
the status stays) and the roles that may take it. Services check this table
before anything else; pages and the API read it to show only allowed actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.models import OPEN_STATUSES, Status
from org.roles import Role


@dataclass(frozen=True)
class Rule:
    label: str
    sources: frozenset[str]
    to: str | None
    roles: frozenset[str]


def rule(label, sources, to, roles) -> Rule:
    return Rule(label=label, sources=frozenset(sources), to=to, roles=frozenset(roles))


S = Status
RULES: dict[str, Rule] = {
    "verify-request": rule(_("发起核实"), [S.REPORTED], S.VERIFYING, [Role.OPERATOR]),
    "verify-reply": rule(_("核实回复"), [S.VERIFYING], S.REPORTED, [Role.INSPECTOR]),
    "file": rule(_("立案"), [S.REPORTED], S.FILED, [Role.SHIFT_LEADER]),
    "reject": rule(_("不予受理"), [S.REPORTED], S.REJECTED, [Role.OPERATOR]),
    "void": rule(_("作废"), [S.REPORTED, S.FILED], S.VOIDED, [Role.SHIFT_LEADER]),
    "dispatch": rule(_("派遣"), [S.FILED], S.DISPATCHED, [Role.DISPATCHER]),
    "sign": rule(_("签收"), [S.DISPATCHED], S.IN_PROGRESS, [Role.HANDLER]),
    "request-return": rule(_("申请回退"), [S.DISPATCHED, S.IN_PROGRESS], None, [Role.HANDLER]),
    "request-delay": rule(_("申请延期"), [S.IN_PROGRESS], None, [Role.HANDLER]),
    "request-suspend": rule(_("申请挂账"), [S.IN_PROGRESS], None, [Role.HANDLER]),
    "decide-request": rule(_("审批申请"), [S.DISPATCHED, S.IN_PROGRESS], None, [Role.DISPATCHER, Role.SHIFT_LEADER]),
    "resume": rule(_("恢复处置"), [S.SUSPENDED], S.IN_PROGRESS, [Role.DISPATCHER]),
    "contact-caller": rule(_("联系诉求人"), [S.IN_PROGRESS], None, [Role.HANDLER]),
    "feedback": rule(_("处置反馈"), [S.IN_PROGRESS], S.HANDLED, [Role.HANDLER]),
    "check-request": rule(_("发起核查"), [S.HANDLED], S.CHECKING, [Role.OPERATOR]),
    "check-pass": rule(_("核查通过"), [S.CHECKING], S.CHECKED, [Role.INSPECTOR]),
    "check-fail": rule(_("核查不通过（返工）"), [S.CHECKING], S.IN_PROGRESS, [Role.INSPECTOR]),
    "close": rule(_("结案"), [S.CHECKED], S.CLOSED, [Role.SHIFT_LEADER]),
    "callback": rule(_("回访"), [S.CLOSED], None, [Role.OPERATOR]),
    "reopen": rule(_("重办"), [S.CLOSED], S.IN_PROGRESS, [Role.DISPATCHER]),
    "link-duplicate": rule(_("关联重复件"), [S.REPORTED, S.FILED], S.VOIDED, [Role.OPERATOR]),
    "supervise": rule(_("督办"), OPEN_STATUSES, None, [Role.DISPATCHER, Role.LEADER]),
}

# Actions whose actor must be in the case's department / be its inspector.
DEPARTMENT_ACTIONS = {"sign", "request-return", "request-delay", "request-suspend", "contact-caller", "feedback"}
INSPECTOR_ACTIONS = {"verify-reply", "check-pass", "check-fail"}

# Event names written by the system or by intake, besides the actions above.
SYSTEM_EVENTS = {
    "report": _("上报"),
    "self-handle": _("自处理"),
    "remind": _("到期提醒"),
    "auto-supervise": _("超时督办"),
    "escalate": _("超期升级"),
    "duplicate-linked": _("关联重复件"),
}


def action_label(action: str) -> str:
    if action in RULES:
        return str(RULES[action].label)
    return str(SYSTEM_EVENTS.get(action, action))


STEP_LABELS = {
    "accept": _("受理"),
    "verify": _("核实"),
    "file": _("立案"),
    "dispatch": _("派遣"),
    "sign": _("签收"),
    "handle": _("处置"),
    "check": _("核查"),
    "close": _("结案"),
}


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))
