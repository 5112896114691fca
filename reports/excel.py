"""The bulletins as .xlsx (openpyxl): Chinese headers, one sheet per level or
section, rates as percentage-formatted numbers with an empty cell for no
value, a frozen header row, and text that Excel would read as a formula
written as plain text (``citymgmt.exports``: OWASP CSV injection)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from citymgmt.exports import xlsx_row
from reports.bulletins import COMPONENT_LABELS, DailyView

PERCENT = "0.00%"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list], *, percent_columns=(), widths=None):
    sheet = book.create_sheet(title=title[:31])
    sheet.append(xlsx_row(sheet, headers))
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    for index in percent_columns:
        letter = get_column_letter(index + 1)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = PERCENT
        sheet.column_dimensions[letter].width = 11
    for index, header in enumerate(headers):
        if index in percent_columns:
            continue
        width = (widths or {}).get(index)
        if width is None:
            longest = max([_width(header)] + [_width(row[index]) for row in rows if index < len(row)])
            width = min(max(longest + 2, 8), 60)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _width(value) -> int:
    text = "" if value is None else str(value)
    # CJK characters take about two columns.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fraction(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- 每月一汇总 ---------------------------------------------------------------------------

COUNT_COLUMNS = [
    ("filed", _lazy("应结案数（立案数）")),
    ("closed", _lazy("结案数")),
    ("closed_on_time", _lazy("按期结案数")),
    ("handled", _lazy("处置数")),
    ("handled_on_time", _lazy("按期处置数")),
    ("rework", _lazy("返工数")),
    ("delayed", _lazy("延期案件数")),
    ("dispatched", _lazy("派遣数")),
    ("returned", _lazy("回退数")),
]
RATE_COLUMNS = [
    ("closure_rate", _lazy("结案率")),
    ("on_time_closure_rate", _lazy("按期结案率")),
    ("handling_rate", _lazy("处置率")),
    ("on_time_handling_rate", _lazy("按期处置率")),
    ("rework_rate", _lazy("返工率")),
    ("delay_rate", _lazy("延期率")),
    ("dispatch_accuracy", _lazy("派遣准确率")),
    ("hotline_response_rate", _lazy("热线响应率")),
    ("hotline_resolution_rate", _lazy("热线解决率")),
    ("hotline_satisfaction_rate", _lazy("热线满意率")),
]


def _board(board: str | None) -> str:
    return {"red": _("红榜"), "black": _("黑榜")}.get(board or "", "")


def _change(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "→"


def monthly_workbook(month: date, levels: list[dict]) -> bytes:
    """每月一汇总: one sheet per level (区县, 街道, 部门)."""
    book = Workbook()
    book.remove(book.active)
    for level in levels:
        with_sanitation = level["level"] != "department"
        headers = [_("排名"), _("排名变化"), _("代码"), _("名称"), _("综合得分"), _("流动红旗"), _("红黑榜")]
        headers += [str(label) for _name, label in COUNT_COLUMNS]
        first_rate = len(headers)
        headers += [str(label) for _name, label in RATE_COLUMNS]
        if with_sanitation:
            headers.append(_("环卫考评得分"))
        headers.append(_("备注"))
        rows = []
        for row in level["rows"]:
            note = ""
            if row["score"] is None:
                note = _("无考评数据，不参与排名")
            elif row["missing_labels"]:
                note = _("缺少%(parts)s，按其余项重新计权") % {"parts": "、".join(row["missing_labels"])}
            line = [
                row["rank"],
                _change(row["rank_change"]),
                row["code"],
                row["name"],
                _fraction(row["score"]),
                _("流动红旗") if row["red_flag"] else "",
                _board(row["board"]),
            ]
            line += [row[name] for name, _label in COUNT_COLUMNS]
            line += [_fraction(row[name]) for name, _label in RATE_COLUMNS]
            if with_sanitation:
                line.append(_fraction(row["sanitation_score"]))
            line.append(note)
            rows.append(line)
        percent_columns = range(first_rate, first_rate + len(RATE_COLUMNS))
        sheet = _sheet(book, level["title"], headers, rows, percent_columns=percent_columns, widths={3: 18})
        for (cell,) in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
            cell.number_format = "0.00"
        _notes(sheet, month, level)
    return _bytes(book)


def _notes(sheet, month: date, level: dict) -> None:
    """The as_of and the rules under the table (the header stays on row 1)."""
    as_of = timezone.localtime(level["as_of"]).strftime("%Y-%m-%d %H:%M") if level["as_of"] else _("尚未统计")
    state = _("已冻结") if level["frozen"] else _("未冻结（数据仍可能变化）")
    sheet.append([])
    sheet.append([_("注：%(month)s 月度考评，统计截止 %(as_of)s，%(state)s。")
                  % {"month": month.strftime("%Y-%m"), "as_of": as_of, "state": state}])  # fmt: skip
    sheet.append([_("比率无分母时留空（不计为 0% 或 100%）。缺项的得分按其余各项重新计权。")])
    if level["level"] == "department":
        sheet.append([_("部门考评不含%(part)s一项。") % {"part": COMPONENT_LABELS["sanitation"]}])


# --- 每日一通报 ----------------------------------------------------------------------------

ROW_LEVEL_TITLES = {"district": _lazy("区县"), "street": _lazy("街道"), "community": _lazy("社区")}


def daily_workbook(view: DailyView) -> bytes:
    """每日一通报: one sheet per section."""
    book = Workbook()
    book.remove(book.active)
    unit = str(ROW_LEVEL_TITLES[view.row_level])
    flows = [[u["code"], u["name"], u["reported"], u["filed"], u["closed"]] for u in view.flows]
    total = view.flow_total
    flows.append(["", _("合计"), total["reported"], total["filed"], total["closed"]])
    _sheet(
        book,
        _("受理立案结案"),
        [_("%(unit)s代码") % {"unit": unit}, unit, _("受理数"), _("立案数"), _("结案数")],
        flows,
    )
    red = [[u["code"], u["name"], u["count"], "、".join(c["number"] for c in u["cases"])] for u in view.red]
    red.append(["", _("合计"), view.red_total, ""])
    _sheet(
        book,
        _("红灯案件"),
        [_("部门编码"), _("部门"), _("红灯案件数"), _("案件编号（最早的20件）")],
        red,
        widths={3: 60},
    )
    supervision = [
        [
            c["number"],
            c["category"],
            c["department_name"],
            c["status"],
            _local(c["deadline"]),
            c["supervision_level"],
            _("是") if c["supervised_that_day"] else "",
        ]
        for c in view.supervision
    ]
    _sheet(
        book,
        _("督办清单"),
        [_("案件编号"), _("小类"), _("处置部门"), _("状态"), _("处置期限"), _("督办级别"), _("当日督办")],
        supervision,
    )
    return _bytes(book)
