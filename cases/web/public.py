"""The public reporting page (反映问题) and case tracking, under /report/, no login.

Anyone may report a problem (channel ``public``) and follow any case by its
number; only public information is shown (``cases.public``: status in plain
words, the public timeline of fixed phrases, masked descriptions, after-photos
of a closed case). Writes go through ``cases.services.case_report_public`` and
``case_public_feedback``; nothing of the workflow is decided here.

Abuse guard without a CAPTCHA: a per-IP rate limit, a honeypot field people
never see, a signed "form rendered at" stamp refusing posts made too fast or
with a forged or stale stamp, at most three photos (each checked by content
and size by the service). Caller data never appears on these pages nor in the
log lines written here (DOMAIN.md §10).
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image, ImageOps, UnidentifiedImageError

from cases.errors import CaseError
from cases.models import Attachment, Category, PublicReport, Status
from cases.public import masked_text, open311_status, public_cases, public_events, public_photos, rate_limited
from cases.services import MAX_DESCRIPTION, case_public_feedback, case_report_public
from citymgmt.security import client_ip
from org.selectors import OutsideManagedArea, locate_address, locate_point, map_settings

log = logging.getLogger(__name__)

MAX_PUBLIC_PHOTOS = 3
MIN_FILL_SECONDS = 3  # a person needs longer than this to fill the form; scripts do not
STAMP_MAX_AGE = 6 * 3600  # a form left open longer is rendered again with a fresh stamp
STAMP_SALT = "cases.public.report-form"
HONEYPOT = "website"
NUMBER = re.compile(r"^\d{13}$")
PHOTO_MAX_SIDE = 1600  # pixels: enough for a phone, and the re-encoded file stays small
PHOTO_CACHE_SECONDS = 3600  # short: a reopened case's photos stop being public
# Text fields kept as typed on a re-render (browsers never refill a file input).
FIELDS = ("category", "lat", "lng", "address", "description", "caller_name", "caller_phone", "email")

# Status in plain words for the public (no internal wording): (label, step of the progress bar).
PLAIN_STATUS = {
    Status.REPORTED: (gettext_lazy("受理中"), 1),
    Status.VERIFYING: (gettext_lazy("受理中（正在现场核实）"), 1),
    Status.FILED: (gettext_lazy("已立案，等待派遣"), 2),
    Status.DISPATCHED: (gettext_lazy("处置中"), 3),
    Status.IN_PROGRESS: (gettext_lazy("处置中"), 3),
    Status.SUSPENDED: (gettext_lazy("暂缓处置（需待季节或工程条件）"), 3),
    Status.HANDLED: (gettext_lazy("已处置，等待核查"), 3),
    Status.CHECKING: (gettext_lazy("已处置，正在核查"), 3),
    Status.CHECKED: (gettext_lazy("核查通过，即将办结"), 3),
    Status.CLOSED: (gettext_lazy("已办结"), 5),  # past the last step: every step done
    Status.REJECTED: (gettext_lazy("不予受理"), 4),
    Status.VOIDED: (gettext_lazy("已撤销"), 4),
}
STEPS = (gettext_lazy("受理"), gettext_lazy("立案"), gettext_lazy("处置"), gettext_lazy("办结"))


# --- the form stamp ---------------------------------------------------------------------


def issue_stamp(at: float | None = None) -> str:
    """The signed moment the form was rendered (seconds since the epoch)."""
    return signing.dumps({"at": time.time() if at is None else at}, salt=STAMP_SALT, compress=False)


def stamp_problem(stamp: str) -> tuple[str, bool]:
    """("", True) for a good stamp; otherwise the message and whether the stamp
    itself is still good (too fast: keep it; forged or stale: issue a new one)."""
    try:
        rendered_at = float(signing.loads(stamp or "", salt=STAMP_SALT)["at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _("表单校验信息无效，请检查内容后再次提交。"), False
    age = time.time() - rendered_at
    if age > STAMP_MAX_AGE or age < -60:
        return _("表单已打开太久，请检查内容后再次提交。"), False
    if age < MIN_FILL_SECONDS:
        return _("提交得太快了，请确认填写的内容后再次提交。"), True
    return "", True


# --- reporting --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request):
    """GET: the empty form. POST: register the case, then 303 to its tracking page."""
    if request.method == "GET":
        return _form(request, {}, {}, stamp=issue_stamp())
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    values["description"] = request.POST.get("description", "")  # line breaks as typed
    stamp = request.POST.get("stamp", "")
    if rate_limited(request, group="public-report", key="ip", rate=settings.PUBLIC_REPORT_RATE_PER_IP):
        log.warning("public report refused: rate limit of its address reached")
        refusal = _("提交次数过多，请稍后再试。您填写的内容已保留（照片需要重新选择）。")
        return _form(request, values, {}, stamp=stamp, refusal=refusal, status=429, retry=True)
    if request.POST.get(HONEYPOT, "").strip():
        # Refused openly (400), not faked as a success: a browser's autofill may fill
        # the hidden field for a real person, who then sees why and can send again.
        log.info("public report refused: the hidden field was filled")
        refusal = _("表单中隐藏的“网站”一栏被填写了（可能是浏览器自动填充），请清空后重新提交。")
        return _form(request, values, {}, stamp=stamp, refusal=refusal, status=400, retry=True)
    problem, stamp_good = stamp_problem(stamp)
    if problem:
        return _form(
            request, values, {}, stamp=stamp if stamp_good else issue_stamp(), refusal=problem, status=400, retry=True
        )

    errors: dict[str, list[str]] = {}
    photos = request.FILES.getlist("photos")
    if len(photos) > MAX_PUBLIC_PHOTOS:
        errors["photos"] = [_("最多上传 %(n)d 张照片。") % {"n": MAX_PUBLIC_PHOTOS}]
    point = _point(values, errors)
    if errors:
        return _form(request, values, errors, stamp=stamp, status=400, retry=True)
    try:
        case = case_report_public(
            via="web",
            category=values["category"],
            description=values["description"],
            lat=point[0],
            lng=point[1],
            address=values["address"],
            caller_name=values["caller_name"],
            caller_phone=values["caller_phone"],
            email=values["email"],
            photos=photos,
            ip=_recorded_ip(request),
        )
    except CaseError as exc:
        errors = {("location" if name in ("lat", "lng") else name): m for name, m in exc.fields.items()}
        refusal = "" if errors else exc.message
        return _form(request, values, errors, stamp=stamp, refusal=refusal, status=exc.http_status, retry=True)
    log.info("public report: case %s registered from the web page", case.number)
    url = reverse("public:track_case", args=[case.number])
    return HttpResponseRedirect(f"{url}?t={case.public_report.token}&new=1", status=303)


def _point(values: dict, errors: dict) -> tuple[float | str, float | str]:
    """The map pin; without one, the point of the address text (names of the
    city's grids, communities and streets). A message on ``location`` when
    neither gives a place."""
    lat, lng = values["lat"], values["lng"]
    if lat or lng:
        return lat, lng  # the service checks the numbers and the managed area
    if not values["address"]:
        errors["location"] = [_("请在地图上点选问题位置（或使用“我的位置”），或填写地址。")]
        return "", ""
    found = locate_address(values["address"])
    if found is None:
        errors["location"] = [
            _("无法根据地址“%(address)s”确定位置，请在地图上点选位置，或在地址中写明所在街道或社区。")
            % {"address": values["address"]}
        ]
        return "", ""
    return found[0], found[1]


def _form(request, values, errors, *, stamp: str, refusal: str = "", status: int = 200, retry: bool = False):
    context = {
        "values": values,
        "errors": errors,
        "refusal": refusal,
        "retry": retry,
        "stamp": stamp,
        "honeypot": HONEYPOT,
        "groups": category_groups(),
        "map": map_settings(),
        "max_description": MAX_DESCRIPTION,
        "max_photos": MAX_PUBLIC_PHOTOS,
        "nav": "report",
    }
    return render(request, "public/report.html", context, status=status)


def _label(thing) -> str:
    """A category's (or major class's) name in the active language."""
    if (get_language() or "").startswith("en") and thing.name_en:
        return thing.name_en
    return thing.name


def category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active categories grouped by major class: [(major name, [(code, name)])]."""
    groups: dict[str, tuple[str, list]] = {}
    for category in Category.objects.filter(is_active=True).select_related("major").order_by("major__code", "code"):
        _major, rows = groups.setdefault(category.major.code, (_label(category.major), []))
        rows.append((category.code, _label(category)))
    return list(groups.values())


