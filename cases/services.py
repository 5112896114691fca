"""Every write to a case: intake and one function per action of DOMAIN.md §4.

Each action goes through ``_act``: role, scope and state are checked against
``cases.rules.RULES`` before anything changes; then, inside one transaction
holding the case row lock, the change is made, the step deadline set and the
immutable CaseEvent written. Pages, the API, Open311 and Celery tasks all call
these functions; none of them repeats a rule.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cases import clock, deadlines
from cases.catalogue import active_category
from cases.errors import CaseError
from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseRequest,
    Category,
    HotlineType,
    Notification,
    Open311Client,
    PublicReport,
    Satisfaction,
    Source,
    Status,
    Urgency,
)
from cases.photos import validate_photos
from cases.rules import DEPARTMENT_ACTIONS, INSPECTOR_ACTIONS, RULES, step_label
from cases.selectors import default_department, grid_inspector, inspector_scope_q
from org.models import Department
from org.roles import Role
from org.selectors import OutsideManagedArea, locate_point, user_roles
from org.worktime import TimeUnit, get_work_calendar

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
MAX_COMMENT = 2000
REOPEN_DAYS = 30
ESCALATE_WORKING_DAYS = 5
INTAKE_ROLES = {Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER}
FIELD_ROLES = {Role.INSPECTOR, Role.ASSESSOR}  # may report from the field (channel patrol)
PHONE = re.compile(r"^\+?[0-9]{5,20}$")


# --- numbers -----------------------------------------------------------------------


MAX_DAILY_SEQUENCE = 99_999


def next_case_number(day: date) -> str:
    """Date + 5-digit daily sequence, e.g. 2026112100042.

    One upsert statement: outside a transaction it commits at once, so intake
    requests do not queue behind each other's row lock; a number taken by an
    intake that then fails is simply not used (gaps are allowed).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbersequence (day, last) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = cases_casenumbersequence.last + 1 RETURNING last",
            [day],
        )
        sequence = cursor.fetchone()[0]
    if sequence > MAX_DAILY_SEQUENCE:
        # Five digits a day (DOMAIN.md §11): refuse clearly rather than store a longer number.
        raise CaseError("state", _("今天的案件编号已经用完（每天最多 99999 个），请联系系统管理员。"))
    return f"{day:%Y%m%d}{sequence:05d}"


# --- intake ------------------------------------------------------------------------


def case_report(
    *,
    by,
    source: str,
    category: Category | str,
    description: str,
    lat: float,
    lng: float,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    hotline_ticket_no: str = "",
    hotline_type: str = "",
    self_handled: bool = False,
    photos: Iterable = (),
    after_photos: Iterable = (),
) -> Case:
    """Register a case from any channel (上报/受理).

    Operators, shift leaders and dispatchers register from every channel;
    inspectors and assessors report from the field (channel patrol, at least
    one photo, DOMAIN.md §8). A self-handled report (自处理) by an inspector with
    an after-photo enters ``handled`` directly and goes on to check and close.

    The case returned carries ``written_events``, its timeline so far, each
    event with its ``written_photos``, so the caller can show what was stored
    without reading it back.
    """
    roles = user_roles(by)
    if not roles & (INTAKE_ROLES | FIELD_ROLES):
        raise CaseError("permission", _("你没有登记案件的权限。"))
    if not roles & INTAKE_ROLES and source != Source.PATROL:
        raise CaseError("permission", _("监督员只能以“巡查上报”渠道上报案件。"))
    return _register(
        by=by,
        roles=roles,
        source=source,
        category=category,
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        urgency=urgency,
        caller_name=caller_name,
        caller_phone=caller_phone,
        hotline_ticket_no=hotline_ticket_no,
        hotline_type=hotline_type,
        self_handled=self_handled,
        photos=photos,
        after_photos=after_photos,
    )


