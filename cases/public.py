"""What the public may see of a case, and the limits on what the public may send.

One reading for the public page (track by number) and Open311 GET: the status
as open/closed, a public timeline of fixed phrases per action (never an
internal comment, a name or a phone), the latest of them as the status note,
and descriptions with phone and ID numbers masked. DOMAIN.md §10: caller data
never leaves through these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import TERMINAL_STATUSES, Attachment, Case, CaseEvent, Status
from org.selectors import department_by_code

# Open311 `status`: a case is closed once it reached an end (结案, 不予受理, 作废).
CLOSED_STATUSES = frozenset(TERMINAL_STATUSES)

# The public phrase of each action shown to the public; actions not listed
# (核实、申请、督办、联系诉求人 …) are internal and not shown.
PUBLIC_NOTES = {
    "report": gettext_lazy("已收到您反映的问题"),
    "self-handle": gettext_lazy("巡查人员已现场处置"),
    "file": gettext_lazy("已立案，等待派遣处置部门"),
    "reject": gettext_lazy("经核实不属于受理范围，不予受理"),
    "void": gettext_lazy("案件已撤销"),
    "link-duplicate": gettext_lazy("与已受理的同一问题合并处理"),
    "dispatch": gettext_lazy("已派遣至%(department)s处置"),
    "sign": gettext_lazy("处置部门已签收，正在处置"),
    "feedback": gettext_lazy("处置部门已完成处置，等待核查"),
    "check-pass": gettext_lazy("现场核查通过"),
    "check-fail": gettext_lazy("现场核查未通过，重新处置"),
    "close": gettext_lazy("问题已处理完毕，案件已结案"),
    "reopen": gettext_lazy("根据回访意见重新处置"),
    "resume": gettext_lazy("恢复处置"),
    "callback": gettext_lazy("已回访"),
}
# Approved requests are public too: the citizen sees why it takes longer.
APPROVED_REQUEST_NOTES = {
    "delay": gettext_lazy("处置期限已延长"),
    "suspend": gettext_lazy("需待季节或工程条件，暂缓处置（挂账）"),
    "return": gettext_lazy("重新派遣处置部门"),
}

# Mobile (11 digits), landline with area code, 18-character ID numbers.
_PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def masked_text(text: str) -> str:
    """Phone and ID numbers in free text (a caller's description) masked."""

    def mask(match: re.Match) -> str:
        digits = match.group(0)
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

    return _PERSONAL_NUMBER.sub(mask, text or "")


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    action: str
    text: str


def public_note(event: CaseEvent) -> str | None:
    """The public phrase for one event, or None when the event is internal."""
    if event.action == "decide-request":
        data = event.data or {}
        if data.get("approved") and data.get("kind") in APPROVED_REQUEST_NOTES:
            return str(APPROVED_REQUEST_NOTES[data["kind"]])
        return None
    phrase = PUBLIC_NOTES.get(event.action)
    if phrase is None:
        return None
    if event.action == "dispatch":
        code = (event.data or {}).get("department")
        department = department_by_code(code) if code else None  # the process's copy: no query
        return str(phrase) % {"department": department.name if department else _("处置部门")}
    return str(phrase)


def public_events(case: Case) -> list[PublicEvent]:
    """The case's public timeline, oldest first. Reads ``case.events`` (prefetch
    them with ``public_cases``)."""
    found = []
    for event in case.events.all():
        text = public_note(event)
        if text:
            found.append(PublicEvent(at=event.created_at, action=event.action, text=text))
    return found


def status_note(case: Case) -> str:
    """Open311 ``status_notes``: the latest public phrase."""
    for event in reversed(list(case.events.all())):
        text = public_note(event)
        if text:
            return text
    return ""


def public_cases():
    """Cases with what the public reading needs, in one query per relation."""
    return Case.objects.select_related("category", "department", "district", "street").prefetch_related(
        Prefetch(
            "events",
            queryset=CaseEvent.objects.only("case_id", "action", "data", "created_at").order_by("created_at", "id"),
        )
    )


def public_photos(case: Case) -> list[Attachment]:
    """Photos the public may see: the after-photos (处置后) of a closed case."""
    if case.status != Status.CLOSED:
        return []
    return list(case.attachments.filter(stage=Attachment.Stage.AFTER).order_by("created_at", "id"))


# --- limits on what the public sends -------------------------------------------------


def rate_limited(request, *, group: str, key, rate: str) -> bool:
    """Counts this request against ``rate`` (e.g. "10/h") for ``key`` ("ip", or
    a callable of (group, request)) in the shared cache; True when over it."""
    from django_ratelimit.core import is_ratelimited

    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)


def rates() -> dict[str, str]:
    return {
        "open311_key": settings.OPEN311_RATE_PER_KEY,
        "open311_ip": settings.OPEN311_RATE_PER_IP,
        "public_ip": settings.PUBLIC_REPORT_RATE_PER_IP,
        "feedback_ip": settings.PUBLIC_FEEDBACK_RATE_PER_IP,
    }
