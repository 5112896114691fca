"""Deduction-scored sanitation inspections (考评，扣分制), DOMAIN.md §9.

Every write of an inspection lives here: the starter templates, recording an
inspection (the score is always recomputed on the server from the template's
items as they are at that moment, so editing a template in the admin changes
the next score only: each stored fault keeps the deduction it was scored with),
and turning a fault into a patrol case through ``cases.services.case_report``.
Refusals are ``cases.errors.CaseError`` so pages and the API show them alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.errors import CaseError
from cases.models import Case, Source
from cases.photos import validate_photos
from cases.services import case_report
from org.roles import Role
from org.selectors import user_roles
from sanitation.models import (
    Inspection,
    InspectionFault,
    InspectionItem,
    InspectionPhoto,
    InspectionTemplate,
    PublicToilet,
    RoadSection,
)
from sanitation.scoring import score

RECORD_ROLES = {Role.ASSESSOR, Role.ADMIN}
MAX_FAULTS_PER_ITEM = 999
MAX_NOTE = 2000


@dataclass(frozen=True)
class StarterItem:
    name: str
    deduction: Decimal
    cap: Decimal | None


# DOMAIN.md §9 defaults. The caps are ours ([default], editable in the admin): a
# road item never takes off more than a plausible share of the 100 points, so one
# bad kind of fault cannot hide how the rest of the section was kept; the toilet
# items are worth 15 points each, so each caps at 15. Both sheets are out of 100
# (百分制) so a district's monthly mean mixes like with like; a city adds its
# other toilet items (设施, 管理 …) in the admin.
STARTER_TEMPLATES = {
    "road-cleaning": {
        "name": "道路保洁考评表",
        "target": InspectionTemplate.Target.ROAD,
        "full_score": Decimal(100),
        "items": [
            StarterItem("未清扫（保洁）区域", Decimal(10), Decimal(40)),
            StarterItem("50 米内有垃圾遗留", Decimal(5), Decimal(20)),
            StarterItem("漏扫、有零星垃圾", Decimal(2), Decimal(20)),
            StarterItem("杂草、边沟不洁", Decimal(1), Decimal(10)),
            StarterItem("路面积水", Decimal(1), Decimal(10)),
        ],
    },
    "toilet": {
        "name": "公共厕所考评表",
        "target": InspectionTemplate.Target.TOILET,
        "full_score": Decimal(100),
        "items": [
            StarterItem("地面", Decimal(5), Decimal(15)),
            StarterItem("墙面", Decimal(5), Decimal(15)),
            StarterItem("厕位", Decimal(5), Decimal(15)),
        ],
    },
}


def load_starter_templates() -> tuple[int, int]:
    """Create the starter templates that are missing; (templates created, items created).

    A template that already exists is left as the admin edited it (never overwritten).
    """
    made_templates = made_items = 0
    with transaction.atomic():
        for code, spec in STARTER_TEMPLATES.items():
            template, created = InspectionTemplate.objects.get_or_create(
                code=code,
                defaults={"name": spec["name"], "target": spec["target"], "full_score": spec["full_score"]},
            )
            if not created:
                continue
            made_templates += 1
            for position, item in enumerate(spec["items"], start=1):
                InspectionItem.objects.create(
                    template=template, position=position, name=item.name, deduction=item.deduction, cap=item.cap
                )
                made_items += 1
    return made_templates, made_items


def can_record(user) -> bool:
    return bool(user_roles(user) & RECORD_ROLES)


def _counts(items: list[InspectionItem], counts: Mapping, errors: dict) -> dict[int, int]:
    """Fault counts by item id, each a whole number 0–999 of an item of the template."""
    known = {item.id for item in items}
    checked: dict[int, int] = {}
    for key, value in (counts or {}).items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            item_id = None
        if item_id not in known:
            errors.setdefault("counts", []).append(_("考评项目 %(id)s 不属于这张考评表。") % {"id": key})
            continue
        try:
            number = int(str(value).strip() or 0)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= MAX_FAULTS_PER_ITEM:
            errors.setdefault(f"count_{item_id}", []).append(
                _("问题处数应为 0 到 %(n)d 的整数。") % {"n": MAX_FAULTS_PER_ITEM}
            )
            continue
        checked[item_id] = number
    return checked


def inspection_record(
    *,
    by,
    template: InspectionTemplate,
    road: RoadSection | None = None,
    toilet: PublicToilet | None = None,
    counts: Mapping,
    note: str = "",
    photos: Iterable = (),
) -> Inspection:
    """Record one inspection (考评) of a road section or a public toilet.

    Score = full score − Σ min(deduction × faults, cap) per item, never below 0
    (DOMAIN.md §9, ``sanitation.scoring.score``). Whatever a page computed is
    ignored: the server scores with the template's items as they are now, and
    each fault row keeps the deduction it took.
    """
    if not can_record(by):
        raise CaseError("permission", _("只有环卫考评员可以录入考评。"))
    errors: dict[str, list[str]] = {}
    if template is None or not template.is_active:
        errors["template"] = [_("请选择在用的考评表。")]
    target = road if template is None or template.target == InspectionTemplate.Target.ROAD else toilet
    if template is not None and (road is None) == (toilet is None):
        errors["target"] = [_("请选择一个考评对象（路段或公厕）。")]
    elif template is not None and target is None:
        errors["target"] = [
            _("这张考评表考评道路，请选择路段。")
            if template.target == InspectionTemplate.Target.ROAD
            else _("这张考评表考评公厕，请选择公厕。")
        ]
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [_("说明最多 %(n)d 字。") % {"n": MAX_NOTE}]
    items = list(template.items.all()) if template is not None else []
    fault_counts = _counts(items, counts, errors)
    try:
        checked_photos = validate_photos(photos, "photos")
    except CaseError as exc:
        checked_photos = []
        for name, messages in exc.fields.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise CaseError.invalid(errors)

    total, deductions = score(template.full_score, items, fault_counts)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            template=template,
            road=road if template.target == InspectionTemplate.Target.ROAD else None,
            toilet=toilet if template.target == InspectionTemplate.Target.TOILET else None,
            district_id=target.district_id,
            inspected_at=clock.now(),
            inspector=by,
            score=total,
            note=note,
        )
        InspectionFault.objects.bulk_create(
            InspectionFault(inspection=inspection, item_id=item_id, count=n, deduction=deductions[item_id])
            for item_id, n in fault_counts.items()
            if n > 0
        )
        for upload, content_type in checked_photos:
            InspectionPhoto.objects.create(inspection=inspection, file=upload, content_type=content_type)
    return inspection


def _inspection_photos(inspection: Inspection) -> list[ContentFile]:
    """Copies of the inspection's photos, so the case owns its own files."""
    copies = []
    for stored in inspection.photos.all():
        with stored.file.open("rb") as handle:
            copies.append(ContentFile(handle.read(), name=os.path.basename(stored.file.name)))
    return copies


def fault_to_case(
    *,
    by,
    fault: InspectionFault,
    category,
    description: str,
    lat,
    lng,
    address: str = "",
    photos: Iterable = (),
) -> Case:
    """Report a fault found in an inspection as a case (channel patrol, DOMAIN.md §8)
    and link it on the fault. The assessor chooses the category; the case carries
    the photos given, or else the inspection's own (a patrol case needs one)."""
    if not can_record(by):
        raise CaseError("permission", _("只有环卫考评员可以把扣分项转为案件。"))
    photos = list(photos or [])
    with transaction.atomic():
        fault = InspectionFault.objects.select_for_update().select_related("inspection").get(pk=fault.pk)
        if fault.case_id is not None:
            raise CaseError("state", _("这个扣分项已转为案件。"))
        if not photos:
            photos = _inspection_photos(fault.inspection)
        if not photos:
            raise CaseError.invalid({"photos": _("请上传至少一张现场照片（本次考评没有照片）。")})
        case = case_report(
            by=by,
            source=Source.PATROL,
            category=category,
            description=description,
            lat=lat,
            lng=lng,
            address=address,
            photos=photos,
        )
        fault.case = case
        fault.save(update_fields=["case"])
    return case
