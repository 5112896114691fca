"""Ledger (台账) pages: index, list, detail, create/edit, Excel export and import.

Every page reads ``sanitation.ledgers.LEDGERS`` for what a ledger holds, so the
eight ledgers share one set of views under ``/sanitation/ledgers/<ledger>/``.
Assessors and admins edit; leaders (their region), dispatchers and shift
leaders read; everyone else gets 403 and a row outside a leader's region 404.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.forms import inlineformset_factory, modelform_factory
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from org.models import Region, UnitGrid
from org.roles import Role
from org.selectors import region_by_id
from sanitation import tasks
from sanitation.access import may_edit as can_edit
from sanitation.access import may_read as can_read
from sanitation.excel import MAX_BYTES, apply_rows, check_workbook, export_workbook
from sanitation.ledgers import (
    LEDGERS,
    Ledger,
    display,
    filter_choices,
    filter_rows,
    get_ledger,
    label,
    regions_of,
    rows_for,
    scoped,
)
from sanitation.models import Bin, CollectionPoint, FrontageCheck, MuckCompany, MuckVehicle

logger = logging.getLogger(__name__)
PAGE_SIZE = 25
PREVIEW_ROWS = 20
REGION_LEVELS = ("district", "street", "community")


def _refused(request, *, edit: bool = False):
    allowed = can_edit(request.user) if edit else can_read(request.user)
    if allowed:
        return None
    return render(request, "org/no_role.html", {"role": Role(Role.ASSESSOR)}, status=403)


def _ledger(slug: str) -> Ledger:
    ledger = get_ledger(slug)
    if ledger is None:
        raise Http404
    return ledger


# --- forms --------------------------------------------------------------------------------


def _formfield(model_field, **kwargs):
    """Regions and grids by code (grids typed: a city has tens of thousands), dates as date inputs."""
    if model_field.name in REGION_LEVELS and model_field.related_model is Region:
        return forms.ModelChoiceField(
            Region.objects.filter(level=model_field.name).only("code", "name", "parent_id").order_by("code"),
            to_field_name="code",
            required=False,
            label=model_field.verbose_name,
        )
    if model_field.name == "grid":
        return forms.ModelChoiceField(
            UnitGrid.objects.only("code", "district_id", "street_id", "community_id"),
            to_field_name="code",
            required=False,
            label=model_field.verbose_name,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "15 位网格编码"}),
            help_text=gettext_lazy("填写后自动带出区/县、街道、社区。"),
            error_messages={"invalid_choice": gettext_lazy("没有这个编码的网格。")},
        )
    if isinstance(model_field, models.DateField):
        return model_field.formfield(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)
    return model_field.formfield(**kwargs)


class LedgerForm(forms.ModelForm):
    """Checks where a row lies: a grid fills its district, street and community;
    a street must lie in the district and a community in the street."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "district" in self.fields:
            self.fields["district"].required = False  # a grid may fill it; checked in clean()
        _style(self)

    def clean(self):
        data = super().clean()
        if "grid" in self.fields and data.get("grid"):
            grid = data["grid"]
            for name in REGION_LEVELS:
                given = data.get(name)
                if given is not None and given.id != getattr(grid, f"{name}_id"):
                    self.add_error(name, _("网格 %(grid)s 不在这里。") % {"grid": grid.code})
                elif name not in self.errors:
                    data[name] = region_by_id(getattr(grid, f"{name}_id"))
            return data
        district, street, community = (data.get(name) for name in REGION_LEVELS)
        if "district" in self.fields and district is None and "district" not in self.errors:
            self.add_error("district", _("请选择区/县。"))
        if street is not None and district is not None and street.parent_id != district.id:
            self.add_error("street", _("街道“%(name)s”不在所选区/县内。") % {"name": street.name})
        if community is not None and street is not None and community.parent_id != street.id:
            self.add_error("community", _("社区“%(name)s”不在所选街道内。") % {"name": community.name})
        elif community is not None and street is None and "street" in self.fields and district is not None:
            own_street = region_by_id(community.parent_id)
            if own_street.parent_id != district.id:
                self.add_error("community", _("社区“%(name)s”不在所选区/县内。") % {"name": community.name})
            else:
                data["street"] = own_street
        return data


def _style(form) -> None:
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def form_class(ledger: Ledger):
    return modelform_factory(
        ledger.model, form=LedgerForm, fields=list(ledger.form_fields), formfield_callback=_formfield
    )


class _InlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


def inline_class(ledger: Ledger, obj=None):
    if ledger.inline == "bins":
        have = obj.bins.count() if obj is not None and obj.pk else 0
        return inlineformset_factory(
            CollectionPoint,
            Bin,
            form=_InlineForm,
            fields=("waste_type", "count", "volume_l"),
            extra=max(0, 4 - have),
            max_num=4,
            can_delete=True,
        )
    if ledger.inline == "vehicles":
        return inlineformset_factory(
            MuckCompany, MuckVehicle, form=_InlineForm, fields=("plate", "filed", "capacity_t"), extra=2
        )
    return None


