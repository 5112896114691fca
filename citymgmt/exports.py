"""Spreadsheet exports that cannot run a formula (OWASP "CSV injection").

Every export cell that holds text someone typed (a name, a description, a code)
goes through this module. A spreadsheet reads text as a formula when it starts
with ``= + - @`` (after any spaces), or with a tab or carriage return; such a
formula can open links (``=HYPERLINK(...)``) or, in old Excel, run commands
(``+1+cmd|' /C calc'!A0``).

Two ways out, one per format:

- **.xlsx** (``xlsx_cell``): the cell is written as a *string cell* with Excel's
  own "quote prefix" flag, which is exactly what Excel stores when a person types
  ``'=x``. Excel, WPS and LibreOffice show the text as typed, with no apostrophe,
  and keep it text when it is edited (F2, Enter). A leading apostrophe in the
  value itself would instead be shown as part of the name (``'=HYPERLINK…``),
  and come back from a re-import or a copy, which is not the honest text. (Not
  doing either is worse than it looks: openpyxl writes any ``str`` starting with
  ``=`` as a live formula.)
- **CSV** (``csv_text``): a CSV cell has no type, so the only guard is the
  apostrophe prefix; spreadsheets show it, which is the accepted price.

Numbers, dates and booleans pass through untouched, so a negative number stays a
number; only text is ever changed.
"""

from __future__ import annotations

from openpyxl.cell import Cell

FORMULA_CHARS = ("=", "+", "-", "@")
CONTROL_CHARS = ("\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return text.startswith(CONTROL_CHARS) or text.lstrip().startswith(FORMULA_CHARS)


def xlsx_cell(sheet, value):
    """``value`` for ``sheet.append``: text that looks like a formula becomes a
    string cell with the quote prefix; anything else is returned unchanged.

    Works for normal and write-only sheets (both accept ``Cell`` objects in ``append``).
    """
    if not isinstance(value, str) or not looks_like_formula(value):
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # append() puts it in its place
    cell.data_type = "s"  # openpyxl made it "f" (a formula) if it starts with "="
    cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values) -> list:
    """A row for ``sheet.append`` with every text cell made safe (``xlsx_cell``)."""
    return [xlsx_cell(sheet, value) for value in values]


def csv_text(value):
    """A CSV cell: text that looks like a formula gets a leading apostrophe."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def csv_row(values) -> list:
    """A row for ``csv.writer.writerow`` with every text cell made safe (``csv_text``)."""
    return [csv_text(value) for value in values]
