"""每日一通报 and 每月一汇总: their figures from cases built through the services,
the .xlsx files read back with openpyxl, and who may see what."""

import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from cases import services
from cases.models import Status
from org.models import Department
from reports import assessment, stats
from reports.bulletins import generate_daily
from reports.models import DailyBulletin
from tests.cases.conftest import *  # noqa: F403
from tests.cases.conftest import at, case_in, light_of

PHONE, CALLER = "13812345678", "王五"
DAY = date(2026, 11, 18)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def day_of_cases(world, media_root):
    """The 18th in the test city: four cases reported in district 339901 (one
    closed, one dispatched to 市政 and supervised, one left unaccepted, one
    voided), one dispatched in district 339902; and a case of the 17th."""
    p = world
    made = {
        "closed": case_in(Status.CLOSED, p, moment=at("2026-11-18 09:00")),
        "dispatched": case_in(Status.DISPATCHED, p, moment=at("2026-11-18 09:10")),
        "reported": case_in(Status.REPORTED, p, moment=at("2026-11-18 09:20")),
        "voided": case_in(Status.VOIDED, p, moment=at("2026-11-18 09:30")),
        "other_district": case_in(Status.DISPATCHED, p, grid=5, moment=at("2026-11-18 09:40")),
        "day_before": case_in(Status.CLOSED, p, grid=2, moment=at("2026-11-17 09:00")),
    }
    with frozen_at("2026-11-18 11:00"):
        services.case_supervise(case=made["dispatched"], by=p.dispatcher, note="请尽快处理")
    return made


def frozen_at(text):
    from cases import clock

    return clock.acting_at(at(text))


def generate_next_morning():
    with frozen_at("2026-11-19 06:30"):
        return generate_daily()


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def all_values(book) -> str:
    return " ".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value)


# --- 每日一通报: the figures -------------------------------------------------------------------


def test_it_counts_yesterdays_intake_filings_and_closures_by_district(world, day_of_cases):
    bulletin = generate_next_morning()

    assert bulletin.day == DAY
    by_district = {}
    for row in bulletin.content["flows"]:
        unit = by_district.setdefault(row["district"], {"reported": 0, "filed": 0, "closed": 0})
        for name in unit:
            unit[name] += row[name]
    # reported: closed, dispatched, reported, voided (339901) + one (339902); the 17th's case not.
    # filed: the voided and the unaccepted cases never were.
    assert by_district == {
        "339901": {"reported": 4, "filed": 2, "closed": 1},
        "339902": {"reported": 1, "filed": 1, "closed": 0},
    }
    assert bulletin.content["totals"] == {"reported": 5, "filed": 3, "closed": 1, "red": 3, "supervised": 1}


def test_it_lists_red_light_cases_by_department_oldest_first(world, day_of_cases):
    cases = day_of_cases
    morning = at("2026-11-19 06:30")
    assert light_of(cases["dispatched"], morning) == "red"  # not signed within its working hour
    assert light_of(cases["reported"], morning) == "red"  # not accepted within 10 minutes

    bulletin = generate_next_morning()

    red_cases = bulletin.content["red_cases"]
    of_sz = [c["number"] for c in red_cases if c["department"] == "sz"]
    assert of_sz == [cases["dispatched"].number, cases["other_district"].number]
    assert [c["number"] for c in red_cases if c["department"] == ""] == [cases["reported"].number]
    counts = {}
    for row in bulletin.content["red_counts"]:
        counts[row["department"]] = counts.get(row["department"], 0) + row["count"]
    assert counts == {"sz": 2, "": 1}


def test_it_lists_the_supervised_cases(world, day_of_cases):
    bulletin = generate_next_morning()

    listed = bulletin.content["supervision"]["cases"]
    assert [c["number"] for c in listed] == [day_of_cases["dispatched"].number]
    entry = listed[0]
    assert entry["supervision_level"] == 1
    assert entry["supervised_that_day"] is True
    assert entry["department"] == "sz"
    assert entry["category"] and entry["deadline"]


