"""三色单 enforcement notices (DOMAIN.md §8): issue one on the phone, read and
print it, see a subject's record, and list them.

Which notice comes next (blue → yellow → red → 劝导 → 告诫 → 处罚 → 取缔 within
90 days) is decided by ``patrols.services`` only: the form previews it with
``notice_preview`` and saves with ``notice_issue``; the page never counts.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cases import clock
from cases.catalogue import active_category
from cases.errors import CaseError
from cases.models import Category, CategoryKind
from org.roles import Role
from org.selectors import OutsideManagedArea, locate_point, user_roles
from patrols.enforcement import (
    NOTICE_ROLES,
    NOTICE_WINDOW_DAYS,
    NoticeLevel,
    next_notice_level,
    notice_issue,
    notice_preview,
    subject_find_or_create,
    subject_lookup,
)
from patrols.models import EnforcementNotice, EnforcementSubject, Patrol
from patrols.services import PLANNER_ROLES

PAGE_SIZE = 20
SUBJECT_MATCHES = 10
# Text fields kept as typed when the form comes back with an error.
FIELDS = (
    "subject", "q", "name", "address", "licence_no", "category", "description",
    "decision", "penalty_amount", "lat", "lng", "patrol",
)  # fmt: skip
# Bootstrap colour of each notice colour; escalation steps are dark.
COLOUR_CLASSES = {"blue": "primary", "yellow": "warning", "red": "danger", "": "dark"}
COLOURS_3 = EnforcementNotice.Colour.values[:3]
LEVEL_FILTERS = [*COLOURS_3, *EnforcementNotice.Step.values]


# --- what every notice page shows the same way ----------------------------------------------


def level_title(colour: str, step: str) -> str:
    """ "黄色 提醒警告单", or beyond red "升级处置：告诫"."""
    if step:
        return _("升级处置：%(step)s") % {"step": EnforcementNotice.Step(step).label}
    return str(EnforcementNotice.Colour(colour).label)


def level_sentence(level: NoticeLevel) -> str:
    """What the form says the notice will be: "第 2 次（90 天内）：黄色 提醒警告单"."""
    return _("第 %(n)d 次（%(days)d 天内）：%(title)s") % {
        "n": level.sequence,
        "days": NOTICE_WINDOW_DAYS,
        "title": level_title(level.colour, level.step),
    }


def _refused(request):
    if user_roles(request.user) & NOTICE_ROLES:
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.INSPECTOR)}, status=403)


def visible_notices(user):
    """Supervisors see every notice; an inspector the notices they issued."""
    notices = EnforcementNotice.objects.select_related("subject", "category", "issued_by")
    if user_roles(user) & PLANNER_ROLES:
        return notices
    return notices.filter(issued_by=user)


def _notice_or_404(request, pk: int) -> EnforcementNotice:
    notice = visible_notices(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    notice.title = level_title(notice.colour, notice.step)
    notice.css = COLOUR_CLASSES[notice.colour]
    return notice


# --- the form --------------------------------------------------------------------------------


def category_groups() -> list[tuple[str, list[Category]]]:
    """Active event categories (what notices are for: 占道经营, 店外经营 …) by major class."""
    groups: dict[str, list[Category]] = {}
    rows = Category.objects.filter(is_active=True, kind=CategoryKind.EVENT).select_related("major").order_by("code")
    for category in rows:
        groups.setdefault(f"{category.major.code} {category.major.name}", []).append(category)
    return list(groups.items())


def _chosen_subject(values: dict) -> EnforcementSubject | None:
    """The subject picked from the search, or the one on record for what was typed."""
    if str(values.get("subject") or "").isdigit():
        return EnforcementSubject.objects.filter(pk=int(values["subject"])).first()
    return subject_lookup(
        name=values.get("name", ""), address=values.get("address", ""), licence_no=values.get("licence_no", "")
    )


def _preview(values: dict) -> dict:
    """The level the notice will be, once a subject (picked or typed) and a category are known."""
    category = active_category((values.get("category") or "").strip())
    subject = _chosen_subject(values)
    has_subject = subject is not None or bool((values.get("name") or "").strip())
    if category is None or not has_subject:
        return {"level": None}
    level = notice_preview(subject, category)
    return {
        "level": level,
        "sentence": level_sentence(level),
        "css": COLOUR_CLASSES[level.colour],
        "known_subject": subject,
        "category": category,
    }


def _float(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if -180 <= value <= 180 else None


def _form(request, values: dict, errors: dict, *, refusal: str = "", status: int = 200):
    subject = _chosen_subject(values) if str(values.get("subject") or "").isdigit() else None
    if subject is None:
        values["subject"] = ""
    context = {
        "values": values,
        "errors": errors,
        "refusal": refusal,
        "subject": subject,
        "groups": category_groups(),
        **_preview(values),
    }
    return render(request, "patrols/notice_new.html", context, status=status)


def _subject_matches(text: str):
    text = text.strip()
    if not text:
        return []
    found = EnforcementSubject.objects.filter(
        Q(licence_no__istartswith=text) | Q(name__icontains=text) | Q(address__icontains=text)
    )
    return list(found.order_by("name", "pk")[:SUBJECT_MATCHES])


@login_required
def notice_new(request):
    """GET: the form (from a patrol page with ``?lat=&lng=&patrol=``); with
    ``part=`` one of its htmx pieces (subject matches, the chosen subject, the
    level preview). POST: issue the notice."""
    refused = _refused(request)
    if refused:
        return refused
    if request.method == "POST":
        return _issue(request)
    part = request.GET.get("part", "")
    values = {name: request.GET.get(name, "") for name in FIELDS}
    if part == "subjects":
        matches = _subject_matches(values["q"])
        return render(request, "patrols/_notice_subjects.html", {"matches": matches, "q": values["q"]})
    if part == "subject":
        subject = _chosen_subject(values) if values["subject"].isdigit() else None
        response = render(request, "patrols/_notice_subject.html", {"subject": subject, "values": values, "errors": {}})
        response["HX-Trigger"] = "subjectChosen"
        return response
    if part == "preview":
        return render(request, "patrols/_notice_preview.html", {"values": values, **_preview(values)})
    return _form(request, values, {})


def _issue(request):
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    values["description"] = request.POST.get("description", "")
    lat, lng = _float(values["lat"]), _float(values["lng"])
    patrol = None
    if values["patrol"].isdigit():
        patrol = Patrol.objects.filter(pk=int(values["patrol"]), inspector=request.user).first()
    try:
        with transaction.atomic():
            subject = _chosen_subject(values) if values["subject"].isdigit() else None
            if subject is None:
                subject = subject_find_or_create(
                    name=values["name"],
                    address=values["address"],
                    licence_no=values["licence_no"],
                    grid=_grid_at(lat, lng),
                )
            notice = notice_issue(
                by=request.user,
                subject=subject,
                category=values["category"],
                description=values["description"],
                decision=values["decision"],
                penalty_amount=values["penalty_amount"] or None,
                patrol=patrol,
                lat=lat,
                lng=lng,
            )
    except CaseError as exc:
        errors = exc.fields if exc.kind == "input" else {}
        return _form(request, values, errors, refusal="" if errors else exc.message, status=exc.http_status)
    return redirect("patrols:notice", pk=notice.pk)


def _grid_at(lat: float | None, lng: float | None):
    if lat is None or lng is None:
        return None
    try:
        return locate_point(lat=lat, lng=lng).grid
    except OutsideManagedArea:
        return None


# --- one notice ------------------------------------------------------------------------------


@login_required
def notice_detail(request, pk: int):
    refused = _refused(request)
    if refused:
        return refused
    notice = _notice_or_404(request, pk)
    return render(request, "patrols/notice.html", {"notice": notice})


@login_required
def notice_print(request, pk: int):
    """The paper the subject signs: A5, colour band, no navigation when printed."""
    refused = _refused(request)
    if refused:
        return refused
    notice = _notice_or_404(request, pk)
    return render(request, "patrols/notice_print.html", {"notice": notice, "legal_lines": range(3)})


# --- a subject's record ----------------------------------------------------------------------


@login_required
def subject_history(request, pk: int):
    """Every notice of the subject, by violation, with where the 90-day window
    stands for each (the next level from ``next_notice_level``, not counted here)."""
    refused = _refused(request)
    if refused:
        return refused
    subject = get_object_or_404(EnforcementSubject, pk=pk)
    now = clock.now()
    mine = set(visible_notices(request.user).filter(subject=subject).values_list("pk", flat=True))
    by_category: dict[int, dict] = {}
    notices = subject.notices.select_related("category", "issued_by").order_by("category__code", "-issued_at")
    for notice in notices:
        notice.title = level_title(notice.colour, notice.step)
        notice.css = COLOUR_CLASSES[notice.colour]
        notice.visible = notice.pk in mine
        entry = by_category.setdefault(notice.category_id, {"category": notice.category, "notices": []})
        entry["notices"].append(notice)
    for entry in by_category.values():
        level = next_notice_level(subject, entry["category"], now)
        entry["in_window"] = level.sequence - 1
        entry["position"] = _("%(category)s：%(days)d 天内 %(n)d 次，下次为%(next)s") % {
            "category": entry["category"].name,
            "days": NOTICE_WINDOW_DAYS,
            "n": level.sequence - 1,
            "next": level_title(level.colour, level.step),
        }
        entry["css"] = COLOUR_CLASSES[level.colour]
    return render(request, "patrols/subject.html", {"subject": subject, "groups": list(by_category.values())})


# --- the list --------------------------------------------------------------------------------


def _day_start(text: str) -> datetime | None:
    day = parse_date(text or "") if text else None
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def filter_notices(notices, data: QueryDict):
    level = data.get("level", "")
    if level in COLOURS_3:
        notices = notices.filter(colour=level, step="")
    elif level in EnforcementNotice.Step.values:
        notices = notices.filter(step=level)
    if data.get("category"):
        notices = notices.filter(category__code=data["category"])
    since, until = _day_start(data.get("since", "")), _day_start(data.get("until", ""))
    if since:
        notices = notices.filter(issued_at__gte=since)
    if until:
        notices = notices.filter(issued_at__lt=until + timedelta(days=1))
    text = (data.get("q") or "").strip()
    if text:
        notices = notices.filter(
            Q(number__icontains=text) | Q(subject__name__icontains=text) | Q(subject__licence_no__istartswith=text)
        )
    return notices


@login_required
def notice_list(request):
    refused = _refused(request)
    if refused:
        return refused
    notices = filter_notices(visible_notices(request.user), request.GET).order_by("-issued_at", "-pk")
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    for notice in page.object_list:
        notice.title = level_title(notice.colour, notice.step)
        notice.css = COLOUR_CLASSES[notice.colour]
    query = request.GET.copy()
    query.pop("page", None)
    levels = [
        (value, level_title(value, "") if value in COLOURS_3 else level_title("", value)) for value in LEVEL_FILTERS
    ]
    context = {
        "page": page,
        "filters": request.GET,
        "query": query.urlencode(),
        "levels": levels,
        "groups": category_groups(),
        "supervisor": bool(user_roles(request.user) & PLANNER_ROLES),
        "new_url": reverse("patrols:notice_new"),
    }
    return render(request, "patrols/notices.html", context)