class CheckForm(forms.ModelForm):
    class Meta:
        model = FrontageCheck
        fields = ("checked_on", "compliant", "note")
        widgets = {"checked_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compliant"].required = False
        _style(self)


# --- pages --------------------------------------------------------------------------------


@login_required
def ledger_index(request):
    if response := _refused(request):
        return response
    ledgers = [{"ledger": ledger, "count": scoped(ledger, request.user).count()} for ledger in LEDGERS.values()]
    return render(request, "sanitation/ledger_index.html", {"ledgers": ledgers, "can_edit": can_edit(request.user)})


def _regions_for_filters(district_code: str):
    districts = list(Region.objects.filter(level="district").only("code", "name").order_by("code"))
    streets = Region.objects.filter(level="street").only("code", "name").order_by("code")
    if district_code:
        streets = streets.filter(parent__code=district_code)
    return districts, list(streets[:500])


@login_required
def ledger_list(request, ledger: str):
    """The ledger's rows, filtered and paged (25); the same filters drive the export."""
    ledger = _ledger(ledger)
    if response := _refused(request):
        return response
    rows = filter_rows(ledger, scoped(ledger, request.user), request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    district = request.GET.get("district", "").strip()
    districts, streets = _regions_for_filters(district)
    own = filter_choices(ledger)
    for item in own:
        item["value"] = request.GET.get(item["name"], "")
    return render(
        request,
        "sanitation/ledger_list.html",
        {
            "ledger": ledger,
            "page_obj": page,
            "rows": rows_for(ledger, page.object_list),
            "headers": [label(ledger, name) for name in ledger.list_columns],
            "districts": districts,
            "streets": streets if ledger.street_path else [],
            "district": district,
            "street": request.GET.get("street", "").strip(),
            "q": request.GET.get("q", "").strip(),
            "own_filters": own,
            "query": request.GET.urlencode(),
            "can_edit": can_edit(request.user),
        },
    )


def _detail_context(request, ledger: Ledger, obj, check_form=None) -> dict:
    regions = regions_of(ledger, obj)
    names = [n for n in ledger.form_fields if n not in REGION_LEVELS]
    names += [n for n in REGION_LEVELS if n in ledger.list_columns or n in ledger.form_fields]
    fields = [(label(ledger, name), display(ledger, obj, name, regions)) for name in names]
    context = {"ledger": ledger, "obj": obj, "fields": fields, "can_edit": can_edit(request.user)}
    if ledger.inline == "bins":
        context["bins"] = list(obj.bins.all())
    if ledger.inline == "vehicles":
        context["vehicles"] = list(obj.vehicles.all())
    if ledger.slug == "frontage":
        context["checks"] = list(obj.checks.select_related("checked_by"))
        context["check_form"] = check_form or CheckForm(initial={"checked_on": timezone.localdate()})
    return context


@login_required
def ledger_detail(request, ledger: str, pk: int):
    ledger = _ledger(ledger)
    if response := _refused(request):
        return response
    obj = get_object_or_404(scoped(ledger, request.user), pk=pk)
    return render(request, "sanitation/ledger_detail.html", _detail_context(request, ledger, obj))


@login_required
def ledger_edit(request, ledger: str, pk: int | None = None):
    """Create or edit a row (and its bins or vehicles inline); refusals next to the fields."""
    ledger = _ledger(ledger)
    if response := _refused(request, edit=True):
        return response
    obj = get_object_or_404(ledger.model, pk=pk) if pk else None
    Form, Inline = form_class(ledger), inline_class(ledger, obj)
    data = request.POST if request.method == "POST" else None
    form = Form(data, instance=obj)
    inline = Inline(data, instance=obj or ledger.model(), prefix="inline") if Inline else None
    if request.method == "POST":
        form_ok = form.is_valid()
        if form_ok and (inline is None or inline.is_valid()):
            saved = form.save()
            if inline is not None:
                inline.instance = saved
                inline.save()
            messages.success(request, _("%(ledger)s“%(row)s”已保存。") % {"ledger": ledger.title, "row": saved})
            return redirect("sanitation:ledger_detail", ledger=ledger.slug, pk=saved.pk)
        if inline is not None and not form_ok:
            inline.is_valid()  # show the inline's own errors too
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sanitation/ledger_form.html",
        {"ledger": ledger, "obj": obj, "form": form, "inline": inline},
        status=status,
    )