def case_report_public(
    *,
    via: str,
    category: Category | str,
    description: str,
    lat,
    lng,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    email: str = "",
    media_url: str = "",
    photos: Iterable = (),
    client: Open311Client | None = None,
    ip: str | None = None,
) -> Case:
    """A report from the public (channel ``public``): the public page (``via``
    web) or an Open311 client. No user: the event names the way it came in, and
    a ``PublicReport`` keeps the client, the tracking token and the e-mail."""
    extra: dict[str, list[str]] = {}
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            extra["email"] = [_("请填写有效的电子邮箱地址。")]
        if len(email) > 254:
            extra.setdefault("email", []).append(_("电子邮箱最多 254 个字符。"))
    media_url = (media_url or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            extra["media_url"] = [_("媒体链接应为 http 或 https 开头的网址。")]
        if len(media_url) > 500:
            extra.setdefault("media_url", []).append(_("媒体链接最多 500 个字符。"))
    public = PublicReport(via=via, client=client, email=email, media_url=media_url, ip=ip or None)
    return _register(
        by=None,
        roles=set(),
        source=Source.PUBLIC,
        category=category,
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        urgency=urgency,
        caller_name=caller_name,
        caller_phone=caller_phone,
        photos=photos,
        public=public,
        extra_errors=extra,
    )


def _register(
    *,
    by,
    roles: set[str],
    source: str,
    category: Category | str,
    description: str,
    lat,
    lng,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    caller_name: str = "",
    caller_phone: str = "",
    hotline_ticket_no: str = "",
    hotline_type: str = "",
    self_handled: bool = False,
    photos: Iterable = (),
    after_photos: Iterable = (),
    public: PublicReport | None = None,
    extra_errors: dict[str, list[str]] | None = None,
) -> Case:
    errors: dict[str, list[str]] = {name: list(messages) for name, messages in (extra_errors or {}).items()}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if source not in Source.values:
        bad("source", _("未知的案件来源：%(value)s。") % {"value": source})
    if urgency not in Urgency.values:
        bad("urgency", _("紧急程度应为 normal 或 urgent。"))
    category_obj = _category(category, bad)
    description = (description or "").strip()
    if not description:
        bad("description", _("请填写问题描述。"))
    elif len(description) > MAX_DESCRIPTION:
        bad("description", _("问题描述最多 %(n)d 字，当前 %(m)d 字。") % {"n": MAX_DESCRIPTION, "m": len(description)})
    if len(address or "") > 200:
        bad("address", _("地址最多 200 字。"))
    location = _locate(lat, lng, bad)
    caller_phone = re.sub(r"[\s-]", "", caller_phone or "")
    if caller_phone and not PHONE.match(caller_phone):
        bad("caller_phone", _("电话号码只能包含数字（可带 +），5 到 20 位。"))
    if len(caller_name or "") > 64:
        bad("caller_name", _("姓名最多 64 字。"))
    if hotline_type and hotline_type not in HotlineType.values:
        bad("hotline_type", _("工单类型应为 consult、help、complaint 或 suggestion。"))
    if len(hotline_ticket_no or "") > 32:
        bad("hotline_ticket_no", _("工单号最多 32 个字符。"))
    if source == Source.HOTLINE and not hotline_ticket_no:
        bad("hotline_ticket_no", _("12345 热线案件需要填写工单号。"))
    report_photos = _checked_photos(photos, "photos", errors)
    done_photos = _checked_photos(after_photos, "after_photos", errors)
    if source == Source.PATROL and not roles & INTAKE_ROLES and not report_photos:
        bad("photos", _("巡查上报至少需要一张现场照片。"))
    if self_handled:
        if Role.INSPECTOR not in roles:
            bad("self_handled", _("只有监督员可以自处理。"))
        if not done_photos:
            bad("after_photos", _("自处理需要上传处置后照片。"))
    if errors:
        raise CaseError.invalid(errors)

    now = clock.now()
    number = next_case_number(now.astimezone(get_work_calendar().tz).date())
    with transaction.atomic():
        case = Case(
            number=number,
            status=Status.REPORTED,
            source=source,
            category=category_obj,
            urgency=urgency,
            description=description,
            address=(address or "").strip(),
            lat=float(lat),
            lng=float(lng),
            grid=location.grid,
            community=location.community,
            street=location.street,
            district=location.district,
            reporter=by,
            reported_at=now,
            caller_name=(caller_name or "").strip(),
            caller_phone=caller_phone,
            hotline_ticket_no=(hotline_ticket_no or "").strip(),
            hotline_type=hotline_type or "",
            self_handled=bool(self_handled),
        )
        deadlines.set_step(case, now)
        case.save()
        data = {"source": source}
        if public is not None:
            public.case, public.created_at = case, now
            public.save()
            data["via"] = public.via
            if public.client_id:
                data["client"] = public.client.name
        event = _event(case, "report", by, "", now, data=data)
        event.written_photos = _store_photos(case, event, report_photos, Attachment.Stage.REPORT, by)
        case.written_events = [event]
        if self_handled:
            # A problem an inspector fixed on the spot counts as filed and handled
            # at once (自处理), so it is in the filing cohort of the metrics.
            case.status, case.filed_at, case.handled_at = Status.HANDLED, now, now
            deadlines.set_step(case, now)
            case.save()
            event = _event(case, "self-handle", by, Status.REPORTED, now)
            event.written_photos = _store_photos(case, event, done_photos, Attachment.Stage.AFTER, by)
            case.written_events.append(event)
    return case


def _category(category: Category | str, bad) -> Category | None:
    if isinstance(category, Category):
        return category
    found = active_category(str(category or "").strip())
    if found is None:
        bad("category", _("未知或已停用的案件类别：%(code)s。") % {"code": category})
    return found


def _locate(lat, lng, bad):
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        bad("lat", _("请提供有效的经纬度。"))
        return None
    try:
        return locate_point(lat=lat, lng=lng)
    except OutsideManagedArea as exc:
        bad("lat", str(exc))
        return None


def _checked_photos(files, field: str, errors: dict) -> list:
    try:
        return validate_photos(files, field)
    except CaseError as exc:
        for name, messages in exc.fields.items():
            errors.setdefault(name, []).extend(messages)
        return []


# --- the common path of every action ------------------------------------------------


def _act(
    action: str,
    case: Case,
    by,
    *,
    comment: str = "",
    comment_required: str | None = None,
    comment_field: str = "comment",
    photos: Iterable = (),
    photo_stage: str | None = None,
    photo_required: str | None = None,
    check: Callable[[Case, datetime], None] | None = None,
    apply: Callable[[Case, datetime], dict | None] | None = None,
    restep: bool | None = None,
    invalid: dict[str, list[str]] | None = None,
) -> Case:
    """Guard, then change, then record (STYLE.md "Business rules").

    Role, scope and state are checked before the input: ``invalid`` holds the
    input errors a service found in its arguments, reported (400) only when the
    action itself is allowed, so that a refused action is a 403 or 409 whatever
    was sent. The step window is set anew when the status changes
    (``restep=None``), always (``True``, e.g. an approved delay) or never
    (``False``, resume).
    """
    rule = RULES[action]
    roles = user_roles(by)
    if not roles & rule.roles:
        needed = "、".join(str(Role(r).label) for r in sorted(rule.roles))
        raise CaseError(
            "permission", _("你没有“%(action)s”的权限（需要：%(roles)s）。") % {"action": rule.label, "roles": needed}
        )
    comment = (comment or "").strip()
    fields: dict[str, list[str]] = {name: list(messages) for name, messages in (invalid or {}).items()}
    # Errors name the service's own argument (reason, result, note), as the caller sent it.
    if comment_required and not comment:
        fields[comment_field] = [comment_required]
    if len(comment) > MAX_COMMENT:
        fields.setdefault(comment_field, []).append(_("意见最多 %(n)d 字。") % {"n": MAX_COMMENT})
    checked = _checked_photos(photos, "photos", fields)
    if photo_required and not checked and "photos" not in fields:
        fields["photos"] = [photo_required]

    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("category").get(pk=case.pk)
        _guard_scope(action, locked, by, roles)
        if locked.status not in rule.sources:
            raise CaseError(
                "state",
                _("案件 %(number)s 当前为“%(status)s”，不能%(action)s。")
                % {"number": locked.number, "status": locked.get_status_display(), "action": rule.label},
            )
        now = clock.now()
        if check:
            check(locked, now)
        if fields:
            raise CaseError.invalid(fields)
        from_status = locked.status
        if rule.to:
            locked.status = rule.to
        data = (apply(locked, now) if apply else None) or {}
        if restep or (restep is None and locked.status != from_status):
            deadlines.set_step(locked, now)
        locked.save()
        event = _event(locked, action, by, from_status, now, comment=comment, data=data)
        _store_photos(locked, event, checked, photo_stage, by)
    log.info("case %s %s by user %s: %s -> %s", locked.number, action, by.pk, from_status, locked.status)
    return locked


def _guard_scope(action: str, case: Case, by, roles: set[str]) -> None:
    profile = getattr(by, "profile", None)
    if action in DEPARTMENT_ACTIONS:
        if not (profile and profile.department_id and profile.department_id == case.department_id):
            raise CaseError("permission", _("案件 %(number)s 不在你的部门。") % {"number": case.number})
    elif action in INSPECTOR_ACTIONS:
        if not Case.objects.filter(inspector_scope_q(by), pk=case.pk).exists():
            raise CaseError("permission", _("案件 %(number)s 没有指派给你核实或核查。") % {"number": case.number})
    elif (
        action == "supervise"
        and Role.DISPATCHER not in roles
        and not Case.objects.visible_to(by).filter(pk=case.pk).exists()
    ):
        raise CaseError("permission", _("案件 %(number)s 不在你的管辖范围。") % {"number": case.number})


def _event(case: Case, action: str, by, from_status: str, now: datetime, *, comment: str = "", data=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=by,
        from_status=from_status,
        to_status=case.status,
        comment=comment,
        data=data or {},
        step_deadline=case.step_deadline,
        created_at=now,
    )


def _store_photos(case: Case, event: CaseEvent, checked: list, stage: str | None, by) -> list[Attachment]:
    return [
        Attachment.objects.create(
            case=case,
            event=event,
            created_at=event.created_at,
            stage=stage or Attachment.Stage.REPORT,
            file=upload,
            content_type=content_type,
            size=getattr(upload, "size", 0) or 0,
            uploaded_by=by,
        )
        for upload, content_type in checked
    ]


def _require(value, message: str, name: str = "comment") -> None:
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        raise CaseError.invalid({name: message})


def _inspector_for(case: Case, inspector, field: str):
    chosen = inspector or grid_inspector(case)
    if chosen is None:
        raise CaseError.invalid({field: _("网格 %(grid)s 没有监督员，请指定一位。") % {"grid": case.grid.code}})
    if Role.INSPECTOR not in user_roles(chosen):
        raise CaseError.invalid({field: _("%(name)s 不是监督员。") % {"name": chosen.username}})
    return chosen


# --- acceptance and filing -----------------------------------------------------------


def case_verify_request(*, case: Case, by, inspector=None, comment: str = "") -> Case:
    """发起核实: ask an inspector (default: the grid's) to verify on site."""

    def apply(c: Case, now):
        c.inspector = _inspector_for(c, inspector, "inspector")
        return {"inspector": c.inspector.username}

    return _act("verify-request", case, by, comment=comment, apply=apply)


def case_verify_reply(*, case: Case, by, valid: bool | None, comment: str, photos: Iterable = ()) -> Case:
    """核实回复: the inspector says whether the report is true (属实/不属实)."""
    invalid = {"valid": [_("请选择核实结果：属实或不属实。")]} if valid is None else None

    def apply(c: Case, now):
        c.verified = bool(valid)
        return {"valid": bool(valid)}

    return _act(
        "verify-reply",
        case,
        by,
        comment=comment,
        comment_required=_("请填写核实情况。"),
        photos=photos,
        photo_stage=Attachment.Stage.VERIFY,
        apply=apply,
        invalid=invalid,
    )


def case_file(
    *, case: Case, by, category: Category | str | None = None, urgency: str | None = None, comment=""
) -> Case:
    """立案: the shift leader files the case, possibly correcting category and urgency."""
    errors: dict[str, list[str]] = {}
    new_category = None
    if category not in (None, ""):
        new_category = _category(category, lambda name, msg: errors.setdefault(name, []).append(msg))
    if urgency not in (None, "") and urgency not in Urgency.values:
        errors["urgency"] = [_("紧急程度应为 normal 或 urgent。")]

    def apply(c: Case, now):
        changes = {}
        if new_category and new_category.pk != c.category_id:
            changes["category"] = [c.category.code, new_category.code]
            c.category = new_category
        if urgency and urgency != c.urgency:
            changes["urgency"] = [c.urgency, urgency]
            c.urgency = urgency
        c.filed_at = now
        return changes

    return _act("file", case, by, comment=comment, apply=apply, invalid=errors)


def case_reject(*, case: Case, by, reason: str) -> Case:
    """不予受理 with a reason."""
    return _act(
        "reject", case, by, comment=reason, comment_field="reason", comment_required=_("请填写不予受理的理由。")
    )


def case_void(*, case: Case, by, reason: str) -> Case:
    """作废 with a reason."""
    return _act("void", case, by, comment=reason, comment_field="reason", comment_required=_("请填写作废理由。"))


def case_link_duplicate(*, case: Case, by, original: Case | str) -> Case:
    """关联重复件: void the case as a duplicate of an original; the original's
    timeline shows it. Linking to a duplicate links to its original (the root).
    Duplicates never count twice (voided cases are outside every metric)."""
    found: dict[str, Case] = {}

    def check(c: Case, now):
        # Resolved from the database under the case's lock, not from the caller's
        # copy: the original may have been linked or voided since it was loaded.
        root = _duplicate_root(original)
        if root.pk == c.pk:
            raise CaseError.invalid({"original": _("不能把案件关联为它自己的重复件。")})
        if root.status in (Status.VOIDED, Status.REJECTED):
            raise CaseError.invalid({"original": _("原案件 %(number)s 已作废或不予受理。") % {"number": root.number}})
        found["root"] = root

    def apply(c: Case, now):
        root = found["root"]
        c.duplicate_of = root
        _event(root, "duplicate-linked", by, root.status, now, data={"duplicate": c.number})
        return {"original": root.number}

    return _act("link-duplicate", case, by, check=check, apply=apply)


def _duplicate_root(original: Case | str) -> Case:
    """The case a duplicate chain ends at, read afresh and locked (it must not be
    voided while a duplicate is linked to it)."""
    number = original.strip() if isinstance(original, str) else None
    lookup = {"number": number} if number is not None else {"pk": getattr(original, "pk", None)}
    root = Case.objects.filter(**lookup).first() if any(lookup.values()) else None
    if root is None:
        raise CaseError.invalid({"original": _("找不到案件 %(number)s。") % {"number": number or original}})
    seen = {root.pk}
    while root.duplicate_of_id and root.duplicate_of_id not in seen:
        seen.add(root.duplicate_of_id)
        root = Case.objects.get(pk=root.duplicate_of_id)
    return Case.objects.select_for_update(of=("self",)).get(pk=root.pk)


# --- dispatch and handling ---------------------------------------------------------


def case_dispatch(*, case: Case, by, department: Department | str | None = None, comment: str = "") -> Case:
    """派遣 to a department (default routing of DOMAIN.md §1 unless the dispatcher
    chooses); the handling deadline runs from now (DOMAIN.md §5)."""
    chosen, invalid = None, {}
    if isinstance(department, str) and department:
        chosen = Department.objects.filter(code=department, is_active=True).first()
        if chosen is None:
            invalid["department"] = [_("未知或已停用的部门：%(code)s。") % {"code": department}]
    elif isinstance(department, Department):
        chosen = department

    def apply(c: Case, now):
        c.department = chosen or default_department(c)
        if c.department is None:
            raise CaseError.invalid({"department": _("无法自动确定处置部门，请选择一个部门。")})
        window = deadlines.handling_window(c, now)
        c.dispatched_at, c.signed_at = now, None
        c.signed_in_time = c.responded_in_time = None
        c.deadline_started_at, c.deadline = now, window.deadline
        return {"department": c.department.code, "deadline": window.deadline.isoformat(), "default": chosen is None}

    return _act("dispatch", case, by, comment=comment, apply=apply, invalid=invalid)


def case_sign(*, case: Case, by) -> Case:
    """签收 by a handler of the department."""

    def apply(c: Case, now):
        c.signed_at = now
        # The sign step's window is still on the case here (it moves on after apply).
        c.signed_in_time = c.step_deadline is None or now <= c.step_deadline

    return _act("sign", case, by, apply=apply)


def case_contact_caller(*, case: Case, by, note: str, contacted_at: datetime | None = None) -> Case:
    """联系诉求人 (hotline cases): first contact is due within 24 natural hours."""

    def check(c: Case, now):
        if c.source != Source.HOTLINE:
            raise CaseError("state", _("只有 12345 热线案件需要联系诉求人。"))
        if contacted_at and contacted_at > now + timedelta(minutes=5):
            raise CaseError.invalid({"contacted_at": _("联系时间不能晚于现在。")})

    def apply(c: Case, now):
        moment = contacted_at or now
        if c.first_contact_at is None or moment < c.first_contact_at:
            c.first_contact_at = moment
        # 响应 (DOMAIN.md §7): signed in time and the caller reached within the
        # contact limit of the dispatch.
        contact_limit = timedelta(hours=float(deadlines.step_limits()["contact"][0]))
        c.responded_in_time = bool(
            c.signed_in_time and c.dispatched_at and c.first_contact_at <= c.dispatched_at + contact_limit
        )
        return {"contacted_at": moment.isoformat()}

    return _act(
        "contact-caller",
        case,
        by,
        comment=note,
        comment_field="note",
        comment_required=_("请填写联系情况。"),
        check=check,
        apply=apply,
    )


def case_feedback(*, case: Case, by, result: str, photos: Iterable = ()) -> Case:
    """处置反馈: result text and, unless the category says otherwise, an after-photo."""
    category = Category.objects.only("after_photo_required").get(pk=case.category_id)

    def apply(c: Case, now):
        c.handled_at = now
        # A request still pending when the work is reported done can no longer be
        # decided (the case has left the states it is decided in): withdraw it.
        withdrawn = c.requests.filter(state=CaseRequest.State.PENDING).update(
            state=CaseRequest.State.WITHDRAWN, decided_at=now, decision_comment=_("处置已反馈，申请自动撤回。")
        )
        return {"withdrawn_requests": withdrawn} if withdrawn else None

    return _act(
        "feedback",
        case,
        by,
        comment=result,
        comment_field="result",
        comment_required=_("请填写处置结果。"),
        photos=photos,
        photo_stage=Attachment.Stage.AFTER,
        photo_required=_("处置反馈需要上传处置后照片。") if category.after_photo_required else None,
        apply=apply,
    )


# --- requests: delay, return, suspend --------------------------------------------------


def _no_pending_request(c: Case, now) -> None:
    if c.requests.filter(state=CaseRequest.State.PENDING).exists():
        raise CaseError("state", _("案件 %(number)s 已有待审批的申请。") % {"number": c.number})


def _file_request(c: Case, by, now, kind: str, reason: str, **extra) -> dict:
    try:
        request = CaseRequest.objects.create(
            case=c, kind=kind, reason=reason, requested_by=by, requested_at=now, **extra
        )
    except IntegrityError:  # a second request raced past the check
        raise CaseError("state", _("案件 %(number)s 已有待审批的申请。") % {"number": c.number}) from None
    return {"request": request.pk, "kind": kind, **{k: str(v) for k, v in extra.items()}}


def case_request_return(*, case: Case, by, reason: str) -> Case:
    """申请回退: not this department's case; the dispatcher decides."""
    return _act(
        "request-return",
        case,
        by,
        comment=reason,
        comment_field="reason",
        comment_required=_("请填写回退理由。"),
        check=_no_pending_request,
        apply=lambda c, now: _file_request(c, by, now, CaseRequest.Kind.RETURN, reason),
    )


def case_request_delay(*, case: Case, by, reason: str, extra_value, extra_unit: str = TimeUnit.WORKING_DAYS) -> Case:
    """申请延期 by an amount of time in a unit."""
    try:
        value = Decimal(str(extra_value))
    except (InvalidOperation, ValueError):
        value = None
    errors = {}
    if value is None or not value.is_finite() or value <= 0 or value > 365:
        errors["extra_value"] = [_("延期时长应为大于 0、不超过 365 的数字。")]
    if extra_unit not in TimeUnit.values:
        errors["extra_unit"] = [_("延期单位应为 working_hours、working_days 或 natural_hours。")]
    return _act(
        "request-delay",
        case,
        by,
        comment=reason,
        comment_field="reason",
        comment_required=_("请填写延期理由。"),
        check=_no_pending_request,
        apply=lambda c, now: _file_request(
            c, by, now, CaseRequest.Kind.DELAY, reason, extra_value=value, extra_unit=extra_unit
        ),
        invalid=errors,
    )


def case_request_suspend(*, case: Case, by, reason: str) -> Case:
    """申请挂账 (seasonal or engineering work): the clock stops once approved."""
    return _act(
        "request-suspend",
        case,
        by,
        comment=reason,
        comment_field="reason",
        comment_required=_("请填写挂账理由。"),
        check=_no_pending_request,
        apply=lambda c, now: _file_request(c, by, now, CaseRequest.Kind.SUSPEND, reason),
    )


def case_decide_request(*, case: Case, by, approve: bool | None, comment: str = "") -> Case:
    """审批: approve or deny the pending request. A second (or later) delay
    needs a shift leader (DOMAIN.md §4)."""
    invalid = {"approve": [_("请选择批准或不批准。")]} if approve is None else None
    state: dict = {}

    def check(c: Case, now):
        request = c.requests.select_for_update().filter(state=CaseRequest.State.PENDING).first()
        if request is None:
            raise CaseError("state", _("案件 %(number)s 没有待审批的申请。") % {"number": c.number})
        if request.kind == CaseRequest.Kind.DELAY and c.delay_count >= 1 and Role.SHIFT_LEADER not in user_roles(by):
            raise CaseError("permission", _("第二次及以后的延期须由值班长审批。"))
        if request.kind == CaseRequest.Kind.SUSPEND and c.status != Status.IN_PROGRESS:
            raise CaseError("state", _("只有处置中的案件可以挂账。"))
        state["request"] = request

    def apply(c: Case, now):
        request: CaseRequest = state["request"]
        request.state = CaseRequest.State.APPROVED if approve else CaseRequest.State.DENIED
        request.decided_by, request.decided_at, request.decision_comment = by, now, (comment or "").strip()
        request.save()
        if approve:
            _apply_approval(c, request, now)
        return {"request": request.pk, "kind": request.kind, "approved": bool(approve)}

    return _act(
        "decide-request", case, by, comment=comment, check=check, apply=apply, restep=bool(approve), invalid=invalid
    )


def _apply_approval(c: Case, request: CaseRequest, now: datetime) -> None:
    if request.kind == CaseRequest.Kind.RETURN:
        c.status, c.return_count = Status.FILED, c.return_count + 1
        c.department, c.signed_at, c.deadline, c.deadline_started_at = None, None, None, None
    elif request.kind == CaseRequest.Kind.DELAY:
        c.deadline = deadlines.extend(c.deadline, request.extra_value, request.extra_unit)
        c.delay_count += 1
    elif request.kind == CaseRequest.Kind.SUSPEND:
        c.status, c.suspended_at = Status.SUSPENDED, now


def case_resume(*, case: Case, by, comment: str = "") -> Case:
    """恢复: a suspended case goes on; its deadline moves by the time it stood still."""

    def apply(c: Case, now):
        deadlines.shift_after_suspension(c, c.suspended_at, now)
        c.suspended_at = None
        c.step = "handle"
        return {"deadline": c.deadline.isoformat() if c.deadline else None}

    # The shift already set the handling window; recomputing it from the start
    # would count the suspension as handling time.
    return _act("resume", case, by, comment=comment, apply=apply, restep=False)


# --- check, close, callback --------------------------------------------------------


def case_check_request(*, case: Case, by, inspector=None, comment: str = "") -> Case:
    """发起核查: ask an inspector (default: the grid's) to check the work on site."""

    def apply(c: Case, now):
        c.inspector = _inspector_for(c, inspector, "inspector")
        return {"inspector": c.inspector.username}

    return _act("check-request", case, by, comment=comment, apply=apply)


def case_check_pass(*, case: Case, by, photos: Iterable = (), comment: str = "") -> Case:
    """核查通过, with a photo."""
    return _act(
        "check-pass",
        case,
        by,
        comment=comment,
        photos=photos,
        photo_stage=Attachment.Stage.CHECK,
        photo_required=_("核查通过需要上传现场照片。"),
    )


def case_check_fail(*, case: Case, by, reason: str, photos: Iterable = ()) -> Case:
    """返工: the work is not done; back to the department, rework_count + 1.

    A self-handled case (自处理) has no department to rework it: it goes to the
    dispatcher as a filed case instead of into an in_progress nobody can act on.
    """

    def apply(c: Case, now):
        c.rework_count += 1
        if c.department_id is None:
            c.status, c.filed_at = Status.FILED, c.filed_at or now
        return {"rework": c.rework_count}

    return _act(
        "check-fail",
        case,
        by,
        comment=reason,
        comment_field="reason",
        comment_required=_("请填写返工理由。"),
        photos=photos,
        photo_stage=Attachment.Stage.CHECK,
        photo_required=_("返工需要上传现场照片。"),
        apply=apply,
    )


def case_close(*, case: Case, by, comment: str = "") -> Case:
    """结案."""

    def apply(c: Case, now):
        c.closed_at = now

    return _act("close", case, by, comment=comment, apply=apply)


def case_callback(*, case: Case, by, satisfaction: str, resolved: bool | None, comment: str = "") -> Case:
    """回访 of a closed hotline or public case: satisfaction and resolved."""
    errors = {}
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("满意度应为 satisfied、basically 或 dissatisfied。")]
    if resolved is None:
        errors["resolved"] = [_("请选择问题是否已解决。")]

    def check(c: Case, now):
        if not c.is_citizen_case:
            raise CaseError("state", _("只有热线和公众上报的案件需要回访。"))
        if c.callback_at and c.closed_at and c.callback_at >= c.closed_at:
            raise CaseError("state", _("案件 %(number)s 已回访。") % {"number": c.number})

    def apply(c: Case, now):
        c.satisfaction, c.resolved, c.callback_at = satisfaction, bool(resolved), now
        return {"satisfaction": satisfaction, "resolved": bool(resolved)}

    return _act("callback", case, by, comment=comment, check=check, apply=apply, invalid=errors)


