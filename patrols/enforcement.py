"""三色单 enforcement notices and their subjects (DOMAIN.md §8).

Refusals are ``cases.errors.CaseError`` like every service of citymgmt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from cases import clock
from cases.catalogue import active_category
from cases.errors import CaseError
from org.roles import Role
from org.selectors import user_roles
from patrols.models import (
    EnforcementNotice,
    EnforcementSubject,
    Patrol,
)
from patrols.services import PLANNER_ROLES

NOTICE_WINDOW_DAYS = 90
COLOURS = [EnforcementNotice.Colour.BLUE, EnforcementNotice.Colour.YELLOW, EnforcementNotice.Colour.RED]
LADDER = [
    EnforcementNotice.Step.PERSUADE,
    EnforcementNotice.Step.ADMONISH,
    EnforcementNotice.Step.PENALTY,
    EnforcementNotice.Step.BAN,
]

# --- 三色单 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLevel:
    sequence: int  # this notice is the n-th within the window
    colour: str  # blue / yellow / red, or "" beyond
    step: str  # the escalation step beyond red, else ""


def next_notice_level(subject: EnforcementSubject, category, at: datetime) -> NoticeLevel:
    """Which notice the next one is for this subject and violation within 90
    days: 1st blue, 2nd yellow, 3rd red; after that the ladder 劝导 → 告诫 →
    处罚 → 取缔 (staying at 取缔)."""
    since = at - timedelta(days=NOTICE_WINDOW_DAYS)
    earlier = EnforcementNotice.objects.filter(
        subject=subject, category=category, issued_at__gt=since, issued_at__lte=at
    ).count()
    sequence = earlier + 1
    if sequence <= len(COLOURS):
        return NoticeLevel(sequence, COLOURS[sequence - 1], "")
    return NoticeLevel(sequence, "", LADDER[min(sequence - len(COLOURS), len(LADDER)) - 1])


def notice_issue(
    *,
    by,
    subject: EnforcementSubject,
    category,
    description: str,
    decision: str = "",
    penalty_amount=None,
    patrol: Patrol | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> EnforcementNotice:
    """Record a notice; its colour or escalation step follows from the subject's
    notices for the same violation in the last 90 days."""
    roles = user_roles(by)
    if not roles & {Role.INSPECTOR, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN}:
        raise CaseError("permission", _("你没有开具三色单的权限。"))
    errors: dict[str, list[str]] = {}
    if category in (None, ""):
        errors["category"] = [_("请选择违规类别。")]
    elif isinstance(category, str):
        found = active_category(category.strip())
        if found is None:
            errors["category"] = [_("未知或已停用的违规类别：%(code)s。") % {"code": category}]
        category = found
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写违规情况。")]
    elif len(description) > 2000:
        errors["description"] = [_("违规情况最多 2000 字。")]
    amount = None
    if penalty_amount not in (None, ""):
        try:
            amount = Decimal(str(penalty_amount))
            if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
                raise InvalidOperation
        except InvalidOperation:
            errors["penalty_amount"] = [_("罚款金额应为 0 到 10,000,000 之间的数字。")]
    if errors:
        raise CaseError.invalid(errors)
    now = clock.now()
    with transaction.atomic():
        # Two notices for one subject at once must not both be "the first".
        EnforcementSubject.objects.select_for_update().filter(pk=subject.pk).first()
        level = next_notice_level(subject, category, now)
        if level.step == EnforcementNotice.Step.PENALTY and amount is None:
            raise CaseError.invalid({"penalty_amount": [_("处罚须填写罚款金额。")]})
        if level.step and not decision.strip():
            raise CaseError.invalid({"decision": [_("升级处置须填写处理决定。")]})
        notice = EnforcementNotice.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:16]}",
            subject=subject,
            category=category,
            sequence=level.sequence,
            colour=level.colour,
            step=level.step,
            decision=decision.strip(),
            penalty_amount=amount,
            description=description,
            issued_at=now,
            issued_by=by,
            patrol=patrol,
            lat=lat,
            lng=lng,
        )
        # Unique without a counter to contend for: the day and the row's id.
        notice.number = f"ZF{now.astimezone(clock.now().tzinfo):%Y%m%d}{notice.pk:06d}"
        notice.save(update_fields=["number"])
        return notice


def subject_history(subject: EnforcementSubject):
    return subject.notices.select_related("category", "issued_by").order_by("-issued_at", "-id")


def notices_by_category(subject: EnforcementSubject) -> dict[int, int]:
    return dict(subject.notices.values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))


# --- 三色单 pages: subjects and the level a notice will be ---------------------------------

NOTICE_ROLES = {Role.INSPECTOR} | PLANNER_ROLES  # who may issue (as notice_issue checks)


def subject_lookup(*, name: str = "", address: str = "", licence_no: str = "") -> EnforcementSubject | None:
    """The subject already on record for what was typed (DOMAIN.md §8: a shop by
    licence number, or by name + address): a licence number identifies it;
    without one, the same name and address do."""
    name, address, licence_no = (name or "").strip(), (address or "").strip(), (licence_no or "").strip()
    if licence_no:
        found = EnforcementSubject.objects.filter(licence_no=licence_no).order_by("pk").first()
        if found is not None:
            return found
        # A shop first recorded by name + address may show its licence later: the same shop.
        return (
            EnforcementSubject.objects.filter(name=name, address=address, licence_no="").order_by("pk").first()
            if name and address
            else None
        )
    if name and address:
        return EnforcementSubject.objects.filter(name=name, address=address).order_by("pk").first()
    return None


def subject_find_or_create(*, name: str, address: str = "", licence_no: str = "", grid=None) -> EnforcementSubject:
    """The subject for a notice: the one on record (``subject_lookup``) or a new
    one. A name is required, and a licence number or an address, so the next
    notice can find the same shop again."""
    name, address, licence_no = (name or "").strip(), (address or "").strip(), (licence_no or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写对象名称（店名或摊主）。")]
    elif len(name) > 100:
        errors["name"] = [_("名称最多 100 字。")]
    if not (licence_no or address):
        errors["address"] = [_("请填写地址或营业执照号。")]
    if len(address) > 200:
        errors["address"] = [_("地址最多 200 字。")]
    if len(licence_no) > 64:
        errors["licence_no"] = [_("营业执照号最多 64 个字符。")]
    if errors:
        raise CaseError.invalid(errors)
    with transaction.atomic():
        found = subject_lookup(name=name, address=address, licence_no=licence_no)
        if found is not None:
            if licence_no and not found.licence_no:
                found.licence_no = licence_no
                found.save(update_fields=["licence_no"])
            return found
        return EnforcementSubject.objects.create(name=name, address=address, licence_no=licence_no, grid=grid)


def notice_preview(subject: EnforcementSubject | None, category) -> NoticeLevel:
    """The notice the next one for this subject and violation will be, now (a
    subject not yet on record gets its first: blue)."""
    if subject is None or subject.pk is None:
        return NoticeLevel(1, COLOURS[0], "")
    return next_notice_level(subject, category, clock.now())


# --- routes and the week plan (supervisors) --------------------------------------------