def test_a_case_supervised_earlier_and_still_open_stays_on_the_list(world, day_of_cases):
    with frozen_at("2026-11-20 06:30"):
        bulletin = generate_daily()  # the 19th: no 督办 that day

    listed = bulletin.content["supervision"]["cases"]
    assert [(c["number"], c["supervised_that_day"]) for c in listed] == [(day_of_cases["dispatched"].number, False)]


def test_generating_twice_rewrites_the_same_day(world, day_of_cases):
    first = generate_next_morning()
    case_in(Status.REPORTED, world, grid=6, moment=at("2026-11-18 23:59"))  # entered late, say
    second = generate_next_morning()

    assert DailyBulletin.objects.count() == 1
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.content["totals"]["reported"] == 6


def test_the_bulletin_holds_no_personal_data(world, day_of_cases, client):
    bulletin = generate_next_morning()
    text = json.dumps(bulletin.content, ensure_ascii=False)
    assert PHONE not in text and CALLER not in text
    assert day_of_cases["closed"].caller_phone == PHONE  # the cases do carry them

    client.force_login(world.dispatcher)
    page = client.get(f"/reports/bulletins/daily/{DAY}/").content.decode()
    assert day_of_cases["dispatched"].number in page
    assert PHONE not in page and CALLER not in page
    book = workbook(client.get(f"/reports/bulletins/daily/{DAY}.xlsx"))
    assert PHONE not in all_values(book) and CALLER not in all_values(book)


# --- 每日一通报: pages and the .xlsx -------------------------------------------------------------


def test_the_daily_xlsx_has_one_sheet_per_section(world, day_of_cases, client):
    generate_next_morning()
    client.force_login(world.shift_leader)

    book = workbook(client.get(f"/reports/bulletins/daily/{DAY}.xlsx"))

    assert book.sheetnames == ["受理立案结案", "红灯案件", "督办清单"]
    flows = [[c.value for c in row] for row in book["受理立案结案"].iter_rows()]
    assert flows[0] == ["区县代码", "区县", "受理数", "立案数", "结案数"]
    assert flows[1:] == [["339901", "第1区", 4, 2, 1], ["339902", "第2区", 1, 1, 0], [None, "合计", 5, 3, 1]]
    assert book["受理立案结案"].freeze_panes == "A2"
    red = [[c.value for c in row] for row in book["红灯案件"].iter_rows(min_row=2)]
    sz = day_of_cases["dispatched"].number + "、" + day_of_cases["other_district"].number
    assert ["sz", "市政", 2, sz] in red
    supervision = [[c.value for c in row] for row in book["督办清单"].iter_rows()]
    assert supervision[0][:3] == ["案件编号", "小类", "处置部门"]
    assert supervision[1][0] == day_of_cases["dispatched"].number


def test_a_district_leader_sees_the_streets_of_their_district_only(world, day_of_cases, client):
    generate_next_morning()
    client.force_login(world.leader)  # district 339901

    book = workbook(client.get(f"/reports/bulletins/daily/{DAY}.xlsx"))

    flows = [[c.value for c in row] for row in book["受理立案结案"].iter_rows()]
    assert flows[0][1] == "街道"
    assert flows[1:] == [["339901001", "第1街道", 4, 2, 1], [None, "合计", 4, 2, 1]]
    red = [[c.value for c in row] for row in book["红灯案件"].iter_rows(min_row=2)]
    assert ["sz", "市政", 1, day_of_cases["dispatched"].number] in red
    assert day_of_cases["other_district"].number not in all_values(book)
    page = client.get(f"/reports/bulletins/daily/{DAY}/").content.decode()
    assert day_of_cases["other_district"].number not in page
    assert "第1街道" in page