def case_public_feedback(
    *, case: Case, token: str, satisfaction: str, resolved: bool | None, comment: str = ""
) -> Case:
    """“Has it been fixed?” from the person who reported a public case, once
    it is closed: counts as the case's callback (回访) in the figures, so the
    operators need not call. ``token`` is the one of the tracking link the
    reporter was given; without it nobody else can answer for them."""
    errors: dict[str, list[str]] = {}
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("请选择满意、基本满意或不满意。")]
    if resolved is None:
        errors["resolved"] = [_("请选择问题是否已解决。")]
    comment = (comment or "").strip()
    if len(comment) > 500:
        errors["comment"] = [_("意见最多 %(n)d 字。") % {"n": 500}]
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        report = PublicReport.objects.filter(case=locked).first()
        if report is None or not token or not secrets.compare_digest(str(token), report.token):
            raise CaseError("permission", _("只有上报人（通过上报后获得的跟踪链接）可以评价这个案件。"))
        if locked.status != Status.CLOSED:
            raise CaseError("state", _("案件 %(number)s 尚未结案，结案后才能评价。") % {"number": locked.number})
        if locked.callback_at and locked.closed_at and locked.callback_at >= locked.closed_at:
            raise CaseError("state", _("案件 %(number)s 已经评价或回访过了。") % {"number": locked.number})
        if errors:
            raise CaseError.invalid(errors)
        now = clock.now()
        locked.satisfaction, locked.resolved, locked.callback_at = satisfaction, bool(resolved), now
        locked.save()
        data = {"satisfaction": satisfaction, "resolved": bool(resolved), "via": "public"}
        _event(locked, "callback", None, Status.CLOSED, now, comment=comment, data=data)
    log.info("case %s callback by the reporter (public)", locked.number)
    return locked