@require_GET
def locate(request):
    """htmx: where a map pin is, in names (district, street, community), or that
    the point is outside the managed area."""
    place, outside = None, False
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        lat = lng = None
    if lat is not None:
        try:
            place = locate_point(lat=lat, lng=lng)
        except OutsideManagedArea:
            outside = True
    return render(request, "public/_located.html", {"place": place, "outside": outside})


# --- tracking ---------------------------------------------------------------------------


@require_GET
def track(request):
    """The "track by number" form; a well-formed number goes on to its page."""
    number = request.GET.get("number", "").strip().replace(" ", "")
    if "number" not in request.GET:
        return render(request, "public/track_form.html", {"number": "", "nav": "track"})
    if not NUMBER.match(number):
        error = _("案件编号是 13 位数字，例如 2026112100042，请核对后重新输入。")
        return render(request, "public/track_form.html", {"number": number, "error": error, "nav": "track"}, status=400)
    return redirect("public:track_case", number=number)


@dataclass(frozen=True)
class Feedback:
    """What the tracking page offers the reader about "has it been fixed?"."""

    token: str = ""  # the tracking link's token, when it is the reporter's
    can_answer: bool = False
    answered: bool = False


@require_GET
def track_case(request, number: str):
    case = _public_case(request, number)
    if isinstance(case, HttpResponse):
        return case
    return _case_page(request, case, token=request.GET.get("t", ""))