def test_the_list_pages_the_bulletins(world, client):
    for offset in range(35):  # 2026-10-01 … 2026-11-04
        DailyBulletin.objects.create(
            day=date(2026, 10, 1) + timedelta(days=offset),
            generated_at=at("2026-11-19 06:30"),
            content={"totals": {"reported": offset, "filed": 0, "closed": 0, "red": 0, "supervised": 0}},
        )
    client.force_login(world.admin)

    first = client.get("/reports/bulletins/").content.decode()
    second = client.get("/reports/bulletins/?page=2").content.decode()

    assert "2026-11-04" in first and "2026-10-06" in first and "2026-10-05" not in first
    assert "2026-10-05" in second and "2026-10-01" in second
    assert "1 / 2" in first


def test_a_shift_leader_generates_yesterdays_bulletin_now(world, day_of_cases, client):
    client.force_login(world.shift_leader)
    with frozen_at("2026-11-19 08:00"):
        listing = client.get("/reports/bulletins/").content.decode()
        response = client.post("/reports/bulletins/daily/generate/", {"day": "yesterday"})

    assert 'data-generate="yesterday"' in listing
    assert response.status_code == 302
    assert response["Location"] == f"/reports/bulletins/daily/{DAY}/"
    assert DailyBulletin.objects.get(day=DAY).content["totals"]["reported"] == 5


def test_generate_needs_a_post_with_the_csrf_token(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.shift_leader)
    assert strict.post("/reports/bulletins/daily/generate/", {"day": "today"}).status_code == 403
    client.force_login(world.shift_leader)
    assert client.get("/reports/bulletins/daily/generate/").status_code == 405
    assert not DailyBulletin.objects.exists()


@pytest.mark.parametrize("who", ["dispatcher", "leader", "operator", "handler_a"])
def test_only_shift_leaders_and_admins_generate(world, client, who):
    client.force_login(getattr(world, who))
    response = client.post("/reports/bulletins/daily/generate/", {"day": "today"})
    assert response.status_code == 403
    assert not DailyBulletin.objects.exists()


# --- 每月一汇总 -------------------------------------------------------------------------------


@pytest.fixture
def november(world, media_root):
    """November 2026 ranked: 339901 closed its case on time, 339902 did not close
    its one; a department whose name looks like a formula."""
    p = world
    case_in(Status.CLOSED, p, moment=at("2026-11-18 09:00"))
    case_in(Status.DISPATCHED, p, grid=5, moment=at("2026-11-18 09:10"))
    Department.objects.create(code="zz", name='=HYPERLINK("http://x")', kind=Department.Kind.HOUSING)
    stats.rebuild()
    return date(2026, 11, 1)