def case_reopen(*, case: Case, by, reason: str) -> Case:
    """重办: within 30 days of closing, after a dissatisfied callback, the case goes
    back to its department with a new handling deadline."""

    def check(c: Case, now):
        if c.satisfaction != Satisfaction.DISSATISFIED:
            raise CaseError("state", _("只有回访不满意的案件可以重办。"))
        if c.closed_at and now - c.closed_at > timedelta(days=REOPEN_DAYS):
            raise CaseError("state", _("结案已超过 %(n)d 天，不能重办。") % {"n": REOPEN_DAYS})
        if c.department_id is None:
            raise CaseError("state", _("案件没有处置部门，不能重办。"))

    def apply(c: Case, now):
        window = deadlines.handling_window(c, now)
        c.closed_at, c.callback_at, c.satisfaction, c.resolved = None, None, "", None
        c.deadline_started_at, c.deadline = now, window.deadline
        return {"deadline": window.deadline.isoformat()}

    return _act(
        "reopen",
        case,
        by,
        comment=reason,
        comment_field="reason",
        comment_required=_("请填写重办理由。"),
        check=check,
        apply=apply,
    )


def case_supervise(*, case: Case, by, note: str) -> Case:
    """督办 by a dispatcher or leader: raises the supervision level, notifies the department."""

    def apply(c: Case, now):
        c.supervision_level += 1
        if c.department_id:
            Notification.objects.create(
                kind=Notification.Kind.SUPERVISION,
                case=c,
                department_id=c.department_id,
                text=_("案件 %(number)s 被督办：%(note)s") % {"number": c.number, "note": note[:120]},
                created_at=now,
            )
        return {"level": c.supervision_level}

    return _act(
        "supervise", case, by, comment=note, comment_field="note", comment_required=_("请填写督办意见。"), apply=apply
    )