@login_required
def check_add(request, pk: int):
    """Record a 门前三包 compliance check on a letter (assessors and admins)."""
    ledger = LEDGERS["frontage"]
    if response := _refused(request, edit=True):
        return response
    letter = get_object_or_404(scoped(ledger, request.user), pk=pk)
    if request.method != "POST":
        return redirect("sanitation:ledger_detail", ledger=ledger.slug, pk=pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        check = form.save(commit=False)
        check.letter, check.checked_by = letter, request.user
        check.save()
        messages.success(request, _("检查记录已添加。"))
        return redirect("sanitation:ledger_detail", ledger=ledger.slug, pk=pk)
    context = _detail_context(request, ledger, letter, check_form=form)
    return render(request, "sanitation/ledger_detail.html", context, status=400)


@login_required
def ledger_export(request, ledger: str):
    """The filtered rows as .xlsx (the list's filters, the reader's scope)."""
    ledger = _ledger(ledger)
    if response := _refused(request):
        return response
    rows = filter_rows(ledger, scoped(ledger, request.user), request.GET)
    content = export_workbook(ledger, rows)
    name = f"{ledger.title}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=\"{ledger.slug}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def ledger_import(request, ledger: str):
    """Upload → the whole file checked (every bad cell listed, nothing written) →
    preview → confirm → all rows in one transaction. The file waits in the cache
    between the steps; more than ``tasks.SYNC_ROWS`` rows go to a Celery task."""
    ledger = _ledger(ledger)
    if response := _refused(request, edit=True):
        return response
    context: dict = {"ledger": ledger, "error": "", "check": None, "token": "", "max_mb": MAX_BYTES // 2**20}
    if request.method == "POST" and request.POST.get("step") == "import":
        token = request.POST.get("token", "")
        data = tasks.load_upload(token, ledger.slug, request.user.id)
        if data is None:
            context["error"] = _("上传的文件已过期，请重新上传。")
        else:
            check = check_workbook(ledger, data)
            if check.ok and len(check.rows) > tasks.SYNC_ROWS:
                job = uuid.uuid4().hex
                tasks.set_progress(job, state="queued", total=len(check.rows), user=request.user.id)
                try:
                    from citymgmt import outbox  # Redis down: the job waits in the outbox table

                    outbox.send(tasks.import_ledger, job, ledger.slug, token, request.user.id)
                except Exception:  # run in-process (eager): the failure is also in the job's progress
                    logger.exception("ledger import %s failed", job)
                return redirect("sanitation:ledger_import_job", ledger=ledger.slug, job=job)
            if check.ok:
                created, updated = apply_rows(ledger, check.rows)
                tasks.forget_upload(token)
                messages.success(
                    request,
                    ngettext(
                        "已导入 %(n)d 行（新增 %(c)d，更新 %(u)d）。",
                        "已导入 %(n)d 行（新增 %(c)d，更新 %(u)d）。",
                        created + updated,
                    )
                    % {"n": created + updated, "c": created, "u": updated},
                )
                return redirect("sanitation:ledger_list", ledger=ledger.slug)
            context["check"] = check
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("请选择一个 .xlsx 文件。")
        elif upload.size > MAX_BYTES:
            context["error"] = _("文件太大（最多 10 MB）。")
        else:
            data = upload.read()
            check = check_workbook(ledger, data)
            context["check"] = check
            if check.ok:
                context["token"] = tasks.store_upload(ledger.slug, request.user.id, data)
    check = context["check"]
    if check is not None:
        context["preview"] = check.rows[:PREVIEW_ROWS]
        context["background"] = len(check.rows) > tasks.SYNC_ROWS
    bad = context["error"] or (check is not None and not check.ok)
    return render(request, "sanitation/ledger_import.html", context, status=400 if bad else 200)


@login_required
def ledger_import_job(request, ledger: str, job: str):
    """A background import's progress; ``?partial=1`` is the bar htmx polls."""
    ledger = _ledger(ledger)
    if response := _refused(request, edit=True):
        return response
    progress = tasks.get_progress(job) if job.isalnum() else None
    if progress is None or progress.get("user") not in (None, request.user.id):
        raise Http404
    percent = int(progress["done"] * 100 / progress["total"]) if progress.get("total") else 0
    context = {"ledger": ledger, "job": job, "progress": progress, "percent": percent}
    if request.GET.get("partial") or request.headers.get("HX-Request"):
        return render(request, "sanitation/_ledger_import_progress.html", context)
    return render(request, "sanitation/ledger_import_job.html", context)


urlpatterns = [
    path("ledgers/", ledger_index, name="ledger_index"),
    path("ledgers/frontage/<int:pk>/checks/", check_add, name="ledger_check_add"),
    path("ledgers/<str:ledger>/", ledger_list, name="ledger_list"),
    path("ledgers/<str:ledger>/new/", ledger_edit, name="ledger_create"),
    path("ledgers/<str:ledger>/export/", ledger_export, name="ledger_export"),
    path("ledgers/<str:ledger>/import/", ledger_import, name="ledger_import"),
    path("ledgers/<str:ledger>/import/<str:job>/", ledger_import_job, name="ledger_import_job"),
    path("ledgers/<str:ledger>/<int:pk>/", ledger_detail, name="ledger_detail"),
    path("ledgers/<str:ledger>/<int:pk>/edit/", ledger_edit, name="ledger_edit"),
]