@require_POST
def feedback(request, number: str):
    """问题解决了吗？ from the reporter, after closing: the case's callback (回访)."""
    case = _public_case(request, number)
    if isinstance(case, HttpResponse):
        return case
    token = request.POST.get("t", "")
    values = {name: request.POST.get(name, "") for name in ("resolved", "satisfaction", "comment")}
    if rate_limited(request, group="public-feedback", key="ip", rate=settings.PUBLIC_FEEDBACK_RATE_PER_IP):
        refusal = _("提交次数过多，请稍后再试。您填写的内容已保留。")
        return _case_page(request, case, token=token, values=values, refusal=refusal, status=429)
    resolved = {"yes": True, "no": False}.get(values["resolved"])
    try:
        case_public_feedback(
            case=case,
            token=token,
            satisfaction=values["satisfaction"],
            resolved=resolved,
            comment=values["comment"],
        )
    except CaseError as exc:
        errors = exc.fields if exc.kind == "input" else {}
        refusal = "" if errors else exc.message
        return _case_page(
            request, case, token=token, values=values, errors=errors, refusal=refusal, status=exc.http_status
        )
    url = reverse("public:track_case", args=[case.number])
    return HttpResponseRedirect(f"{url}?t={token}&thanks=1#feedback", status=303)


def _public_case(request, number: str):
    number = (number or "").strip()
    case = public_cases().filter(number=number).first() if NUMBER.match(number) else None
    if case is None:
        return render(request, "public/not_found.html", {"number": number, "nav": "track"}, status=404)
    return case


def _case_page(request, case, *, token: str, values=None, errors=None, refusal: str = "", status: int = 200):
    label, step = PLAIN_STATUS.get(case.status, (case.get_status_display(), 1))
    own = _is_reporter(case, token)
    answered = bool(case.callback_at and case.closed_at and case.callback_at >= case.closed_at)
    feedback = Feedback(
        token=token if own else "",
        can_answer=own and case.status == Status.CLOSED and not answered,
        answered=answered,
    )
    tracking_link = ""
    if own:
        path = reverse("public:track_case", args=[case.number])
        tracking_link = request.build_absolute_uri(f"{path}?t={token}")
    context = {
        "case": case,
        "status_label": label,
        "is_open": open311_status(case.status) == "open",
        "steps": [(index + 1, name) for index, name in enumerate(STEPS)],
        "step": step,
        "ended_without_handling": case.status in (Status.REJECTED, Status.VOIDED),
        "category": _label(case.category),
        "description": masked_text(case.description),
        "events": public_events(case),
        "deadline": case.deadline if case.dispatched_at and case.is_open else None,
        "photos": public_photos(case),
        "feedback": feedback,
        "tracking_link": tracking_link,
        "new": own and request.GET.get("new") == "1",
        "thanks": own and request.GET.get("thanks") == "1" and answered,
        "values": values or {},
        "errors": errors or {},
        "refusal": refusal,
        "nav": "track",
        "satisfactions": [
            ("satisfied", _("满意")),
            ("basically", _("基本满意")),
            ("dissatisfied", _("不满意")),
        ],
    }
    return render(request, "public/track.html", context, status=status)


def _is_reporter(case, token: str) -> bool:
    """Whether ``token`` is the case's tracking token (the reporter's link)."""
    if not token:
        return False
    known = PublicReport.objects.filter(case=case).values_list("token", flat=True).first()
    return bool(known and secrets.compare_digest(str(token), known))


# --- photos -----------------------------------------------------------------------------


@require_GET
def photo(request, pk: int):
    """A public photo (an after-photo of a closed case), re-encoded as JPEG so
    that no metadata (EXIF: GPS position, device) leaves; anything else 404."""
    attachment = Attachment.objects.select_related("case").filter(pk=pk).first()
    if attachment is None or attachment not in public_photos(attachment.case):
        raise Http404(_("没有这张照片。"))
    try:
        with attachment.file.open("rb") as stored, Image.open(stored) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    except (FileNotFoundError, UnidentifiedImageError, OSError) as exc:
        log.warning("public photo %s cannot be read: %s", pk, type(exc).__name__)
        raise Http404(_("没有这张照片。")) from exc
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = f"public, max-age={PHOTO_CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _recorded_ip(request) -> str | None:
    """The client's address as the rate limits see it (None when unknown)."""
    ip = client_ip(request)
    return None if ip == "0.0.0.0" else ip
