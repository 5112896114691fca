"""The public reporting page (反映问题) and case tracking, under /report/, no login."""

import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import clock, services
from cases.models import Case, CaseEvent, PublicReport
from cases.web.public import issue_stamp
from tests.cases.conftest import at, photo
from tests.public.conftest import (
    REPORTED_AT,
    gps_jpeg,
    old_stamp,
    public_case,
    report_form,
    walk_to_closed,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/report/"
CALLER = ("王先生", "13812345678", "wang@example.org")


def track_url(case, token=""):
    return f"/report/track/{case.number}/" + (f"?t={token}" if token else "")


def assert_no_caller_data(html: str) -> None:
    for secret in CALLER:
        assert secret not in html, secret


# --- the form ---------------------------------------------------------------------------


def test_the_form_opens_without_login_ready_for_a_phone(client, world):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html and 'name="viewport"' in html
    assert "<title>反映问题" in html
    assert 'name="csrfmiddlewaretoken"' in html
    for name in ("category", "lat", "lng", "address", "description", "photos", "caller_name", "caller_phone",
                 "email", "website", "stamp"):  # fmt: skip
        assert f'name="{name}"' in html, name
    # Categories grouped by major class, active ones only.
    assert '<optgroup label="市容环境">' in html and 'value="06010"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external resources"
    assert "只有城市管理指挥中心的工作人员能看到" in html
    assert "/work/" not in html  # no staff navigation


def test_an_inactive_category_is_not_offered(client, world):
    from cases.models import Category

    Category.objects.filter(code="06010").update(is_active=False)
    html = client.get(URL).content.decode()
    assert 'value="06010"' not in html and 'value="01001"' in html


# --- reporting --------------------------------------------------------------------------


def test_a_report_creates_a_public_case_and_leads_to_its_tracking_page(client, world):
    response = client.post(URL, report_form(world, photos=[photo("a.png")]))
    assert response.status_code == 303
    case = Case.objects.get()
    report = PublicReport.objects.get(case=case)
    assert response["Location"] == f"/report/track/{case.number}/?t={report.token}&new=1"
    assert (case.source, case.status, case.category.code) == ("public", "reported", "06010")
    assert case.grid == world.city.grids[1]
    assert (case.caller_name, case.caller_phone, report.email, report.via) == (*CALLER, "web")
    assert report.ip == "127.0.0.1"
    assert case.attachments.filter(stage="report").count() == 1
    assert CaseEvent.objects.get(case=case).action == "report"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "您的案件编号" in html and f'id="case-number">{case.number}<' in html
    assert f"/report/track/{case.number}/?t={report.token}" in html  # the link to keep
    assert "受理中" in html and "已收到您反映的问题" in html
    assert_no_caller_data(html)


def test_the_tracking_page_without_the_token_shows_no_link_to_keep(client, world):
    case = public_case(world)
    html = client.get(track_url(case)).content.decode()
    assert case.public_report.token not in html and "您的跟踪链接" not in html
    html = client.get(track_url(case, "not-the-token") + "&new=1").content.decode()
    assert "您的案件编号" not in html and 'id="tracking-link"' not in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "", "未知或已停用的案件类别"),
        ("category", "99999", "未知或已停用的案件类别"),
        ("description", "   ", "请填写问题描述"),
        ("description", "长" * 4001, "问题描述最多 4000 字"),
        ("address", "路" * 201, "地址最多 200 字"),
        ("lat", "abc", "请提供有效的经纬度"),
        ("lat", "10.0", "不在"),  # outside the managed area
        ("caller_name", "名" * 65, "姓名最多 64 字"),
        ("caller_phone", "call me", "电话号码只能包含数字"),
        ("email", "not-an-email", "请填写有效的电子邮箱地址"),
    ],
)
def test_each_bad_field_comes_back_with_its_message_and_everything_typed(client, world, field, value, message):
    form = report_form(world, **{field: value})
    response = client.post(URL, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert not Case.objects.exists()
    kept = {k: v for k, v in form.items() if k not in ("stamp", "website", field, "lat", "lng")}
    for name, typed in kept.items():
        assert typed in html, name
    assert "照片需要重新选择" in html
    if field == "category" and value:
        assert 'value="06010"' in html  # the select is still there to choose from
    elif field not in ("category", "lat"):
        assert html.count("field-error") == 1


def test_the_message_on_the_location_sits_in_the_location_block(client, world):
    html = client.post(URL, report_form(world, lat="10.0", lng="10.0")).content.decode()
    block = html.split('id="location-errors"')[1].split("</div>\n")[0]
    assert "field-error" in block
    assert 'id="f-lat" value="10.0"' in html  # the pin is kept too


def test_more_than_three_photos_are_refused(client, world):
    response = client.post(URL, report_form(world, photos=[photo(f"{i}.png") for i in range(4)]))
    assert response.status_code == 400
    assert "最多上传 3 张照片" in response.content.decode()
    assert not Case.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_by_name(client, world):
    fake = SimpleUploadedFile("notes.jpg", b"just text", content_type="image/jpeg")
    response = client.post(URL, report_form(world, photos=[fake]))
    assert response.status_code == 400
    assert "“notes.jpg”不是有效的图片" in response.content.decode()
    assert not Case.objects.exists()


def test_a_photo_over_10_mb_is_refused(client, world):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024), content_type="image/png")
    response = client.post(URL, report_form(world, photos=[big]))
    assert response.status_code == 400
    assert "“big.png”超过 10 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_an_address_naming_a_community_is_enough_without_a_pin(client, world):
    response = client.post(URL, report_form(world, lat="", lng="", address="第2社区 菜场门口"))
    assert response.status_code == 303
    case = Case.objects.get()
    assert case.community == world.city.communities[1] and case.address == "第2社区 菜场门口"


