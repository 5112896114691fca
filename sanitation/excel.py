"""Excel (.xlsx) export and import of the ledgers, driven by ``sanitation.ledgers``.

Import is check-then-write: ``check_workbook`` reads the whole file and reports
every bad cell (row number as Excel shows it, column header, reason) without
writing anything; only a clean file goes to ``apply_rows``, which writes every
row in one transaction. A row whose key already exists updates that row (the
export → edit → import round trip is how people bulk-edit a ledger); a key that
appears twice in the file is an error, since one of the two would be lost.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from citymgmt.exports import looks_like_formula, xlsx_row
from org.models import Region, UnitGrid
from org.selectors import grid_by_id, region_by_id
from sanitation.ledgers import Column, Ledger
from sanitation.models import Bin, MuckCompany

MAX_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: a small file can unpack to gigabytes (a "zip bomb"). Real ledgers
# unpack to about 10-20 times their size; zipfile never reads past the declared sizes.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
REGION_KINDS = ("district", "street", "community")
FK_KINDS = (*REGION_KINDS, "grid", "company")
TRUE_WORDS = {"是", "1", "true", "yes", "y", "t", "√"}
FALSE_WORDS = {"否", "0", "false", "no", "n", "f", ""}


# --- export -------------------------------------------------------------------------------


def _export_value(column: Column, obj, bins: dict[str, int]):
    if column.kind == "bin":
        return bins.get(column.extra, 0)
    if column.kind in REGION_KINDS:
        region_id = getattr(obj, f"{column.name}_id")
        return region_by_id(region_id).code if region_id else None
    if column.kind == "grid":
        return grid_by_id(obj.grid_id).code if obj.grid_id else None
    if column.kind == "company":
        return obj.company.licence_no
    value = getattr(obj, column.name)
    if column.kind == "choice":
        return str(getattr(obj, f"get_{column.name}_display")())
    if column.kind == "bool":
        return _("是") if value else _("否")
    return value


def export_workbook(ledger: Ledger, queryset) -> bytes:
    """The rows as one sheet with Chinese headers; regions and grids by code.

    Write-only mode streams rows to the file, so tens of thousands of rows fit in
    little memory; regions and grids come from the process's index (no query per row).
    Text that a spreadsheet would read as a formula is written as text
    (``citymgmt.exports``), shown exactly as stored.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(ledger.title)[:31])
    sheet.append(xlsx_row(sheet, [column.title for column in ledger.columns]))
    if ledger.inline == "bins":
        queryset = queryset.prefetch_related("bins")
    for obj in queryset.iterator(chunk_size=2000):
        bins = {b.waste_type: b.count for b in obj.bins.all()} if ledger.inline == "bins" else {}
        sheet.append(xlsx_row(sheet, [_export_value(column, obj, bins) for column in ledger.columns]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- import: check ------------------------------------------------------------------------


@dataclass
class CellError:
    line: int
    header: str
    reason: str


@dataclass
class Row:
    line: int
    values: dict = field(default_factory=dict)  # attname → value (foreign keys as ids)
    bins: dict = field(default_factory=dict)  # waste type → count
    shown: list = field(default_factory=list)  # the cells as typed, for the preview


@dataclass
class Check:
    ledger: Ledger
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    file_error: str = ""
    headers: list[str] = field(default_factory=list)
    present: list[Column] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors and bool(self.rows)


class _Bad(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed into a number cell
    if isinstance(value, dt.datetime):
        value = value.date()
    text = str(value).strip()
    if text.startswith("'") and looks_like_formula(text[1:]):
        text = text[1:]  # the apostrophe guard of files exported before citymgmt.exports
    return text


def _number(value, kind: str):
    if isinstance(value, bool):
        raise _Bad(_("不是数字"))
    text = _text(value).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad(_("“%(v)s”不是数字") % {"v": text}) from None
    if not number.is_finite():
        raise _Bad(_("“%(v)s”不是数字") % {"v": text})
    if kind == "int":
        if number != number.to_integral_value():
            raise _Bad(_("“%(v)s”不是整数") % {"v": text})
        return int(number)
    if kind == "float":
        return float(number)
    return number


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise _Bad(_("“%(v)s”不是日期（应为 YYYY-MM-DD）") % {"v": text})


class _Lookups:
    """Everything the cells name, read once per file (not once per row)."""

    def __init__(self, ledger: Ledger, raw: list[tuple[int, dict[Column, object]]]):
        wanted = {kind: set() for kind in FK_KINDS}
        for _line, cells in raw:
            for column, value in cells.items():
                if column.kind in wanted and _text(value):
                    wanted[column.kind].add(_text(value))
        codes = wanted["district"] | wanted["street"] | wanted["community"]
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes).only("code", "level", "parent_id")}
        known = {r.id for r in self.regions.values()}
        parents = {r.parent_id for r in self.regions.values() if r.level == "community"} - known
        for region in Region.objects.filter(id__in=parents).only("code", "level", "parent_id"):
            self.regions.setdefault(region.code, region)
        self.grids = {g.code: g for g in UnitGrid.objects.filter(code__in=wanted["grid"]).only(*_GRID_FIELDS)}
        self.companies = dict(
            MuckCompany.objects.filter(licence_no__in=wanted["company"]).values_list("licence_no", "id")
        )
        self.choices = {
            c.name: ledger.model._meta.get_field(c.name).choices for c in ledger.columns if c.kind == "choice"
        }

    def parse(self, column: Column, value):
        """The cell's value for the row (an id for a region, grid or company)."""
        kind = column.kind
        if kind in ("int", "decimal", "float"):
            return _number(value, kind)
        if kind == "bin":
            count = _number(value, "int")
            if not 0 <= count <= 32767:
                raise _Bad(_("桶数应在 0 到 32767 之间"))
            return count
        if kind == "date":
            return _date(value)
        text = _text(value)
        if kind == "bool":
            word = text.lower()
            if word in TRUE_WORDS or value is True:
                return True
            if word in FALSE_WORDS or value is False:
                return False
            raise _Bad(_("应填“是”或“否”"))
        if kind == "choice":
            for code, label in self.choices[column.name]:
                if text in (code, str(label)):
                    return code
            labels = "、".join(str(label) for _code, label in self.choices[column.name])
            raise _Bad(_("“%(v)s”不是可选值（%(labels)s）") % {"v": text, "labels": labels})
        if kind in REGION_KINDS:
            region = self.regions.get(text)
            if region is None or region.level != kind:
                level = {"district": _("区/县"), "street": _("街道"), "community": _("社区")}[kind]
                raise _Bad(_("没有代码为 %(code)s 的%(level)s") % {"code": text, "level": level})
            return region.id
        if kind == "grid":
            grid = self.grids.get(text)
            if grid is None:
                raise _Bad(_("没有编码为 %(code)s 的网格") % {"code": text})
            return grid.id
        if kind == "company":
            company = self.companies.get(text)
            if company is None:
                raise _Bad(_("没有统一社会信用代码为 %(code)s 的渣土运输企业") % {"code": text})
            return company
        return text


_GRID_FIELDS = ("code", "district_id", "street_id", "community_id")


def _attname(ledger: Ledger, name: str) -> str:
    return ledger.model._meta.get_field(name).attname


def _place(check: Check, row: Row, lookups: _Lookups, headers: dict[str, str]) -> None:
    """Fill district/street/community from the grid or community; refuse a street
    outside its district, a community outside its street, a grid elsewhere."""
    v = row.values
    parent = {r.id: r.parent_id for r in lookups.regions.values()}

    def bad(name, reason):
        check.errors.append(CellError(row.line, headers[name], reason))

    if v.get("grid_id"):
        grid = next(g for g in lookups.grids.values() if g.id == v["grid_id"])
        for name in REGION_KINDS:
            given = v.get(f"{name}_id")
            if given and given != getattr(grid, f"{name}_id"):
                bad("grid", _("网格 %(code)s 不在所填的区划内") % {"code": grid.code})
                return
            v[f"{name}_id"] = getattr(grid, f"{name}_id")
        return
    derived_street = False
    if v.get("community_id") and not v.get("street_id"):
        v["street_id"] = parent.get(v["community_id"])
        derived_street = True
    if v.get("street_id") and v.get("district_id") and parent.get(v["street_id"]) != v["district_id"]:
        if derived_street:
            bad("community", _("社区不在所填的区/县内"))
        else:
            bad("street", _("街道不在所填的区/县内"))
    if not derived_street and v.get("community_id") and parent.get(v["community_id"]) != v["street_id"]:
        bad("community", _("社区不在所填的街道内"))


def read_rows(data: bytes) -> tuple[list[tuple], str]:
    """All rows of the first sheet as values; '' or the reason the file is refused."""
    if len(data) > MAX_BYTES:
        return [], _("文件太大（最多 10 MB）。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return [], _("无法读取：请上传 Excel 2007 及以上的 .xlsx 文件。")
    if unpacked > MAX_UNPACKED_BYTES:
        return [], _("文件解压后太大，无法读取。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception:  # openpyxl raises many kinds for a file that is not .xlsx
        return [], _("无法读取：请上传 Excel 2007 及以上的 .xlsx 文件。")
    return rows, ""


def check_workbook(ledger: Ledger, data: bytes) -> Check:
    """Read and check every row and cell; write nothing."""
    check = Check(ledger)
    table, check.file_error = read_rows(data)
    if check.file_error:
        return check
    if not table:
        check.file_error = _("文件是空的。")
        return check
    titles = [_text(cell) for cell in table[0]]
    positions: dict[Column, int] = {}
    for column in ledger.columns:
        for index, title in enumerate(titles):
            if title in (column.title, column.name):
                positions[column] = index
                break
    missing = [c.title for c in ledger.columns if c.required and c not in positions]
    if missing:
        check.file_error = _("缺少必填列：%(cols)s（第 1 行应为列名）。") % {"cols": "、".join(missing)}
        return check
    check.present = [c for c in ledger.columns if c in positions]
    check.headers = [c.title for c in check.present]
    headers = {c.name: c.title for c in check.present}
    raw = []
    for line, cells in enumerate(table[1:], start=2):
        values = {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()}
        if any(_text(v) for v in values.values()):
            raw.append((line, values))
    if not raw:
        check.file_error = _("文件中没有数据行。")
        return check
    lookups = _Lookups(ledger, raw)
    has_grid = "grid" in headers
    for line, cells in raw:
        row = Row(line, shown=[_text(cells[c]) for c in check.present])
        for column, value in cells.items():
            blank = _text(value) == "" and not isinstance(value, bool)
            if blank:
                skip_required = column.kind == "district" and has_grid and _text(cells[ledger.column("grid")])
                if column.required and not skip_required:
                    check.errors.append(CellError(line, column.title, _("必填")))
                elif column.kind == "bin":
                    row.bins[column.extra] = 0
                elif column.kind in FK_KINDS or column.kind in ("int", "decimal", "float", "date"):
                    row.values[_attname(ledger, column.name)] = None
                elif column.kind == "bool":
                    row.values[column.name] = False
                else:
                    row.values[column.name] = ""
                continue
            try:
                parsed = lookups.parse(column, value)
            except _Bad as error:
                check.errors.append(CellError(line, column.title, str(error)))
                continue
            if column.kind == "bin":
                row.bins[column.extra] = parsed
            else:
                row.values[_attname(ledger, column.name)] = parsed
        if ledger.placed:
            _place(check, row, lookups, headers)
        check.rows.append(row)
    _check_keys_and_fields(check, headers)
    check.errors.sort(key=lambda e: (e.line, check.headers.index(e.header) if e.header in check.headers else 0))
    return check


def _key(ledger: Ledger, values: dict) -> tuple:
    return tuple(values.get(_attname(ledger, name)) for name in ledger.key)


def _existing(ledger: Ledger, rows: Iterable[Row]) -> dict[tuple, object]:
    first = _attname(ledger, ledger.key[0])
    wanted = list({_key(ledger, r.values)[0] for r in rows})
    found = {}
    for start in range(0, len(wanted), 2000):
        for obj in ledger.model.objects.filter(**{f"{first}__in": wanted[start : start + 2000]}):
            found[tuple(getattr(obj, _attname(ledger, n)) for n in ledger.key)] = obj
    return found


def _check_keys_and_fields(check: Check, headers: dict[str, str]) -> None:
    """Duplicate keys within the file; then the model's own field rules (lengths,
    minimums, choices) on each row, without the per-row queries of unique checks."""
    ledger = check.ledger
    bad_lines = {e.line for e in check.errors}
    seen: dict[tuple, int] = {}
    key_header = headers.get(ledger.key[0], ledger.key[0])
    for row in check.rows:
        key = _key(ledger, row.values)
        if None in key:
            continue
        if key in seen:
            check.errors.append(
                CellError(
                    row.line, key_header, _("与第 %(line)d 行重复（同一文件中只能出现一次）") % {"line": seen[key]}
                )
            )
        else:
            seen[key] = row.line
    existing = _existing(ledger, (r for r in check.rows if None not in _key(ledger, r.values)))
    fk_fields = [f.name for f in ledger.model._meta.concrete_fields if f.is_relation]
    by_attname = {ledger.model._meta.get_field(c.name).attname: c.title for c in check.present if c.kind != "bin"}
    for row in check.rows:
        if row.line in bad_lines:
            continue
        obj = existing.get(_key(ledger, row.values))
        instance = obj if obj is not None else ledger.model()
        for name, value in row.values.items():
            setattr(instance, name, value)
        untouched = [f.name for f in ledger.model._meta.concrete_fields if f.attname not in row.values]
        try:
            instance.full_clean(exclude=[*fk_fields, *untouched], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                attname = ledger.model._meta.get_field(name).attname if name != "__all__" else name
                header = by_attname.get(attname, name)
                check.errors.append(CellError(row.line, header, " ".join(messages)))


# --- import: write ------------------------------------------------------------------------

CHUNK = 500


def apply_rows(ledger: Ledger, rows: list[Row], progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Write checked rows in one transaction: new keys are created, known keys
    updated. Returns (created, updated). ``progress(done, total)`` after each chunk."""
    created = updated = 0
    total = len(rows)
    now = timezone.now()
    has_updated_at = any(f.name == "updated_at" for f in ledger.model._meta.fields)
    with transaction.atomic():
        for start in range(0, total, CHUNK):
            chunk = rows[start : start + CHUNK]
            existing = _existing(ledger, chunk)
            new, changed, saved = [], [], []
            fields: set[str] = set()
            for row in chunk:
                obj = existing.get(_key(ledger, row.values))
                if obj is None:
                    obj = ledger.model(**row.values)
                    new.append(obj)
                else:
                    for name, value in row.values.items():
                        setattr(obj, name, value)
                    fields.update(row.values)
                    if has_updated_at:
                        obj.updated_at = now
                    changed.append(obj)
                saved.append((obj, row))
            ledger.model.objects.bulk_create(new)
            if changed:
                names = [ledger.model._meta.get_field(a).name for a in fields if a not in ledger.key]
                fields_to_update = sorted({*names, *(["updated_at"] if has_updated_at else [])})
                ledger.model.objects.bulk_update(changed, fields_to_update)
            if ledger.inline == "bins":
                _apply_bins(saved)
            created += len(new)
            updated += len(changed)
            if progress is not None:
                progress(min(start + CHUNK, total), total)
    return created, updated


def _apply_bins(saved: list[tuple]) -> None:
    """Set each point's bin counts to the file's; a count of 0 removes that bin
    (its volume, not in the file, is kept for bins that stay)."""
    ids = [obj.pk for obj, _row in saved]
    current = {(b.point_id, b.waste_type): b for b in Bin.objects.filter(point_id__in=ids)}
    create, update, delete = [], [], []
    for obj, row in saved:
        for waste_type, count in row.bins.items():
            have = current.get((obj.pk, waste_type))
            if count and have is None:
                create.append(Bin(point_id=obj.pk, waste_type=waste_type, count=count))
            elif count and have.count != count:
                have.count = count
                update.append(have)
            elif not count and have is not None:
                delete.append(have.pk)
    Bin.objects.bulk_create(create)
    Bin.objects.bulk_update(update, ["count"])
    Bin.objects.filter(pk__in=delete).delete()
