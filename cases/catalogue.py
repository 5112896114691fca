"""Loading the case category catalogue from a categories.csv."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Category, CategoryKind, MajorCategory
from citymgmt.processcache import ProcessCache
from org.models import Department
from org.worktime import TimeUnit

DEFAULT_CATEGORIES_CSV = Path(__file__).resolve().parent / "data" / "categories.csv"
CSV_COLUMNS = [
    "code", "kind", "major_code", "major_zh", "major_en", "name_zh", "name_en",
    "limit_value", "limit_unit", "urgent_limit_hours", "owner_department_kind",
]  # fmt: skip


class CategoryFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if value < 0:
        raise ValueError(text)
    return value


def _check_row(line: int, row: dict) -> list[str]:
    problems = []

    def bad(message: str) -> None:
        problems.append(_("第 %(line)d 行：%(message)s") % {"line": line, "message": message})

    code, major = row["code"].strip(), row["major_code"].strip()
    if not (len(code) == 5 and code.isdigit() and code.startswith(major) and len(major) == 2):
        bad(_("小类代码 %(code)s 应为 5 位数字并以大类代码开头。") % {"code": code})
    if row["kind"] not in CategoryKind.values:
        bad(_("类型 %(kind)s 应为 component 或 event。") % {"kind": row["kind"]})
    if row["limit_unit"] not in TimeUnit.values:
        bad(_("时限单位 %(unit)s 无效。") % {"unit": row["limit_unit"]})
    if row["owner_department_kind"] not in Department.Kind.values:
        bad(_("权属部门类型 %(kind)s 无效。") % {"kind": row["owner_department_kind"]})
    for column in ("limit_value", "urgent_limit_hours"):
        try:
            value = _decimal(row[column])
        except ValueError:
            bad(_("%(column)s 应为非负数字。") % {"column": column})
            continue
        if column == "limit_value" and not value:
            bad(_("处置时限必须大于零。"))
    if not row["name_zh"].strip():
        bad(_("缺少中文名称。"))
    return problems


@transaction.atomic
def load_categories(*, path: Path = DEFAULT_CATEGORIES_CSV) -> tuple[int, int]:
    """Create or update the catalogue from a categories.csv (shared/data layout).

    Checks every row first and writes nothing if any row is bad. Rows edited
    in the admin are overwritten by the file: the file is the reference.
    Returns (created, updated).
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CategoryFileError([_("缺少列：%(columns)s") % {"columns": ", ".join(missing)}])
        rows = list(reader)
    problems = [p for line, row in enumerate(rows, start=2) for p in _check_row(line, row)]
    if problems:
        raise CategoryFileError(problems)

    created = updated = 0
    for row in rows:
        major, _new = MajorCategory.objects.update_or_create(
            code=row["major_code"].strip(), defaults={"name": row["major_zh"], "name_en": row["major_en"]}
        )
        _category, was_created = Category.objects.update_or_create(
            code=row["code"].strip(),
            defaults={
                "major": major,
                "kind": row["kind"],
                "name": row["name_zh"].strip(),
                "name_en": row["name_en"].strip(),
                "limit_value": _decimal(row["limit_value"]),
                "limit_unit": row["limit_unit"],
                "urgent_limit_hours": _decimal(row["urgent_limit_hours"]),
                "owner_department_kind": row["owner_department_kind"],
            },
        )
        created += was_created
        updated += not was_created
    return created, updated


def _catalogue() -> dict[str, dict]:
    categories = list(Category.objects.select_related("major"))
    return {"by_code": {c.code: c for c in categories}, "by_id": {c.id: c for c in categories}}


_CATALOGUE: ProcessCache[dict[str, dict]] = ProcessCache("cases:categories-version", _catalogue)


def active_category(code: str) -> Category | None:
    """The category in use with this code, from this process's copy of the
    catalogue (read on every intake, edited a few times a year)."""
    found = _CATALOGUE.get()["by_code"].get(code)
    return found if found is not None and found.is_active else None


def category_by_id(category_id: int) -> Category:
    """A category, in use or not, without a query."""
    found = _CATALOGUE.get()["by_id"].get(category_id)
    return found if found is not None else Category.objects.select_related("major").get(pk=category_id)


def forget_categories() -> None:
    """Call after the catalogue changes: every process reads it again."""
    _CATALOGUE.forget()