def test_an_address_that_names_no_known_place_asks_for_a_pin(client, world):
    response = client.post(URL, report_form(world, lat="", lng="", address="火星大道 8 号"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "无法根据地址“火星大道 8 号”确定位置" in html and 'value="火星大道 8 号"' in html
    assert not Case.objects.exists()


def test_no_pin_and_no_address_asks_for_a_location(client, world):
    response = client.post(URL, report_form(world, lat="", lng="", address=""))
    assert response.status_code == 400
    assert "请在地图上点选问题位置" in response.content.decode()


def test_a_filled_honeypot_is_refused_and_creates_nothing(client, world):
    response = client.post(URL, report_form(world, website="http://spam.example"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "请清空后重新提交" in html and "小区门口垃圾堆放三天无人清理" in html
    assert not Case.objects.exists()


def test_a_submission_faster_than_a_person_is_refused(client, world):
    stamp = issue_stamp(time.time() - 1)
    response = client.post(URL, report_form(world, stamp=stamp))
    html = response.content.decode()
    assert response.status_code == 400
    assert "提交得太快了" in html and "小区门口垃圾堆放三天无人清理" in html
    assert f'value="{stamp}"' in html  # the same stamp: sending again a moment later works
    assert not Case.objects.exists()


@pytest.mark.parametrize("stamp", ["", "garbage", old_stamp()[:-2] + "xx", old_stamp(7 * 3600)])
def test_a_missing_forged_or_stale_stamp_is_refused_with_a_fresh_one(client, world, stamp):
    response = client.post(URL, report_form(world, stamp=stamp))
    html = response.content.decode()
    assert response.status_code == 400
    assert "请检查内容后再次提交" in html and "小区门口垃圾堆放三天无人清理" in html
    fresh = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
    assert fresh != stamp
    assert not Case.objects.exists()


def test_too_many_reports_from_one_address_get_429_with_the_form_kept(client, world, settings):
    settings.PUBLIC_REPORT_RATE_PER_IP = "2/h"
    assert client.post(URL, report_form(world)).status_code == 303
    assert client.post(URL, report_form(world)).status_code == 303
    response = client.post(URL, report_form(world, description="第三次反映"))
    html = response.content.decode()
    assert response.status_code == 429
    assert "提交次数过多，请稍后再试" in html and "第三次反映" in html
    assert Case.objects.count() == 2
    other = client.post(URL, report_form(world), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 303  # counted per address


def test_the_pin_helper_names_the_place_or_says_outside(client, world):
    point = report_form(world, grid=5)
    html = client.get("/report/locate/", {"lat": point["lat"], "lng": point["lng"]}).content.decode()
    assert "第2区" in html and "第2街道" in html and "第2社区" in html
    assert "不在本市城市管理范围内" in client.get("/report/locate/", {"lat": "1", "lng": "1"}).content.decode()


# --- tracking by number -----------------------------------------------------------------


def test_the_track_form_leads_to_the_case_page(client, world):
    case = public_case(world)
    assert client.get("/report/track/").status_code == 200
    response = client.get("/report/track/", {"number": f" {case.number} "})
    assert response.status_code == 302 and response["Location"] == f"/report/track/{case.number}/"


@pytest.mark.parametrize("number", ["", "12345", "2026111800001x", "20261118000011"])
def test_a_badly_formed_number_is_explained(client, world, number):
    response = client.get("/report/track/", {"number": number})
    assert response.status_code == 400
    assert "案件编号是 13 位数字" in response.content.decode()


def test_an_unknown_number_is_a_friendly_404(client, world):
    for url in ("/report/track/2026111899999/", "/report/track/abc/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "没有找到编号为" in response.content.decode()
        assert 'id="track-form"' in response.content.decode()


def test_any_case_can_be_followed_showing_only_public_information(client, world):
    """A hotline case: its caller, internal comments and phone numbers stay inside."""
    from tests.cases.conftest import case_in

    case = case_in("in_progress", world, description="井盖破损，联系人电话 13900001111")
    with clock.acting_at(at(REPORTED_AT)):
        services.case_supervise(case=case, by=world.dispatcher, note="请尽快处理，投诉人 13812345678 很着急")
    case.refresh_from_db()
    html = client.get(track_url(case)).content.decode()
    assert "处置中" in html and "处置部门已签收，正在处置" in html and "已派遣至市政处置" in html
    assert "139****1111" in html and "13900001111" not in html
    assert "请尽快处理" not in html and "13812345678" not in html and "王五" not in html
    assert "T-0001" not in html  # the 12345 ticket
    assert 'id="case-deadline"' in html  # dispatched: the handling deadline
    assert "handler-sz" not in html and "dispatcher" not in html


# --- after-photos -----------------------------------------------------------------------


def test_a_closed_case_shows_its_after_photo_served_without_exif(client, world, closed_public):
    html = client.get(track_url(closed_public)).content.decode()
    assert "已办结" in html and "问题已处理完毕，案件已结案" in html
    after = closed_public.attachments.get(stage="after")
    check = closed_public.attachments.get(stage="check")
    assert f"/report/photos/{after.pk}/" in html and f"/report/photos/{check.pk}/" not in html

    stored = Image.open(after.file.path)
    assert stored.getexif().get(0x8825) is not None  # the upload did carry GPS

    response = client.get(f"/report/photos/{after.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "max-age" in response["Cache-Control"]
    served = Image.open(io.BytesIO(response.content))
    assert served.format == "JPEG"
    assert len(served.getexif()) == 0 and "exif" not in served.info
    assert b"Exif" not in response.content and b"CityCam" not in response.content
    assert served.size == (48, 64)  # turned upright by its orientation tag first

    assert client.get(f"/report/photos/{check.pk}/").status_code == 404  # 核查 photo: internal


def test_photos_of_an_open_case_are_not_served(client, world):
    case = public_case(world, photos=[gps_jpeg("report.jpg")])
    attachment = case.attachments.get()
    assert client.get(f"/report/photos/{attachment.pk}/").status_code == 404
    assert client.get("/report/photos/999999/").status_code == 404


# --- "has it been fixed?" ---------------------------------------------------------------


def feedback(client, case, token, **fields):
    data = {"t": token, "resolved": "yes", "satisfaction": "satisfied", "comment": "修得很快", **fields}
    with clock.acting_at(at("2026-11-19 10:00")):
        return client.post(f"/report/track/{case.number}/feedback/", data)


def test_the_reporter_answers_once_and_it_counts_as_the_callback(client, world, closed_public):
    from datetime import date

    from tests.reports.conftest import drain_all, figure

    token = closed_public.public_report.token
    html = client.get(track_url(closed_public, token)).content.decode()
    assert "问题解决了吗？" in html
    assert "问题解决了吗？" not in client.get(track_url(closed_public)).content.decode()  # only the reporter

    response = feedback(client, closed_public, token, resolved="no", satisfaction="basically")
    assert response.status_code == 303
    closed_public.refresh_from_db()
    assert (closed_public.satisfaction, closed_public.resolved) == ("basically", False)
    assert closed_public.callback_at == at("2026-11-19 10:00")
    event = CaseEvent.objects.get(case=closed_public, action="callback")
    assert event.comment == "修得很快" and event.data["via"] == "public"
    thanks = client.get(response["Location"]).content.decode()
    assert "感谢您的评价，已经记录" in thanks and "问题解决了吗？" not in thanks

    again = feedback(client, closed_public, token)
    assert again.status_code == 409 and "已经评价或回访过了" in again.content.decode()
    assert CaseEvent.objects.filter(case=closed_public, action="callback").count() == 1

    drain_all()
    citizen = figure(date(2026, 11, 1), "district", world.city.districts[0].pk, "channel", "citizen")
    assert (citizen["callbacks"], citizen["callbacks_resolved"], citizen["callbacks_satisfied"]) == (1, 0, 1)


def test_a_wrong_token_is_refused(client, world, closed_public):
    response = feedback(client, closed_public, "x" * 32)
    assert response.status_code == 403
    assert "只有上报人" in response.content.decode()
    closed_public.refresh_from_db()
    assert closed_public.callback_at is None


def test_feedback_before_closing_is_refused(client, world):
    case = public_case(world)
    response = feedback(client, case, case.public_report.token)
    assert response.status_code == 409 and "尚未结案" in response.content.decode()
    case.refresh_from_db()
    assert case.callback_at is None


def test_incomplete_feedback_comes_back_with_messages_and_the_comment_kept(client, world, closed_public):
    token = closed_public.public_report.token
    response = feedback(client, closed_public, token, resolved="", satisfaction="", comment="还有一点没修好")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择问题是否已解决" in html and "请选择满意、基本满意或不满意" in html
    assert "还有一点没修好" in html and "问题解决了吗？" in html
    closed_public.refresh_from_db()
    assert closed_public.callback_at is None


def test_feedback_is_rate_limited_per_address(client, world, closed_public, settings):
    settings.PUBLIC_FEEDBACK_RATE_PER_IP = "1/h"
    token = closed_public.public_report.token
    assert feedback(client, closed_public, token, resolved="").status_code == 400
    response = feedback(client, closed_public, token)
    assert response.status_code == 429 and "提交次数过多" in response.content.decode()
    closed_public.refresh_from_db()
    assert closed_public.callback_at is None


def test_the_walk_helper_reaches_closed(world, media_root):
    case = walk_to_closed(world, public_case(world))
    assert case.status == "closed"