def sheet_rows(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_monthly_xlsx_has_a_sheet_per_level_with_percentages(world, november, client):
    client.force_login(world.city_leader)

    book = workbook(client.get("/reports/bulletins/monthly.xlsx?month=2026-11"))

    assert book.sheetnames == ["区县", "街道", "部门"]
    districts = book["区县"]
    header = [c.value for c in districts[1]]
    assert header[:7] == ["排名", "排名变化", "代码", "名称", "综合得分", "流动红旗", "红黑榜"]
    assert "结案率" in header and "按期结案率" in header and "环卫考评得分" in header
    assert districts.freeze_panes == "A2"
    assert districts.column_dimensions["D"].width >= 10
    column = {name: index + 1 for index, name in enumerate(header)}
    first, second = districts[2], districts[3]
    assert first[column["代码"] - 1].value == "339901"
    assert first[column["排名"] - 1].value == 1
    assert first[column["流动红旗"] - 1].value == "流动红旗"
    closure = districts.cell(row=2, column=column["结案率"])
    assert closure.value == 1.0 and closure.number_format == "0.00%"
    assert districts.cell(row=3, column=column["结案率"]).value == 0.0
    # No callback at all: no satisfaction rate, an empty cell (not 0 %).
    assert districts.cell(row=2, column=column["热线满意率"]).value is None
    assert second[column["代码"] - 1].value == "339902"
    assert "重新计权" in (districts.cell(row=2, column=column["备注"]).value or "")
    departments = book["部门"]
    assert "环卫考评得分" not in [c.value for c in departments[1]]
    names = [row[3] for row in sheet_rows(departments)[1:]]
    assert '=HYPERLINK("http://x")' in names  # shown as typed, in a text cell
    assert not any(c.data_type == "f" for row in departments.iter_rows() for c in row)
    notes = all_values([departments])
    assert "统计截止" in notes and "未冻结" in notes


def test_the_monthly_page_shows_the_ranking_ready_to_print(world, november, client):
    client.force_login(world.dispatcher)

    page = client.get("/reports/bulletins/monthly/?month=2026-11").content.decode()

    assert "2026年11月" in page
    assert 'data-code="339901"' in page and 'data-code="339902"' in page
    assert page.index('data-code="339901"') < page.index('data-code="339902"')
    assert 'data-flag="1"' in page and "流动红旗" in page
    assert "100.00 %" in page and "0.00 %" in page and "—" in page
    assert "统计截止" in page and "未冻结" in page
    assert "部门考评不含环卫考评得分" in page
    assert 'data-note="reweighted"' in page
    assert "vendor/echarts/echarts.min.js" in page and 'id="chart-district"' in page
    assert "@media print" in page


def test_a_frozen_month_says_so(world, client, media_root):
    case_in(Status.CLOSED, world, moment=at("2026-10-14 09:00"))
    stats.rebuild()
    frozen = assessment.freeze(date(2026, 10, 1), now=at("2026-11-10 00:00"))
    assert frozen is not None
    client.force_login(world.admin)

    page = client.get("/reports/bulletins/monthly/?month=2026-10").content.decode()

    assert "已冻结" in page and "2026-11-04 00:00" in page  # month end + 3 settle days
    assert 'data-code="339901"' in page


def test_a_district_leader_gets_their_own_region_in_the_monthly_xlsx(world, november, client):
    client.force_login(world.leader)  # district 339901

    book = workbook(client.get("/reports/bulletins/monthly.xlsx?month=2026-11"))

    def codes(title):
        return [row[2] for row in sheet_rows(book[title])[1:] if row[2]]

    assert codes("区县") == ["339901"]
    assert codes("街道") == ["339901001"]
    assert codes("部门") == ["jd-339901001"]  # the street office of their street
    page = client.get("/reports/bulletins/monthly/?month=2026-11").content.decode()
    assert 'data-code="339901"' in page and 'data-code="339902"' not in page


def test_a_bad_month_is_a_400(world, client):
    client.force_login(world.admin)
    assert client.get("/reports/bulletins/monthly/?month=2026-13").status_code == 400
    assert client.get("/reports/bulletins/monthly.xlsx?month=nov").status_code == 400


# --- who may see ---------------------------------------------------------------------------


URLS = [
    "/reports/bulletins/",
    f"/reports/bulletins/daily/{DAY}/",
    f"/reports/bulletins/daily/{DAY}.xlsx",
    "/reports/bulletins/monthly/?month=2026-11",
    "/reports/bulletins/monthly.xlsx?month=2026-11",
]


@pytest.fixture
def one_bulletin(world):
    return DailyBulletin.objects.create(day=DAY, generated_at=at("2026-11-19 06:30"), content={})


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("city_leader", 200),
        ("shift_leader", 200),
        ("dispatcher", 200),
        ("admin", 200),
        ("operator", 403),
        ("handler_a", 403),
        ("inspector", 403),
        ("outsider", 403),
    ],
)
def test_who_may_read_the_bulletins(world, one_bulletin, client, url, who, status):
    client.force_login(getattr(world, who))
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", URLS)
def test_anonymous_readers_are_sent_to_log_in(world, one_bulletin, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