# --- the periodic supervision scan (DOMAIN.md §5) ----------------------------------------


def supervision_scan(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Write each yellow reminder, red 督办 and 5-working-day escalation once.

    Runs every minute from beat; two workers may run it at once. Each case is
    claimed by a conditional update of its "noticed for" column (the step
    deadline it was noticed for) and only the worker whose update changed the
    row writes the event and the notification.
    """
    now = now or clock.now()
    counts = {"reminded": 0, "supervised": 0, "escalated": 0}
    for case_id in _due_notices("yellow", now).values_list("id", flat=True)[:batch]:
        counts["reminded"] += _notice(case_id, "yellow", now)
    for case_id in _due_notices("red", now).values_list("id", flat=True)[:batch]:
        counts["supervised"] += _notice(case_id, "red", now)
    calendar = get_work_calendar()
    # Oldest deadline first: once one is not yet 5 working days overdue, no later
    # one is, so the batch never fills up with cases that are not due.
    for case_id, deadline in _due_escalations(now - timedelta(days=4)).values_list("id", "deadline")[:batch]:
        if calendar.add_working_days(deadline, ESCALATE_WORKING_DAYS) > now:
            break
        counts["escalated"] += _escalate(case_id, deadline, now)
    return counts


NOTICES = {
    # light: (the column recording the step deadline it was noticed for, event, notification)
    "yellow": ("yellow_noticed_for", "remind", Notification.Kind.REMINDER),
    "red": ("red_noticed_for", "auto-supervise", Notification.Kind.SUPERVISION),
}


def _due_notices(light: str, now: datetime):
    """Running cases showing ``light`` that were not yet noticed for this step."""
    column = NOTICES[light][0]
    return (
        Case.objects.exclude(status=Status.SUSPENDED)
        .with_light_of(light, now)
        .filter(Q(**{f"{column}__isnull": True}) | ~Q(**{column: F("step_deadline")}))
    )


def _due_escalations(overdue_since: datetime):
    """Cases still with their department, past the deadline since before
    ``overdue_since`` and not yet escalated for that deadline, oldest first."""
    return (
        Case.objects.filter(status__in=[Status.DISPATCHED, Status.IN_PROGRESS], deadline__lt=overdue_since)
        .filter(Q(escalated_for__isnull=True) | ~Q(escalated_for=F("deadline")))
        .order_by("deadline", "id")
    )


def _notice(case_id: int, light: str, now: datetime) -> int:
    column, action, kind = NOTICES[light]
    with transaction.atomic():
        # The claim repeats the selection: between listing and claiming the case
        # may have moved to a new step, and noticing that step now (still green)
        # would mark it as noticed before it ever turned yellow.
        claim = _due_notices(light, now).filter(pk=case_id)
        changes = {column: F("step_deadline")}
        if action == "auto-supervise":
            changes["supervision_level"] = F("supervision_level") + 1
        if claim.update(**changes) != 1:
            return 0
        case = Case.objects.select_related("department").get(pk=case_id)
        _event(case, action, None, case.status, now, data={"step": case.step})
        if case.department_id:
            template = (
                _("案件 %(number)s 即将到期（%(step)s 环节）。")
                if action == "remind"
                else _("案件 %(number)s 已超期，系统督办。")
            )
            Notification.objects.create(
                kind=kind,
                case=case,
                department_id=case.department_id,
                text=template % {"number": case.number, "step": step_label(case.step)},
                created_at=now,
            )
    return 1


def _escalate(case_id: int, deadline: datetime, now: datetime) -> int:
    with transaction.atomic():
        # Claimed only if the deadline is still the one found overdue (not extended,
        # not handled meanwhile) and not yet escalated by another worker.
        claim = _due_escalations(now).filter(pk=case_id, deadline=deadline)
        if claim.update(escalated_for=F("deadline"), supervision_level=F("supervision_level") + 1) != 1:
            return 0
        case = Case.objects.get(pk=case_id)
        _event(case, "escalate", None, case.status, now, data={"deadline": case.deadline.isoformat()})
        leaders = get_user_model().objects.filter(groups__name=Role.LEADER, profile__region__isnull=True)
        text = _("案件 %(number)s 超期 %(n)d 个工作日以上，已升级。") % {
            "number": case.number,
            "n": ESCALATE_WORKING_DAYS,
        }
        rows = [
            Notification(kind=Notification.Kind.ESCALATION, case=case, user=u, text=text, created_at=now)
            for u in leaders
        ]
        if case.department_id:
            rows.append(
                Notification(
                    kind=Notification.Kind.ESCALATION,
                    case=case,
                    department_id=case.department_id,
                    text=text,
                    created_at=now,
                )
            )
        Notification.objects.bulk_create(rows)
    return 1
